using Skvare.CmsUser.Tests.Shared.Sites;
using Skvare.CmsUser.Testing.WordPress;

namespace Skvare.CmsUser.WordPress.Tests;

/// <summary>
/// A contact whose preferred language the site does not have: WordPress's user schema allows only the installed locales,
/// so the create is refused. The account is created without a language (the site's default), as the reference extension
/// created it when the site lacked the language, instead of the contact failing every run until it gives up.
/// </summary>
public sealed class LanguageTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_language_the_site_lacks_gives_an_account_in_the_sites_default_language(bool companion)
    {
        using var site = FakeSite.Start(0, wordpress: o => o.UseCompanionPlugin = companion);
        var brazilian = site.Civi.AddContact("Ana", "Lima", "ana@example.org", row => row["preferred_language"] = "pt_BR");
        var german = site.Civi.AddContact("Jonas", "Weber", "jonas@example.org", row => row["preferred_language"] = "de_DE");
        site.Civi.AddToGroup(site.Members, [brazilian, german]);

        var summary = await site.Provisioner.RunOnceAsync();

        summary.Count(OutcomeKind.Created).Should().Be(2, "a missing language is no reason to refuse the account");
        site.WordPress.FindUser("ana.lima")!.Language.Should().BeOneOf(null, "", "en_US");
        site.WordPress.FindUser("jonas.weber")!.Language.Should().Be("de_DE", "an installed locale is still sent");
        var ana = site.Civi.Activities.Single(a => a.Targets.SequenceEqual([brazilian]));
        ana.Status.Should().Be("Completed");
        ana.Details.Should().Contain("The site has no language 'pt_BR', so the account has the site's default language.");
        site.Civi.Activities.Single(a => a.Targets.SequenceEqual([german])).Details.Should().NotContain("no language");
    }

    [Fact]
    public async Task The_locale_refusal_is_UnknownLanguage_and_other_refusals_are_not()
    {
        using var server = new FakeWordPressServer();
        using var host = WordPressTestHost.For(server, companion: false);

        var refused = await FluentActions.Awaiting(() => host.Provider.CreateAsync(new NewCmsAccount { Username = "ana", Email = "ana@example.org", Password = "Xy9!long-enough-pass", Language = "pt_BR" }))
            .Should().ThrowAsync<CmsProviderException>();
        refused.Which.Reason.Should().Be(CmsErrorReason.UnknownLanguage);
        refused.Which.Kind.Should().Be(FailureKind.Permanent);
        server.Users.Should().NotContain(u => u.Email == "ana@example.org", "a refused create saves nothing, so it can be sent again");

        var invalidEmail = await FluentActions.Awaiting(() => host.Provider.CreateAsync(new NewCmsAccount { Username = "bo", Email = "not an email", Password = "Xy9!long-enough-pass", Language = "pt_BR" }))
            .Should().ThrowAsync<CmsProviderException>();
        invalidEmail.Which.Reason.Should().NotBe(CmsErrorReason.UnknownLanguage);
    }
}
