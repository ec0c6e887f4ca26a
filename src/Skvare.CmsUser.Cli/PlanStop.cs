namespace Skvare.CmsUser.Cli;

/// <summary>Where a plan stopped on a server that could not be reached or was unavailable.</summary>
internal enum PlanStopPoint
{
    /// <summary>
    /// <c>Retry:QuarantineAfterConsecutiveTransientFailures</c> contacts in a row could not be planned (the CMS went away
    /// mid-plan): the run quarantines at the same contact.
    /// </summary>
    Contacts,

    /// <summary>A read outside any contact failed (CiviCRM went away between pages): the run stops there too.</summary>
    Read,

    /// <summary>
    /// The credentials check of a plan that needed the CMS for no contact could not reach the CMS: the run would do every
    /// contact planned (none needs the CMS) and stop the same way at its own check, with nothing left undone.
    /// </summary>
    CredentialsCheck,
}

/// <summary>
/// Why a plan stopped after some entries, and what a run over the same data would do there and what to do next: a
/// plan stops where a run would quarantine, but not every such stop leaves contacts behind.
/// </summary>
/// <param name="Point">Where it stopped.</param>
/// <param name="Reason">The failure's message (server text: printed safely by the caller).</param>
/// <param name="Server">The server that failed, as the next step names it.</param>
/// <param name="Planned">The entries planned before the stop.</param>
/// <param name="Unavailable">The last entries in a row that failed on an unavailable server (the quarantine's streak).</param>
/// <param name="Answered">Whether the server answered (an HTTP status): it was reached at its URL, so no mistyped-URL hint.</param>
/// <param name="CountsTransient">Whether a transient failure counts as an attempt (<c>Retry:CountTransientFailures</c>):
/// then the run counts one against each contact of the streak, and may give one up.</param>
internal sealed record PlanStop(PlanStopPoint Point, string Reason, string Server, int Planned, int Unavailable, bool Answered, bool CountsTransient = false)
{
    /// <summary>
    /// Reads the stop from the transient failure that ended <see cref="IUserProvisioner.PlanAsync"/> after
    /// <paramref name="entries"/>: the failure of the last contact when the contacts' streak stopped it (the plan yields
    /// that contact's failure, then throws it), else a CMS failure outside any contact, which only the credentials check at
    /// the plan's end throws, else a read (CiviCRM's triggers, failures or links).
    /// </summary>
    /// <remarks>
    /// With <paramref name="countsTransient"/> a contact of the streak may be planned to give up (its last attempt), so the
    /// streak counts those too.
    /// </remarks>
    public static PlanStop Of(CmsUserException failure, IReadOnlyList<PlanEntry> entries, Func<string?, bool> isUnavailable, bool countsTransient = false)
    {
        var streak = entries.Reverse().TakeWhile(e => (e.Action is PlannedAction.Fail || (countsTransient && e.Action is PlannedAction.GiveUp)) && isUnavailable(e.Conflict)).Count();
        var cms = failure as CmsProviderException;
        var point = entries.Count > 0 && entries[^1].Conflict == $"{CmsUserErrorCodes.For(failure)}: {failure.Message}"
            ? PlanStopPoint.Contacts
            : cms is not null ? PlanStopPoint.CredentialsCheck : PlanStopPoint.Read;
        var server = cms?.Cms ?? (failure is CiviCrm.Api.CiviCrmApiException ? "CiviCRM" : "the server");
        return new PlanStop(point, failure.Message, server, entries.Count, streak, failure.StatusCode is not null, countsTransient);
    }

    /// <summary>The sentences after the stop's reason: what a run would do here, and what to do next.</summary>
    public string Note()
    {
        var next = $"Plan again when {Server} is back.{(Answered ? "" : " " + Output.NeverWorked)}";
        return Point switch
        {
            PlanStopPoint.Contacts => (Unavailable == 1, CountsTransient) switch
            {
                (true, false) => $"A run would stop at the same contact: it would do the contacts above as planned, count no attempt against the last one (the server was unavailable for it), and leave the contacts after it untouched. {next}",
                (false, false) => $"A run would stop at the same contact: it would do the contacts above as planned, count no attempt against the last {Output.Contacts(Unavailable)} (the server was unavailable for them), and leave the contacts after them untouched. {next}",
                (true, true) => $"A run would stop at the same contact: it would do the contacts above as planned, count an attempt against the last one (Retry:CountTransientFailures is on; the plan shows whether that gives it up), and leave the contacts after it untouched. {next}",
                (false, true) => $"A run would stop at the same contact: it would do the contacts above as planned, count an attempt against each of the last {Output.Contacts(Unavailable)} (Retry:CountTransientFailures is on; the plan shows which give up), and leave the contacts after them untouched. {next}",
            },
            PlanStopPoint.CredentialsCheck =>
                $"A run would do {(Planned == 1 ? "the contact" : $"all {Output.Contacts(Planned)}")} above (none needs {Server}) and then stop the same way at its own credentials check (exit code 2), with no contact left undone. {next}",
            _ => $"A run would stop at the same point and leave the contacts not read yet untouched, with no attempt counted against them. {next}",
        };
    }

    /// <summary>The stop point as the --json document names it.</summary>
    public string Key => Point switch
    {
        PlanStopPoint.Contacts => "contacts",
        PlanStopPoint.CredentialsCheck => "cmsCredentialsCheck",
        _ => "read",
    };
}
