using Skvare.CmsUser.CiviCrm.Audit;
using Skvare.CmsUser.Testing.CiviCrm;
using Skvare.CmsUser.Testing.WordPress;

namespace Skvare.CmsUser.FaultTests;

/// <summary>What must hold after any sequence of runs, crashes and outages, read from the fakes' state.</summary>
internal sealed record Invariants(
    int Accounts,
    int DuplicateAccounts,
    int AccountsWithoutLink,
    int LinkedWithoutAudit,
    int LinkedWithSeveralAudits,
    int LeftWithoutAccountOrGaveUp,
    int FailedActivities,
    int StillInTrigger)
{
    public static Invariants Read(FakeCiviCrmServer civi, FakeWordPressServer wp, long triggerId, IReadOnlyCollection<long> contacts)
    {
        var users = wp.Users.Where(u => u.Username != wp.AdminUsername).ToArray();
        var links = civi.Links.Where(l => l.DomainId == civi.DomainId).ToArray();
        var activities = civi.Activities.Where(a => a.Type == CiviCrmActivityRecorder.AccountCreationType).ToArray();
        var completed = activities.Where(a => a.Status == "Completed").SelectMany(a => a.Targets).GroupBy(t => t).ToDictionary(g => g.Key, g => g.Count());
        var failedTargets = activities.Where(a => a.Status == CiviCrmActivityRecorder.FailedStatus).SelectMany(a => a.Targets).ToHashSet();
        var linkedContacts = links.Where(l => contacts.Contains(l.ContactId)).Select(l => l.ContactId).ToHashSet();
        var left = contacts.Where(c => civi.GroupStatus(triggerId, c) != "Added").ToArray();
        return new Invariants(
            Accounts: users.Length,
            DuplicateAccounts: users.GroupBy(u => u.Email, StringComparer.OrdinalIgnoreCase).Sum(g => g.Count() - 1),
            AccountsWithoutLink: users.Count(u => !links.Any(l => l.UfId == u.Id)),
            LinkedWithoutAudit: linkedContacts.Count(c => !completed.ContainsKey(c)),
            LinkedWithSeveralAudits: completed.Count(kv => kv.Value > 1),
            LeftWithoutAccountOrGaveUp: left.Count(c => !(linkedContacts.Contains(c) && completed.ContainsKey(c)) && !failedTargets.Contains(c)),
            FailedActivities: activities.Count(a => a.Status == CiviCrmActivityRecorder.FailedStatus),
            StillInTrigger: contacts.Count - left.Length);
    }
}
