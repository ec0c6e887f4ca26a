using System.CommandLine;
using System.CommandLine.Help;
using System.Globalization;
using System.Reflection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Skvare.CmsUser.CiviCrm;

namespace Skvare.CmsUser.Cli;

/// <summary>The <c>cmsuser</c> commands and how their errors become exit codes.</summary>
internal static class CliApp
{
    private static readonly Option<string?> SettingsOption = new("--settings", "-s")
    {
        Description = $"Settings file (default: {Settings.DefaultFileName} in the working folder). CmsUser__… environment variables override it.",
        HelpName = "FILE",
        Recursive = true,
    };

    private static readonly Option<string?> RuleOption = new("--rule", "-r")
    {
        Description = "Only this rule or password reset campaign (by Name).",
        HelpName = "NAME",
        Recursive = true,
    };

    private static readonly Option<bool> JsonOption = new("--json")
    {
        Description = "Print one JSON document on stdout instead of tables (errors still go to stderr).",
        Recursive = true,
    };

    private static readonly Option<bool> VerboseOption = new("--verbose", "-v")
    {
        Description = "Debug logs (every HTTP attempt, Polly's records) and stack traces of errors. Without it: warnings, errors and one line per HTTP retry.",
        Recursive = true,
    };

    /// <summary>The tool's version (the package version).</summary>
    public static string Version { get; } =
        typeof(CliApp).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";

    /// <summary>Runs the tool as the process it is: the process's console, working folder and environment; Ctrl+C and SIGTERM cancel.</summary>
    public static Task<int> RunAsync(string[] args)
    {
        // Whatever writes to stderr (the tool's messages, a library's) shares the progress line's writer and lock.
        Console.SetError(ErrorConsole.Standard);
        return InvokeAsync(args, StopGrace, CancellationToken.None);
    }

    /// <summary>
    /// Runs the tool inside the caller's process with <paramref name="context"/>'s writers, working folder and environment:
    /// the same parsing, commands, messages and exit codes as the process, but <paramref name="cancellationToken"/> instead
    /// of Ctrl+C and SIGTERM (no signal handler is installed, so there is no stop grace either).
    /// </summary>
    public static async Task<int> RunAsync(string[] args, CliContext context, CancellationToken cancellationToken)
    {
        // Set inside this async method, both flow into everything the command starts and end with it.
        CliContext.Enter(context);
        // The tool is built with invariant globalization: the caller's culture must not format its numbers or dates.
        CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
        CultureInfo.CurrentUICulture = CultureInfo.InvariantCulture;
        return await InvokeAsync(args, null, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<int> InvokeAsync(string[] args, TimeSpan? stopGrace, CancellationToken cancellationToken)
    {
        var console = CliContext.Current;

        // "cmsuser help [command]" reads as "cmsuser [command] --help", as in git and kubectl.
        if (args is ["help", .. var rest])
        {
            args = [.. rest, "--help"];
        }

        // --version answers from any command, before anything else is parsed.
        if (args.Contains("--version", StringComparer.Ordinal) && !args.Contains("--help", StringComparer.Ordinal))
        {
            console.Out.WriteLine($"cmsuser {Version}");
            return ExitCodes.Done;
        }

        var invocation = new Invocation();
        var root = Build(invocation);
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            if (parse.CommandResult.Command.Name == "demo" && parse.GetResult(SettingsOption) is not null)
            {
                // 'demo --settings' without a file (or with another mistake): the demo's own answer, not the parser's.
                Output.Error("demo", DemoReadsNoSettings(null), ExitCodes.Configuration, args.Contains("--json", StringComparer.Ordinal));
                return ExitCodes.Configuration;
            }

            var messages = parse.Errors.Select(e => e.Message).Distinct(StringComparer.Ordinal);
            var help = parse.CommandResult.Command is RootCommand ? "cmsuser --help' for the commands" : $"cmsuser {parse.CommandResult.Command.Name} --help' for its arguments";
            console.Error.WriteLine($"cmsuser: {string.Join(" ", messages)}{CommandHint(root, parse)}{Environment.NewLine}Run '{help} and options.");
            return ExitCodes.Configuration;
        }

        var configuration = new InvocationConfiguration
        {
            EnableDefaultExceptionHandler = false,
            ProcessTerminationTimeout = stopGrace,
            Output = console.Out,
            Error = console.Error,
        };
        var exit = await parse.InvokeAsync(configuration, cancellationToken).ConfigureAwait(false);
        if (invocation.Started && !invocation.Finished)
        {
            // System.CommandLine stopped waiting for the command StopGrace after Ctrl+C or SIGTERM and answered its own
            // 130 or 143 with nothing printed: say what was left and end with the documented code of a cancelled run.
            Output.Error(invocation.Command, GraceExpired(invocation.Command), ExitCodes.Stopped, invocation.Json);
            return ExitCodes.Stopped;
        }

        return exit;
    }

    /// <summary>
    /// The command a mistyped one most likely meant (<c>fail</c>, <c>plna</c>, <c>chek</c>): those it begins or is within two
    /// edits of, as " Did you mean 'cmsuser failures'?"; empty when none is near or the error is not an unknown command.
    /// Found in trial17: <c>cmsuser fail</c> answered only "Unrecognized command or argument 'fail'".
    /// </summary>
    private static string CommandHint(RootCommand root, ParseResult parse)
    {
        if (parse.CommandResult.Command is not RootCommand || parse.UnmatchedTokens is not [{ Length: >= 2 } typo, ..] || typo.StartsWith('-'))
        {
            return "";
        }

        var names = root.Subcommands.Where(c => !c.Hidden).Select(c => c.Name).ToList();
        var near = names.Where(n => n.StartsWith(typo, StringComparison.OrdinalIgnoreCase)).ToList();
        static string Show(string name) => $"'cmsuser {name}'";
        var hint = near.Count > 0 ? Shared.EditDistance.Suggest(near, Show) : Shared.EditDistance.DidYouMean(typo, names, 2, Show);
        return hint.Length == 0 ? "" : " " + Shared.EditDistance.Sentence(hint);
    }

    /// <summary>How long the work in hand gets after Ctrl+C or SIGTERM before the tool ends without it.</summary>
    internal static TimeSpan StopGrace { get; } = TimeSpan.FromSeconds(30);

    /// <summary>The message of a command that had not finished <see cref="StopGrace"/> after the signal.</summary>
    internal static string GraceExpired(string command) => command is "run" or "reset" or "demo"
        ? $"Stopped {StopGrace.TotalSeconds:0} s after the signal without waiting any longer for the contacts in hand (a server did not answer). " +
          "Such a contact may have an account that is not linked or recorded yet: nothing to do by hand, the next run finds it by email, links it and records it. Run again when the servers answer."
        : $"Stopped {StopGrace.TotalSeconds:0} s after the signal: '{command}' had not finished (a server did not answer).";

    private static RootCommand Build(Invocation invocation)
    {
        var root = new RootCommand("cmsuser gives CiviCRM contacts website logins: it creates or links CMS accounts for the contacts in your trigger groups, tags or saved searches.\nExit codes: 0 done; 1 done, some contacts failed; 2 run stopped (quarantined, server unavailable, cancelled); 3 configuration, credentials or usage; 4 a defect (report it).");
        // The tool's name in help, whichever executable runs these commands (the binary, or a test host in process).
        root.HelpName = "cmsuser";
        root.Options.Add(SettingsOption);
        root.Options.Add(RuleOption);
        root.Options.Add(JsonOption);
        root.Options.Add(VerboseOption);
        root.SetAction(parse =>
        {
            new HelpAction().Invoke(parse);
            return ExitCodes.Done;
        });

        root.Subcommands.Add(Command(invocation, "run", "Run every rule once: create or link accounts for the contacts waiting in the triggers.", RunAsync));
        root.Subcommands.Add(Command(invocation, "plan", "Dry run: what each waiting contact would get. Reads CiviCRM and the CMS; writes nothing.", PlanAsync));
        root.Subcommands.Add(Command(invocation, "reset", "Run the password reset campaigns once: linked contacts in the campaign's group or tag get the CMS's reset email.", ResetAsync));
        var all = new Option<bool>("--all", "-a")
        {
            Description = "Every contact whose last attempt failed in the attempt window, also those no trigger holds any more (they gave up, were removed from the trigger or got an account another way). Not with --rule.",
        };
        var olderThan = new Option<string?>("--older-than")
        {
            Description = $"Open records are looked at once opened longer ago than this (default 1d; at least {Durations.Format(OrphanRecords.MinimumOlderThan)}: a younger one may belong to a page a run is working on): a number and s, m, h or d, e.g. 90m, 12h, 2d.",
            HelpName = "AGE",
        };
        olderThan.Validators.Add(result =>
        {
            if (result.Tokens is [var token] && OlderThanError(token.Value) is { } error)
            {
                result.AddError(error);
            }
        });
        var closeOrphans = new Option<bool>("--close-orphans")
        {
            Description = "Mark the open records listed (contacts that wait in no trigger) Cancelled, with a note saying why; they count as no attempt. Not with --rule.",
        };
        var failures = new Command("failures", "List contacts still waiting in a rule's trigger whose last attempt failed, from the CiviCRM activities: attempts counted and what the next run does (--all: every contact whose last attempt failed); and open creation or reset records no run will finish because their contact waits in no trigger. Read-only unless --close-orphans.");
        failures.Options.Add(all);
        failures.Options.Add(olderThan);
        failures.Options.Add(closeOrphans);
        failures.SetAction((parse, token) => Execute(invocation, "failures", parse, options => FailuresAsync(options, parse.GetValue(all), OlderThan(parse.GetValue(olderThan)), parse.GetValue(closeOrphans), token), token));
        root.Subcommands.Add(failures);
        var timeout = new Option<int>("--timeout", "-t")
        {
            Description = $"Seconds to wait for each answer (default {CheckDeadline.DefaultSeconds}, at most {CheckDeadline.MaxSeconds}); check retries nothing, and a server that did not answer is not asked again.",
            DefaultValueFactory = _ => CheckDeadline.DefaultSeconds,
        };
        timeout.Validators.Add(result =>
        {
            // Read from the token: a value that is no number at all already has the parser's error, and reading it as an
            // int here would throw.
            if (result.Tokens is [var token] && (!int.TryParse(token.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) || seconds is < 1 or > CheckDeadline.MaxSeconds))
            {
                result.AddError($"--timeout must be a whole number of seconds from 1 to {CheckDeadline.MaxSeconds}.");
            }
        });
        var check = new Command("check", "Check the connection, credentials and permissions on CiviCRM and the CMS, and the roles the rules name.");
        check.Options.Add(timeout);
        check.SetAction((parse, token) => Execute(invocation, "check", parse, options => CheckAsync(options, new CheckDeadline(TimeSpan.FromSeconds(parse.GetValue(timeout))), token), token));
        root.Subcommands.Add(check);
        root.Subcommands.Add(Command(invocation, "demo", "Run against built-in fake CiviCRM and WordPress servers: reads no settings (--settings is refused, exit 3), nothing outside this process is touched.", DemoAsync));

        var cmsArgument = new Argument<string>("cms") { Description = $"The CMS: {string.Join(", ", Enum.GetNames<CmsKind>())}." };
        var force = new Option<bool>("--force", "-f") { Description = "Overwrite an existing file." };
        var init = new Command("init", $"Write a commented {Settings.DefaultFileName} for a CMS in the working folder (or at --settings FILE).");
        init.Arguments.Add(cmsArgument);
        init.Options.Add(force);
        init.SetAction((parse, token) => Execute(invocation, "init", parse, options => Task.FromResult(Init(options, parse.GetValue(cmsArgument)!, parse.GetValue(force))), token));
        root.Subcommands.Add(init);
        root.Subcommands.Add(Import.ImportCommand.Build((name, parse, body, token) => Execute(invocation, name, parse, body, token)));
        return root;
    }

    private static Command Command(Invocation invocation, string name, string description, Func<CliOptions, CancellationToken, Task<int>> body)
    {
        var command = new Command(name, description);
        command.SetAction((parse, token) => Execute(invocation, name, parse, options => body(options, token), token));
        return command;
    }

    private static async Task<int> Execute(Invocation invocation, string command, ParseResult parse, Func<CliOptions, Task<int>> body, CancellationToken cancellationToken)
    {
        var options = new CliOptions(parse.GetValue(SettingsOption), parse.GetValue(RuleOption), parse.GetValue(JsonOption), parse.GetValue(VerboseOption));
        invocation.Start(command, options.Json);
        try
        {
            return await body(options).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            var (message, exit) = Describe(ex, cancellationToken);
            Output.Error(command, message, exit, options.Json);
            if (options.Verbose)
            {
                CliContext.Current.Error.WriteLine(ex.ToString());
            }

            return exit;
        }
        finally
        {
            invocation.Finish();
        }
    }

    /// <summary>The command under way: whether it started and finished, and how it reports (for <see cref="StopGrace"/>).</summary>
    private sealed class Invocation
    {
        private volatile bool _started;
        private volatile bool _finished;

        public string Command { get; private set; } = "cmsuser";

        public bool Json { get; private set; }

        public bool Started => _started;

        public bool Finished => _finished;

        public void Start(string command, bool json)
        {
            Command = command;
            Json = json;
            _started = true;
        }

        public void Finish() => _finished = true;
    }

    /// <summary>The one message and exit code of an error; never a stack trace.</summary>
    internal static (string Message, int ExitCode) Describe(Exception ex, CancellationToken cancellationToken) => ex switch
    {
        CliException cli => (cli.Message, cli.ExitCode),
        OperationCanceledException when cancellationToken.IsCancellationRequested => ("Cancelled.", ExitCodes.Stopped),
        OptionsValidationException or AggregateException when CliHost.ValidationFailures(ex) is { Count: > 0 } failures =>
            ($"The settings have {(failures.Count == 1 ? "a problem" : $"{failures.Count} problems")}:{Environment.NewLine}  - {string.Join(Environment.NewLine + "  - ", failures)}", ExitCodes.Configuration),
        CmsUserException { Kind: FailureKind.Configuration } c => ($"Configuration or credentials: {c.Message}", ExitCodes.Configuration),
        // A server that answered (a 503, a failed mail) was reached at its URL: the mistyped-URL hint is for no answer at all.
        CmsUserException { Kind: FailureKind.Transient } t => ($"A server is unavailable: {Sentence(t.Message)} {(t.StatusCode is null ? AgainLater : "Run again later.")}", ExitCodes.Stopped),
        CmsUserException p => (p.Message, ExitCodes.Stopped),
        HttpRequestException or TimeoutException or OperationCanceledException => ($"A server is unavailable: {Sentence(ex.Message)} {AgainLater}", ExitCodes.Stopped),
        // Nothing above expected it: a defect, not a setting to fix nor a server to wait for.
        _ => ($"Unexpected error ({ex.GetType().Name}): {Sentence(ex.Message)} This is a defect in cmsuser: please report it ({Output.Issues}) with the output of the same command run with --verbose.", ExitCodes.Defect),
    };

    /// <summary>What to do about a server that could not be reached, which a mistyped URL also gives.</summary>
    private const string AgainLater = "Run again later. " + Output.NeverWorked;

    private static string Sentence(string text) => text.TrimEnd() is var t && (t.EndsWith('.') || t.EndsWith('!') || t.EndsWith('?')) ? t : t + ".";

    private static async Task<int> RunAsync(CliOptions options, CancellationToken cancellationToken)
    {
        using var host = await StartAsync(options, cancellationToken).ConfigureAwait(false);
        if (options.Rule is { } rule && host.Services.GetRequiredService<IOptions<CmsUserOptions>>().Value.Rules.Count == 0)
        {
            // The --rule filter kept a campaign of that name and no account rule: answer before anything connects.
            throw new CliException(NotARule(rule), ExitCodes.Configuration);
        }

        return await PassAsync(host, "run", Verbs.Provision, (p, progress, token) => p.RunOnceAsync(progress, token), options, null, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>One run or reset pass with progress, then the table and summary; returns the exit code (<paramref name="exit"/>, by default <see cref="Output.ExitCode"/>), which the JSON document carries too.</summary>
    private static async Task<int> PassAsync(IHost host, string command, string verb, Func<IUserProvisioner, IProgress<ProvisioningProgress>, CancellationToken, Task<RunSummary>> pass, CliOptions options, Func<string>? note, CancellationToken cancellationToken, Func<RunSummary, int>? exit = null)
    {
        var progress = new ProgressPrinter(verb, PageSize(host), options.Json);
        RunSummary summary;
        try
        {
            summary = await pass(host.Services.GetRequiredService<IUserProvisioner>(), progress, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            // A pass that throws leaves its counts on a line of their own, above the error message.
            progress.Finish();
        }

        var code = exit?.Invoke(summary) ?? Output.ExitCode(summary, Retry(host));
        Output.Run(command, verb, summary, progress.Outcomes, options.Json, code, note?.Invoke(), Retry(host), progress.Passes, KeptRules(host));
        return code;
    }

    private static async Task<int> ResetAsync(CliOptions options, CancellationToken cancellationToken)
    {
        var settings = Settings.Load(options.SettingsFile, CliContext.Current.WorkingDirectory, CliContext.Current.Environment);
        using var host = await CliHost.StartRealAsync(settings, options, cancellationToken).ConfigureAwait(false);
        if (host.Services.GetRequiredService<IOptions<CmsUserOptions>>().Value.PasswordResets.Count == 0)
        {
            // A reset without a campaign is a settings question, not an empty run: answer it before anything connects.
            throw new CliException(NoCampaign(settings, options.Rule), ExitCodes.Configuration);
        }

        return await PassAsync(host, "reset", Verbs.Reset, (p, progress, token) => p.ResetPasswordsAsync(progress, token), options, null, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Why <c>run --rule</c> has no account rule to run: the name is a password reset campaign's.</summary>
    internal static string NotARule(string rule) =>
        $"--rule '{rule}' names a password reset campaign, not an account rule: 'cmsuser reset --rule {rule}' runs it; 'cmsuser run' without --rule runs every rule.";

    /// <summary>Why <c>reset</c> has no campaign to run, and how to give it one.</summary>
    internal static string NoCampaign(Settings settings, string? rule) =>
        rule is not null && settings.Section.GetSection(nameof(CmsUserOptions.PasswordResets)).GetChildren().Any()
            // The --rule filter kept an account rule of that name and no campaign.
            ? $"--rule '{rule}' names an account rule, not a password reset campaign: 'cmsuser run --rule {rule}' runs it; 'cmsuser reset' without --rule runs every campaign."
            : $"No password reset campaign is configured, so 'cmsuser reset' has nothing to do. Add one to CmsUser:PasswordResets in the settings ({settings.Origin}): "
              + "\"PasswordResets\": [ { \"Name\": \"migration\", \"Trigger\": { \"Kind\": \"Tag\", \"Reference\": \"send_password_reset\" } } ] "
              + $"(a Group or a Tag; linked contacts in it get the CMS's password reset email and leave it). See {Output.Docs}cli.md#password-reset-campaigns.";

    private static async Task<int> PlanAsync(CliOptions options, CancellationToken cancellationToken)
    {
        using var host = await StartAsync(options, cancellationToken).ConfigureAwait(false);
        var entries = new List<PlanEntry>();
        PlanStop? stopped = null;
        try
        {
            await foreach (var entry in host.Services.GetRequiredService<IUserProvisioner>().PlanAsync(cancellationToken).ConfigureAwait(false))
            {
                entries.Add(entry);
            }
        }
        catch (CmsUserException ex) when (ex.Kind == FailureKind.Transient && entries.Count > 0)
        {
            // The plan stopped where a run would quarantine: show what was planned, then why it stopped and what a run
            // would do there (a plan with no entry ends as any unavailable server does: one message, exit 2).
            stopped = PlanStop.Of(ex, entries, Output.IsUnavailable, Retry(host).Counts(FailureKind.Transient));
        }

        var exit = Output.PlanExitCode(entries, stopped is not null, Retry(host));
        Output.Plan(entries, exit, options.Json, stopped);
        return exit;
    }

    private static async Task<int> FailuresAsync(CliOptions options, bool all, TimeSpan olderThan, bool closeOrphans, CancellationToken cancellationToken)
    {
        if (all && options.Rule is { } rule)
        {
            throw new CliException(AllWithRule(rule), ExitCodes.Configuration);
        }

        if (closeOrphans && options.Rule is { } named)
        {
            throw new CliException(CloseOrphansWithRule(named), ExitCodes.Configuration);
        }

        // Every rule's trigger is asked, also with --rule: a contact waiting in another rule's trigger is that rule's work,
        // not one of this rule's contacts that left (found in trial10: "Not listed" counted them).
        using var host = await StartAsync(options with { Rule = null }, cancellationToken).ConfigureAwait(false);
        var rules = host.Services.GetRequiredService<IOptions<CmsUserOptions>>().Value.Rules.ToList();
        var campaigns = host.Services.GetRequiredService<IOptions<CmsUserOptions>>().Value.PasswordResets.ToList();
        CliHost.FilterRules(host, options.Rule);
        var only = options.Rule is null ? null : host.Services.GetRequiredService<IOptions<CmsUserOptions>>().Value.Rules.FirstOrDefault();
        var (failures, max, window) = await FailureReader.ReadAsync(host.Services, rules, only, cancellationToken).ConfigureAwait(false);
        // The activities do not name a rule; a contact belongs to the rule whose trigger it waits in. One that waits in no
        // trigger (gave up, removed, given an account another way) is for a person to look at only when asked (--all).
        var listed = FailureCounts.InScope(failures, all, options.Rule is null ? null : only?.DisplayName ?? options.Rule);

        // Open records no run will finish: every trigger is asked whatever --rule says (a record names no rule), and only
        // after the failures were read, so a record is closed right after the triggers said its contact waits in none.
        var orphans = await OrphanRecords.FindAsync(host.Services, rules, campaigns, olderThan, cancellationToken).ConfigureAwait(false);
        int? closed = closeOrphans ? await OrphanRecords.CloseAsync(host.Services, orphans.Records, cancellationToken).ConfigureAwait(false) : null;
        Output.Failures(listed, FailureCounts.Of(failures, listed), max, window, options.Json, options.Rule, all, orphans, closed);
        return ExitCodes.Done;
    }

    /// <summary>Why <c>failures --close-orphans --rule</c> is refused: an open record names no rule, and one is closed only when no trigger holds its contact.</summary>
    internal static string CloseOrphansWithRule(string rule) =>
        $"--close-orphans closes open records whose contact waits in no trigger of any rule or campaign (a record does not name a rule), so it cannot be combined with --rule '{rule}': run 'cmsuser failures --close-orphans' without it.";

    /// <summary>The error of an <c>--older-than</c> value, or <see langword="null"/> when it is one.</summary>
    internal static string? OlderThanError(string text) =>
        !Durations.TryParse(text, out var age)
            ? $"--older-than '{text}' is not an age: a number and s, m, h or d, e.g. 90m, 12h, 2d."
            : age < OrphanRecords.MinimumOlderThan || age > OrphanRecords.MaximumOlderThan
                ? $"--older-than must be from {Durations.Format(OrphanRecords.MinimumOlderThan)} to {Durations.Format(OrphanRecords.MaximumOlderThan)}: a record opened more recently may belong to a page a run is working on."
                : null;

    /// <summary>The age of <c>--older-than</c> (validated), or <see cref="OrphanRecords.DefaultOlderThan"/>.</summary>
    private static TimeSpan OlderThan(string? text) =>
        text is not null && Durations.TryParse(text, out var age) ? age : OrphanRecords.DefaultOlderThan;

    /// <summary>Why <c>failures --all --rule</c> is refused: the activities do not name a rule.</summary>
    internal static string AllWithRule(string rule) =>
        $"--all lists every contact whose last attempt failed, whichever rule it came from (the activities do not name a rule), so it cannot be combined with --rule '{rule}': 'cmsuser failures --rule {rule}' lists the contacts waiting in that rule's trigger.";

    private static async Task<int> CheckAsync(CliOptions options, CheckDeadline deadline, CancellationToken cancellationToken)
    {
        using var host = await StartAsync(options, cancellationToken, deadline.Apply).ConfigureAwait(false);
        var cms = host.Services.GetRequiredService<ICmsAccountProvider>();
        var rules = host.Services.GetRequiredService<IOptions<CmsUserOptions>>().Value.Rules;
        var reports = new List<CheckedTarget>();

        // One probe after another, so a server that missed the deadline is the one probed when the count grew.
        async Task<ConnectivityReport> ProbeAsync(Func<Task<ConnectivityReport>> probe)
        {
            var missed = deadline.MissedCount;
            var report = await probe().ConfigureAwait(false);
            reports.Add(new CheckedTarget(report, deadline.MissedCount > missed));
            return report;
        }

        await ProbeAsync(() => host.Services.GetRequiredService<CiviCrmConnectivityCheck>().CheckAsync(cancellationToken)).ConfigureAwait(false);
        await ProbeAsync(() => cms.CheckConnectivityAsync(cancellationToken)).ConfigureAwait(false);

        // The rules' roles, with one request: a misspelled role is found here, not by the first run's first create.
        await ProbeAsync(() => RuleRoleCheck.CheckAsync(cms, rules, cancellationToken)).ConfigureAwait(false);
        if (LoginLinkWarning(host.Services.GetRequiredService<IOptions<CmsUserOptions>>().Value.LoginLinks) is { } links)
        {
            reports.Add(new CheckedTarget(links, false));
        }

        var exit = CheckExitCode([.. reports.Select(r => r.Report)]);
        Output.Check(reports, exit, options.Json, deadline);
        return exit;
    }

    /// <summary>
    /// The warning the host logs at start (event 1104), as a passed check of its own: login links may be issued for
    /// administrator roles (<see cref="LoginLinkOptions.AllowAdministrators"/> with <see cref="LoginLinkOptions.BlockedRoles"/>
    /// leaving them out). <see langword="null"/> when every administrator role is blocked, as by default.
    /// </summary>
    internal static ConnectivityReport? LoginLinkWarning(LoginLinkOptions links)
    {
        var unblocked = links.AllowAdministrators
            ? LoginLinkOptions.AdministratorRoles.Where(r => !links.BlockedRoles.Contains(r, StringComparer.OrdinalIgnoreCase)).Distinct(StringComparer.OrdinalIgnoreCase).ToList()
            : [];
        return unblocked.Count == 0
            ? null
            : new ConnectivityReport("Login link settings", true, [new ConnectivityCheck(
                "Administrator roles",
                true,
                $"Warning: LoginLinks:AllowAdministrators is on and LoginLinks:BlockedRoles does not name {string.Join(", ", unblocked)}: one-time login links may be issued for accounts holding these roles. Turn AllowAdministrators off unless that is meant.")]);
    }

    /// <summary>
    /// 0 when every check passed; 2 when every failed check is a server that could not be reached or was unavailable
    /// (nothing to fix here, try again later); 3 when a failed check needs credentials, permissions or settings fixed.
    /// </summary>
    internal static int CheckExitCode(IReadOnlyList<ConnectivityReport> reports)
    {
        var failed = reports.Where(r => !r.Healthy).SelectMany(r => r.Checks.Where(c => !c.Passed).DefaultIfEmpty()).ToList();
        if (failed.Count == 0)
        {
            return ExitCodes.Done;
        }

        return failed.All(c => c?.Failure == FailureKind.Transient) ? ExitCodes.Stopped : ExitCodes.Configuration;
    }

    private static async Task<int> DemoAsync(CliOptions options, CancellationToken cancellationToken)
    {
        // The demo reads no settings: --settings is refused in the demo's own words, whether the file exists or not, rather
        // than silently ignored (found in trial13: 'demo -s mine.json' ran the built-in demo) or answered as a missing file.
        if (options.SettingsFile is not null)
        {
            throw new CliException(DemoReadsNoSettings(Path.GetFullPath(options.SettingsFile, CliContext.Current.WorkingDirectory)), ExitCodes.Configuration);
        }

        using var demo = new DemoBackends();
        var builder = CliHost.CreateBuilder(options);
        demo.Register(builder.Services);
        using var host = await CliHost.StartAsync(builder, options, [], "the demo", cancellationToken).ConfigureAwait(false);
        Output.Line("Demo: a fake CiviCRM with 6 contacts in the group website_members and a fake WordPress with the companion plugin, on loopback.", options.Json);
        string Next() => demo.Describe() + Environment.NewLine + "Next: 'cmsuser init wordpress' writes a settings file for your site; 'cmsuser check' tests it.";
        // The contact without an email fails by design; the demo itself succeeded unless the run stopped.
        return await PassAsync(host, "demo", Verbs.Provision, (p, progress, token) => p.RunOnceAsync(progress, token), options, Next, cancellationToken,
            summary => summary.Quarantined || summary.StopReason is not null || summary.Cancelled ? Output.ExitCode(summary) : ExitCodes.Done).ConfigureAwait(false);
    }

    /// <summary>Why <c>demo --settings FILE</c> is refused, and which commands use the file (<paramref name="file"/>; <see langword="null"/> when none was given).</summary>
    internal static string DemoReadsNoSettings(string? file) =>
        $"'cmsuser demo' uses its own fake CiviCRM and WordPress servers, started inside this process, and reads no settings, so it does not use {file ?? "a settings file"}. " +
        $"Run 'cmsuser demo' without --settings; for the sites a settings file names, run 'cmsuser check --settings {file ?? "FILE"}' then 'cmsuser run --settings {file ?? "FILE"}' " +
        $"('cmsuser plan --settings {file ?? "FILE"}' first shows what the run would do).";

    private static int Init(CliOptions options, string cmsName, bool force)
    {
        if (!Settings.TryParseCms(cmsName, out var cms))
        {
            throw new CliException($"The CMS '{cmsName}' {Settings.NotACms(cmsName)}", ExitCodes.Configuration);
        }

        var file = Path.GetFullPath(options.SettingsFile ?? Settings.DefaultFileName, CliContext.Current.WorkingDirectory);
        if (File.Exists(file) && !force)
        {
            throw new CliException($"{file} already exists; pass --force to overwrite it.", ExitCodes.Configuration);
        }

        try
        {
            File.WriteAllText(file, InitTemplate.For(cms));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            var why = ex switch
            {
                DirectoryNotFoundException => $"the folder {Path.GetDirectoryName(file)} does not exist",
                UnauthorizedAccessException => "permission denied",
                _ => ex.Message.TrimEnd('.'),
            };
            throw new CliException($"Cannot write {file}: {why}. Choose another place with --settings FILE.", ExitCodes.Configuration, ex);
        }
        if (options.Json)
        {
            CliContext.Current.Out.WriteLine($$"""{ "command": "init", "exitCode": 0, "file": {{System.Text.Json.JsonSerializer.Serialize(file, CliJson.Readable.String)}}, "cms": "{{cms}}" }""");
        }
        else
        {
            CliContext.Current.Out.WriteLine($"Wrote {file} for {cms}. Fill in the URLs, put the secrets in CmsUser__… environment variables, then run 'cmsuser check'.");
        }

        return ExitCodes.Done;
    }

    /// <summary>Loads the settings and starts the host with the real packages; <paramref name="adjust"/> changes its services first (<c>check</c>'s deadline).</summary>
    private static async Task<IHost> StartAsync(CliOptions options, CancellationToken cancellationToken, Action<IServiceCollection>? adjust = null)
    {
        var settings = Settings.Load(options.SettingsFile, CliContext.Current.WorkingDirectory, CliContext.Current.Environment);
        return await CliHost.StartRealAsync(settings, options, cancellationToken, adjust).ConfigureAwait(false);
    }

    private static RetryPolicy Retry(IHost host) => host.Services.GetRequiredService<IOptions<CmsUserOptions>>().Value.Retry;

    /// <summary>The rules whose trigger keeps a contact that gave up (a saved search; deprovisioning on leaving the trigger), by name.</summary>
    private static HashSet<string> KeptRules(IHost host) =>
        host.Services.GetRequiredService<IOptions<CmsUserOptions>>().Value.Rules
            .Where(r => r.Trigger?.Kind == TriggerKind.SavedSearch || r.Deprovision?.When == DeprovisionWhen.LeftTrigger)
            .Select(r => r.DisplayName)
            .ToHashSet(StringComparer.OrdinalIgnoreCase);

    private static int PageSize(IHost host) => Math.Max(1, host.Services.GetRequiredService<IOptions<CmsUserOptions>>().Value.PageSize);
}
