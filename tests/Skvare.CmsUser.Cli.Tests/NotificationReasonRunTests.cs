using Skvare.CmsUser.Testing;

namespace Skvare.CmsUser.Cli.Tests;

/// <summary>
/// <c>run</c> against a fake WordPress whose new-account emails fail: the JSON says why per contact
/// (<c>notificationFailureReason</c>), and the summary line follows that reason, not the words of the site's message.
/// </summary>
public sealed class NotificationReasonRunTests
{
    [Theory(Timeout = 120_000)]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_site_whose_mail_fails_is_named_as_the_cause(bool json)
    {
        using var sites = new Sites();
        var ana = sites.AddMember("Ana", "Lima", "ana@example.org");
        // The companion plugin's create answers X-Skvare-CmsUser-Notified: failed.
        sites.WordPress.MailFails = true;
        using var folder = new TempFolder();
        folder.Write("appsettings.json", Sites.Json(sites.Settings()));

        var run = await Cli.RunAsync(folder.Path, null, json ? ["run", "--json"] : ["run"]);

        run.ExitCode.Should().Be(ExitCodes.Done, run.ToString());
        if (json)
        {
            var contact = run.Json.GetProperty("contacts").EnumerateArray().Should().ContainSingle().Subject;
            contact.GetProperty("contactId").GetInt64().Should().Be(ana);
            contact.GetProperty("notification").GetString().Should().Be("failed");
            contact.GetProperty("notificationFailureReason").GetString().Should().Be("mailRefused");
        }
        else
        {
            run.Stdout.Should().Contain($"1 new-account email could not be sent by the website (contact {ana}): ").And.Contain("Once the site's mail works");
        }
    }

    [Theory(Timeout = 120_000)]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_site_gone_after_the_create_is_named_as_the_cause_not_its_mail(bool json)
    {
        using var sites = new Sites();
        var ana = sites.AddMember("Ana", "Lima", "ana@example.org");
        var bea = sites.AddMember("Bea", "Costa", "bea@example.org");
        // The plugin's create cannot notify, so the email is a request of its own, which a proxy whose site went away answers 502.
        sites.WordPress.CompanionCreateAndLookup = false;
        sites.WordPress.FaultWhere = r => r.Operation == FakeCmsOperation.Notify ? FakeFault.Status(502) : null;
        using var folder = new TempFolder();
        folder.Write("appsettings.json", Sites.Json(sites.Settings()));

        var run = await Cli.RunAsync(folder.Path, null, json ? ["run", "--json"] : ["run"]);

        run.ExitCode.Should().Be(ExitCodes.Done, run.ToString());
        sites.WordPress.Mails.Should().BeEmpty();
        sites.Civi.Activities.Where(a => a.Subject?.StartsWith("Created : ", StringComparison.Ordinal) == true).Should().HaveCount(2)
            .And.OnlyContain(a => a.Details!.Contains("The account was created, but then the request to send the new-account email failed: ", StringComparison.Ordinal));
        if (json)
        {
            var contacts = run.Json.GetProperty("contacts").EnumerateArray().ToArray();
            contacts.Select(c => c.GetProperty("contactId").GetInt64()).Should().BeEquivalentTo([ana, bea]);
            contacts.Should().OnlyContain(c => c.GetProperty("notification").GetString() == "failed" && c.GetProperty("notificationFailureReason").GetString() == "siteUnreachable");
        }
        else
        {
            run.Stdout.Should().Contain($"2 new-account emails could not be sent (contact {Math.Min(ana, bea)}, {Math.Max(ana, bea)}): the website could not be reached or did not answer when asked to send them. ")
                .And.NotContain("mail works");
        }
    }
}
