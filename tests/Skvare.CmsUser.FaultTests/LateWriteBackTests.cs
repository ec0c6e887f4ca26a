using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Skvare.CmsUser.CiviCrm;
using Skvare.CmsUser.CiviCrm.Api;

namespace Skvare.CmsUser.FaultTests;

/// <summary>
/// A page's write-back that CiviCRM carries out only after the client gave up on it, as a request that waited in a busy
/// server's queue is: the run finds nothing of it when it reads back, writes every part again, and then the original
/// arrives and is carried out too. Seen on the real CiviCRM 6.17.2 through a fault proxy (docs/reliability.md, "The real
/// CiviCRM lost mid-run"). The creation records are completed by id and the links and trigger changes are upserts, so the
/// late original repeats the same writes: no account, link, record or history membership exists twice.
/// </summary>
public sealed class LateWriteBackTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    [Fact(Timeout = 120_000)]
    public async Task A_write_back_carried_out_after_the_engine_wrote_it_again_leaves_nothing_twice()
    {
        using var h = new FaultHarness();
        var contacts = h.AddMembers(40, "late");
        var held = new HeldWrite();
        RunSummary run;
        using (var engine = h.NewEngine(o => o.PageSize = 20, services: s => s.AddHttpClient(CiviCrmApiClient.HttpClientName).AddHttpMessageHandler(() => new Holding(held))))
        {
            run = await engine.Provisioner.RunOnceAsync().WaitAsync(Bound);
        }

        run.StopReason.Should().BeNull("a write-back whose answer is lost is read back and completed within the run");
        run.Count(OutcomeKind.Created).Should().Be(40);
        held.Body.Should().NotBeNull("the first write-back that saves links was held, never sent");
        Invariants.Read(h.Civi, h.Wp, h.TriggerId, contacts).Should().Be(new Invariants(40, 0, 0, 0, 0, 0, 0, 0), "the run wrote its held page again");

        // The original arrives late and CiviCRM carries it out.
        (await held.SendLateAsync()).Should().Be(HttpStatusCode.OK);

        Invariants.Read(h.Civi, h.Wp, h.TriggerId, contacts).Should().Be(new Invariants(40, 0, 0, 0, 0, 0, 0, 0), "the late original repeats writes by id and upserts");
        h.Civi.Activities.Count(a => a.Targets.Any(contacts.Contains)).Should().Be(40, "one creation record per contact, none added by the late original");
        lock (h.Civi.Store)
        {
            h.Civi.Store.Rows("GroupContact").Where(r => Equals(r["group_id"], h.HistoryId))
                .GroupBy(r => r["contact_id"]).Should().HaveCount(40).And.OnlyContain(g => g.Count() == 1, "one history membership per contact");
        }

        using var next = h.NewEngine(o => o.PageSize = 20);
        (await next.Provisioner.RunOnceAsync().WaitAsync(Bound)).Total.Should().Be(0, "nobody is left in the trigger");
        Invariants.Read(h.Civi, h.Wp, h.TriggerId, contacts).Should().Be(new Invariants(40, 0, 0, 0, 0, 0, 0, 0));
    }

    /// <summary>
    /// The write-back's request times out (the client's attempt timeout, not a dropped connection) while CiviCRM still runs
    /// it: the engine waits (<see cref="RetryPolicy.WriteBackReadBackWait"/>, event 1064) before it reads back, the original
    /// lands meanwhile, and the read-back finds nothing missing: no link or record is sent again (on the real CiviCRM, read
    /// back at once, 19 of 20 contacts looked missing and three write requests were sent again). The engine's clock lets
    /// the wait end when the held original has been carried out, so nothing here depends on how long anything takes.
    /// </summary>
    [Fact(Timeout = 120_000)]
    public async Task A_write_back_that_timed_out_is_read_back_after_the_original_landed_and_nothing_is_sent_again()
    {
        using var h = new FaultHarness();
        var contacts = h.AddMembers(20, "timedout");
        var held = new HeldWrite();
        var wait = TimeSpan.FromSeconds(17);
        var clock = new LandingClock(held, wait);
        var writes = new SentWrites();
        RunSummary run;
        using (var engine = h.NewEngine(
            o => { o.PageSize = 20; o.Retry.WriteBackReadBackWait = wait; },
            civi: o => o.Http.AttemptTimeout = TimeSpan.FromSeconds(2),
            services: s =>
            {
                s.AddSingleton<TimeProvider>(clock);
                s.AddHttpClient(CiviCrmApiClient.HttpClientName).AddHttpMessageHandler(() => new TimingOut(held, writes));
            }))
        {
            run = await engine.Provisioner.RunOnceAsync().WaitAsync(Bound);
            engine.Logs.GetSnapshot().Should().Contain(r => r.Id.Id == 1064, "the write-back timed out and waited");
            engine.Logs.GetSnapshot().Where(r => r.Id.Id == 1048).Should().ContainSingle()
                .Which.Message.Should().Contain("0 of its 20 contact(s) had a part missing");
        }

        run.StopReason.Should().BeNull();
        run.Count(OutcomeKind.Created).Should().Be(20);
        held.Body.Should().NotBeNull("the write-back with the links was held until its attempt timed out");
        clock.Landed.Should().BeTrue("the original was carried out during the wait");
        writes.After("UFMatch", "save").Should().Be(0, "no link is sent again");
        writes.After("Activity", "save").Should().Be(0, "no record is sent again");
        writes.After("GroupContact", "save").Should().Be(0, "the trigger changes were found carried out (history24: always sent again before)");
        h.Civi.Store.Rows("SubscriptionHistory").Count(r => contacts.Contains((long)r["contact_id"]!)).Should().Be(60,
            "one row from joining the trigger, one Removed, one Added per contact: CiviCRM writes one per GroupContact.save, so one sent again made 100");
        Invariants.Read(h.Civi, h.Wp, h.TriggerId, contacts).Should().Be(new Invariants(20, 0, 0, 0, 0, 0, 0, 0));
        h.Civi.Activities.Count(a => a.Targets.Any(contacts.Contains)).Should().Be(20, "one creation record per contact");
    }

    /// <summary>
    /// The same for a password reset campaign (the defect chaos18 found on the real CiviCRM: each record written twice, and
    /// the duplicates counted as attempts). Its records are opened as Scheduled with the page, before the emails, and the
    /// write-back completes them by id, so the late original repeats the same updates: one record per contact and run, and
    /// with the site's mail failing a contact gives up at its fourth run, not sooner.
    /// </summary>
    [Theory(Timeout = 180_000)]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_reset_campaigns_write_back_carried_out_after_the_engine_wrote_it_again_leaves_one_record_per_contact(bool mailFails)
    {
        using var h = new FaultHarness();
        var campaign = h.Civi.AddGroup(ResetGroup);
        var contacts = Enumerable.Range(0, 40).Select(i => h.Civi.AddContact($"reset{i}", "Member", $"reset{i}@example.org")).ToArray();
        foreach (var (id, i) in contacts.Select((id, i) => (id, i)))
        {
            h.Civi.AddLink(id, h.Wp.AddUser($"reset{i}", $"reset{i}@example.org").Id, $"reset{i}@example.org");
        }

        h.Civi.AddToGroup(campaign, contacts);
        h.Wp.MailFails = mailFails;
        var runs = mailFails ? 4 : 1;
        for (var run = 1; run <= runs; run++)
        {
            // The second run's write-back (the first when each run is the last) is held and carried out after the run.
            var held = run == Math.Min(2, runs) ? new HeldWrite(ResetOutcomeSave) : null;
            RunSummary summary;
            using (var engine = h.NewEngine(o => { o.PageSize = 20; o.PasswordResets.Add(new PasswordResetCampaign { Name = "reset", Trigger = TriggerDefinition.Group(ResetGroup) }); },
                services: held is null ? null : s => s.AddHttpClient(CiviCrmApiClient.HttpClientName).AddHttpMessageHandler(() => new Holding(held))))
            {
                summary = await engine.Provisioner.ResetPasswordsAsync().WaitAsync(Bound);
            }

            summary.StopReason.Should().BeNull("a write-back whose answer is lost is read back and completed within the run");
            summary.Total.Should().Be(40);
            if (held is not null)
            {
                held.Body.Should().NotBeNull("the page's completing write-back was held, never sent");
                ResetRecords(h, contacts).Should().OnlyContain(r => r.Value.Count == run && !r.Value.Contains("Scheduled"), "the run wrote its held page again, by id");

                // The original arrives late and CiviCRM carries it out.
                (await held.SendLateAsync()).Should().Be(HttpStatusCode.OK);
            }

            var records = ResetRecords(h, contacts);
            records.Should().OnlyContain(r => r.Value.Count == run, "one record per contact and run, none added by the late original (run {0})", run);
            records.Should().OnlyContain(r => r.Value.All(status => status == (mailFails ? "Failed" : "Completed")), "every record completed or failed (run {0})", run);
            var done = !mailFails || run == 4;
            summary.Count(mailFails ? (done ? OutcomeKind.GaveUp : OutcomeKind.Failed) : OutcomeKind.Linked).Should().Be(40,
                "each contact's attempts are its own runs, the late original's updates count none twice (run {0})", run);
            contacts.Should().OnlyContain(id => h.Civi.GroupStatus(campaign, id) == (done ? "Removed" : "Added"), "run {0}", run);
        }

        using var next = h.NewEngine(o => o.PasswordResets.Add(new PasswordResetCampaign { Name = "reset", Trigger = TriggerDefinition.Group(ResetGroup) }));
        (await next.Provisioner.ResetPasswordsAsync().WaitAsync(Bound)).Total.Should().Be(0, "nobody is left in the campaign");
    }

    private const string ResetGroup = "reset_campaign";

    /// <summary>
    /// The write-back's <c>Activity.save</c> (chained, or a request of its own) that completes or fails reset records, not
    /// the page's open (Scheduled records); <paramref name="text"/> is the request's URL and its decoded body.
    /// </summary>
    private static bool ResetOutcomeSave(string text) =>
        (text.Contains("\"Activity\",\"save\"", StringComparison.Ordinal) || text.Contains("/Activity/save ", StringComparison.Ordinal))
        && !text.Contains("\"Scheduled\"", StringComparison.Ordinal) && text.Contains("Password Reset", StringComparison.Ordinal);

    /// <summary>Per contact, the statuses of its "User Account Password Reset" records.</summary>
    private static Dictionary<long, List<string?>> ResetRecords(FaultHarness h, long[] contacts)
    {
        var records = h.Civi.Activities.Where(a => a.Type == CiviCrmActivityTypes.PasswordReset).ToArray();
        return contacts.ToDictionary(id => id, id => records.Where(a => a.Targets.Contains(id)).Select(a => a.Status).ToList());
    }

    /// <summary>The first write-back request that <see cref="Matches"/> (by default one with links), kept instead of sent, to be sent after the run.</summary>
    private sealed class HeldWrite(Func<string, bool>? matches = null)
    {
        private int _taken;

        private bool Matches(string text) => matches?.Invoke(text) ?? text.Contains("\"UFMatch\",\"save\"", StringComparison.Ordinal);

        public Uri? Uri { get; private set; }

        public byte[]? Body { get; private set; }

        public List<KeyValuePair<string, IEnumerable<string>>> Headers { get; } = [];

        public List<KeyValuePair<string, IEnumerable<string>>> ContentHeaders { get; } = [];

        public async Task<bool> TryHoldAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (request.Content is null || Volatile.Read(ref _taken) != 0)
            {
                return false;
            }

            var body = await request.Content.ReadAsByteArrayAsync(cancellationToken);
            var text = WebUtility.UrlDecode(System.Text.Encoding.UTF8.GetString(body));
            if (!Matches($"{request.RequestUri?.AbsolutePath} {text}") || Interlocked.Exchange(ref _taken, 1) != 0)
            {
                // Not held: the content was read, so it is given back as it was.
                var again = new ByteArrayContent(body);
                foreach (var header in request.Content.Headers)
                {
                    again.Headers.TryAddWithoutValidation(header.Key, header.Value);
                }

                request.Content = again;
                return false;
            }

            Uri = request.RequestUri;
            Body = body;
            Headers.AddRange(request.Headers);
            ContentHeaders.AddRange(request.Content.Headers);
            return true;
        }

        public async Task<HttpStatusCode> SendLateAsync()
        {
            using var client = new HttpClient();
            using var late = new HttpRequestMessage(HttpMethod.Post, Uri) { Content = new ByteArrayContent(Body!) };
            foreach (var header in Headers)
            {
                late.Headers.TryAddWithoutValidation(header.Key, header.Value);
            }

            foreach (var header in ContentHeaders)
            {
                late.Content.Headers.TryAddWithoutValidation(header.Key, header.Value);
            }

            using var answer = await client.SendAsync(late).WaitAsync(Bound);
            return answer.StatusCode;
        }
    }

    /// <summary>
    /// Below the resilience pipeline: the held request never leaves and gets no answer, so its attempt times out. Counts the
    /// write requests sent after it (by URL: <c>Entity/action</c>, or a chained call's <c>"Entity","action"</c>).
    /// </summary>
    private sealed class TimingOut(HeldWrite held, SentWrites writes) : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (await held.TryHoldAsync(request, cancellationToken))
            {
                await Task.Delay(Timeout.InfiniteTimeSpan, cancellationToken);
            }

            if (held.Body is not null && request.Content is not null)
            {
                var body = WebUtility.UrlDecode(await request.Content.ReadAsStringAsync(cancellationToken));
                writes.Add($"{request.RequestUri?.AbsolutePath} {body}");
            }

            return await base.SendAsync(request, cancellationToken);
        }
    }

    /// <summary>The requests sent after the held one.</summary>
    private sealed class SentWrites
    {
        private readonly List<string> _sent = [];

        public void Add(string text)
        {
            lock (_sent)
            {
                _sent.Add(text);
            }
        }

        /// <summary>How many requests after the held one carried <c>Entity.action</c> (as the URL or a chained call).</summary>
        public int After(string entity, string action)
        {
            lock (_sent)
            {
                return _sent.Count(t => t.Contains($"/{entity}/{action} ", StringComparison.Ordinal) || t.Contains($"\"{entity}\",\"{action}\"", StringComparison.Ordinal));
            }
        }
    }

    /// <summary>
    /// The system clock, except the engine's wait of <c>wait</c> before its read-back: that one ends once the held write
    /// has been carried out (sent late), as a request that waited in CiviCRM's queue finishes during the wait.
    /// </summary>
    private sealed class LandingClock(HeldWrite held, TimeSpan wait) : TimeProvider
    {
        private int _landing;

        public bool Landed { get; private set; }

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            if (dueTime != wait || Interlocked.Exchange(ref _landing, 1) != 0)
            {
                return base.CreateTimer(callback, state, dueTime == wait ? TimeSpan.Zero : dueTime, period);
            }

            var timer = base.CreateTimer(callback, state, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            _ = LandAsync(timer);
            return timer;
        }

        private async Task LandAsync(ITimer timer)
        {
            try
            {
                Landed = await held.SendLateAsync() == HttpStatusCode.OK;
            }
            finally
            {
                timer.Change(TimeSpan.Zero, Timeout.InfiniteTimeSpan);
            }
        }
    }

    /// <summary>Below the resilience pipeline: the held request never leaves, and its connection is lost without an answer.</summary>
    private sealed class Holding(HeldWrite held) : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (await held.TryHoldAsync(request, cancellationToken))
            {
                throw new HttpRequestException("The connection was closed before an answer came (the request is held by the test).");
            }

            return await base.SendAsync(request, cancellationToken);
        }
    }
}
