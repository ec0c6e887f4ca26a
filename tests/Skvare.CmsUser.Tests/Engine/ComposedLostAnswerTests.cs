using Microsoft.Extensions.DependencyInjection;
using Skvare.CmsUser.Testing.InMemory;

namespace Skvare.CmsUser.Tests.Engine;

/// <summary>
/// The composed write-back (no <see cref="IPageWriteBackStore"/>: a host's own recorder or link store, one call per part)
/// after a call whose answer was lost (the store may have carried it out): the links are asked for again (the link store reads
/// before it writes), what is safe to write twice is sent again, and a new record is never sent twice; its contact stays in
/// the trigger for the next run. Before, the whole page failed, and the next run took the open records for a stopped run's and
/// sent the new-account email a second time.
/// </summary>
public sealed class ComposedLostAnswerTests : IDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);
    private readonly EngineHarness _h = new();
    private readonly LosingStores _stores;

    public ComposedLostAnswerTests()
    {
        _h.Cms.Clock = _h.Time;
        _stores = new LosingStores(_h.Civi);
        _h.Services = s =>
        {
            s.AddSingleton<IActivityRecorder>(_stores);
            s.AddSingleton<IAccountLinkStore>(_stores);
        };
    }

    public void Dispose() => _h.Dispose();

    [Theory(Timeout = 60_000)]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_lost_answer_to_the_completions_sends_them_again_and_nobody_is_mailed_twice(bool carriedOut)
    {
        var ana = _h.Member("Ana", "Lima", "ana@example.org");
        var lost = 0;
        _stores.LoseRecords = (entries, _) => entries.Any(e => e.Status == ActivityOutcomeStatus.Completed) && Interlocked.Increment(ref lost) == 1
            ? (carriedOut ? Losing.AfterWriting : Losing.BeforeWriting) : Losing.No;

        var summary = await _h.Provisioner.RunOnceAsync().WaitAsync(Bound);

        lost.Should().BeGreaterThanOrEqualTo(1);
        summary.Failures.Should().BeEmpty();
        summary.Count(OutcomeKind.Created).Should().Be(1);
        var record = _h.Civi.Activities.Should().ContainSingle().Subject;
        record.Status.Should().Be(ActivityOutcomeStatus.Completed);
        _h.Civi.GroupStatus(EngineHarness.History, ana.Id).Should().Be("Added");
        _h.Logs.GetSnapshot().Should().Contain(r => r.Id.Id == 1052);

        var next = await _h.Provisioner.RunOnceAsync().WaitAsync(Bound);

        next.Total.Should().Be(0);
        _h.Cms.Mails.Should().Equal(["notify:ana@example.org"], "the account was recorded in its own run: no recovery mails it again");
    }

    [Theory(Timeout = 60_000)]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_lost_answer_to_the_links_asks_the_link_store_again(bool carriedOut)
    {
        var ana = _h.Member("Ana", "Lima", "ana@example.org");
        var lost = 0;
        _stores.LoseLinks = _ => Interlocked.Increment(ref lost) == 1 ? (carriedOut ? Losing.AfterWriting : Losing.BeforeWriting) : Losing.No;

        var summary = await _h.Provisioner.RunOnceAsync().WaitAsync(Bound);

        lost.Should().Be(2, "the links were asked for twice");
        summary.Failures.Should().BeEmpty();
        summary.Count(OutcomeKind.Created).Should().Be(1);
        var account = _h.Cms.Accounts.Should().ContainSingle().Subject;
        _h.Civi.Links.Should().ContainSingle().Which.Should().Be(new AccountLink(ana.Id, account.Id, "ana@example.org"));
        _h.Civi.Activities.Should().ContainSingle().Which.Subject.Should().Be($"Created : ana.lima ({account.Id})");
        _h.Civi.GroupStatus(EngineHarness.History, ana.Id).Should().Be("Added");
    }

    [Fact(Timeout = 60_000)]
    public async Task A_new_record_whose_answer_was_lost_is_not_written_twice_and_its_contact_stays_for_the_next_run()
    {
        // A recorder that opens no Scheduled records: every record of the page is new.
        _stores.OpensNothing = true;
        var ana = _h.Member("Ana", "Lima", "ana@example.org");
        var bea = _h.Member("Bea", "Reis", "bea@example.org");
        _stores.LoseRecords = (entries, _) => entries.Any(e => e.ContactId == ana.Id) ? Losing.AfterWriting : Losing.No;

        var summary = await _h.Provisioner.RunOnceAsync().WaitAsync(Bound);

        var failure = summary.Failures.Should().ContainSingle().Subject;
        failure.ContactId.Should().Be(ana.Id);
        failure.Error!.Code.Should().Be(CmsUserErrorCodes.WriteBackFailed);
        failure.Error.Kind.Should().Be(FailureKind.Transient, "nothing is counted");
        summary.Count(OutcomeKind.Created).Should().Be(1);
        _h.Civi.Activities.Where(a => a.ContactId == ana.Id).Should().ContainSingle("a new record is never sent twice");
        _h.Civi.Activities.Where(a => a.ContactId == bea.Id).Should().ContainSingle().Which.Status.Should().Be(ActivityOutcomeStatus.Completed);
        _h.Civi.GroupStatus(EngineHarness.Trigger, ana.Id).Should().Be("Added", "its contact stays for the next run");
        _h.Civi.GroupStatus(EngineHarness.History, bea.Id).Should().Be("Added");

        _stores.LoseRecords = (_, _) => Losing.No;
        var next = await _h.Provisioner.RunOnceAsync().WaitAsync(Bound);

        next.Count(OutcomeKind.AlreadyLinked).Should().Be(1);
        _h.Civi.Activities.Where(a => a.ContactId == ana.Id).Should().ContainSingle().Which.Status.Should().Be(ActivityOutcomeStatus.Completed);
        _h.Civi.GroupStatus(EngineHarness.History, ana.Id).Should().Be("Added");
    }

    /// <summary>How a call's answer is lost: not at all, before the store carries it out, or after.</summary>
    internal enum Losing
    {
        No,
        BeforeWriting,
        AfterWriting,
    }

    /// <summary>A host's own recorder and link store (over the in-memory CiviCRM) whose calls lose their answer where a rule says.</summary>
    private sealed class LosingStores(FakeCiviCrm civi) : IActivityRecorder, IAccountLinkStore
    {
        public Func<IReadOnlyList<ActivityEntry>, int, Losing> LoseRecords { get; set; } = (_, _) => Losing.No;

        public Func<IReadOnlyList<AccountLinkRequest>, Losing> LoseLinks { get; set; } = _ => Losing.No;

        public bool OpensNothing { get; set; }

        public Task EnsureReadyAsync(CancellationToken cancellationToken = default) => civi.EnsureReadyAsync(cancellationToken);

        public async Task RecordAsync(IReadOnlyList<ActivityEntry> entries, CancellationToken cancellationToken = default)
        {
            var losing = LoseRecords(entries, 0);
            if (losing == Losing.BeforeWriting)
            {
                throw Lost();
            }

            await civi.RecordAsync(entries, cancellationToken);
            if (losing == Losing.AfterWriting)
            {
                throw Lost();
            }
        }

        public Task<IReadOnlyDictionary<long, int>> CountFailedAttemptsAsync(IReadOnlyList<AttemptCountRequest> requests, ActivityKind kind, CancellationToken cancellationToken = default) =>
            civi.CountFailedAttemptsAsync(requests, kind, cancellationToken);

        public Task<IReadOnlyList<long>?> OpenAsync(IReadOnlyList<ActivityEntry> entries, CancellationToken cancellationToken = default) =>
            OpensNothing ? Task.FromResult<IReadOnlyList<long>?>(null) : civi.OpenAsync(entries, cancellationToken);

        public Task<IReadOnlyList<AuditRecord>> FindAuditsAsync(IReadOnlyCollection<long> contactIds, ActivityKind kind, CancellationToken cancellationToken = default) =>
            civi.FindAuditsAsync(contactIds, kind, cancellationToken);

        public Task DiscardAsync(IReadOnlyCollection<long> ids, CancellationToken cancellationToken = default) => civi.DiscardAsync(ids, cancellationToken);

        public Task<IReadOnlyList<AccountLink>> FindByContactsAsync(IReadOnlyCollection<long> contactIds, CancellationToken cancellationToken = default) =>
            civi.FindByContactsAsync(contactIds, cancellationToken);

        public async Task<IReadOnlyList<AccountLinkResult>> EnsureLinksAsync(IReadOnlyList<AccountLinkRequest> requests, CancellationToken cancellationToken = default)
        {
            var losing = LoseLinks(requests);
            if (losing == Losing.BeforeWriting)
            {
                throw Lost();
            }

            var answers = await civi.EnsureLinksAsync(requests, cancellationToken);
            return losing == Losing.AfterWriting ? throw Lost() : answers;
        }

        private static CmsProviderException Lost() => new("CiviCRM", CmsErrorReason.Unavailable, "The connection was closed after the request was sent.");
    }
}
