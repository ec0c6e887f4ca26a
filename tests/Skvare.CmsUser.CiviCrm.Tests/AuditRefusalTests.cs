using System.Text.RegularExpressions;
using CsCheck;
using Microsoft.Extensions.DependencyInjection;
using Skvare.CmsUser.Testing.CiviCrm;
using Skvare.CmsUser.Testing.InMemory;

namespace Skvare.CmsUser.CiviCrm.Tests;

/// <summary>
/// CiviCRM refusing one contact's new audit record (<see cref="FakeCiviCrmServer.RefuseRecordWhere"/>: as on CiviCRM 6.17.2,
/// the records before it in the same <c>Activity.save</c> stay written): the refused contact fails alone and stays in its
/// trigger, every other contact's record lands, and no record is written twice.
/// </summary>
public sealed class AuditRefusalTests
{
    private const string ResetType = "User Account Password Reset";

    [Fact(Timeout = 60_000)]
    public async Task A_refused_new_record_fails_its_contact_alone_and_no_record_is_written_twice()
    {
        var cms = new FakeCmsAccountProvider();
        using var h = Harness(cms, pageSize: 100);
        var (reset, ids) = h.AddLinkedResetContacts(cms, 4);
        h.Fake.RefuseRecordWhere = RefuseRecordsOf([ids[2]]);

        var summary = await h.Provisioner.ResetPasswordsAsync(cancellationToken: Timeout());

        summary.StopKind.Should().Be(RunStopKind.None, summary.StopReason);
        summary.Total.Should().Be(4);
        var failure = summary.Failures.Should().ContainSingle().Subject;
        failure.ContactId.Should().Be(ids[2]);
        failure.Error!.Code.Should().Be(CmsUserErrorCodes.WriteBackFailed);
        failure.Error.Message.Should().Contain("constraint violation");
        Records(h).Should().BeEquivalentTo([ids[0], ids[1], ids[3]], "one record each for the others, none written twice");
        h.Fake.GroupStatus(reset, ids[2]).Should().Be("Added", "the refused contact stays in the campaign for the next run");
        ids.Where(id => id != ids[2]).Should().OnlyContain(id => h.Fake.GroupStatus(reset, id) == "Removed");
    }

    [Fact(Timeout = 240_000)]
    public Task Any_set_of_refused_contacts_gives_exactly_one_record_per_contact_attempt() => Task.Run(() =>
        Gen.Select(Gen.Int[1, 8], Gen.Int[1, 4], Gen.Int[0, 7].HashSet[0, 8]).Sample((count, pageSize, refusedAt) =>
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            var cms = new FakeCmsAccountProvider();
            using var h = Harness(cms, pageSize);
            var (reset, ids) = h.AddLinkedResetContacts(cms, count);
            var refused = ids.Where((_, i) => refusedAt.Contains(i)).ToArray();
            h.Fake.RefuseRecordWhere = RefuseRecordsOf(refused);

            var first = h.Provisioner.ResetPasswordsAsync(cancellationToken: timeout.Token).GetAwaiter().GetResult();

            first.StopKind.Should().Be(RunStopKind.None, first.StopReason);
            first.Failures.Select(f => f.ContactId).Should().BeEquivalentTo(refused, "each refused contact fails, alone");
            Records(h).Should().BeEquivalentTo(ids.Except(refused), "one record per contact reset, none twice");
            ids.Should().OnlyContain(id => h.Fake.GroupStatus(reset, id) == (refused.Contains(id) ? "Added" : "Removed"));

            // CiviCRM accepts them again: the next run resets only the contacts left, and each contact ends with one record.
            h.Fake.RefuseRecordWhere = null;
            var second = h.Provisioner.ResetPasswordsAsync(cancellationToken: timeout.Token).GetAwaiter().GetResult();

            second.Total.Should().Be(refused.Length);
            second.Failures.Should().BeEmpty();
            Records(h).Should().BeEquivalentTo(ids, "one record per contact after both runs");
        }, iter: 20, threads: 1));

    [Theory(Timeout = 60_000)]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_refused_Scheduled_record_fails_its_contact_alone_without_a_CMS_call(bool sourcePrepares)
    {
        // A trigger source of the host's own (not IPreparingTriggerSource) leaves the records to the engine, which opens
        // them through CiviCRM's write-back store.
        var cms = new FakeCmsAccountProvider();
        using var h = Harness(cms, pageSize: 100, more: sourcePrepares ? null : HostSource);
        var (members, ids) = AddMembers(h, 4);
        h.Fake.RefuseRecordWhere = RefuseRecordsOf([ids[2]]);

        var summary = await h.Provisioner.RunOnceAsync(cancellationToken: Timeout());

        summary.StopKind.Should().Be(RunStopKind.None, summary.StopReason);
        summary.Count(OutcomeKind.Created).Should().Be(3);
        var failure = summary.Failures.Should().ContainSingle().Subject;
        failure.ContactId.Should().Be(ids[2]);
        failure.Error!.Code.Should().Be(CmsUserErrorCodes.WriteBackFailed);
        failure.Error.Message.Should().Contain("constraint violation");
        cms.Accounts.Select(a => a.Email).Should().NotContain("m2@example.org", "no account is made without its Scheduled record");
        CreationRecords(h).Should().BeEquivalentTo([$"{ids[0]} Completed", $"{ids[1]} Completed", $"{ids[3]} Completed"], "one record each for the others (those the refused call kept are not opened again), nothing left Scheduled");
        h.Fake.GroupStatus(members, ids[2]).Should().Be("Added");
    }

    [Fact(Timeout = 240_000)]
    public Task Any_set_of_refused_Scheduled_records_gives_exactly_one_audit_per_account() => Task.Run(() =>
        Gen.Select(Gen.Int[1, 8], Gen.Int[1, 4], Gen.Int[0, 7].HashSet[0, 8], Gen.Bool).Sample((count, pageSize, refusedAt, sourcePrepares) =>
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            var cms = new FakeCmsAccountProvider();
            using var h = Harness(cms, pageSize, sourcePrepares ? null : HostSource);
            var (members, ids) = AddMembers(h, count);
            var refused = ids.Where((_, i) => refusedAt.Contains(i)).ToArray();
            h.Fake.RefuseRecordWhere = RefuseRecordsOf(refused);

            var first = h.Provisioner.RunOnceAsync(cancellationToken: timeout.Token).GetAwaiter().GetResult();

            first.StopKind.Should().Be(RunStopKind.None, first.StopReason);
            first.Failures.Select(f => f.ContactId).Should().BeEquivalentTo(refused, "each refused contact fails, alone");
            cms.Accounts.Should().HaveCount(count - refused.Length, "no account without its Scheduled record");
            CreationRecords(h).Should().BeEquivalentTo(ids.Except(refused).Select(id => $"{id} Completed"), "one Completed record per account, nothing Scheduled, none twice");

            h.Fake.RefuseRecordWhere = null;
            var second = h.Provisioner.RunOnceAsync(cancellationToken: timeout.Token).GetAwaiter().GetResult();

            second.Total.Should().Be(refused.Length);
            second.Failures.Should().BeEmpty();
            CreationRecords(h).Should().BeEquivalentTo(ids.Select(id => $"{id} Completed"), "one Completed record per contact after both runs");
            ids.Should().OnlyContain(id => h.Fake.GroupStatus(members, id) == "Removed");
        }, iter: 20, threads: 1));

    [Fact(Timeout = 60_000)]
    public async Task A_refused_new_record_without_a_write_back_store_fails_its_contact_alone()
    {
        // A link store of the host's own: the engine has no write-back store and writes through the recorder alone.
        var cms = new FakeCmsAccountProvider();
        using var h = Harness(cms, pageSize: 100, more: s => s.AddSingleton<IAccountLinkStore>(sp => new OwnLinks(ActivatorUtilities.CreateInstance<Links.CiviCrmLinkStore>(sp))));
        h.Services.GetService<IPageWriteBackStore>().Should().BeNull();
        var (reset, ids) = h.AddLinkedResetContacts(cms, 4);
        h.Fake.RefuseRecordWhere = RefuseRecordsOf([ids[1]]);

        var summary = await h.Provisioner.ResetPasswordsAsync(cancellationToken: Timeout());

        summary.StopKind.Should().Be(RunStopKind.None, summary.StopReason);
        summary.Failures.Should().ContainSingle().Which.ContactId.Should().Be(ids[1]);
        Records(h).Should().BeEquivalentTo([ids[0], ids[2], ids[3]], "one record each for the others, none written twice");
        h.Fake.GroupStatus(reset, ids[1]).Should().Be("Added");
    }

    [Fact(Timeout = 60_000)]
    public async Task The_mark_of_an_open_record_is_not_in_the_details_an_admin_reads_and_is_gone_once_the_record_is_completed()
    {
        var cms = new FakeCmsAccountProvider();
        using var h = Harness(cms, pageSize: 100);
        var (_, ids) = AddMembers(h, 2);
        var whileOpen = new TaskCompletionSource<FakeActivity[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        cms.BeforeCreate = _ =>
        {
            whileOpen.TrySetResult([.. h.Fake.Activities.Where(a => a.Type == "User Account Creation")]);
            return Task.CompletedTask;
        };

        var summary = await h.Provisioner.RunOnceAsync(cancellationToken: Timeout());

        summary.Count(OutcomeKind.Created).Should().Be(2);
        var open = await whileOpen.Task.WaitAsync(TimeSpan.FromSeconds(30));
        open.Should().HaveCount(2).And.OnlyContain(a => a.Status == "Scheduled");
        open.Should().OnlyContain(a => a.Details == "In progress. If this stays Scheduled, the attempt did not finish (its run stopped, or the answer to its create was lost); the next run completes it.", "the details an admin reads carry no mark");
        open.Select(a => a.Result).Should().OnlyContain(r => r != null && Regex.IsMatch(r, "^[0-9a-f]{12}$", RegexOptions.None, TimeSpan.FromSeconds(1)))
            .And.Subject.Distinct().Should().ContainSingle("one mark per page");
        var done = h.Fake.Activities.Where(a => a.Type == "User Account Creation").ToArray();
        done.Should().HaveCount(2).And.OnlyContain(a => a.Status == "Completed" && a.Result == null, "completing a record clears its mark");
        done.Should().OnlyContain(a => a.Details == null || !a.Details.Contains(open[0].Result!, StringComparison.Ordinal));
        done.SelectMany(a => a.Targets).Should().BeEquivalentTo(ids);
    }

    /// <summary>Registers CiviCRM's trigger sources behind a factory of the host's own (<see cref="UnpreparedSources"/>).</summary>
    private static void HostSource(IServiceCollection services) =>
        services.AddSingleton<ITriggerSourceFactory>(sp => new UnpreparedSources(sp.GetRequiredService<Triggers.CiviCrmTriggerSourceFactory>()));

    /// <summary>CiviCRM's trigger sources seen through a factory of the host's own: they read pages, nothing more.</summary>
    private sealed class UnpreparedSources(ITriggerSourceFactory inner) : ITriggerSourceFactory
    {
        public ITriggerSource Create(TriggerSourceContext context) => new Source(inner.Create(context));

        public Task PrepareAsync(IReadOnlyCollection<TriggerDefinition> definitions, CancellationToken cancellationToken = default) => inner.PrepareAsync(definitions, cancellationToken);

        private sealed class Source(ITriggerSource inner) : ITriggerSource
        {
            public TriggerDefinition Trigger => inner.Trigger;

            public IAsyncEnumerable<IReadOnlyList<Contact>> ReadPendingAsync(int pageSize, CancellationToken cancellationToken = default) => inner.ReadPendingAsync(pageSize, cancellationToken);

            public Task<Contact?> FindPendingAsync(long contactId, CancellationToken cancellationToken = default) => inner.FindPendingAsync(contactId, cancellationToken);

            public Task AcknowledgeAsync(IReadOnlyList<TriggerAcknowledgement> acknowledgements, CancellationToken cancellationToken = default) => inner.AcknowledgeAsync(acknowledgements, cancellationToken);
        }
    }

    /// <summary>CiviCRM's link store behind a store of the host's own.</summary>
    private sealed class OwnLinks(IAccountLinkStore inner) : IAccountLinkStore
    {
        public Task<IReadOnlyList<AccountLink>> FindByContactsAsync(IReadOnlyCollection<long> contactIds, CancellationToken cancellationToken = default) => inner.FindByContactsAsync(contactIds, cancellationToken);

        public Task<IReadOnlyList<AccountLinkResult>> EnsureLinksAsync(IReadOnlyList<AccountLinkRequest> requests, CancellationToken cancellationToken = default) => inner.EnsureLinksAsync(requests, cancellationToken);
    }

    /// <summary>New contacts in the trigger group "members".</summary>
    private static (long Members, long[] Ids) AddMembers(CiviHarness h, int count)
    {
        var members = h.Fake.AddGroup("members");
        h.Fake.AddGroup("reset");
        var ids = Enumerable.Range(0, count).Select(i => h.Fake.AddContact("Member", "N" + i, $"m{i}@example.org")).ToArray();
        h.Fake.AddToGroup(members, ids);
        return (members, ids);
    }

    /// <summary>"contact status" of every account creation record (one entry per record).</summary>
    private static string[] CreationRecords(CiviHarness h) =>
        [.. h.Fake.Activities.Where(a => a.Type == "User Account Creation").SelectMany(a => a.Targets.Select(t => $"{t} {a.Status}"))];

    private static CiviHarness Harness(FakeCmsAccountProvider cms, int pageSize, Action<IServiceCollection>? more = null) => new(engine: o =>
    {
        o.Rules.Add(new ProvisioningRule { Name = "members", Trigger = TriggerDefinition.Group("members") });
        o.PasswordResets.Add(new PasswordResetCampaign { Trigger = TriggerDefinition.Group("reset") });
        o.PageSize = pageSize;
        o.MaxConcurrency = 2;
    }, cms: cms, more: more);


    /// <summary>The database refuses every new activity whose target is one of <paramref name="contacts"/> (a foreign key, as for a contact purged meanwhile).</summary>
    internal static Func<FakeApi4Record, string?> RefuseRecordsOf(IReadOnlyCollection<long> contacts) => record =>
        record.Entity == "Activity" && TargetOf(record.RecordJson) is long target && contacts.Contains(target) ? "DB Error: constraint violation" : null;

    private static long? TargetOf(string json) =>
        Regex.Match(json, @"""target_contact_id"":\[(\d+)\]", RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1)) is { Success: true } m
            ? long.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)
            : null;

    /// <summary>The target of every password reset record (one entry per record).</summary>
    private static long[] Records(CiviHarness h) => [.. h.Fake.Activities.Where(a => a.Type == ResetType).SelectMany(a => a.Targets)];

    private static CancellationToken Timeout() => new CancellationTokenSource(TimeSpan.FromSeconds(50)).Token;
}
