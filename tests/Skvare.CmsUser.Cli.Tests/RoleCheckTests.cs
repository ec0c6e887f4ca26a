using System.Text.Json.Nodes;

namespace Skvare.CmsUser.Cli.Tests;

/// <summary>
/// <c>check</c> and <c>plan</c> check the rules' roles against the CMS before any run (a fake CiviCRM and a fake WordPress
/// with the companion plugin's roles route): a misspelled role exits 3 from both, as a run would, and nothing is created.
/// </summary>
public sealed class RoleCheckTests
{
    private const string Misspelled = "subscriberr";

    private static JsonObject WithRole(Sites sites, string role)
    {
        var settings = sites.Settings();
        settings["CmsUser"]!["Rules"]![0]!["Roles"] = new JsonArray(role);
        return settings;
    }

    private static int RoleRequests(Sites sites) => sites.WordPress.Requests.Count(r => r.Path.EndsWith("/skvare-cmsuser/v1/roles", StringComparison.Ordinal));

    [Fact(Timeout = 120_000)]
    public async Task Check_reports_a_misspelled_role_with_the_rule_and_the_site_roles_and_exits_3()
    {
        using var sites = new Sites();
        using var folder = new TempFolder();
        folder.Write("appsettings.json", Sites.Json(WithRole(sites, Misspelled)));

        var json = await Cli.RunAsync(folder.Path, null, "check", "--json", "--timeout", Sites.CheckTimeout);
        var text = await Cli.RunAsync(folder.Path, null, "check", "--timeout", Sites.CheckTimeout);

        json.ExitCode.Should().Be(3, json.ToString());
        json.Json.GetProperty("healthy").GetBoolean().Should().BeFalse();
        var roles = json.Json.GetProperty("targets").EnumerateArray().Should().ContainSingle(t => t.GetProperty("target").GetString() == "WordPress roles of the rules").Subject;
        var rule = roles.GetProperty("checks").EnumerateArray().Should().ContainSingle().Subject;
        rule.GetProperty("name").GetString().Should().Be("Rule 'members'");
        rule.GetProperty("passed").GetBoolean().Should().BeFalse();
        rule.GetProperty("why").GetString().Should().Be("configuration");
        rule.GetProperty("detail").GetString().Should().Contain($"'{Misspelled}' is not a role of the site").And.Contain("administrator, editor, author, contributor, subscriber");
        json.Json.GetProperty("targets").EnumerateArray().Where(t => t.GetProperty("target").GetString() != "WordPress roles of the rules")
            .Should().OnlyContain(t => t.GetProperty("healthy").GetBoolean(), "only the role is wrong");
        text.ExitCode.Should().Be(3, text.ToString());
        text.Stdout.Should().Contain(Misspelled).And.Contain("Some checks failed");
        RoleRequests(sites).Should().Be(2, "one request per check");
    }

    [Fact(Timeout = 120_000)]
    public async Task Check_passes_the_roles_the_site_has_and_says_so()
    {
        using var sites = new Sites();
        using var folder = new TempFolder();
        folder.Write("appsettings.json", Sites.Json(sites.Settings()));

        var check = await Cli.RunAsync(folder.Path, null, "check", "--json", "--timeout", Sites.CheckTimeout);

        check.ExitCode.Should().Be(0, check.ToString());
        var rule = check.Json.GetProperty("targets").EnumerateArray().Single(t => t.GetProperty("target").GetString() == "WordPress roles of the rules")
            .GetProperty("checks").EnumerateArray().Should().ContainSingle().Subject;
        rule.GetProperty("passed").GetBoolean().Should().BeTrue();
        rule.GetProperty("detail").GetString().Should().Be("WordPress has every role of the rule: subscriber.");
    }

    [Fact(Timeout = 120_000)]
    public async Task Check_without_the_companion_plugin_passes_the_roles_as_not_verifiable()
    {
        using var sites = new Sites();
        var settings = WithRole(sites, Misspelled);
        settings["CmsUser"]!["WordPress"]!["UseCompanionPlugin"] = false;
        using var folder = new TempFolder();
        folder.Write("appsettings.json", Sites.Json(settings));

        var check = await Cli.RunAsync(folder.Path, null, "check", "--timeout", Sites.CheckTimeout);

        check.ExitCode.Should().Be(0, check.ToString());
        check.Stdout.Should().Contain("Not verifiable").And.Contain("All checks passed.");
        RoleRequests(sites).Should().Be(0);
    }

    [Fact(Timeout = 120_000)]
    public async Task Plan_fails_the_rules_contacts_with_unknown_role_instead_of_create_and_exits_3_like_run()
    {
        using var sites = new Sites();
        var ana = sites.AddMember("Ana", "Lima", "ana@example.org");
        var bea = sites.AddMember("Bea", "Costa", "bea@example.org");
        using var folder = new TempFolder();
        folder.Write("appsettings.json", Sites.Json(WithRole(sites, Misspelled)));

        var plan = await Cli.RunAsync(folder.Path, null, "plan", "--json");
        var text = await Cli.RunAsync(folder.Path, null, "plan");
        var run = await Cli.RunAsync(folder.Path, null, "run");

        plan.ExitCode.Should().Be(3, plan.ToString());
        plan.Json.GetProperty("status").GetString().Should().Be("configuration");
        var contacts = plan.Json.GetProperty("contacts").EnumerateArray().ToList();
        contacts.Select(c => c.GetProperty("contactId").GetInt64()).Should().BeEquivalentTo([ana, bea]);
        contacts.Should().AllSatisfy(c =>
        {
            c.GetProperty("action").GetString().Should().Be("fail");
            c.GetProperty("note").GetString().Should().StartWith("unknown_role: ").And.Contain($"'{Misspelled}'");
        });
        text.ExitCode.Should().Be(3, text.ToString());
        text.Stdout.Should().Contain("Rule 'members' names a role the site does not have").And.Contain("exit code 3");
        run.ExitCode.Should().Be(3, "the run stops at the first create as the plan said: " + run);
        sites.WordPress.Users.Should().ContainSingle("only the API account: nothing was created");
    }

    [Fact(Timeout = 120_000)]
    public async Task Plan_with_the_roles_the_site_has_plans_creates_and_exits_0()
    {
        using var sites = new Sites();
        sites.AddMember("Ana", "Lima", "ana@example.org");
        using var folder = new TempFolder();
        folder.Write("appsettings.json", Sites.Json(sites.Settings()));

        var plan = await Cli.RunAsync(folder.Path, null, "plan", "--json");

        plan.ExitCode.Should().Be(0, plan.ToString());
        plan.Json.GetProperty("status").GetString().Should().Be("done");
        plan.Json.GetProperty("contacts").EnumerateArray().Should().ContainSingle().Which.GetProperty("action").GetString().Should().Be("create");
        RoleRequests(sites).Should().Be(1);
    }
}
