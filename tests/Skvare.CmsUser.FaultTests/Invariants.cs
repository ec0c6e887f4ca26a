using Skvare.CmsUser.CiviCrm;
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
        IReadOnlyDictionary<string, object?>[] activityRows, targetRows, groupRows, optionRows, linkRows;
        lock (civi.Store)
        {
            // Read the tables once: the fake's convenience views scan a table per row, too slow for 6,000 contacts.
            activityRows = [.. civi.Store.Rows("Activity")];
            targetRows = [.. civi.Store.Rows("ActivityContact").Where(r => Equals(r["record_type_id"], 3L))];
            groupRows = [.. civi.Store.Rows("GroupContact").Where(r => Equals(r["group_id"], triggerId))];
            optionRows = [.. civi.Store.Rows("OptionValue")];
            linkRows = [.. civi.Store.Rows("UFMatch").Where(r => Equals(r["domain_id"], civi.DomainId))];
        }

        string? Value(string name) => optionRows.FirstOrDefault(r => Equals(r["name"], name))?["value"]?.ToString();
        var typeValue = Value(CiviCrmActivityTypes.AccountCreation);
        var completedValue = Value("Completed");
        var failedValue = Value(CiviCrmActivityTypes.FailedStatus);
        var targets = targetRows.ToLookup(r => (long)r["activity_id"]!, r => (long)r["contact_id"]!);
        var ours = activityRows.Where(a => a["activity_type_id"]?.ToString() == typeValue).ToArray();
        var completed = ours.Where(a => a["status_id"]?.ToString() == completedValue).SelectMany(a => targets[(long)a["id"]!]).GroupBy(t => t).ToDictionary(g => g.Key, g => g.Count());
        var failed = ours.Where(a => a["status_id"]?.ToString() == failedValue).ToArray();
        var failedTargets = failed.SelectMany(a => targets[(long)a["id"]!]).ToHashSet();
        var contactSet = contacts.ToHashSet();
        var linkedContacts = linkRows.Select(r => (long)r["contact_id"]!).Where(contactSet.Contains).ToHashSet();
        var linkedUsers = linkRows.Select(r => (long)r["uf_id"]!).ToHashSet();
        var inTrigger = groupRows.Where(r => Equals(r["status"], "Added")).Select(r => (long)r["contact_id"]!).ToHashSet();
        var left = contacts.Where(c => !inTrigger.Contains(c)).ToArray();
        return new Invariants(
            Accounts: users.Length,
            DuplicateAccounts: users.GroupBy(u => u.Email, StringComparer.OrdinalIgnoreCase).Sum(g => g.Count() - 1),
            AccountsWithoutLink: users.Count(u => !linkedUsers.Contains(u.Id)),
            LinkedWithoutAudit: linkedContacts.Count(c => !completed.ContainsKey(c)),
            LinkedWithSeveralAudits: completed.Count(kv => kv.Value > 1 && contactSet.Contains(kv.Key)),
            LeftWithoutAccountOrGaveUp: left.Count(c => !(linkedContacts.Contains(c) && completed.ContainsKey(c)) && !failedTargets.Contains(c)),
            FailedActivities: failed.Count(a => targets[(long)a["id"]!].Any(contactSet.Contains)),
            StillInTrigger: contacts.Count - left.Length);
    }
}
