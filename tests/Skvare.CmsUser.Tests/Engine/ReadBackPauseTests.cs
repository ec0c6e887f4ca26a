using Microsoft.Extensions.Logging.Abstractions;
using Skvare.CmsUser.Engine;
using Skvare.CmsUser.Retry;
using Skvare.CmsUser.Testing.InMemory;

namespace Skvare.CmsUser.Tests.Engine;

/// <summary>
/// A page write-back whose answer was lost and whose read-back fails too (trial19: CiviCRM answered the read-back with an
/// error for a moment, and a page of which it had applied 82 of 100 contacts was reported all failed): the read-back is
/// asked again after a sixth of <see cref="RetryPolicy.WriteBackReadBackWait"/>, then after the rest, before the page is
/// reported unknown. The pauses are taken from the writer's clock; this one records them and lets them pass at once.
/// </summary>
public sealed class ReadBackPauseTests
{
    [Fact]
    public async Task A_read_back_that_fails_is_asked_again_after_a_sixth_of_the_wait_then_after_the_rest()
    {
        var (civi, contact, opened) = await NeverStartedPageAsync();
        var store = new FailingReads(civi, failures: 2);
        var clock = new PassingDelays();
        var writer = Writer(civi, store, clock, TimeSpan.FromSeconds(30));

        var results = await writer.WriteAsync([], null, opened);

        results.Should().BeEmpty();
        store.Reads.Should().Be(3, "two read-backs failed, the third answered");
        clock.Delays.Should().Equal(TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(25));
        civi.Activities.Should().NotContain(a => a.ContactId == contact.Id, "the record the third read-back found open is removed again");
    }

    [Fact]
    public async Task A_read_back_that_keeps_failing_reports_the_page_unknown_after_the_last_pause()
    {
        var (civi, _, opened) = await NeverStartedPageAsync();
        var store = new FailingReads(civi, failures: int.MaxValue);
        var clock = new PassingDelays();
        var writer = Writer(civi, store, clock, TimeSpan.FromSeconds(30));

        var unknown = (await writer.Invoking(w => w.WriteAsync([], null, opened)).Should().ThrowAsync<PageNotWrittenException>()).Which;

        unknown.Message.Should().Contain("asked 3 times").And.Contain("CiviCRM may have applied it");
        store.Reads.Should().Be(3);
        clock.Delays.Should().HaveCount(2);
    }

    [Fact]
    public async Task No_wait_asks_the_read_back_once()
    {
        var (civi, _, opened) = await NeverStartedPageAsync();
        var store = new FailingReads(civi, failures: 1);
        var clock = new PassingDelays();
        var writer = Writer(civi, store, clock, TimeSpan.Zero);

        var unknown = (await writer.Invoking(w => w.WriteAsync([], null, opened)).Should().ThrowAsync<PageNotWrittenException>()).Which;

        unknown.Message.Should().Contain("asked once");
        store.Reads.Should().Be(1);
        clock.Delays.Should().BeEmpty();
    }

    [Fact]
    public async Task The_unknown_page_names_each_failure_by_what_happened_and_states_one_consequence()
    {
        // The admin trial's words on the real CiviCRM: each failure's own consequence ended up inside the page's message.
        var (civi, _, opened) = await NeverStartedPageAsync();
        var lost = new CmsProviderException("CiviCRM", CmsErrorReason.Unavailable, "CiviCRM did not answer in time (call: Activity.save; TimeoutRejectedException: The operation didn't complete within the allowed timeout of '00:00:30'.); the request may have reached CiviCRM and been carried out, so it was not sent again: check CiviCRM before repeating it.");
        var unread = new CmsProviderException("CiviCRM", CmsErrorReason.Unavailable, "CiviCRM could not be reached (call: Activity.get; HttpRequestException: Connection refused (localhost:8082)): the request was never sent, so nothing was done.");
        var store = new FailingReads(civi, failures: int.MaxValue, lost, unread);
        var writer = Writer(civi, store, new PassingDelays(), TimeSpan.FromSeconds(30));

        var unknown = (await writer.Invoking(w => w.WriteAsync([], null, opened)).Should().ThrowAsync<PageNotWrittenException>()).Which;

        unknown.Message.Should().Be("the answer to the page's write-back was lost (CiviCRM did not answer in time) and CiviCRM could not be asked what it kept (CiviCRM could not be reached, asked 3 times). CiviCRM may have applied it: the next run finds out and writes nothing twice.");
        unknown.Message.Should().NotContain(".,").And.NotContain("nothing was done").And.NotContain("before repeating");
        unknown.InnerException.Should().BeSameAs(lost, "the whole first failure stays with the exception");
    }

    /// <summary>A contact whose page opened its Scheduled record and never started it: the write-back removes the record.</summary>
    private static async Task<(FakeCiviCrm Civi, Contact Contact, OpenedPage Opened)> NeverStartedPageAsync()
    {
        var civi = new FakeCiviCrm();
        var contact = civi.AddContact("Ana", "Lima", "ana@example.org");
        var ids = await civi.OpenAsync([PageWriter.Scheduled(ActivityKind.AccountCreation, contact, DateTimeOffset.UnixEpoch)]);
        return (civi, contact, PageWriter.Opened(new Dictionary<long, long> { [contact.Id] = ids![0] }, null));
    }

    private static PageWriter Writer(FakeCiviCrm civi, IPageWriteBackStore store, TimeProvider clock, TimeSpan wait) =>
        new(civi, civi, new FakeCmsAccountProvider(), new AttemptPolicy(new RetryPolicy { WriteBackReadBackWait = wait }), clock, NullLogger.Instance, store);

    /// <summary>The system clock, except that a delay is recorded and passes at once.</summary>
    private sealed class PassingDelays : TimeProvider
    {
        private readonly List<TimeSpan> _delays = [];

        public IReadOnlyList<TimeSpan> Delays
        {
            get
            {
                lock (_delays)
                {
                    return [.. _delays];
                }
            }
        }

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            lock (_delays)
            {
                _delays.Add(dueTime);
            }

            return System.CreateTimer(callback, state, TimeSpan.Zero, period);
        }
    }

    /// <summary>A store whose write loses its answer without carrying it out, and whose first <c>failures</c> reads fail.</summary>
    private sealed class FailingReads(FakeCiviCrm civi, int failures, Exception? writeFailure = null, Exception? readFailure = null) : IPageWriteBackStore
    {
        private int _reads;

        public int Reads => Volatile.Read(ref _reads);

        public async Task<PageWriteBackSnapshot> ReadAsync(PageWriteBackQuery query, CancellationToken cancellationToken = default)
        {
            if (Interlocked.Increment(ref _reads) <= failures)
            {
                throw readFailure ?? new CmsProviderException("CiviCRM", CmsErrorReason.Unavailable, "CiviCRM failed on Contact.get with an error page (HTTP 500).");
            }

            return new PageWriteBackSnapshot { Audits = await civi.FindAuditsAsync(query.AuditContactIds, query.Kind, cancellationToken) };
        }

        public Task<PageWriteBackOpened> OpenAsync(IReadOnlyList<ActivityEntry> scheduled, PageWriteBackQuery query, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException("The test opens the records itself.");

        public Task<PageWriteBackWritten> WriteAsync(PageWriteBackBatch batch, ITriggerSource? source, CancellationToken cancellationToken = default) =>
            throw writeFailure ?? new HttpRequestException("The connection was closed before an answer came.");

        public Task<IReadOnlyList<ActivityEntry>> FindUnwrittenAsync(IReadOnlyList<ActivityEntry> created, PageWriteBackSnapshot snapshot, CancellationToken cancellationToken = default) =>
            Task.FromResult(created);
    }
}
