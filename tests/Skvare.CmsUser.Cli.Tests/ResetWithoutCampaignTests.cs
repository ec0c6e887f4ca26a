using System.Text.Json.Nodes;

namespace Skvare.CmsUser.Cli.Tests;

/// <summary><c>cmsuser reset</c> without a campaign to run is a settings answer, given before anything connects.</summary>
public sealed class ResetWithoutCampaignTests
{
    [Fact(Timeout = 120_000)]
    public async Task Reset_without_a_campaign_says_how_to_add_one_and_exits_3_without_a_request()
    {
        using var sites = new Sites();
        sites.AddMember("Ana", "Lima", "ana@example.org");
        var settings = sites.Settings();
        settings["CmsUser"]!.AsObject().Remove("PasswordResets");
        using var folder = new TempFolder();
        folder.Write("appsettings.json", Sites.Json(settings));

        var human = await Cli.RunAsync(folder.Path, null, "reset");
        var json = await Cli.RunAsync(folder.Path, null, "reset", "--json");

        human.ExitCode.Should().Be(ExitCodes.Configuration, human.ToString());
        human.Stderr.Should().Contain("No password reset campaign is configured").And.Contain("CmsUser:PasswordResets")
            .And.Contain("\"Trigger\": { \"Kind\": \"Tag\"", "the message shows what a campaign looks like");
        human.Stdout.Should().NotContain("Password resets finished", "no run took place");
        json.ExitCode.Should().Be(ExitCodes.Configuration, json.ToString());
        json.Json.GetProperty("status").GetString().Should().Be("configuration");
        json.Json.GetProperty("error").GetString().Should().Contain("No password reset campaign is configured");
        sites.Civi.Requests.Should().BeEmpty("nothing to reset needs no CiviCRM");
        sites.WordPress.Requests.Should().BeEmpty();
    }

    [Fact(Timeout = 120_000)]
    public async Task Reset_with_a_rule_name_instead_of_a_campaign_says_so_and_exits_3_without_a_request()
    {
        using var sites = new Sites();
        var ana = sites.Civi.AddContact("Ana", "Lima", "ana@example.org");
        sites.Civi.TagContacts(sites.ResetTag, [ana]);
        using var folder = new TempFolder();
        folder.Write("appsettings.json", Sites.Json(sites.Settings()));

        var reset = await Cli.RunAsync(folder.Path, null, "reset", "--rule", "members");

        reset.ExitCode.Should().Be(ExitCodes.Configuration, reset.ToString());
        reset.Stderr.Should().Contain("--rule 'members' names an account rule, not a password reset campaign").And.Contain("cmsuser run --rule members");
        sites.Civi.Requests.Should().BeEmpty();
        sites.WordPress.Requests.Should().BeEmpty();
        sites.WordPress.Mails.Should().BeEmpty();
    }
}

/// <summary><c>cmsuser run --rule</c> naming a password reset campaign points to <c>cmsuser reset</c>, before anything connects.</summary>
public sealed class RunWithCampaignNameTests
{
    [Fact(Timeout = 120_000)]
    public async Task Run_with_a_campaign_name_instead_of_a_rule_says_so_and_exits_3_without_a_request()
    {
        using var sites = new Sites();
        var ana = sites.Civi.AddContact("Ana", "Lima", "ana@example.org");
        sites.Civi.TagContacts(sites.ResetTag, [ana]);
        using var folder = new TempFolder();
        folder.Write("appsettings.json", Sites.Json(sites.Settings()));

        var run = await Cli.RunAsync(folder.Path, null, "run", "--rule", "migration");

        run.ExitCode.Should().Be(ExitCodes.Configuration, run.ToString());
        run.Stderr.Should().Contain("--rule 'migration' names a password reset campaign, not an account rule").And.Contain("cmsuser reset --rule migration");
        run.Stdout.Should().NotContain("finished", "no run took place");
        sites.Civi.Requests.Should().BeEmpty();
        sites.WordPress.Requests.Should().BeEmpty();
        sites.WordPress.Mails.Should().BeEmpty();
    }
}
