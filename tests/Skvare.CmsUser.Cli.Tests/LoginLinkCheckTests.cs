using System.Text.Json.Nodes;

namespace Skvare.CmsUser.Cli.Tests;

/// <summary>
/// <c>check</c> shows what the host warns of at start (event 1104): settings that let one-time login links go to
/// administrator roles (<c>LoginLinks:AllowAdministrators</c> with a <c>BlockedRoles</c> leaving them out). A warning, not
/// a failure: the exit code stays 0.
/// </summary>
public sealed class LoginLinkCheckTests
{
    private const string Target = "Login link settings";

    [Fact(Timeout = 120_000)]
    public async Task Check_warns_when_login_links_may_go_to_administrators()
    {
        using var sites = new Sites();
        var settings = sites.Settings();
        settings["CmsUser"]!["LoginLinks"] = new JsonObject { ["AllowAdministrators"] = true, ["BlockedRoles"] = new JsonArray("author", "Super Users") };
        using var folder = new TempFolder();
        folder.Write("appsettings.json", Sites.Json(settings));

        var json = await Cli.RunAsync(folder.Path, null, "check", "--json", "--timeout", Sites.CheckTimeout);
        var text = await Cli.RunAsync(folder.Path, null, "check", "--timeout", Sites.CheckTimeout);

        json.ExitCode.Should().Be(0, json.ToString());
        var links = json.Json.GetProperty("targets").EnumerateArray().Should().ContainSingle(t => t.GetProperty("target").GetString() == Target).Subject;
        var check = links.GetProperty("checks").EnumerateArray().Should().ContainSingle().Subject;
        check.GetProperty("passed").GetBoolean().Should().BeTrue();
        check.GetProperty("detail").GetString().Should().StartWith("Warning: ").And.Contain("does not name administrator, 7, 8, admin:");
        text.ExitCode.Should().Be(0, text.ToString());
        text.Stdout.Should().Contain(Target).And.Contain("AllowAdministrators");
    }

    [Fact(Timeout = 120_000)]
    public async Task Check_says_nothing_of_login_links_when_the_administrator_roles_are_blocked()
    {
        using var sites = new Sites();
        var settings = sites.Settings();
        settings["CmsUser"]!["LoginLinks"] = new JsonObject { ["BlockedRoles"] = new JsonArray("author") };
        using var folder = new TempFolder();
        folder.Write("appsettings.json", Sites.Json(settings));

        var json = await Cli.RunAsync(folder.Path, null, "check", "--json", "--timeout", Sites.CheckTimeout);

        json.ExitCode.Should().Be(0, json.ToString());
        json.Json.GetProperty("targets").EnumerateArray().Should().NotContain(t => t.GetProperty("target").GetString() == Target,
            "a list of its own no longer unblocks the administrator roles");
    }
}
