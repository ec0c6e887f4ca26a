using Microsoft.Extensions.Logging;
using Skvare.CmsUser.Telemetry;

namespace Skvare.CmsUser.Engine;

/// <summary>
/// Writes the results of a page back in bulk, in an order that loses nothing if it stops half-way:
/// links first, then activities, then trigger changes (a contact left in the trigger is simply
/// handled again and found already linked).
/// </summary>
internal sealed class PageWriter
{
    private readonly IAccountLinkStore _links;
    private readonly IActivityRecorder _activities;
    private readonly ContactPipeline _pipeline;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    public PageWriter(IAccountLinkStore links, IActivityRecorder activities, ContactPipeline pipeline, TimeProvider time, ILogger logger)
    {
        _links = links;
        _activities = activities;
        _pipeline = pipeline;
        _time = time;
        _logger = logger;
    }

    /// <summary>Writes links, activities and trigger changes for the page. Never cancelled half-way.</summary>
    public async Task WriteAsync(IReadOnlyList<ContactWork> works, ITriggerSource? source)
    {
        // Once accounts exist, their links must be attempted whatever the caller's cancellation says.
        var none = CancellationToken.None;
        var linkWorks = works.Where(w => w.Link is not null).ToArray();
        if (linkWorks.Length > 0)
        {
            var results = await _links.EnsureLinksAsync(linkWorks.Select(w => w.Link!).ToArray(), none).ConfigureAwait(false);
            for (var i = 0; i < linkWorks.Length; i++)
            {
                var work = linkWorks[i];
                var result = i < results.Count ? results[i] : new AccountLinkResult(work.Link!, AccountLinkResultKind.Failed, "The link store returned no result.");
                switch (result.Kind)
                {
                    case AccountLinkResultKind.Failed:
                        Log.LinkFailed(_logger, work.Contact.Id, work.Link!.CmsUserId, result.Error);
                        var cmsUserId = work.CmsUserId;
                        _pipeline.Fail(work, FailureKind.Permanent, "link_failed", $"CMS account {work.Link!.CmsUserId} exists but could not be linked: {result.Error}");
                        work.CmsUserId = cmsUserId;
                        break;
                    case AccountLinkResultKind.Repaired:
                        Log.LinkRepaired(_logger, work.Link!.CmsUserId, result.PreviousContactId, work.Contact.Id);
                        break;
                }
            }
        }

        var now = _time.GetUtcNow();
        var entries = works.Where(w => w.RecordActivity).Select(w => ToActivity(w, now)).ToArray();
        if (entries.Length > 0)
        {
            await _activities.RecordAsync(entries, none).ConfigureAwait(false);
        }

        if (source is not null)
        {
            var acks = works.Where(w => w.Disposition is not null)
                .Select(w => new TriggerAcknowledgement(w.Contact.Id, w.Disposition!.Value)).ToArray();
            if (acks.Length > 0)
            {
                await source.AcknowledgeAsync(acks, none).ConfigureAwait(false);
            }
        }
    }

    private static ActivityEntry ToActivity(ContactWork work, DateTimeOffset now)
    {
        var failed = work.Error is not null;
        var status = failed ? ActivityOutcomeStatus.Failed : ActivityOutcomeStatus.Completed;
        var uid = work.CmsUserId?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "?";
        var subject = (work.ActivityKind, failed, work.Kind) switch
        {
            (ActivityKind.AccountCreation, false, OutcomeKind.Created) => $"Created : {work.NameForSubject} ({uid})",
            (ActivityKind.AccountCreation, false, _) => $"Linked : {work.NameForSubject} ({uid})",
            (ActivityKind.AccountCreation, true, _) => $"Failed to create User {work.NameForSubject}",
            (ActivityKind.PasswordReset, false, _) => $"Password reset email sent : {work.NameForSubject} ({uid})",
            (ActivityKind.AccountBlocked, false, _) => $"Blocked : {work.NameForSubject} ({uid})",
            (ActivityKind.AccountBlocked, true, _) => $"Failed to block User {work.NameForSubject} ({uid})",
            (ActivityKind.RolesRemoved, false, _) => $"Roles removed : {work.NameForSubject} ({uid})",
            (ActivityKind.RolesRemoved, true, _) => $"Failed to remove roles of User {work.NameForSubject} ({uid})",
            _ => $"Failed to send password reset email to {work.NameForSubject}",
        };
        return new ActivityEntry(work.Contact.Id, work.ActivityKind, status, subject, work.ActivityDetails, now);
    }
}
