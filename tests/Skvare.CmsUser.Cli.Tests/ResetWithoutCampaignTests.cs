using System.Text.Json.Nodes;

namespace Skvare.CmsUser.Cli.Tests;

/// <summary><c>cmsuser reset</c> without a campaign to run, or <c>run</c>/<c>reset</c> with a --rule of the other kind, is a settings answer, given before anything connects.</summary>
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

    /// <summary>A --rule of the other kind (an account rule for reset, a campaign for run) names the command that runs it.</summary>
    [Theory(Timeout = 120_000)]
    [InlineData("reset", "members", "--rule 'members' names an account rule, not a password reset campaign", "cmsuser run --rule members")]
    [InlineData("run", "migration", "--rule 'migration' names a password reset campaign, not an account rule", "cmsuser reset --rule migration")]
    public async Task A_rule_name_of_the_other_kind_says_which_command_runs_it_and_exits_3_without_a_request(string command, string name, string says, string points)
    {
        using var sites = new Sites();
        var ana = sites.Civi.AddContact("Ana", "Lima", "ana@example.org");
        sites.Civi.TagContacts(sites.ResetTag, [ana]);
        using var folder = new TempFolder();
        folder.Write("appsettings.json", Sites.Json(sites.Settings()));

        var result = await Cli.RunAsync(folder.Path, null, command, "--rule", name);

        result.ExitCode.Should().Be(ExitCodes.Configuration, result.ToString());
        result.Stderr.Should().Contain(says).And.Contain(points);
        result.Stdout.Should().NotContain("finished", "no run took place");
        sites.Civi.Requests.Should().BeEmpty();
        sites.WordPress.Requests.Should().BeEmpty();
        sites.WordPress.Mails.Should().BeEmpty();
    }
}
