using System.Text;
using CsCheck;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Skvare.CmsUser.Tests.Properties;

namespace Skvare.CmsUser.Cli.Tests;

/// <summary>Log lines and the live progress line share stderr without ever sharing a physical line of the terminal.</summary>
public sealed class ErrorConsoleTests
{
    private const string EraseLine = "\r\u001b[K";

    private static readonly Action<ILogger, int, Exception?> RetryLine = LoggerMessage.Define<int>(LogLevel.Information, new EventId(0), "retry line {Line}");

    private static ProvisioningProgress Report(string pass, int run, int number, int count) =>
        new(pass, run, new ProvisioningOutcome { ContactId = run, Kind = OutcomeKind.Created, Rule = pass })
        {
            Pass = pass,
            PassNumber = number,
            PassCount = count,
        };

    /// <summary>The tool's own logging (CliHost's builder, its filters and provider) writing to <paramref name="console"/>.</summary>
    private static IHost Host(ErrorConsole console) =>
        CliHost.CreateBuilder(new CliOptions(null, null, Json: false, Verbose: false), console).Build();

    [Fact]
    public void On_a_terminal_a_log_line_erases_the_live_progress_line_which_is_drawn_again_below_it()
    {
        using var terminal = new StringWriter();
        var console = new ErrorConsole(terminal, interactive: true);
        using var host = Host(console);
        var loggers = host.Services.GetRequiredService<ILoggerFactory>();
        var retries = loggers.CreateLogger(RetryLog.Category);
        var civi = loggers.CreateLogger("Skvare.CmsUser.CiviCrm");
        var printer = new ProgressPrinter("Provisioning", pageSize: 100, quiet: false, console);

        printer.Report(Report("members", 1, 1, 2));
        retries.LogInformation("POST www.example.org/wp-json/wp/v2/users: HTTP 503 Service Unavailable; retry 1 in 1.2 s");
        printer.Report(Report("members", 2, 1, 2));
        printer.Report(Report("members", 3, 1, 2));
        civi.LogError("CiviCRM refused the write");
        printer.Report(Report("volunteers", 4, 2, 2));
        retries.LogWarning("The circuit opened");
        printer.Finish();
        retries.LogInformation("After the run");

        var raw = terminal.ToString();
        Screen(raw).Should().Equal(
            "info: Skvare.CmsUser.Cli.Http[0] POST www.example.org/wp-json/wp/v2/users: HTTP 503 Service Unavailable; retry 1 in 1.2 s",
            "fail: Skvare.CmsUser.CiviCrm[0] CiviCRM refused the write",
            "Provisioning [1/2] members: 3 contacts (Created 3); 3 in the run",
            "warn: Skvare.CmsUser.Cli.Http[0] The circuit opened",
            "Provisioning [2/2] volunteers: 1 contact (Created 1); 4 in the run",
            "info: Skvare.CmsUser.Cli.Http[0] After the run");
        EveryLogLineStartsOnAClearedLine(raw, Screen(raw).Where(IsLog));
    }

    [Fact(Timeout = 60_000)]
    public async Task Progress_and_logs_from_several_threads_never_share_a_line()
    {
        using var terminal = new StringWriter();
        var console = new ErrorConsole(terminal, interactive: true);
        using var host = Host(console);
        var logger = host.Services.GetRequiredService<ILoggerFactory>().CreateLogger(RetryLog.Category);
        var printer = new ProgressPrinter("Provisioning", pageSize: 100, quiet: false, console);
        var logged = new List<string>();
        for (var i = 0; i < 200; i++)
        {
            logged.Add($"info: {RetryLog.Category}[0] retry line {i}");
        }

        // Each thread reports and logs in turn, and the threads race: the assertions hold for every schedule, none is relied on.
        var threads = Enumerable.Range(0, 4).Select(t => Task.Run(() =>
        {
            for (var i = 0; i < 150; i++)
            {
                printer.Report(Report("members", (t * 150) + i + 1, 1, 1));
                if (i % 3 == 0)
                {
                    RetryLine(logger, (t * 50) + (i / 3), null);
                }
            }
        }));
        await Task.WhenAll(threads).WaitAsync(TimeSpan.FromSeconds(50));
        printer.Finish();

        var raw = terminal.ToString();
        var screen = Screen(raw);
        screen.Where(IsLog).Should().BeEquivalentTo(logged, "every log line is on a line of its own, whole");
        screen.Where(l => !IsLog(l)).Should().Equal(["Provisioning members: 600 contacts (Created 600)"], "only the pass's final line stays; the live line was erased under each log line");
        EveryLogLineStartsOnAClearedLine(raw, logged);
    }

    [Fact]
    public void Text_written_without_its_line_end_holds_the_live_line_back_until_the_line_ends()
    {
        using var terminal = new StringWriter();
        var console = new ErrorConsole(terminal, interactive: true);
        var printer = new ProgressPrinter("Provisioning", pageSize: 100, quiet: false, console);

        printer.Report(Report("members", 1, 1, 1));
        console.Write("cmsuser: half ");
        printer.Report(Report("members", 2, 1, 1));
        console.Write("a message");
        console.WriteLine();
        printer.Finish();

        Screen(terminal.ToString()).Should().Equal("cmsuser: half a message", "Provisioning members: 2 contacts (Created 2)");
    }

    [Fact]
    public void Redirected_text_passes_through_as_it_is_and_has_no_live_line()
    {
        using var file = new StringWriter();
        var console = new ErrorConsole(file, interactive: false);

        console.ShowStatus("Provisioning members: 1 contact so far (Created 1)");
        console.WriteLine("warn: a log line");
        console.EndStatus("Provisioning members: 1 contact (Created 1)");

        file.ToString().Should().Be($"warn: a log line{Environment.NewLine}Provisioning members: 1 contact (Created 1){Environment.NewLine}");
    }

    [Fact]
    public void A_log_record_is_one_line_whatever_its_message_and_exception_hold()
    {
        Gen.Select(HostileText.Text, HostileText.Text).Sample((message, exceptionMessage) =>
        {
            var line = LineLoggerProvider.Format(LogLevel.Warning, "Skvare.CmsUser.Cli.Http", new EventId(5000), message, new InvalidOperationException(exceptionMessage));
            line.Should().StartWith("warn: Skvare.CmsUser.Cli.Http[5000]");
            line.Should().NotContainAny(["\r", "\n", "\u001b"], "a record that moved the cursor could land on the progress line");
        });

        LineLoggerProvider.Format(LogLevel.Information, "C", new EventId(1), "a\r\nb\rc\u001b[2J", null)
            .Should().Be("info: C[1] a b\\u000Dc\\u001B[2J");
    }

    private static bool IsLog(string line) => line.Length > 6 && line[4] == ':' && line[..4] is "trce" or "dbug" or "info" or "warn" or "fail" or "crit";

    /// <summary>Each log line starts where nothing else is left on the line: the stream's start, a new line, or an erased line.</summary>
    private static void EveryLogLineStartsOnAClearedLine(string raw, IEnumerable<string> logLines)
    {
        foreach (var line in logLines)
        {
            var at = raw.IndexOf(line + Environment.NewLine, StringComparison.Ordinal);
            at.Should().BeGreaterThanOrEqualTo(0, $"'{line}' was written");
            var before = raw[..at];
            (before.Length == 0 || before.EndsWith('\n') || before.EndsWith(EraseLine, StringComparison.Ordinal))
                .Should().BeTrue($"'{line}' must not follow the progress line on the same line; it followed: '{Tail(before)}'");
        }
    }

    private static string Tail(string text) => text.Length <= 80 ? text : text[^80..];

    /// <summary>
    /// What a terminal shows: each physical line as it stands once written, after carriage returns (back to the start of
    /// the line, overwriting) and "erase to the end of the line" (ESC [ K).
    /// </summary>
    private static List<string> Screen(string raw)
    {
        var lines = new List<string>();
        var line = new StringBuilder();
        var column = 0;
        for (var i = 0; i < raw.Length; i++)
        {
            switch (raw[i])
            {
                case '\r':
                    column = 0;
                    break;
                case '\n':
                    lines.Add(line.ToString());
                    line.Clear();
                    column = 0;
                    break;
                case '\u001b' when i + 2 < raw.Length && raw[i + 1] == '[' && raw[i + 2] == 'K':
                    line.Length = Math.Min(line.Length, column);
                    i += 2;
                    break;
                default:
                    if (column < line.Length)
                    {
                        line[column] = raw[i];
                    }
                    else
                    {
                        line.Append(raw[i]);
                    }

                    column++;
                    break;
            }
        }

        if (line.Length > 0)
        {
            lines.Add(line.ToString());
        }

        return lines;
    }
}
