using System.Text.Json;

namespace Skvare.CmsUser.Cli.Tests;

/// <summary>
/// A cron job running <c>cmsuser run</c> (or <c>plan</c>, <c>reset</c>) while no contact waits: a wrong WordPress
/// application password exits 3 at once, naming the CMS and the setting, instead of 0 until the first contact comes;
/// an unreachable WordPress exits 2; the right password keeps exit 0.
/// </summary>
public sealed class IdleCredentialsTests
{
    private const string WrongPassword = "wrng wrng wrng wrng wrng wrng";

    [Fact(Timeout = 180_000)]
    public async Task Run_plan_and_reset_with_no_contact_waiting_exit_3_on_a_wrong_application_password_and_json_carries_it()
    {
        using var sites = new Sites();
        using var folder = new TempFolder();
        folder.Write("appsettings.json", Sites.Json(sites.Settings(applicationPassword: WrongPassword)));

        var run = await Cli.RunAsync(folder.Path, null, "run");
        var json = await Cli.RunAsync(folder.Path, null, "run", "--json");
        var plan = await Cli.RunAsync(folder.Path, null, "plan", "--json");
        var reset = await Cli.RunAsync(folder.Path, null, "reset");

        run.ExitCode.Should().Be(3, run.ToString());
        run.Stdout.Should().Contain("Stopped by a configuration or credentials problem: No contact needed WordPress in this run, so its credentials were checked: WordPress refused to read the API account")
            .And.Contain("CmsUser:WordPress:Username and ApplicationPassword");

        json.ExitCode.Should().Be(3, json.ToString());
        var document = json.Json;
        document.GetProperty("exitCode").GetInt32().Should().Be(3);
        document.GetProperty("status").GetString().Should().Be("configuration");
        document.GetProperty("total").GetInt32().Should().Be(0);
        document.GetProperty("stopKind").GetString().Should().Be("configuration");
        document.GetProperty("stopReason").GetString().Should().Contain("rest_not_logged_in").And.Contain("CmsUser:WordPress:Username and ApplicationPassword");
        var check = document.GetProperty("cmsCredentialsCheck");
        check.GetProperty("name").GetString().Should().Be("Authentication");
        check.GetProperty("passed").GetBoolean().Should().BeFalse();
        check.GetProperty("why").GetString().Should().Be("configuration");

        plan.ExitCode.Should().Be(3, plan.ToString());
        plan.Json.GetProperty("status").GetString().Should().Be("configuration");
        plan.Json.GetProperty("error").GetString().Should().StartWith("Configuration or credentials: No contact needed WordPress in this plan, so its credentials were checked: WordPress refused");
        plan.Stderr.Should().Contain("cmsuser: Configuration or credentials: No contact needed WordPress in this plan");

        reset.ExitCode.Should().Be(3, reset.ToString());
        reset.Stdout.Should().Contain("No contact needed WordPress in this run");

        foreach (var result in new[] { run, json, plan, reset })
        {
            result.All.Should().NotContain(WrongPassword, "the secret is never printed");
        }

        sites.WordPress.Requests.Should().HaveCount(4).And.OnlyContain(r => r.Path == "/wp-json/wp/v2/users/me", "one check per command");
    }

    [Fact(Timeout = 180_000)]
    public async Task Run_and_plan_with_no_contact_waiting_exit_0_with_the_right_password_and_2_when_WordPress_cannot_be_reached()
    {
        using var sites = new Sites();
        var noCms = sites.Settings();
        noCms["CmsUser"]!["WordPress"]!["BaseUrl"] = "http://127.0.0.1:9/";
        using var folder = new TempFolder();
        folder.Write("appsettings.json", Sites.Json(sites.Settings()));
        folder.Write("down.json", Sites.Json(noCms));

        var good = await Cli.RunAsync(folder.Path, null, "run", "--json");
        var goodPlan = await Cli.RunAsync(folder.Path, null, "plan");
        var down = await Cli.RunAsync(folder.Path, null, "run", "--json", "--settings", "down.json");
        var downPlan = await Cli.RunAsync(folder.Path, null, "plan", "--settings", "down.json");

        good.ExitCode.Should().Be(0, good.ToString());
        good.Json.GetProperty("stopKind").GetString().Should().Be("none");
        good.Json.GetProperty("cmsCredentialsCheck").GetProperty("passed").GetBoolean().Should().BeTrue();
        goodPlan.ExitCode.Should().Be(0, goodPlan.ToString());
        goodPlan.Stdout.Should().Contain("Nothing to do");

        down.ExitCode.Should().Be(2, down.ToString());
        down.Json.GetProperty("status").GetString().Should().Be("stopped");
        down.Json.GetProperty("stopKind").GetString().Should().Be("quarantined");
        down.Json.GetProperty("cmsCredentialsCheck").GetProperty("why").GetString().Should().Be("unavailable");
        downPlan.ExitCode.Should().Be(2, downPlan.ToString());
        downPlan.Stderr.Should().Contain("could not be reached").And.Contain("Run again later. If it has never worked, check the BaseUrl");
    }

    [Fact(Timeout = 120_000)]
    public async Task A_run_that_provisioned_a_contact_sends_no_check_and_the_setting_turns_the_check_off()
    {
        using var sites = new Sites();
        sites.AddMember("Ana", "Lima", "ana@example.org");
        var off = sites.Settings(applicationPassword: WrongPassword);
        off["CmsUser"]!["CheckCmsCredentials"] = false;
        using var folder = new TempFolder();
        folder.Write("appsettings.json", Sites.Json(sites.Settings()));
        folder.Write("off.json", Sites.Json(off));

        var run = await Cli.RunAsync(folder.Path, null, "run", "--json");
        var requests = sites.WordPress.Requests.Count;
        var idleOff = await Cli.RunAsync(folder.Path, null, "run", "--settings", "off.json");

        run.ExitCode.Should().Be(0, run.ToString());
        run.Json.GetProperty("cmsCredentialsCheck").ValueKind.Should().Be(JsonValueKind.Null, "the create proved the credentials");
        sites.WordPress.Requests.Should().NotContain(r => r.Path == "/wp-json/wp/v2/users/me");
        idleOff.ExitCode.Should().Be(0, idleOff.ToString());
        sites.WordPress.Requests.Should().HaveCount(requests, "with CheckCmsCredentials false an idle run sends WordPress nothing");
    }
}
