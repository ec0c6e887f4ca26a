using System.Net;
using Skvare.CmsUser.Testing.Backdrop;
using Skvare.CmsUser.Testing.Drupal;
using Skvare.CmsUser.Testing.Drupal7;
using Skvare.CmsUser.Testing.Joomla;
using Skvare.CmsUser.Testing.Standalone;
using Skvare.CmsUser.Testing.WordPress;

namespace Skvare.CmsUser.Testing.Tests;

/// <summary>Every CMS fake offers the same directory view, seeding, request log and faults (<see cref="IFakeCmsServer"/>).</summary>
public sealed class FakeCmsServerTests
{
    public static TheoryData<string> Cms() => ["wordpress", "drupal", "drupal7", "backdrop", "joomla", "standalone"];

    private static IFakeCmsServer Start(string cms) => cms switch
    {
        "wordpress" => new FakeWordPressServer(),
        "drupal" => FakeDrupalServer.Start(),
        "drupal7" => FakeDrupal7Server.Start(),
        "backdrop" => FakeBackdropServer.Start(),
        "standalone" => new FakeStandaloneServer(),
        _ => new FakeJoomlaServer(),
    };

    [Theory(Timeout = 20_000)]
    [MemberData(nameof(Cms))]
    public async Task A_seeded_account_is_in_the_directory_and_faults_and_the_log_work_alike(string cms)
    {
        using var site = Start(cms);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };

        var added = site.AddAccount("kit.user", "kit.user@example.org");
        site.FailNext(1, 503);
        using var failed = await http.GetAsync(site.BaseUrl);

        site.Users.Should().ContainSingle(a => a.Id == added.Id).Which.Should().BeEquivalentTo(
            new { Username = "kit.user", Email = "kit.user@example.org", Active = true });
        added.Roles.Should().NotBeNull();
        failed.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
        site.RequestCount.Should().Be(1);
        site.RequestLogText.Should().ContainSingle().Which.Should().Contain("503");
    }

    [Fact(Timeout = 20_000)]
    public async Task A_Standalone_account_belongs_to_a_contact_and_its_request_log_hides_the_params()
    {
        using var site = new FakeStandaloneServer();
        IFakeCmsServer kit = site;

        var added = kit.AddAccount("kit.user", "kit.user@example.org");
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        using var body = new FormUrlEncodedContent(new Dictionary<string, string> { ["params"] = """{"values":{"password":"s3cret-Pa55word"}}""" });
        using var answer = await http.PostAsync(new Uri(site.Url, "civicrm/ajax/api4/User/update"), body);

        var user = site.Users.Single(u => u.Id == added.Id);
        user.ExtrasOf<FakeStandaloneUserExtras>().ContactId.Should().NotBeNull();
        site.Store.Rows("Email").Should().Contain(e => Equals(e["contact_id"], user.ExtrasOf<FakeStandaloneUserExtras>().ContactId) && Equals(e["email"], "kit.user@example.org"));
        kit.Users.Should().Contain(a => a.Username == "admin" && a.Roles.Contains("admin"), "the API user is listed with its role names");
        site.Requests.Should().ContainSingle().Which.ParamsJson.Should().Contain("s3cret-Pa55word", "the record keeps what was sent");
        kit.RequestLogText.Should().ContainSingle().Which.Should().NotContain("s3cret-Pa55word");
    }

    [Fact]
    public void A_user_prints_without_password_material_and_its_extras_are_typed()
    {
        var user = new FakeCmsUser(5, "jdoe", "jdoe@example.org", true, ["member"])
        {
            HasPassword = true,
            PasswordHash = FakePassword.Hash("Secret-Pa55"),
            Extras = new FakeDrupalUserExtras(Guid.NewGuid()),
        };

        user.PasswordMatches("Secret-Pa55").Should().BeTrue();
        user.PasswordMatches("secret-pa55").Should().BeFalse();
        user.ToString().Should().Contain("jdoe").And.Contain("member").And.NotContain(FakePassword.Hash("Secret-Pa55")).And.NotContain("PasswordHash");
        user.ExtrasOf<FakeDrupalUserExtras>().Uuid.Should().NotBeEmpty();
        user.Invoking(u => u.ExtrasOf<FakeJoomlaUserExtras>()).Should().Throw<InvalidOperationException>().WithMessage("*FakeDrupalUserExtras*");
    }
}
