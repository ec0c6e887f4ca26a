using System.Diagnostics;
using System.Reflection;
using System.Text.Json;

namespace Skvare.CmsUser.Cli.Tests;

/// <summary>What one run of the tool printed and returned.</summary>
public sealed record CliResult(int ExitCode, string Stdout, string Stderr)
{
    /// <summary>stdout parsed as the --json document.</summary>
    public JsonElement Json
    {
        get
        {
            using var document = JsonDocument.Parse(Stdout);
            return document.RootElement.Clone();
        }
    }

    public string All => Stdout + Stderr;

    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Stdout}\n--- stderr\n{Stderr}";
}

/// <summary>
/// Runs the tool: in this process (<see cref="RunAsync"/>, the same commands, messages and exit codes, with writers, a
/// working folder and environment variables of its own), or as a separate process (<c>dotnet cmsuser.dll …</c>, with a
/// clean environment) where a test needs the real binary: signals, the stop grace, what a shell sees.
/// </summary>
public static class Cli
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(90);

    private static readonly Lazy<string> Dll = new(() => FindDll());

    /// <summary>Runs the tool in this process with only <paramref name="environment"/> as its environment variables.</summary>
    public static Task<CliResult> RunAsync(string workingDirectory, IReadOnlyDictionary<string, string>? environment, params string[] args) =>
        RunAsync(workingDirectory, environment, CancellationToken.None, args);

    /// <summary>Runs the tool in this process; cancelling <paramref name="cancellationToken"/> is what Ctrl+C is to the binary.</summary>
    public static async Task<CliResult> RunAsync(string workingDirectory, IReadOnlyDictionary<string, string>? environment, CancellationToken cancellationToken, params string[] args)
    {
        var stdout = new Utf8StringWriter();
        var stderr = new Utf8StringWriter();
        var context = new CliContext(TextWriter.Synchronized(stdout), new ErrorConsole(stderr, interactive: false), workingDirectory, environment ?? new Dictionary<string, string>());
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var run = Task.Run(() => CliApp.RunAsync(args, context, cancel.Token));
        int exit;
        try
        {
            exit = await run.WaitAsync(Limit);
        }
        catch (TimeoutException)
        {
            await cancel.CancelAsync();
            throw new TimeoutException($"cmsuser {string.Join(' ', args)} did not finish in {Limit.TotalSeconds:0} s.");
        }

        return Checked(new CliResult(exit, stdout.ToString(), stderr.ToString()), args);
    }

    /// <summary>Runs the built tool as a separate process (<c>dotnet cmsuser.dll …</c>), with a clean environment.</summary>
    public static Task<CliResult> RunProcessAsync(string workingDirectory, IReadOnlyDictionary<string, string>? environment, params string[] args) =>
        RunDllAsync(Dll.Value, workingDirectory, environment, null, args);

    /// <summary>
    /// Sends <paramref name="signal"/> (<c>INT</c> or <c>TERM</c>) to the tool with kill(1). Fails at once, saying why, when
    /// this process ignores the signal: a process started in the background by a non-interactive shell (<c>cmd &amp;</c>,
    /// <c>nohup</c>) ignores SIGINT, its children inherit that, and the tool would then never see it (it ran on to exit 0,
    /// or waited out the test's 90 s).
    /// </summary>
    public static async Task SignalAsync(Process process, string signal)
    {
        var number = signal switch { "INT" => 2, "TERM" => 15, _ => throw new ArgumentOutOfRangeException(nameof(signal)) };
        if (OperatingSystem.IsLinux())
        {
            var ignored = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("SigIgn:", StringComparison.Ordinal))?[7..].Trim();
            if (ignored is not null && (Convert.ToUInt64(ignored, 16) & (1UL << (number - 1))) != 0)
            {
                throw new InvalidOperationException($"SIG{signal} is ignored by the test process (inherited, e.g. from a shell that started the test run in the background), so the tool would never receive it: run the tests from a foreground shell.");
            }
        }

        using var kill = Process.Start("kill", [$"-{signal}", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!;
        await kill.WaitForExitAsync();
    }

    /// <summary>Runs the tool and, while it runs, <paramref name="whileRunning"/> with its process (e.g. to send it a signal).</summary>
    public static Task<CliResult> RunWhileAsync(string workingDirectory, Func<Process, Task> whileRunning, params string[] args) =>
        RunDllAsync(Dll.Value, workingDirectory, null, whileRunning, args);

    /// <summary>Runs the console sample (samples/Skvare.CmsUser.Samples.Console) as a process, as a new user would.</summary>
    public static Task<CliResult> RunConsoleSampleAsync(string workingDirectory, IReadOnlyDictionary<string, string>? environment) =>
        RunDllAsync(FindDll("ConsoleSampleDirectory", "Skvare.CmsUser.Samples.Console.dll"), workingDirectory, environment, null);

    /// <summary>Runs the web sample (samples/Skvare.CmsUser.Samples.Web) as a process, with its content root in <paramref name="workingDirectory"/>.</summary>
    public static Task<CliResult> RunWebSampleAsync(string workingDirectory, IReadOnlyDictionary<string, string>? environment, params string[] args) =>
        RunDllAsync(FindDll("WebSampleDirectory", "Skvare.CmsUser.Samples.Web.dll"), workingDirectory, environment, null, args);

    /// <summary>Runs the web sample and, while it runs, <paramref name="whileRunning"/> with its process (e.g. to send it a signal).</summary>
    public static Task<CliResult> RunWebSampleWhileAsync(string workingDirectory, IReadOnlyDictionary<string, string>? environment, Func<Process, Task> whileRunning) =>
        RunDllAsync(FindDll("WebSampleDirectory", "Skvare.CmsUser.Samples.Web.dll"), workingDirectory, environment, whileRunning);

    /// <summary>A file of the built web sample (e.g. its demo appsettings.json).</summary>
    public static string WebSampleFile(string name) => Path.Combine(Path.GetDirectoryName(FindDll("WebSampleDirectory", "Skvare.CmsUser.Samples.Web.dll"))!, name);

    private static async Task<CliResult> RunDllAsync(string dll, string workingDirectory, IReadOnlyDictionary<string, string>? environment, Func<Process, Task>? whileRunning, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(dll);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        // The tool reads CmsUser__… variables: never inherit the test runner's.
        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("CmsUser", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            start.Environment.Remove(key);
        }

        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start)!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        var stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
        try
        {
            if (whileRunning is not null)
            {
                await whileRunning(process).WaitAsync(timeout.Token);
            }

            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{Path.GetFileName(dll)} {string.Join(' ', args)} did not finish in 90 s.");
        }

        return Checked(new CliResult(process.ExitCode, await stdout, await stderr), args);
    }

    /// <summary>Whatever happens, the tool never shows a crash or a stack trace without --verbose.</summary>
    private static CliResult Checked(CliResult result, string[] args)
    {
        result.All.Should().NotContain("Unhandled exception", result.ToString());
        if (!args.Contains("--verbose"))
        {
            result.All.Should().NotContainAny(["   at ", "--- End of"], result.ToString());
        }

        return result;
    }

    /// <summary>A string writer that, like the process's redirected stdout and stderr, says it writes UTF-8.</summary>
    private sealed class Utf8StringWriter() : StringWriter(System.Globalization.CultureInfo.InvariantCulture)
    {
        public override System.Text.Encoding Encoding => new System.Text.UTF8Encoding(encoderShouldEmitUTF8Identifier: false);
    }

    private static string FindDll(string key = "CliDirectory", string name = "cmsuser.dll")
    {
        var directory = typeof(Cli).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value!;
        var dll = Path.Combine(directory, name);
        return File.Exists(dll) ? dll : throw new FileNotFoundException($"Build it first: {dll} is missing.");
    }
}

/// <summary>A temporary working folder, deleted afterwards.</summary>
public sealed class TempFolder : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("cmsuser-cli-").FullName;

    public string Write(string name, string content)
    {
        var file = System.IO.Path.Combine(Path, name);
        File.WriteAllText(file, content);
        return file;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
