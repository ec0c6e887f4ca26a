using System.Text.RegularExpressions;

namespace Skvare.CmsUser.Cli.Tests;

/// <summary>
/// The built binary (<c>dotnet cmsuser.dll</c>) against the in-process entry point the other tests use
/// (<see cref="Cli.RunAsync"/>): the same arguments give the same exit code, stdout and stderr. With the signal and stop
/// grace tests (<see cref="RunTests"/>, <see cref="StopGraceTests"/>), which need a real process, this keeps the binary
/// itself covered: its start-up, its exit codes as a shell sees them and its console streams.
/// </summary>
public sealed partial class RealProcessTests
{
    [Theory(Timeout = 240_000)]
    [InlineData("--help")]
    [InlineData("--version")]
    [InlineData("help", "plan")]
    [InlineData("bogus")]
    [InlineData("run", "--check")]
    [InlineData("run")]
    [InlineData("failures", "--json")]
    [InlineData("run", "--settings", "missing.json", "--json")]
    [InlineData("init", "wordpres")]
    [InlineData("demo", "--settings", "missing.json")]
    public async Task Without_servers_the_binary_answers_as_the_in_process_entry_does(params string[] args)
    {
        using var folder = new TempFolder();

        var process = await Cli.RunProcessAsync(folder.Path, null, args);
        var inProcess = await Cli.RunAsync(folder.Path, null, args);

        Same(process, inProcess);
    }

    [Fact(Timeout = 240_000)]
    public async Task Against_the_fake_servers_plan_and_check_print_the_same_from_the_binary_and_in_process()
    {
        using var sites = new Sites();
        sites.AddMember("Ana", "Lima", "ana@example.org");
        sites.AddMember("No", "Email", null);
        sites.AddLinkedContact("Bea", "Costa", "bea@example.org");
        using var folder = new TempFolder();
        folder.Write("appsettings.json", Sites.Json(sites.Settings()));

        foreach (var args in new[] { new[] { "plan" }, ["plan", "--json"], ["check", "--timeout", Sites.CheckTimeout], ["check", "--json", "--timeout", Sites.CheckTimeout] })
        {
            var process = await Cli.RunProcessAsync(folder.Path, null, args);
            var inProcess = await Cli.RunAsync(folder.Path, null, args);

            Same(process, inProcess);
        }
    }

    [Fact(Timeout = 240_000)]
    public async Task Settings_from_environment_variables_reach_the_binary_as_they_reach_the_in_process_entry()
    {
        using var sites = new Sites();
        sites.AddMember("Ana", "Lima", "ana@example.org");
        using var folder = new TempFolder();
        var environment = Sites.Environment(sites.Settings());

        var process = await Cli.RunProcessAsync(folder.Path, environment, "plan", "--json");
        var inProcess = await Cli.RunAsync(folder.Path, environment, "plan", "--json");

        process.ExitCode.Should().Be(0, process.ToString());
        process.Json.GetProperty("contacts").EnumerateArray().Should().ContainSingle().Which.GetProperty("username").GetString().Should().Be("ana.lima");
        Same(process, inProcess);
    }

    [Fact(Timeout = 240_000)]
    public async Task The_demo_prints_the_same_from_the_binary_and_in_process_but_for_ports_durations_and_the_order_of_its_concurrent_creates()
    {
        using var folder = new TempFolder();

        var process = await Cli.RunProcessAsync(folder.Path, null, "demo");
        var inProcess = await Cli.RunAsync(folder.Path, null, "demo");

        process.ExitCode.Should().Be(0, process.ToString());
        process.Stdout.Should().Contain("Demo: a fake CiviCRM");
        inProcess.ExitCode.Should().Be(0, inProcess.ToString());
        Normalise(inProcess.Stderr).Should().Be(Normalise(process.Stderr));
        // The demo creates several accounts at once: which gets which id, and the order the fake lists them in, vary (so
        // does which of them ends the list, before its ';').
        Words(inProcess.Stdout).Should().Equal(Words(process.Stdout), $"the same words, numbers aside\n--- binary\n{process}\n--- in process\n{inProcess}");
    }

    private static IEnumerable<string> Words(string text) =>
        Regex.Split(Normalise(text), @"[\s,;]+").Where(w => w.Length > 0).Select(w => Regex.Replace(w, @"\d+", "N")).Order(StringComparer.Ordinal);

    /// <summary>The same exit code and text; ports of the fake servers and measured durations differ from run to run.</summary>
    private static void Same(CliResult process, CliResult inProcess)
    {
        var because = $"the binary and the in-process entry print the same\n--- binary\n{process}\n--- in process\n{inProcess}";
        inProcess.ExitCode.Should().Be(process.ExitCode, because);
        Normalise(inProcess.Stdout).Should().Be(Normalise(process.Stdout), because);
        Normalise(inProcess.Stderr).Should().Be(Normalise(process.Stderr), because);
    }

    private static string Normalise(string text) => Duration().Replace(Port().Replace(text, ":PORT"), "DURATION");

    [GeneratedRegex(@":\d{2,5}\b")]
    private static partial Regex Port();

    [GeneratedRegex(@"\b\d+(\.\d+)?\s?(ms|s|min)\b")]
    private static partial Regex Duration();
}
