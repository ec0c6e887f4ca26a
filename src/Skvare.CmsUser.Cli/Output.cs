using System.Globalization;
using System.Text;
using System.Text.Json;
using Skvare.CmsUser.Shared;
using Spectre.Console;

namespace Skvare.CmsUser.Cli;

/// <summary>What the commands print: tables and summaries for a person on stdout, or one JSON document with <c>--json</c>.</summary>
internal static class Output
{
    /// <summary>stdout for a person (see <see cref="CliContext.Human"/>).</summary>
    private static IAnsiConsole Human => CliContext.Current.Human;

    /// <summary>How an outcome reads in the command's own words (a reset campaign sends emails, it links nothing).</summary>
    public static string Describe(OutcomeKind kind, string verb) => (verb == Verbs.Reset, kind) switch
    {
        (true, OutcomeKind.Linked) => "Sent",
        (_, OutcomeKind.AlreadyLinked) => "Already linked",
        (_, OutcomeKind.GaveUp) => "Gave up",
        (_, OutcomeKind.RolesRemoved) => "Roles removed",
        _ => kind.ToString(),
    };

    /// <summary>
    /// The word for one outcome in the table and JSON (reset: Sent, No account, Account blocked, Failed, Gave up; a linked contact whose
    /// access a deprovisioning had taken and this run gave back: Access restored). A contact without an account whose
    /// attempts this reset used up has left the campaign: it reads Gave up, as any contact that left does.
    /// </summary>
    public static string Describe(ProvisioningOutcome outcome, string verb) => outcome switch
    {
        { Kind: not OutcomeKind.GaveUp, Error.Code: CmsUserErrorCodes.NoLinkedAccount } when verb == Verbs.Reset => "No account",
        { Kind: OutcomeKind.Skipped, Error.Code: CmsUserErrorCodes.AccountBlocked } when verb == Verbs.Reset => "Account blocked",
        { Kind: OutcomeKind.AlreadyLinked, AccessRestored: true } => "Access restored",
        _ => Describe(outcome.Kind, verb),
    };

    /// <summary>The exit code of a finished run.</summary>
    /// <remarks>
    /// A run whose every failure was a server that could not be reached, and so counted no attempt (<paramref name="retry"/>
    /// does not count transient failures), stopped short of its work as a quarantine does: 2, run again later. Such
    /// contacts are not in <c>cmsuser failures</c>, so 1 ("read the failures") would send a person to an empty list.
    /// </remarks>
    public static int ExitCode(RunSummary summary, RetryPolicy? retry = null) => summary switch
    {
        // The first stop decides: a defect is reported, a configuration error fixed, a quarantine or a cancellation run again.
        { StopKind: RunStopKind.InternalError } => ExitCodes.Defect,
        { StopKind: RunStopKind.Configuration } => ExitCodes.Configuration,
        { Quarantined: true } or { Cancelled: true } => ExitCodes.Stopped,
        { StopReason: not null } => ExitCodes.Configuration,
        _ when summary.Count(OutcomeKind.Failed) + summary.Count(OutcomeKind.GaveUp) == 0 => ExitCodes.Done,
        _ when OnlyUnavailable(summary, retry) => ExitCodes.Stopped,
        _ => ExitCodes.SomeFailed,
    };

    /// <summary>Whether a failure counted as one of the contact's attempts (a server that could not be reached does not, by default).</summary>
    public static bool Counted(ProvisioningOutcome outcome, RetryPolicy? retry) =>
        outcome.Error is not { Kind: var kind } || retry is null || (kind != FailureKind.Configuration && retry.Counts(kind));

    /// <summary>Every failure of the run was uncounted and transient (and none was left out of the summary's list).</summary>
    private static bool OnlyUnavailable(RunSummary summary, RetryPolicy? retry) =>
        retry is not null
        && summary.Count(OutcomeKind.GaveUp) == 0
        && summary.Failures.Count == summary.Count(OutcomeKind.Failed)
        && summary.Failures.All(f => f.Error?.Kind == FailureKind.Transient && !Counted(f, retry));

    /// <summary>
    /// The run's table and summary (or its JSON document). <paramref name="passes"/> are the run's passes that processed
    /// contacts, each with its own counts: with more than one, the summary has a line per pass and the JSON a
    /// <c>rules</c> array, so no count is left without its rule.
    /// </summary>
    public static void Run(string command, string verb, RunSummary summary, IReadOnlyList<ProvisioningOutcome> outcomes, bool json, int exit, string? note = null, RetryPolicy? retry = null, IReadOnlyList<PassTally>? passes = null, IReadOnlySet<string>? keptRules = null)
    {
        passes ??= [];
        outcomes = WithKnownUsernames(outcomes, verb);
        if (json)
        {
            WriteJson(w =>
            {
                w.WriteString("command", command);
                w.WriteNumber("exitCode", exit);
                w.WriteString("status", ExitCodes.Status(exit));
                w.WriteString("startedAt", summary.StartedAt);
                w.WriteNumber("durationSeconds", Math.Round(summary.Duration.TotalSeconds, 3));
                w.WriteNumber("total", summary.Total);
                WriteCounts(w, outcomes.GroupBy(o => Describe(o, verb)).Select(g => KeyValuePair.Create(g.Key, g.Count())));
                w.WriteStartArray("rules");
                foreach (var pass in passes)
                {
                    w.WriteStartObject();
                    w.WriteString("rule", pass.Pass);
                    w.WriteNumber("pass", pass.Number);
                    w.WriteNumber("total", pass.Total);
                    WriteCounts(w, pass.Counts);
                    w.WriteEndObject();
                }

                w.WriteEndArray();
                w.WriteNumber("notificationsFailed", summary.NotificationsFailed);
                w.WriteNumber("accessRestored", summary.AccessRestored);
                w.WriteBoolean("quarantined", summary.Quarantined);
                w.WriteBoolean("cancelled", summary.Cancelled);
                w.WriteString("stopReason", summary.StopReason);
                w.WriteString("stopKind", JsonNamingPolicy.CamelCase.ConvertName(summary.StopKind.ToString()));
                if (summary.CmsCredentialsCheck is { } credentials)
                {
                    w.WritePropertyName("cmsCredentialsCheck");
                    WriteCheck(w, credentials);
                }
                else
                {
                    w.WriteNull("cmsCredentialsCheck");
                }

                w.WriteStartArray("contacts");
                foreach (var o in outcomes.OrderBy(o => o.ContactId))
                {
                    w.WriteStartObject();
                    w.WriteNumber("contactId", o.ContactId);
                    w.WriteString("rule", o.Rule);
                    w.WriteString("outcome", Key(Describe(o, verb)));
                    w.WriteString("username", o.Username);
                    WriteNumberOrNull(w, "accountId", o.CmsUserId);
                    WriteNumberOrNull(w, "attempt", o.Attempt);
                    w.WriteString("notification", o.Notification is { } n ? JsonNamingPolicy.CamelCase.ConvertName(n.ToString()) : null);
                    w.WriteString("notificationFailureReason", o.Notification == CmsNotification.Failed ? JsonNamingPolicy.CamelCase.ConvertName((o.NotificationFailureReason ?? CmsNotificationFailure.Unknown).ToString()) : null);
                    w.WriteBoolean("accessRestored", o.AccessRestored);
                    if (o.Kind is OutcomeKind.Failed or OutcomeKind.GaveUp)
                    {
                        w.WriteBoolean("attemptCounted", Counted(o, retry));
                    }
                    else
                    {
                        w.WriteNull("attemptCounted");
                    }

                    if (o.Error is { } e)
                    {
                        w.WriteStartObject("error");
                        w.WriteString("kind", e.Kind.ToString());
                        w.WriteString("code", e.Code);
                        w.WriteString("message", e.Message);
                        w.WriteEndObject();
                    }
                    else
                    {
                        w.WriteNull("error");
                    }

                    w.WriteEndObject();
                }

                w.WriteEndArray();
            });
            return;
        }

        if (outcomes.Count > 0)
        {
            var table = new Table().Border(TableBorder.Simple).AddColumns("Contact", "Rule", "Outcome", "Username", "Account id", "Error");
            foreach (var o in outcomes.OrderBy(o => o.ContactId))
            {
                var error = o.Error is null ? "" : $"{o.Error.Code}: {o.Error.Message}" + AttemptNote(o, retry);
                table.AddRow(Cell(Number(o.ContactId)), Cell(o.Rule), Cell(Describe(o, verb)), Cell(UsernameCell(o, verb)), Cell(o.CmsUserId is long id ? Number(id) : ""), Cell(error));
            }

            Human.Write(table);
        }

        var counts = outcomes.GroupBy(o => Describe(o, verb)).Select(g => $"{g.Key} {Number(g.Count())}");
        Human.WriteLine($"{verb} finished in {Durations.Format(summary.Duration)}: {Contacts(summary.Total)}{(summary.Total > 0 ? " (" + string.Join(", ", counts) + ")" : "")}{(passes.Count > 1 ? $". By {(verb == Verbs.Reset ? "campaign" : "rule")}:" : ".")}");
        if (passes.Count > 1)
        {
            foreach (var pass in passes)
            {
                Human.WriteLine($"  {Safe(pass.Pass)}: {Contacts(pass.Total)} ({string.Join(", ", pass.Counts.Select(c => $"{c.Key} {Number(c.Value)}"))})");
            }
        }
        if (NotificationLine(summary, outcomes) is { } mailLine)
        {
            Human.WriteLine(mailLine);
        }

        if (exit == ExitCodes.SomeFailed && RetryLine(verb, summary, retry, keptRules) is { } hint)
        {
            Human.WriteLine(hint);
        }

        if (exit == ExitCodes.Stopped && !summary.Quarantined && !summary.Cancelled)
        {
            Human.WriteLine(StoppedShortLine(summary));
        }

        if (StopLine(command, summary) is { } stop)
        {
            Human.WriteLine(stop);
        }

        if (note is not null)
        {
            Human.WriteLine(note);
        }
    }

    /// <summary>
    /// The hint after a run or reset that ended 1 (some contacts failed): how many the next run (or reset) tries again and
    /// where to see them, and those that gave up, which no run retries: they were taken out of the trigger (a saved search,
    /// which cannot drop a contact, skips it until its failures age out). <see langword="null"/> when none failed or gave up.
    /// <paramref name="keptRules"/> names the rules whose trigger keeps its contacts (a saved search, or a rule that
    /// deprovisions when contacts leave the trigger): the saved-search note is left out when no contact that gave up came
    /// from one (found in trialadmin24: a group trigger's run read "a saved search skips them"). <see langword="null"/>: not known, the note stays.
    /// </summary>
    internal static string? RetryLine(string verb, RunSummary summary, RetryPolicy? retry, IReadOnlySet<string>? keptRules = null)
    {
        var failed = summary.Count(OutcomeKind.Failed);
        var gaveUp = summary.Count(OutcomeKind.GaveUp);
        if (failed + gaveUp == 0)
        {
            return null;
        }

        static string Them(int n) => n == 1 ? "it" : "them";
        static string Was(int n) => n == 1 ? "was" : "were";
        if (verb == Verbs.Reset)
        {
            var resets = failed == 0 ? "" : $"{Contacts(failed)} did not get the reset email and will be tried again by the next 'cmsuser reset' ({(failed == 1 ? "the contact stays" : "the contacts stay")} in the campaign)";
            var left = gaveUp == 0 ? "" : $"{Contacts(gaveUp)} gave up and left the campaign without one (no account, or the attempts are used up)";
            return $"{string.Join("; ", new[] { resets, left }.Where(p => p.Length > 0))}: the table above and {(failed + gaveUp == 1 ? "its" : "their")} Failed \"User Account Password Reset\" activities in CiviCRM say why.";
        }

        var kept = keptRules is null || summary.Failures.Any(f => f.Kind == OutcomeKind.GaveUp && (f.Rule is null || keptRules.Contains(f.Rule)));
        var gaveUpPart = $"{Contacts(gaveUp)} gave up and {Was(gaveUp)} taken out of the trigger{(kept ? $" (a saved search skips {Them(gaveUp)} until the failures age out)" : "")}, so no run retries {Them(gaveUp)}";
        if (failed == 0)
        {
            return $"{gaveUpPart}: 'cmsuser failures --all' lists {Them(gaveUp)} with what to fix before putting {Them(gaveUp)} back in the trigger.";
        }

        // A failure a server that could not be reached caused spends no attempt and is recorded nowhere 'cmsuser failures' reads.
        var uncounted = summary.Failures.Count(f => f.Kind == OutcomeKind.Failed && !Counted(f, retry));
        var unlisted = uncounted == 0 ? "" : $" ({Number(uncounted)} of them could not reach a server: no attempt counted, not in that list)";
        return $"{Contacts(failed)} failed and will be retried by the next run: 'cmsuser failures' lists {Them(failed)} with the attempts used and the last error{unlisted}."
            + (gaveUp == 0 ? "" : $" {gaveUpPart}: 'cmsuser failures --all' lists {Them(gaveUp)} too.");
    }

    /// <summary>The other reading of a server that cannot be reached: a new setup's mistyped URL looks the same as an outage.</summary>
    internal const string NeverWorked = "If it has never worked, check the BaseUrl ('cmsuser check'): a mistyped host name or port looks the same.";

    /// <summary>
    /// The line naming the accounts created whose new-account email the website could not send, and how to send one, or
    /// <see langword="null"/> when there are none.
    /// </summary>
    internal static string? NotificationLine(RunSummary summary, IReadOnlyList<ProvisioningOutcome> outcomes)
    {
        if (summary.NotificationsFailed == 0)
        {
            return null;
        }

        var failed = outcomes.Where(o => o is { Kind: OutcomeKind.Created, Notification: CmsNotification.Failed }).OrderBy(o => o.ContactId).ToList();
        var ids = failed.ConvertAll(o => o.ContactId);
        var shown = ids.Count == 0 ? "" : " (contact " + string.Join(", ", ids.Take(10).Select(Number)) + (ids.Count > 10 ? ", …" : "") + ")";
        var emails = $"{Number(summary.NotificationsFailed)} new-account email{(summary.NotificationsFailed == 1 ? "" : "s")}";

        // Found in trial17 (real WordPress behind a proxy stopped mid-run): emails the run could not ask for because the site
        // went away were reported as mail the site could not send, sending the admin to check a mail setup that works. The
        // provider says which it was (CmsNotificationFailure); emails not among the outcomes, or of no known kind, are unknown.
        var unreached = failed.Count(o => o.NotificationFailureReason == CmsNotificationFailure.SiteUnreachable);
        var refused = failed.Count(o => o.NotificationFailureReason == CmsNotificationFailure.MailRefused);
        var unknown = summary.NotificationsFailed - unreached - refused;
        return (unreached, refused, unknown) switch
        {
            (_, 0, 0) => $"{emails} could not be sent{shown}: the website could not be reached or did not answer when asked to send {(unreached == 1 ? "it" : "them")}. "
                + "The accounts exist and are linked, and their activities say so. Once the site answers again, send them a password reset with a reset campaign (cmsuser reset).",
            (0, _, 0) => $"{emails} could not be sent by the website{shown}: the accounts exist and are linked, and their activities say so. "
                + "Once the site's mail works, send them a password reset with a reset campaign (cmsuser reset).",
            (_, _, 0) => $"{emails} could not be sent{shown}: the website could not send some and could not be reached or did not answer for the others. The accounts exist and are linked, and "
                + "their activities say which. Once the site answers again and its mail works, send them a password reset with a reset campaign (cmsuser reset).",
            _ => $"{emails} could not be sent{shown}: the accounts exist and are linked, and their activities say why. "
                + "Once the site answers and its mail works, send them a password reset with a reset campaign (cmsuser reset).",
        };
    }

    /// <summary>The line that says why the run stopped early and what to do, or <see langword="null"/> when it did not stop.</summary>
    internal static string? StopLine(string command, RunSummary summary) => summary switch
    {
        { StopKind: RunStopKind.InternalError } =>
            $"Stopped by a defect in cmsuser, not by a setting: {Safe(summary.StopReason ?? "")} The contacts above were written; the next run carries on. "
            + $"Please report it ({Issues}) with the output of 'cmsuser {command} --verbose', which has the exception.",
        { StopKind: RunStopKind.Configuration } => $"Stopped by a configuration or credentials problem: {Safe(summary.StopReason ?? "")}",
        { Quarantined: true } => $"Stopped (quarantined): {Safe((summary.StopReason ?? "").TrimEnd().TrimEnd('.'))}. {LeftBehind(summary)}; run again when the server is back.{(MayBeUnreachable(summary) ? " " + NeverWorked : "")}",
        { Cancelled: true } => "Cancelled: the run stopped cleanly between contacts.",
        { StopReason: not null } => $"Stopped by a configuration or credentials problem: {Safe(summary.StopReason)}",
        _ => null,
    };

    /// <summary>
    /// What a quarantine left undone: the contacts after the stop; none when the stop was the credentials check of a run
    /// that needed the CMS for no contact, which comes after the run's last contact.
    /// </summary>
    private static string LeftBehind(RunSummary summary) => summary switch
    {
        { CmsCredentialsCheck.Passed: false, Total: 0 } => "No contact was waiting",
        { CmsCredentialsCheck.Passed: false } => $"{(summary.Total == 1 ? "The run's contact was" : $"All {Number(summary.Total)} contacts of the run were")} handled before the check",
        _ => "The remaining contacts were left untouched",
    };

    /// <summary>
    /// Whether a server may not have been reached at all, where a mistyped URL looks the same (<see cref="NeverWorked"/>):
    /// a failure that got no HTTP answer, or a stop no contact's failure explains. A site that answered (its mail failed,
    /// a 503) was reached at its URL.
    /// </summary>
    internal static bool MayBeUnreachable(RunSummary summary)
    {
        if (ReachedTheCms(summary))
        {
            return false;
        }

        var unavailable = summary.Failures.Where(f => f.Error is { Kind: FailureKind.Transient } e && e.Code != CmsUserErrorCodes.UnknownOutcome).ToList();
        return unavailable.Count == 0 || unavailable.Exists(f => f.Error!.StatusCode is null);
    }

    /// <summary>
    /// Whether the CMS took a contact in this run (an account created, linked, blocked, its roles removed): then both
    /// servers were reached at their URLs (the contacts came from CiviCRM), and a server lost later in the run is an
    /// outage, not a mistyped URL. Found in trial19: a bulk import whose WordPress went away after 92 accounts was told
    /// "If it has never worked, check the BaseUrl". A contact that failed with <c>write_back_failed</c> and carries its CMS
    /// account id counts too: the CMS created or found that account in this run and only writing it back to CiviCRM failed.
    /// Found in trialadmin24: a CiviCRM stopped (or stalled) behind a proxy after WordPress had created 50 accounts, whose
    /// write-back was then lost, was told "If it has never worked, check the BaseUrl", although both servers had answered.
    /// </summary>
    internal static bool ReachedTheCms(RunSummary summary) =>
        summary.Count(OutcomeKind.Created) + summary.Count(OutcomeKind.Linked) + summary.Count(OutcomeKind.Blocked) + summary.Count(OutcomeKind.RolesRemoved) > 0
        || summary.Failures.Any(f => f is { CmsUserId: not null, Error.Code: CmsUserErrorCodes.WriteBackFailed });

    /// <summary>
    /// The summary of a run whose every failure spent no attempt: contacts a server could not take, and contacts whose
    /// account creation got no readable answer (<see cref="CmsUserErrorCodes.UnknownOutcome"/>), which are no server outage:
    /// the CMS may have created the account, and the next run finds it.
    /// </summary>
    internal static string StoppedShortLine(RunSummary summary)
    {
        var unknown = summary.Failures.Count(f => f.Error?.Code == CmsUserErrorCodes.UnknownOutcome);
        var answered = summary.Failures.Count(f => f is { Kind: OutcomeKind.Failed, Error: { Kind: FailureKind.Transient, StatusCode: not null } e } && e.Code != CmsUserErrorCodes.UnknownOutcome);
        var unavailable = summary.Count(OutcomeKind.Failed) - unknown - answered;
        var parts = new List<string>(3);
        if (unavailable > 0)
        {
            parts.Add($"{Contacts(unavailable)} could not be done because a server could not be reached or was unavailable");
        }

        if (answered > 0)
        {
            parts.Add($"{Contacts(answered)} could not be done although the server answered: it failed on its side for now (each contact's error says how, e.g. a server error or a busy lock)");
        }

        if (unknown > 0)
        {
            parts.Add($"{Contacts(unknown)} got no readable answer to the account creation (unknown_outcome): the CMS may have created the account, "
                + "and the next run finds it by email and links it (or creates it if it does not exist), with nothing to do by hand");
        }

        return $"Stopped short: {string.Join("; ", parts)}. No attempt was counted against them. Run again later (the next scheduled run will do).{(unavailable > 0 && !ReachedTheCms(summary) ? " " + NeverWorked : "")}";
    }

    /// <summary>
    /// What a lost answer to an account creation means and what happens next, in place of "tried again": the account may
    /// exist, and nothing needs doing by hand unless the contact gave up (left the trigger).
    /// </summary>
    private static string UnknownOutcomeNote(OutcomeKind kind) => kind == OutcomeKind.GaveUp
        ? "the CMS may have created the account but its answer was lost; the contact left the trigger: put it back and the next run finds the account by email and links it"
        : "the CMS may have created the account but its answer was lost; nothing to do by hand: the next run finds the account by email and links it, or creates it if it does not exist";

    /// <summary>Where the documentation is (a user of the installed tool has no clone).</summary>
    internal const string Docs = "https://github.com/skvare/Skvare.CmsUser/blob/main/docs/";

    /// <summary>Where defects are reported.</summary>
    internal const string Issues = "https://github.com/skvare/Skvare.CmsUser/issues";

    /// <summary>
    /// What a failure did to the contact's attempts: "(attempt 2 of 4)" when it counted; "(not counted …)" for a server
    /// that could not be reached (the contact keeps its attempts), nothing for a configuration problem (nobody's attempt).
    /// </summary>
    internal static string AttemptNote(ProvisioningOutcome o, RetryPolicy? retry)
    {
        if (o.Kind is not (OutcomeKind.Failed or OutcomeKind.GaveUp) || o.Error is null || o.Error.Kind == FailureKind.Configuration || o.Attempt is not int attempt)
        {
            return "";
        }

        var unknown = o.Error.Code == CmsUserErrorCodes.UnknownOutcome;
        if (!Counted(o, retry))
        {
            return $" (not counted: {(attempt == 0 ? "no attempts used" : AttemptsUsed(attempt, retry!.MaxAttempts))}; {(unknown ? UnknownOutcomeNote(o.Kind) : "tried again next run")})";
        }

        if (retry is null)
        {
            return $" (attempt {Number(attempt)}{(unknown ? "; " + UnknownOutcomeNote(o.Kind) : "")})";
        }

        if (unknown)
        {
            return $" ({AttemptOf(attempt, retry.MaxAttempts)}; {UnknownOutcomeNote(o.Kind)})";
        }

        // A failure that cannot go away by retrying (no email, an email on hold, an account gone) gives up before the attempts are used: say so.
        return o.Kind == OutcomeKind.GaveUp && attempt < retry.MaxAttempts
            ? $" ({AttemptOf(attempt, retry.MaxAttempts)}; gave up at once: trying again cannot help)"
            : $" ({AttemptOf(attempt, retry.MaxAttempts)})";
    }

    /// <summary>
    /// Which attempt against the limit: "attempt 2 of 4" within it; past it (a contact with more failures than
    /// Retry:MaxAttempts, e.g. after the limit was lowered) "attempt 5, limit 4", never "5 of 4".
    /// </summary>
    internal static string AttemptOf(int attempt, int max) =>
        attempt <= max ? $"attempt {Number(attempt)} of {Number(max)}" : $"attempt {Number(attempt)}, limit {Number(max)}";

    /// <summary>How many attempts are used against the limit: "2 of 4 attempts used", or past it "5 attempts used, limit 4".</summary>
    internal static string AttemptsUsed(int attempts, int max) =>
        attempts <= max ? $"{Number(attempts)} of {Number(max)} attempts used" : $"{Number(attempts)} attempts used, limit {Number(max)}";

    /// <summary>The failures table's attempt count: "2 of 4", or past the limit "5, limit 4".</summary>
    internal static string AttemptCount(int attempts, int max) =>
        attempts <= max ? $"{Number(attempts)} of {Number(max)}" : $"{Number(attempts)}, limit {Number(max)}";

    /// <summary>
    /// The exit code of a plan, as a run over the same data would end: 2 when the plan stopped on an unavailable server or
    /// every contact that would fail fails only because a server could not be reached (no attempt counted); 1 when some
    /// contacts would fail or give up; else 0. A planned failure's note starts with the run's error code.
    /// </summary>
    public static int PlanExitCode(IReadOnlyList<PlanEntry> entries, bool stopped, RetryPolicy retry)
    {
        var failing = entries.Where(e => e.Action is PlannedAction.Fail or PlannedAction.GiveUp).ToList();
        if (failing.Any(IsUnknownRole))
        {
            // A run stops at the first of them: the rule's roles are a setting to fix, as run's exit code says.
            return ExitCodes.Configuration;
        }

        if (stopped)
        {
            return ExitCodes.Stopped;
        }

        if (failing.Count == 0)
        {
            return ExitCodes.Done;
        }

        return !retry.Counts(FailureKind.Transient) && failing.All(e => e.Action == PlannedAction.Fail && IsUnavailable(e.Conflict))
            ? ExitCodes.Stopped
            : ExitCodes.SomeFailed;
    }

    /// <summary>The error codes of a server that could not be reached or was unavailable (<see cref="FailureKind.Transient"/>).</summary>
    private static readonly string[] UnavailableCodes = [CmsUserErrorCodes.CmsUnavailable, CmsUserErrorCodes.Throttled, CmsUserErrorCodes.CiviCrmUnavailable, CmsUserErrorCodes.UnknownOutcome];

    /// <summary>Whether a planned failure is a rule's role the site does not have (<c>unknown_role</c>): a run stops there.</summary>
    private static bool IsUnknownRole(PlanEntry entry) =>
        entry.Conflict is { } note && note.StartsWith(CmsUserErrorCodes.UnknownRole + ": ", StringComparison.Ordinal);

    internal static bool IsUnavailable(string? note) =>
        note is not null && UnavailableCodes.Any(code => note.StartsWith(code + ": ", StringComparison.Ordinal));

    public static void Plan(IReadOnlyList<PlanEntry> entries, int exit, bool json, PlanStop? stopped = null)
    {
        if (json)
        {
            WriteJson(w =>
            {
                w.WriteString("command", "plan");
                w.WriteNumber("exitCode", exit);
                w.WriteString("status", ExitCodes.Status(exit));
                w.WriteString("stopReason", stopped?.Reason);
                w.WriteString("stopKind", stopped is null ? "none" : "quarantined");
                w.WriteString("stoppedAt", stopped?.Key);
                w.WriteString("stopNote", stopped?.Note());
                w.WriteNumber("total", entries.Count);
                w.WriteStartObject("counts");
                foreach (var g in entries.GroupBy(e => e.Action).OrderBy(g => g.Key))
                {
                    w.WriteNumber(Key(g.Key.ToString()), g.Count());
                }

                w.WriteEndObject();
                w.WriteStartArray("contacts");
                foreach (var e in entries)
                {
                    w.WriteStartObject();
                    w.WriteNumber("contactId", e.ContactId);
                    w.WriteString("rule", e.Rule);
                    w.WriteString("action", Key(e.Action.ToString()));
                    w.WriteString("username", e.Username);
                    WriteNumberOrNull(w, "accountId", e.CmsUserId);
                    w.WriteString("note", e.Conflict);
                    w.WriteEndObject();
                }

                w.WriteEndArray();
            });
            return;
        }

        if (entries.Count == 0)
        {
            Human.WriteLine("Nothing to do: no contact is waiting in the rules' triggers.");
            return;
        }

        var table = new Table().Border(TableBorder.Simple).AddColumns("Contact", "Rule", "Would", "Username", "Account id", "Note");
        foreach (var e in entries)
        {
            table.AddRow(Cell(Number(e.ContactId)), Cell(e.Rule), Cell(Plan(e.Action)), Cell(e.Username), Cell(e.CmsUserId is long id ? Number(id) : ""), Cell(e.Conflict));
        }

        Human.Write(table);
        Human.WriteLine($"Plan: {Contacts(entries.Count)} ({string.Join(", ", entries.GroupBy(e => e.Action).Select(g => $"{Plan(g.Key)} {Number(g.Count())}"))}). Nothing was written.");
        if (entries.Where(IsUnknownRole).Select(e => e.Rule).Distinct().ToList() is { Count: > 0 } wrongRoles)
        {
            Human.WriteLine($"{(wrongRoles.Count == 1 ? "Rule" : "Rules")} {string.Join(", ", wrongRoles.Select(r => $"'{Safe(r)}'"))} {(wrongRoles.Count == 1 ? "names a role" : "name roles")} the site does not have (unknown_role, see the notes): a run would stop at the first such contact (exit code 3) without spending an attempt. Correct the rule's Roles; 'cmsuser check' lists the site's roles.");
        }

        if (stopped is not null)
        {
            Human.WriteLine($"Stopped (quarantined): {Safe(stopped.Reason.TrimEnd().TrimEnd('.'))}. {Safe(stopped.Note())}");
        }
        else if (exit == ExitCodes.Stopped)
        {
            Human.WriteLine(PlanUnavailableLine(entries));
        }
    }

    /// <summary>
    /// The line after a plan whose every failing contact fails on a server that could not be reached or was unavailable, with
    /// the <see cref="NeverWorked"/> hint when one of them got no answer at all, as a run's summary has it. Found in trial17: a
    /// plan with a mistyped WordPress port said only "Run again later", where the run over the same settings named the BaseUrl.
    /// </summary>
    internal static string PlanUnavailableLine(IReadOnlyList<PlanEntry> entries)
    {
        const string line = "Every contact that would fail fails only because a server could not be reached or was unavailable: a run would count no attempt against them. Run again later.";
        return entries.Any(e => IsUnavailable(e.Conflict) && e.Conflict!.Contains(" could not be reached", StringComparison.Ordinal)) ? $"{line} {NeverWorked}" : line;
    }

    /// <summary>
    /// The Username cell of a run or reset table. A reset sends the email to the linked account id and reads no account (the
    /// link stores the email, not the username), so its username is unknown and the cell says so rather than stay blank.
    /// </summary>
    internal static string UsernameCell(ProvisioningOutcome outcome, string verb) =>
        outcome.Username ?? (verb == Verbs.Reset && outcome.CmsUserId is not null ? NotRead : "");

    /// <summary>
    /// The outcomes with the username of each already linked account this run learnt another way: a run does not read the
    /// account of a contact it finds linked (no request per contact), but when the same run created or linked that account
    /// for another rule (a contact in the triggers of two rules) or another outcome named it, its username is known. A reset
    /// reads no account at all (<see cref="NotRead"/>).
    /// </summary>
    internal static IReadOnlyList<ProvisioningOutcome> WithKnownUsernames(IReadOnlyList<ProvisioningOutcome> outcomes, string verb)
    {
        if (verb == Verbs.Reset || !outcomes.Any(o => o is { Kind: OutcomeKind.AlreadyLinked, Username: null, CmsUserId: not null }))
        {
            return outcomes;
        }

        var known = new Dictionary<long, string>();
        foreach (var o in outcomes)
        {
            if (o is { Username: { } username, CmsUserId: long id })
            {
                known.TryAdd(id, username);
            }
        }

        return outcomes.Select(o => o is { Kind: OutcomeKind.AlreadyLinked, Username: null, CmsUserId: long id } && known.TryGetValue(id, out var name) ? o with { Username = name } : o).ToList();
    }

    /// <summary>The Username cell of a reset (<see cref="UsernameCell"/>).</summary>
    internal const string NotRead = "(not read)";

    /// <summary>
    /// The <c>failures</c> list (or its JSON document): <paramref name="failures"/> are the contacts in its scope (waiting in a
    /// rule's trigger; with <paramref name="rule"/> in that rule's; with <paramref name="all"/> every contact whose last attempt
    /// failed); the header and the last lines say which, so an empty list never reads as "nobody failed", and give
    /// <paramref name="counts"/>, which add up to what <c>--all</c> lists (docs/cli.md, "What each count means").
    /// </summary>
    public static void Failures(IReadOnlyList<FailureRecord> failures, FailureCounts counts, int maxAttempts, TimeSpan window, bool json, string? rule = null, bool all = false, OrphanScan? orphans = null, int? closed = null)
    {
        if (json)
        {
            WriteJson(w =>
            {
                w.WriteString("command", "failures");
                w.WriteNumber("exitCode", ExitCodes.Done);
                w.WriteString("scope", all ? "all" : "waiting");
                w.WriteNumber("maxAttempts", maxAttempts);
                w.WriteNumber("windowDays", Math.Round(window.TotalDays, 3));
                w.WriteNumber("notListed", counts.NotListed);
                w.WriteStartObject("counts");
                w.WriteNumber("total", counts.Total);
                w.WriteNumber("listed", counts.Listed);
                w.WriteNumber("notListed", counts.NotListed);
                w.WriteNumber("notListedNoTrigger", counts.NotListedNoTrigger);
                w.WriteNumber("notListedOtherRules", counts.NotListedOtherRules);
                w.WriteNumber("retry", counts.Retry);
                w.WriteNumber("attemptsUsedUp", counts.AttemptsUsedUp);
                w.WriteNumber("notWaiting", counts.NotWaiting);
                w.WriteEndObject();
                w.WriteStartArray("contacts");
                foreach (var f in failures)
                {
                    w.WriteStartObject();
                    w.WriteNumber("contactId", f.ContactId);
                    w.WriteString("displayName", f.DisplayName);
                    w.WriteNumber("attempts", f.Attempts);
                    w.WriteString("lastAttemptAt", f.LastAttemptAt);
                    w.WriteString("lastError", f.LastError);
                    w.WriteString("next", Key(f.Next.ToString()));
                    w.WriteString("rule", f.Rule);
                    w.WriteEndObject();
                }

                w.WriteEndArray();
                if (orphans is not null)
                {
                    OrphansJson(w, orphans, closed);
                }
            });
            return;
        }

        var days = Durations.Format(window);
        var waiting = all ? "" : rule is null ? " waiting in a rule's trigger" : $" waiting in the trigger of {Safe(rule)}";
        var more = counts.NotListed == 0 || all ? "" : " " + NotListedLine(counts, rule);
        if (failures.Count == 0)
        {
            Human.WriteLine(all
                ? $"No failed attempts in the last {days}."
                : $"No contact{waiting} has failed attempts in the last {days}.{more}");
            Orphans(orphans, closed);
            return;
        }

        Human.WriteLine(all
            ? $"Every contact whose last attempt failed in the last {days}, waiting in a trigger or not:"
            : $"Contacts{waiting} whose last attempt failed in the last {days} (--all: also those no trigger holds any more):");
        var table = new Table().Border(TableBorder.Simple).AddColumns("Contact", "Name", "Attempts", "Last attempt (UTC)", "Last error", "Next");
        foreach (var f in failures)
        {
            var next = Next(f, maxAttempts);
            table.AddRow(Cell(Number(f.ContactId)), Cell(f.DisplayName), Cell(AttemptCount(f.Attempts, maxAttempts)), Cell(f.LastAttemptAt.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)), Cell(f.LastError), Cell(next));
        }

        Human.Write(table);
        Human.WriteLine($"{ListedLine(counts, waiting, days)}{more}");
        Orphans(orphans, closed);
    }

    /// <summary>
    /// The line under the <c>failures</c> table: how many are listed and what the next run does with them, in parts that add
    /// up to the number listed ("3 contacts … ; 2 will be retried, 1 skipped until its failures age out").
    /// </summary>
    internal static string ListedLine(FailureCounts counts, string waiting, string days)
    {
        var parts = new List<string>(3) { $"{Number(counts.Retry)} will be retried" };
        if (counts.AttemptsUsedUp > 0)
        {
            parts.Add($"{Number(counts.AttemptsUsedUp)} skipped until {(counts.AttemptsUsedUp == 1 ? "its" : "their")} failures age out (attempts used up)");
        }

        if (counts.NotWaiting > 0)
        {
            parts.Add($"{Number(counts.NotWaiting)} {(counts.NotWaiting == 1 ? "waits" : "wait")} in no trigger (no run tries {(counts.NotWaiting == 1 ? "it" : "them")} until put back)");
        }

        return $"{Contacts(counts.Listed)}{waiting} with failed attempts in the last {days}; {string.Join(", ", parts)}.";
    }

    /// <summary>
    /// The <c>failures</c> part on open records no run will finish (<see cref="OrphanRecords"/>): nothing when there are none
    /// and none were to be closed; with <paramref name="closed"/> (<c>--close-orphans</c>), how many were closed.
    /// </summary>
    private static void Orphans(OrphanScan? scan, int? closed)
    {
        if (scan is null || (scan.Records.Count == 0 && closed is null))
        {
            return;
        }

        var age = Durations.Format(scan.OlderThan);
        if (scan.Records.Count == 0)
        {
            Human.WriteLine($"No open record opened more than {age} ago belongs to a contact that waits in no trigger: nothing to close.");
            return;
        }

        Human.WriteLine($"Open records no run will finish (opened more than {age} ago; the contact waits in no trigger that would finish them):");
        var table = new Table().Border(TableBorder.Simple).AddColumns("Record", "Kind", "Contact", "Name", "Opened (UTC)", "Where the contact is");
        foreach (var o in scan.Records)
        {
            table.AddRow(
                Cell(Number(o.ActivityId)),
                Cell(o.Kind == ActivityKind.PasswordReset ? "password reset" : "account creation"),
                Cell(o.ContactId is long id ? Number(id) : ""),
                Cell(o.DisplayName),
                Cell(o.OpenedAt?.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)),
                Cell(OrphanWhere(o)));
        }

        Human.Write(table);
        Human.WriteLine(OrphansLine(scan.Records.Count, closed));
    }

    /// <summary>Where an orphan's contact is, in the <c>failures</c> table.</summary>
    internal static string OrphanWhere(OrphanRecord o) => o.Contact switch
    {
        OrphanContact.InTrash => "in CiviCRM's trash",
        OrphanContact.Deleted => "deleted",
        _ => o.Kind == ActivityKind.PasswordReset ? "in no reset campaign's group or tag" : "in no rule's trigger",
    };

    /// <summary>The line after the orphans table: what <c>--close-orphans</c> does, or what it did.</summary>
    internal static string OrphansLine(int orphans, int? closed)
    {
        var records = $"{Number(orphans)} open record{(orphans == 1 ? "" : "s")}";
        if (closed is null)
        {
            return $"{records} no run will finish: 'cmsuser failures --close-orphans' marks {(orphans == 1 ? "it" : "them")} Cancelled (counts as no attempt; a contact put back in a trigger is tried afresh).";
        }

        var left = orphans - closed.Value;
        return left <= 0
            ? $"Closed {records} as Cancelled (counts as no attempt; a contact put back in a trigger is tried afresh)."
            : $"Closed {Number(closed.Value)} of {records} as Cancelled; {Number(left)} {(left == 1 ? "was" : "were")} no longer Scheduled (a run finished {(left == 1 ? "it" : "them")} meanwhile) and {(left == 1 ? "was" : "were")} left as {(left == 1 ? "it was" : "they were")}.";
    }

    /// <summary>The <c>orphans</c> object of <c>failures --json</c>.</summary>
    private static void OrphansJson(Utf8JsonWriter w, OrphanScan scan, int? closed)
    {
        w.WriteStartObject("orphans");
        w.WriteNumber("olderThanMinutes", Math.Round(scan.OlderThan.TotalMinutes, 3));
        w.WriteNumber("openRead", scan.Open);
        if (closed is { } count)
        {
            w.WriteNumber("closed", count);
        }
        else
        {
            w.WriteNull("closed");
        }

        w.WriteStartArray("records");
        foreach (var o in scan.Records)
        {
            w.WriteStartObject();
            w.WriteNumber("activityId", o.ActivityId);
            w.WriteString("kind", o.Kind == ActivityKind.PasswordReset ? "passwordReset" : "accountCreation");
            if (o.ContactId is long id)
            {
                w.WriteNumber("contactId", id);
            }
            else
            {
                w.WriteNull("contactId");
            }

            w.WriteString("displayName", o.DisplayName);
            w.WriteString("contact", Key(o.Contact.ToString()));
            if (o.OpenedAt is { } at)
            {
                w.WriteString("openedAt", at);
            }
            else
            {
                w.WriteNull("openedAt");
            }

            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteEndObject();
    }

    /// <summary>
    /// The <c>failures</c> line that counts the contacts whose last attempt failed that its scope left out, by why, so that
    /// the listed and the not listed add up to what <c>--all</c> lists: those no rule's trigger holds (with
    /// <paramref name="rule"/> they may be that rule's or another's: the activities do not name a rule), and with
    /// <paramref name="rule"/> those waiting in another rule's trigger.
    /// </summary>
    internal static string NotListedLine(FailureCounts counts, string? rule)
    {
        var noTrigger = $"no trigger holds (gave up, removed, or given an account another way{(rule is null ? "" : $"; from the rule {Safe(rule)} or another: the activities do not name the rule")})";
        const string OtherRules = "waiting in another rule's trigger ('cmsuser failures' without --rule lists them)";
        var why = (counts.NotListedNoTrigger, counts.NotListedOtherRules) switch
        {
            (_, 0) => $" but that {noTrigger}",
            (0, _) => $", {OtherRules}",
            var (a, b) => $": {Number(a)} that {noTrigger}, {Number(b)} {OtherRules}",
        };
        return $"Not listed: {Contacts(counts.NotListed)} whose last attempt failed{why}; 'cmsuser failures --all' lists all {Number(counts.Total)}.";
    }

    /// <summary>What the next run does with a failed contact, in the <c>failures</c> table.</summary>
    internal static string Next(FailureRecord f, int maxAttempts)
    {
        // The activity's details start with the error code (ContactResult: "code: message").
        var unknown = f.LastError.StartsWith(CmsUserErrorCodes.UnknownOutcome + ":", StringComparison.Ordinal);
        return f.Next switch
        {
            FailureNext.Retry when unknown =>
                $"the next run of {f.Rule} finds the account by email and links it, or creates it if it does not exist ({AttemptOf(f.Attempts + 1, maxAttempts)}); nothing to do by hand",
            FailureNext.Retry when f.Attempts >= maxAttempts =>
                $"retried once more by the next run of {f.Rule} (its attempts are used up: a failure takes it out of the trigger again)",
            FailureNext.Retry => $"retried by the next run of {f.Rule} ({AttemptOf(f.Attempts + 1, maxAttempts)})",
            FailureNext.AttemptsUsedUp => $"skipped by {f.Rule} until failures age out of the attempt window",
            _ when unknown => "not waiting in any trigger (gave up); the CMS may have created the account: add the contact to the trigger again and the next run finds it by email and links it",
            _ => $"not waiting in any trigger (gave up): {FixBeforeRetry(f.LastError)}, then add the contact to the trigger again to retry",
        };
    }

    /// <summary>
    /// What to fix before a contact that gave up is added to its trigger again: a contact whose email data gave up at once
    /// would give up again as it is (docs/errors.md says the same per code).
    /// </summary>
    private static string FixBeforeRetry(string lastError) => (lastError.Split(':', 2)[0]) switch
    {
        CmsUserErrorCodes.NoEmail => "give the contact a primary email in CiviCRM",
        CmsUserErrorCodes.InvalidEmail => "correct the contact's primary email in CiviCRM",
        CmsUserErrorCodes.EmailOnHold => "correct the contact's primary email and release its hold in CiviCRM",
        _ => "fix what the last error names",
    };

    public static void Check(IReadOnlyList<CheckedTarget> targets, int exit, bool json, CheckDeadline deadline)
    {
        if (json)
        {
            WriteJson(w =>
            {
                w.WriteString("command", "check");
                w.WriteNumber("exitCode", exit);
                w.WriteBoolean("healthy", targets.All(t => t.Report.Healthy));
                w.WriteNumber("timeoutSeconds", deadline.Timeout.TotalSeconds);
                w.WriteStartArray("targets");
                foreach (var (r, timedOut) in targets)
                {
                    w.WriteStartObject();
                    w.WriteString("target", r.Target);
                    w.WriteBoolean("healthy", r.Healthy);
                    w.WriteBoolean("timedOut", timedOut);
                    w.WriteStartArray("checks");
                    foreach (var c in r.Checks)
                    {
                        WriteCheck(w, c);
                    }

                    w.WriteEndArray();
                    w.WriteEndObject();
                }

                w.WriteEndArray();
            });
            return;
        }

        foreach (var (r, _) in targets)
        {
            if (CliContext.Current.OutputRedirected)
            {
                // A file or a pipe has no width to fit: a table would be as wide as its longest detail, its rule line too.
                foreach (var line in CheckLines(r, Human.Profile.Capabilities.Unicode ? '─' : '-'))
                {
                    Human.WriteLine(line);
                }

                continue;
            }

            var table = new Table().Border(TableBorder.Simple).Title(Markup.Escape(r.Target)).AddColumns("Check", "Result", "Detail");
            foreach (var c in r.Checks)
            {
                table.AddRow(Cell(c.Name), Cell(CheckResult(c)), Cell(c.Detail));
            }

            Human.Write(table);
        }

        foreach (var (r, _) in targets.Where(t => t.TimedOut))
        {
            Human.WriteLine(NoAnswerLine(r.Target, deadline));
        }

        Human.WriteLine(exit switch
        {
            ExitCodes.Done => "All checks passed.",
            ExitCodes.Stopped => "A server could not be reached or is unavailable: try again later, once the BaseUrl above is checked (a wrong host or port looks the same).",
            _ => "Some checks failed: fix the credentials, permissions or settings named in the table above.",
        });
    }

    /// <summary>The widest detail that stays in its column in <see cref="CheckLines"/>; a longer one gets a line of its own.</summary>
    internal const int PipedDetailColumns = 60;

    /// <summary>
    /// One target's checks for a file or a pipe: its name, then a table of Check, Result and Detail whose rule line is as
    /// wide as its columns. A detail up to <see cref="PipedDetailColumns"/> columns stays in its column; a longer one (or one
    /// of several lines) follows its row on lines of its own, indented and never wrapped (a long error stays one line for grep).
    /// </summary>
    internal static IEnumerable<string> CheckLines(ConnectivityReport report, char rule = '─')
    {
        const string Indent = "  ";
        const string Gap = "  ";
        var rows = report.Checks.Select(c =>
        {
            var detail = Safe(c.Detail).Replace("\r\n", "\n", StringComparison.Ordinal).Trim();
            var inColumn = !detail.Contains('\n', StringComparison.Ordinal) && TerminalText.Columns(detail) <= PipedDetailColumns;
            return (Name: Safe(c.Name), Result: CheckResult(c), Detail: detail, InColumn: inColumn);
        }).ToList();
        var widths = new[]
        {
            rows.Select(r => TerminalText.Columns(r.Name)).Append("Check".Length).Max(),
            rows.Select(r => TerminalText.Columns(r.Result)).Append("Result".Length).Max(),
            rows.Where(r => r.InColumn).Select(r => TerminalText.Columns(r.Detail)).Append("Detail".Length).Max(),
        };

        yield return Safe(report.Target);
        yield return Indent + Pad("Check", widths[0]) + Gap + Pad("Result", widths[1]) + Gap + "Detail";
        yield return Indent + new string(rule, widths[0]) + Gap + new string(rule, widths[1]) + Gap + new string(rule, widths[2]);
        foreach (var row in rows)
        {
            yield return (Indent + Pad(row.Name, widths[0]) + Gap + Pad(row.Result, widths[1]) + Gap + (row.InColumn ? row.Detail : "")).TrimEnd();
            if (!row.InColumn)
            {
                foreach (var line in row.Detail.Split('\n'))
                {
                    yield return (Indent + Indent + line.Trim()).TrimEnd();
                }
            }
        }

        yield return "";

        static string Pad(string text, int columns) => text + new string(' ', Math.Max(0, columns - TerminalText.Columns(text)));
    }

    private static string CheckResult(ConnectivityCheck check) => check.Passed ? "ok" : "FAILED: " + Why(check);

    /// <summary>The line about a server that accepted the connection and gave no answer within <c>check</c>'s deadline.</summary>
    internal static string NoAnswerLine(string target, CheckDeadline deadline) =>
        $"{Safe(target)} did not answer within {deadline.Text}: 'cmsuser check' waits {deadline.Text} for each answer and retries nothing "
        + $"(a run waits as its Http settings say, and retries). A server that is up but slow needs a longer wait: 'cmsuser check --timeout {Math.Min(CheckDeadline.MaxSeconds, Math.Max(60, (int)deadline.Timeout.TotalSeconds * 3))}'.";

    /// <summary>One check as JSON: <c>name</c>, <c>passed</c>, <c>detail</c> and, when it failed, <c>why</c>.</summary>
    private static void WriteCheck(Utf8JsonWriter w, ConnectivityCheck check)
    {
        w.WriteStartObject();
        w.WriteString("name", check.Name);
        w.WriteBoolean("passed", check.Passed);
        w.WriteString("detail", check.Detail);
        if (!check.Passed)
        {
            w.WriteString("why", Why(check));
        }

        w.WriteEndObject();
    }

    /// <summary>Why a check failed, in one word a script can match: unavailable (try later) or configuration (fix something).</summary>
    private static string Why(ConnectivityCheck check) => check.Failure == FailureKind.Transient ? "unavailable" : "configuration";

    /// <summary>Prints an expected error: one message on stderr (and a JSON document on stdout with --json).</summary>
    public static void Error(string command, string message, int exit, bool json)
    {
        if (json)
        {
            WriteJson(w =>
            {
                w.WriteString("command", command);
                w.WriteNumber("exitCode", exit);
                w.WriteString("status", ExitCodes.Status(exit));
                w.WriteString("error", message);
            });
        }

        CliContext.Current.Error.WriteLine($"cmsuser: {Safe(message)}");
    }

    public static void Line(string text, bool json)
    {
        if (!json)
        {
            Human.WriteLine(Safe(text));
        }
    }

    private static void WriteJson(Action<Utf8JsonWriter> body) => CliContext.Current.Out.WriteLine(Json(body));

    /// <summary>One --json document: an object with what <paramref name="body"/> writes, indented, escaped by <see cref="ReadableJsonEncoder"/>.</summary>
    internal static string Json(Action<Utf8JsonWriter> body)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true, Encoder = ReadableJsonEncoder.Instance }))
        {
            writer.WriteStartObject();
            body(writer);
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <summary>A <c>counts</c> object: outcome words as JSON keys ("Already linked" → <c>alreadyLinked</c>), in key order.</summary>
    private static void WriteCounts(Utf8JsonWriter w, IEnumerable<KeyValuePair<string, int>> counts)
    {
        w.WriteStartObject("counts");
        foreach (var (word, n) in counts.OrderBy(c => Key(c.Key), StringComparer.Ordinal))
        {
            w.WriteNumber(Key(word), n);
        }

        w.WriteEndObject();
    }

    private static void WriteNumberOrNull(Utf8JsonWriter w, string name, long? value)
    {
        if (value is long v)
        {
            w.WriteNumber(name, v);
        }
        else
        {
            w.WriteNull(name);
        }
    }

    private static string Plan(PlannedAction action) => action switch
    {
        PlannedAction.Create => "Create",
        PlannedAction.LinkExisting => "Link existing",
        PlannedAction.AlreadyLinked => "Already linked",
        PlannedAction.LinkFromOtherDomain => "Link (other domain)",
        PlannedAction.Fail => "Fail",
        PlannedAction.GiveUp => "Give up",
        PlannedAction.Block => "Block",
        PlannedAction.RemoveRoles => "Remove roles",
        PlannedAction.Skip => "Skip",
        PlannedAction.Restore => "Restore access",
        _ => action.ToString(),
    };

    /// <summary>A JSON key: lower camel case without spaces ("No account" → "noAccount").</summary>
    private static string Key(string words)
    {
        var parts = words.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return string.Concat(parts.Select((p, i) => i == 0 ? char.ToLowerInvariant(p[0]) + p[1..] : char.ToUpperInvariant(p[0]) + p[1..]));
    }

    internal static string Contacts(int n) => $"{Number(n)} contact{(n == 1 ? "" : "s")}";

    private static string Number(long n) => n.ToString(CultureInfo.InvariantCulture);

    private static Text Cell(string? text) => new(Safe(text ?? ""));

    /// <summary>
    /// Text from servers and contacts made safe for a terminal: control characters (an escape sequence could recolour,
    /// retitle or rewrite the screen; a carriage return could overprint a line) and bidirectional overrides (which
    /// could show a line in another order than it has) are shown as visible <c>\u001B</c> escapes. Line breaks stay.
    /// </summary>
    internal static string Safe(string text)
    {
        if (!text.AsSpan().ContainsAny(Unsafe))
        {
            return text;
        }

        var safe = new StringBuilder(text.Length + 16);
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            // A line break is a line break, on Windows too (CR LF).
            if (c == '\r' && i + 1 < text.Length && text[i + 1] == '\n')
            {
                safe.Append(c);
            }
            else if (Unsafe.Contains(c))
            {
                safe.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:X4}");
            }
            else
            {
                safe.Append(c);
            }
        }

        return safe.ToString();
    }

    // C0 controls but the line feed, DEL, C1 controls, and the bidirectional marks, embeddings, overrides and isolates.
    private static readonly System.Buffers.SearchValues<char> Unsafe = System.Buffers.SearchValues.Create(
        string.Concat(Enumerable.Range(0, 0x20).Where(c => c != '\n').Select(c => (char)c))
        + string.Concat(Enumerable.Range(0x7F, 0x21).Select(c => (char)c))
        + "\u061C\u200E\u200F\u202A\u202B\u202C\u202D\u202E\u2066\u2067\u2068\u2069");
}

/// <summary>The verbs the progress and summaries use.</summary>
internal static class Verbs
{
    public const string Provision = "Provisioning";
    public const string Reset = "Password resets";
}
