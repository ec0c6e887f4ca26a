using Skvare.CmsUser.Testing;

namespace Skvare.CmsUser.Cli.Tests;

/// <summary>
/// Ctrl+C or SIGTERM while a contact in hand waits on a server that does not answer (found on the real CiviCRM and
/// WordPress: a proxy stopped mid-run): the tool ends 30 s after the signal. It used to end with System.CommandLine's
/// own 130 (143 for SIGTERM), outside the documented exit codes, printing nothing, and with --json no document.
/// Each signal has a class of its own, so xunit runs the two 30 s graces side by side instead of one after the other.
/// </summary>
public sealed class StopGraceTests
{
    [Fact(Timeout = 180_000)]
    public Task Ctrl_C_during_a_create_that_never_answers_ends_with_exit_2_and_says_what_was_left() =>
        StopGrace.RunAsync("INT", json: false);
}

/// <summary><see cref="StopGraceTests"/> for SIGTERM with <c>--json</c>, in its own class (its own xunit collection).</summary>
public sealed class StopGraceTermTests
{
    [Fact(Timeout = 180_000)]
    public Task SIGTERM_during_a_create_that_never_answers_ends_with_exit_2_and_a_json_document() =>
        StopGrace.RunAsync("TERM", json: true);
}

internal static class StopGrace
{
    public static async Task RunAsync(string signal, bool json)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        using var sites = new Sites();
        sites.AddMember("Ana", "Lima", "ana@example.org");
        var createArrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        sites.WordPress.FaultWhere = request =>
        {
            if (request.Operation != FakeCmsOperation.Create)
            {
                return null;
            }

            createArrived.TrySetResult();
            return FakeFault.Hang();
        };
        var settings = sites.Settings();
        // The create waits longer than the tool's 30 s grace, so only the grace can end the run.
        settings["CmsUser"]!["WordPress"]!["Http"]!["AttemptTimeout"] = "00:10:00";
        using var folder = new TempFolder();
        folder.Write("appsettings.json", Sites.Json(settings));
        string[] args = json ? ["run", "--json"] : ["run"];

        var run = await Cli.RunWhileAsync(folder.Path, async process =>
        {
            await createArrived.Task;
            await Cli.SignalAsync(process, signal);
        }, args);

        run.ExitCode.Should().Be(2, $"a cancelled run exits 2 (docs/cli.md), not with System.CommandLine's own code\n{run}");
        run.Stderr.Should().Contain("cmsuser: Stopped 30 s after the signal").And.Contain("the next run finds it by email");
        if (json)
        {
            run.Json.GetProperty("command").GetString().Should().Be("run");
            run.Json.GetProperty("exitCode").GetInt32().Should().Be(2);
            run.Json.GetProperty("status").GetString().Should().Be("stopped");
        }

        sites.Civi.Links.Should().BeEmpty("the create never answered");
    }
}
