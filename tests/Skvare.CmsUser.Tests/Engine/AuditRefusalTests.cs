using CsCheck;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Skvare.CmsUser.Testing.InMemory;

namespace Skvare.CmsUser.Tests.Engine;

/// <summary>
/// The audit store refusing one contact's record, without an <see cref="IPageWriteBackStore"/> and through a trigger
/// source that does not prepare its pages (the in-memory kit, whose <see cref="FakeCiviCrm.RefuseRecordWhere"/> keeps the
/// records before the refused one, as CiviCRM 6.17.2 does): only that contact fails, and no record is written twice.
/// </summary>
public sealed class AuditRefusalTests : IDisposable
{
    private const string ResetGroup = "reset";

    private readonly EngineHarness _h = new();

    public void Dispose() => _h.Dispose();

    [Fact]
    public async Task A_refused_new_record_without_a_write_back_store_fails_its_contact_alone()
    {
        var contacts = LinkedResetContacts(3);
        var refused = contacts[1].Id;
        _h.Civi.RefuseRecordWhere = e => e.ContactId == refused ? "DB Error: constraint violation" : null;

        var summary = await _h.Provisioner.ResetPasswordsAsync();

        summary.StopKind.Should().Be(RunStopKind.None, "one contact's refused record is that contact's failure");
        summary.Failures.Should().ContainSingle().Which.Should().Match<ProvisioningOutcome>(f => f.ContactId == refused && f.Error!.Code == CmsUserErrorCodes.WriteBackFailed);
        _h.Civi.GroupStatus(ResetGroup, refused).Should().Be("Added", "a contact whose record was refused stays in the campaign");
        foreach (var other in contacts.Where(c => c.Id != refused))
        {
            _h.Civi.Activities.Where(a => a.ContactId == other.Id).Should().ContainSingle("the record of a contact written before the refusal is not written again")
                .Which.Status.Should().Be(ActivityOutcomeStatus.Completed);
            _h.Civi.GroupStatus(ResetGroup, other.Id).Should().Be("Removed");
        }

        _h.Civi.Activities.Should().NotContain(a => a.ContactId == refused);
    }

    [Fact]
    public async Task Without_a_write_back_store_each_new_record_is_written_in_a_call_of_its_own()
    {
        // A recorder that keeps no Scheduled records: the reset records are new.
        LinkedResetContacts(3);
        _h.Services = NoScheduledRecords(_h.Civi);

        await _h.Provisioner.ResetPasswordsAsync();

        _h.Civi.Calls["RecordActivities"].Should().Be(3, "nothing can tell which new records a refused call kept: one call each, sent once");
        _h.Civi.Activities.Should().HaveCount(3);
    }

    [Fact]
    public async Task Without_a_write_back_store_a_reset_pages_records_are_opened_in_one_call_and_completed_in_one_call()
    {
        LinkedResetContacts(3);

        await _h.Provisioner.ResetPasswordsAsync();

        _h.Civi.Calls["OpenActivities"].Should().Be(1, "the page's Scheduled records, before its emails");
        _h.Civi.Calls["RecordActivities"].Should().Be(1, "updates by id: a call that is refused or lost is sent again without writing anything twice");
        _h.Civi.Activities.Should().HaveCount(3).And.OnlyContain(a => a.Status == ActivityOutcomeStatus.Completed);
    }

    /// <summary>Registers a recorder over the kit's store that opens no Scheduled records (a custom recorder's default).</summary>
    internal static Action<IServiceCollection> NoScheduledRecords(FakeCiviCrm civi) =>
        services => services.Replace(ServiceDescriptor.Singleton<IActivityRecorder>(new OpensNothing(civi)));

    /// <summary>The kit's recorder without <see cref="IActivityRecorder.OpenAsync"/> (the interface's default: no records).</summary>
    private sealed class OpensNothing(FakeCiviCrm civi) : IActivityRecorder
    {
        public Task EnsureReadyAsync(CancellationToken cancellationToken = default) => civi.EnsureReadyAsync(cancellationToken);

        public Task RecordAsync(IReadOnlyList<ActivityEntry> entries, CancellationToken cancellationToken = default) => civi.RecordAsync(entries, cancellationToken);

        public Task<IReadOnlyDictionary<long, int>> CountFailedAttemptsAsync(IReadOnlyList<AttemptCountRequest> requests, ActivityKind kind, CancellationToken cancellationToken = default) =>
            civi.CountFailedAttemptsAsync(requests, kind, cancellationToken);

        public Task<IReadOnlyList<AuditRecord>> FindAuditsAsync(IReadOnlyCollection<long> contactIds, ActivityKind kind, CancellationToken cancellationToken = default) =>
            civi.FindAuditsAsync(contactIds, kind, cancellationToken);

        public Task DiscardAsync(IReadOnlyCollection<long> ids, CancellationToken cancellationToken = default) => civi.DiscardAsync(ids, cancellationToken);
    }

    [Fact]
    public async Task A_refused_Scheduled_record_through_a_source_that_does_not_prepare_fails_its_contact_alone_without_a_CMS_call()
    {
        var members = Enumerable.Range(0, 3).Select(i => _h.Member("P", $"N{i}", $"p{i}@example.org")).ToArray();
        var refused = members[1].Id;
        _h.Civi.RefuseRecordWhere = e => e.ContactId == refused && e.Status == ActivityOutcomeStatus.Scheduled ? "DB Error: constraint violation" : null;

        var summary = await _h.Provisioner.RunOnceAsync();

        summary.StopKind.Should().Be(RunStopKind.None, "a refused Scheduled record is not CiviCRM being down");
        summary.Count(OutcomeKind.Created).Should().Be(2);
        summary.Failures.Should().ContainSingle().Which.Should().Match<ProvisioningOutcome>(f => f.ContactId == refused && f.Error!.Code == CmsUserErrorCodes.WriteBackFailed);
        _h.Cms.Accounts.Select(a => a.Email).Should().BeEquivalentTo(["p0@example.org", "p2@example.org"], "no account is made without its Scheduled record");
        _h.Civi.GroupStatus(EngineHarness.Trigger, refused).Should().Be("Added");
        _h.Civi.Activities.Where(a => a.ContactId == refused).Should().ContainSingle().Which.Status.Should().Be(ActivityOutcomeStatus.Failed);
        foreach (var other in members.Where(m => m.Id != refused))
        {
            _h.Civi.Activities.Where(a => a.ContactId == other.Id).Should().ContainSingle("the record the refused call kept is not opened again")
                .Which.Status.Should().Be(ActivityOutcomeStatus.Completed);
        }
    }

    [Fact]
    public async Task A_single_refused_Scheduled_record_is_not_sent_again()
    {
        var jane = _h.Member("Jane", "Doe", "jane@example.org");
        _h.Civi.RefuseRecordWhere = e => e.Status == ActivityOutcomeStatus.Scheduled ? "DB Error: constraint violation" : null;

        var summary = await _h.Provisioner.RunOnceAsync();

        summary.StopKind.Should().Be(RunStopKind.None);
        summary.Failures.Should().ContainSingle().Which.ContactId.Should().Be(jane.Id);
        _h.Civi.Calls["OpenActivities"].Should().Be(1, "a call of one record refused is that record's refusal");
        _h.Cms.Accounts.Should().BeEmpty();
    }

    [Fact]
    public void Any_set_of_refused_records_gives_one_record_per_contact_attempt_and_none_twice() =>
        Gen.Select(Gen.Int[1, 7], Gen.Int[1, 4], Gen.Int[0, 6].HashSet[0, 7], Gen.Int[0, 6].HashSet[0, 7], Gen.Int[0, 6].HashSet[0, 7]).Sample((count, pageSize, scheduled, completed, failed) =>
        {
            using var h = new EngineHarness();
            h.Configure = o => o.PageSize = pageSize;
            var members = Enumerable.Range(0, count).Select(i => h.Member("P", $"N{i}", $"p{i}@example.org")).ToArray();
            bool In(HashSet<int> set, long contactId) => set.Contains((int)contactId - 1);
            h.Civi.RefuseRecordWhere = e =>
                (e.Status == ActivityOutcomeStatus.Scheduled && In(scheduled, e.ContactId))
                || (e.Status == ActivityOutcomeStatus.Completed && In(completed, e.ContactId))
                || (e.Status == ActivityOutcomeStatus.Failed && In(failed, e.ContactId)) ? "DB Error: constraint violation" : null;

            var summary = h.Provisioner.RunOnceAsync().GetAwaiter().GetResult();

            summary.StopKind.Should().Be(RunStopKind.None);
            foreach (var m in members)
            {
                var records = h.Civi.Activities.Where(a => a.ContactId == m.Id).ToArray();
                records.Should().HaveCountLessThanOrEqualTo(1, "one attempt, one record at most");
                if (In(scheduled, m.Id))
                {
                    h.Cms.Accounts.Should().NotContain(a => a.Email == m.Email, "no account without its Scheduled record");
                    records.Select(r => r.Status).Should().Equal(In(failed, m.Id) ? [] : [ActivityOutcomeStatus.Failed]);
                }
                else
                {
                    h.Cms.Accounts.Should().ContainSingle(a => a.Email == m.Email);
                    records.Select(r => r.Status).Should().Equal(In(completed, m.Id) ? ActivityOutcomeStatus.Scheduled : ActivityOutcomeStatus.Completed);
                }

                h.Civi.GroupStatus(EngineHarness.Trigger, m.Id).Should().Be(In(scheduled, m.Id) || In(completed, m.Id) ? "Added" : "Removed");
            }

            // Healed: every contact ends with exactly one Completed record, nothing left open.
            h.Civi.RefuseRecordWhere = null;
            h.Provisioner.RunOnceAsync().GetAwaiter().GetResult().StopKind.Should().Be(RunStopKind.None);
            foreach (var m in members)
            {
                var records = h.Civi.Activities.Where(a => a.ContactId == m.Id).ToArray();
                records.Count(r => r.Status == ActivityOutcomeStatus.Completed).Should().Be(1);
                records.Should().NotContain(r => r.Status == ActivityOutcomeStatus.Scheduled);
                h.Cms.Accounts.Should().ContainSingle(a => a.Email == m.Email);
            }
        }, iter: 150);

    [Fact]
    public void Any_set_of_refused_reset_records_gives_one_record_per_contact_and_none_twice() =>
        Gen.Select(Gen.Int[1, 8], Gen.Int[1, 5], Gen.Int[0, 7].HashSet[0, 8], Gen.Bool).Sample((count, pageSize, refusedSet, opens) =>
        {
            using var h = new EngineHarness();
            h.Configure = o =>
            {
                o.PageSize = pageSize;
                o.PasswordResets.Add(new PasswordResetCampaign { Name = "migration", Trigger = TriggerDefinition.Group(ResetGroup) });
            };
            if (!opens)
            {
                h.Services = NoScheduledRecords(h.Civi);
            }

            var contacts = LinkedResetContacts(h, count);
            h.Civi.RefuseRecordWhere = e => refusedSet.Contains((int)(e.ContactId - contacts[0].Id)) ? "DB Error: constraint violation" : null;

            var summary = h.Provisioner.ResetPasswordsAsync().GetAwaiter().GetResult();

            summary.StopKind.Should().Be(RunStopKind.None);
            foreach (var (c, i) in contacts.Select((c, i) => (c, i)))
            {
                var records = h.Civi.Activities.Where(a => a.ContactId == c.Id).ToArray();
                records.Should().HaveCount(refusedSet.Contains(i) ? 0 : 1, "one record per contact attempt, none twice");
                h.Civi.GroupStatus(ResetGroup, c.Id).Should().Be(refusedSet.Contains(i) ? "Added" : "Removed");
            }

            summary.Failures.Select(f => f.ContactId).Should().BeEquivalentTo(contacts.Where((_, i) => refusedSet.Contains(i)).Select(c => c.Id));
        }, iter: 200);

    private Contact[] LinkedResetContacts(int count)
    {
        _h.Configure = o => o.PasswordResets.Add(new PasswordResetCampaign { Name = "migration", Trigger = TriggerDefinition.Group(ResetGroup) });
        return LinkedResetContacts(_h, count);
    }

    private static Contact[] LinkedResetContacts(EngineHarness h, int count)
    {
        var contacts = new Contact[count];
        for (var i = 0; i < count; i++)
        {
            var email = $"r{i}@example.org";
            var account = h.Cms.AddAccount($"r{i}", email);
            contacts[i] = h.Civi.AddContact("R", $"N{i}", email);
            h.Civi.AddLink(new AccountLink(contacts[i].Id, account.Id, email));
            h.Civi.AddToGroup(ResetGroup, contacts[i].Id);
        }

        return contacts;
    }
}
