using System.Threading.Channels;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Skvare.CmsUser.Testing.InMemory;

namespace Skvare.CmsUser.Tests.Engine;

/// <summary>
/// A page write-back whose request timed out is usually still running on CiviCRM (it waited in a busy server's queue, or
/// runs longer than the attempt timeout). Read back at once, it looks missing and is written again (on the real CiviCRM:
/// 19 of 20 contacts, three write requests sent again); read back after <see cref="RetryPolicy.WriteBackReadBackWait"/>,
/// it has landed and nothing is sent again but the trigger changes. The store here carries the timed-out write out a
/// while after the timeout, on the engine's (fake) clock; the wait is taken from the same clock, so nothing sleeps.
/// </summary>
public sealed class TimedOutReadBackTests : IDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);
    private readonly EngineHarness _h = new();
    private readonly WaitClock _clock;
    private readonly LateStore _store;

    public TimedOutReadBackTests()
    {
        _clock = new WaitClock(_h.Time.GetUtcNow());
        _store = new LateStore(_h.Civi, _clock);
        _h.Cms.Clock = _clock;
        _h.Services = s =>
        {
            s.AddSingleton<TimeProvider>(_clock);
            s.AddSingleton<IPageWriteBackStore>(_store);
        };
    }

    public void Dispose() => _h.Dispose();

    [Fact(Timeout = 60_000)]
    public async Task A_timed_out_write_back_that_lands_during_the_wait_is_not_sent_again()
    {
        var ana = _h.Member("Ana", "Lima", "ana@example.org");
        _store.Fail = TimedOutFailure;
        _store.LandsAfter = TimeSpan.FromSeconds(14);

        var run = _h.Provisioner.RunOnceAsync();
        (await WaitStartedAsync(run)).Should().Be(TimeSpan.FromSeconds(30), "a batch page waits the whole of WriteBackReadBackWait");
        _store.Landed.Should().BeFalse("the original is still running on CiviCRM when the wait starts");
        _clock.Advance(TimeSpan.FromSeconds(30));
        var summary = await run.WaitAsync(Bound);

        summary.Failures.Should().BeEmpty();
        summary.Count(OutcomeKind.Created).Should().Be(1);
        _store.Landed.Should().BeTrue();
        Missing().Should().Equal([0], "the read-back after the wait finds everything the late original wrote");
        _store.Resent("EnsureLinks").Should().Be(0, "no link is sent again");
        _store.Resent("RecordActivities").Should().Be(0, "no record is sent again");
        _h.Logs.GetSnapshot().Should().ContainSingle(r => r.Id.Id == 1064).Which.Message.Should().Contain("waiting 30 s");
        Written(ana);
    }

    [Fact(Timeout = 60_000)]
    public async Task Without_a_wait_the_timed_out_write_back_looks_missing_and_is_sent_again()
    {
        var ana = _h.Member("Ana", "Lima", "ana@example.org");
        _h.Configure = o => o.Retry.WriteBackReadBackWait = TimeSpan.Zero;
        _store.Fail = TimedOutFailure;
        _store.LandsAfter = TimeSpan.FromSeconds(14);

        var summary = await _h.Provisioner.RunOnceAsync().WaitAsync(Bound);

        summary.Failures.Should().BeEmpty();
        _store.Landed.Should().BeFalse("read back at once, before the original ran");
        Missing().Should().Equal([1], "the read-back found the contact's part missing");
        _store.Resent("EnsureLinks").Should().Be(1, "the link was sent again");
        _store.Resent("RecordActivities").Should().Be(1, "the record was sent again");
        _h.Logs.GetSnapshot().Should().NotContain(r => r.Id.Id == 1064);

        // The original lands late: it repeats the same upsert and update by id.
        _clock.Advance(TimeSpan.FromSeconds(14));
        _store.Landed.Should().BeTrue();
        Written(ana);
    }

    [Fact(Timeout = 60_000)]
    public async Task An_on_demand_call_waits_a_sixth_as_long()
    {
        var ana = _h.Member("Ana", "Lima", "ana@example.org");
        _store.Fail = TimedOutFailure;
        _store.LandsAfter = TimeSpan.FromSeconds(3);

        var call = _h.Provisioner.ProvisionAsync(ana.Id);
        (await WaitStartedAsync(call)).Should().Be(TimeSpan.FromSeconds(5), "its caller (a login, a webhook) is waiting");
        _clock.Advance(TimeSpan.FromSeconds(5));
        var outcome = await call.WaitAsync(Bound);

        outcome.Kind.Should().Be(OutcomeKind.Created);
        outcome.Error.Should().BeNull();
        _store.Landed.Should().BeTrue();
        Missing().Should().Equal([0]);
        _store.Resent("EnsureLinks").Should().Be(0);
        _store.Resent("RecordActivities").Should().Be(0);
        Written(ana);
    }

    [Fact(Timeout = 60_000)]
    public async Task Cancelling_the_run_during_the_wait_reads_back_at_once()
    {
        var ana = _h.Member("Ana", "Lima", "ana@example.org");
        _store.Fail = TimedOutFailure;
        _store.LandsAfter = TimeSpan.FromSeconds(14);
        using var cancel = new CancellationTokenSource();

        var run = _h.Provisioner.RunOnceAsync(cancellationToken: cancel.Token);
        await WaitStartedAsync(run);
        await cancel.CancelAsync();
        try
        {
            await run.WaitAsync(Bound);
        }
        catch (OperationCanceledException)
        {
            // The run stops after its page; the page itself was written.
        }

        _store.Landed.Should().BeFalse("no time passed: the wait ended with the cancellation");
        Missing().Should().Equal([1], "read back at once, the contact's part was missing");
        _store.Resent("EnsureLinks").Should().Be(1);
        Written(ana);
    }

    [Theory(Timeout = 60_000)]
    [InlineData("refused")]
    [InlineData("closed")]
    [InlineData("500")]
    public async Task A_write_back_that_did_not_time_out_is_not_waited_for(string failure)
    {
        var ana = _h.Member("Ana", "Lima", "ana@example.org");
        _store.Fail = failure switch
        {
            "refused" => () => new CmsProviderException("CiviCRM", CmsErrorReason.Unavailable, "CiviCRM could not be reached for Contact.get: Connection refused.", new HttpRequestException(HttpRequestError.ConnectionError, "Connection refused")),
            "closed" => () => new HttpRequestException("The connection was closed before an answer came."),
            _ => () => new CmsProviderException("CiviCRM", CmsErrorReason.Unavailable, "CiviCRM failed on Contact.get with an error page (HTTP 500).", statusCode: 500),
        };

        var summary = await _h.Provisioner.RunOnceAsync().WaitAsync(Bound);

        summary.Failures.Should().BeEmpty();
        _h.Logs.GetSnapshot().Should().NotContain(r => r.Id.Id == 1064, "only a request that timed out may still be running");
        _clock.Waits.Should().BeEmpty();
        Written(ana);
    }

    [Fact]
    public void The_pause_is_the_wait_for_a_batch_a_sixth_on_demand_and_none_when_zero()
    {
        var policy = new Skvare.CmsUser.Retry.AttemptPolicy(new RetryPolicy { WriteBackReadBackWait = TimeSpan.FromSeconds(30) });
        policy.TimedOutReadBackPause(onDemand: false).Should().Be(TimeSpan.FromSeconds(30));
        policy.TimedOutReadBackPause(onDemand: true).Should().Be(TimeSpan.FromSeconds(5));
        new Skvare.CmsUser.Retry.AttemptPolicy(new RetryPolicy { WriteBackReadBackWait = TimeSpan.Zero }).TimedOutReadBackPause(onDemand: false).Should().Be(TimeSpan.Zero);
    }

    [Fact]
    public void A_timeout_is_found_anywhere_in_the_failures_chain()
    {
        Skvare.CmsUser.Engine.PageWriter.TimedOut(TimedOutFailure()).Should().BeTrue();
        Skvare.CmsUser.Engine.PageWriter.TimedOut(new TaskCanceledException("HttpClient.Timeout", new TimeoutException())).Should().BeTrue();
        Skvare.CmsUser.Engine.PageWriter.TimedOut(new HttpRequestException("closed")).Should().BeFalse();
        Skvare.CmsUser.Engine.PageWriter.TimedOut(new CmsProviderException("CiviCRM", CmsErrorReason.Unavailable, "no answer", new OperationCanceledException())).Should().BeFalse();
    }

    /// <summary>The CiviCRM client's failure for a request that timed out: a <see cref="TimeoutException"/> in its chain.</summary>
    private static CmsProviderException TimedOutFailure() =>
        new CmsProviderException("CiviCRM", CmsErrorReason.Unavailable, "CiviCRM did not answer Contact.get (the request was sent and may have been carried out): The operation didn't complete within the allowed timeout of '00:00:10'.",
            new TimeoutException("The operation didn't complete within the allowed timeout of '00:00:10'."));

    /// <summary>The wait the write-back started on the clock; fails at once when <paramref name="call"/> ended without one.</summary>
    private async Task<TimeSpan> WaitStartedAsync(Task call)
    {
        var wait = _clock.NextWaitAsync();
        (await Task.WhenAny(wait, call).WaitAsync(Bound)).Should().BeSameAs(wait, "the write-back waits before it reads back");
        return await wait;
    }

    /// <summary>The "missing" counts of the read-backs (event 1048).</summary>
    private int[] Missing() => _h.Logs.GetSnapshot().Where(r => r.Id.Id == 1048)
        .Select(r => int.Parse(r.StructuredState!.Single(kv => kv.Key == "Missing").Value!, System.Globalization.CultureInfo.InvariantCulture)).ToArray();

    /// <summary>The contact ends linked once, with one Completed creation record, in the history group: nothing twice.</summary>
    private void Written(Contact contact)
    {
        var account = _h.Cms.Accounts.Should().ContainSingle().Subject;
        _h.Civi.Links.Should().ContainSingle().Which.Should().Be(new AccountLink(contact.Id, account.Id, contact.Email));
        _h.Civi.Activities.Should().ContainSingle().Which.Status.Should().Be(ActivityOutcomeStatus.Completed);
        _h.Civi.GroupStatus(EngineHarness.History, contact.Id).Should().Be("Added");
        _h.Civi.GroupStatus(EngineHarness.Trigger, contact.Id).Should().NotBe("Added");
    }

    /// <summary>A fake clock that tells each wait of more than zero started on it (the late landing's own timer aside).</summary>
    private sealed class WaitClock(DateTimeOffset start) : FakeTimeProvider(start)
    {
        private readonly Channel<TimeSpan> _waits = Channel.CreateUnbounded<TimeSpan>();
        private readonly List<TimeSpan> _all = [];

        public bool Landing { get; set; }

        public IReadOnlyList<TimeSpan> Waits
        {
            get
            {
                lock (_all)
                {
                    return [.. _all];
                }
            }
        }

        public async Task<TimeSpan> NextWaitAsync() => await _waits.Reader.ReadAsync();

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            var timer = base.CreateTimer(callback, state, dueTime, period);
            if (!Landing && dueTime > TimeSpan.Zero && dueTime != Timeout.InfiniteTimeSpan)
            {
                lock (_all)
                {
                    _all.Add(dueTime);
                }

                _waits.Writer.TryWrite(dueTime);
            }

            return timer;
        }
    }

    /// <summary>
    /// A page write-back store over the in-memory CiviCRM whose first write fails with <see cref="Fail"/>; with
    /// <see cref="LandsAfter"/> that write is carried out that long after, on the clock (a request CiviCRM ran after the
    /// client gave up). Counts the calls the engine sends again after the failure (those the landing makes aside).
    /// </summary>
    private sealed class LateStore(FakeCiviCrm civi, WaitClock clock) : IPageWriteBackStore
    {
        private readonly Dictionary<string, int> _atFailure = [];
        private readonly Dictionary<string, int> _landing = [];
        private int _writes;
        private ITimer? _landingTimer;

        public Func<Exception>? Fail { get; set; }

        public TimeSpan? LandsAfter { get; set; }

        public bool Landed { get; private set; }

        /// <summary>Calls of <paramref name="name"/> on the in-memory CiviCRM since the failure, the late landing's aside.</summary>
        public int Resent(string name)
        {
            lock (_landing)
            {
                return civi.Calls.GetValueOrDefault(name) - _atFailure.GetValueOrDefault(name) - _landing.GetValueOrDefault(name);
            }
        }

        public async Task<PageWriteBackSnapshot> ReadAsync(PageWriteBackQuery query, CancellationToken cancellationToken = default) => new()
        {
            Links = await civi.FindLinksInDomainAsync(query.Links, cancellationToken),
            Audits = await civi.FindAuditsAsync(query.AuditContactIds, query.Kind, cancellationToken),
        };

        public async Task<PageWriteBackOpened> OpenAsync(IReadOnlyList<ActivityEntry> scheduled, PageWriteBackQuery query, CancellationToken cancellationToken = default)
        {
            var ids = await civi.OpenAsync(scheduled, cancellationToken);
            return new PageWriteBackOpened(ids, new PageWriteBackSnapshot { Audits = await civi.FindAuditsAsync(query.AuditContactIds, query.Kind, cancellationToken) });
        }

        public async Task<PageWriteBackWritten> WriteAsync(PageWriteBackBatch batch, ITriggerSource? source, CancellationToken cancellationToken = default)
        {
            if (Interlocked.Increment(ref _writes) == 1 && Fail is { } fail)
            {
                lock (_landing)
                {
                    foreach (var (name, count) in civi.Calls)
                    {
                        _atFailure[name] = count;
                    }
                }

                if (LandsAfter is { } after)
                {
                    clock.Landing = true;
                    // Held, like any timer that must fire: an unreferenced timer may be collected before it fires.
                    _landingTimer = clock.CreateTimer(_ => Land(batch, source), null, after, Timeout.InfiniteTimeSpan);
                    clock.Landing = false;
                }

                throw fail();
            }

            await ApplyAsync(batch, source);
            return new PageWriteBackWritten(source is not null, []);
        }

        public Task<IReadOnlyList<ActivityEntry>> FindUnwrittenAsync(IReadOnlyList<ActivityEntry> created, PageWriteBackSnapshot snapshot, CancellationToken cancellationToken = default) =>
            Task.FromResult(created);

        private void Land(PageWriteBackBatch batch, ITriggerSource? source)
        {
            lock (_landing)
            {
                var before = civi.Calls.ToDictionary(kv => kv.Key, kv => kv.Value);
                // The in-memory CiviCRM answers at once: its tasks are complete when they return.
                ApplyAsync(batch, source).GetAwaiter().GetResult();
                foreach (var (name, count) in civi.Calls)
                {
                    _landing[name] = _landing.GetValueOrDefault(name) + count - before.GetValueOrDefault(name);
                }

                Landed = true;
            }
        }

        private async Task ApplyAsync(PageWriteBackBatch batch, ITriggerSource? source)
        {
            if (batch.Links.Count > 0)
            {
                await civi.EnsureLinksAsync(batch.Links);
            }

            if (batch.Activities.Count > 0)
            {
                await civi.RecordAsync(batch.Activities);
            }

            if (batch.Discard.Count > 0)
            {
                await civi.DiscardAsync(batch.Discard);
            }

            if (source is not null && batch.Acknowledgements.Count > 0)
            {
                await source.AcknowledgeAsync(batch.Acknowledgements);
            }
        }
    }
}
