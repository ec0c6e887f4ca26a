using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Skvare.CmsUser.Testing;
using Skvare.CmsUser.Testing.WordPress;

namespace Skvare.CmsUser.FaultTests;

/// <summary>
/// A run stops after a contact's WordPress account was created and before the write-back: CiviCRM never answers the
/// write (a fault rule hangs it) and the run is cancelled and abandoned, as a process ended past its grace is. The next
/// run, another engine over the same sites, records the account as the creation it was, on the stopped attempt's open
/// record. The site runs in Tokyo time (UTC+9), so a record date read without the site's zone would be nine hours late
/// and prove nothing. A run cancelled cleanly (within the grace) while its create is in flight finishes that contact
/// itself.
/// </summary>
public sealed partial class StoppedRunTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    [Theory(Timeout = 180_000)]
    [InlineData(false)]
    [InlineData(true)]
    public async Task An_account_a_stopped_run_created_is_recorded_as_created_by_the_next_run(bool pluginLinks)
    {
        using var h = new FaultHarness(pluginLinks);
        await using var stopped = await StoppedRun.StartAsync(h);

        using var next = h.NewEngine();
        var run = await next.Provisioner.RunOnceAsync().WaitAsync(Bound);

        run.StopReason.Should().BeNull();
        run.Count(OutcomeKind.Created).Should().Be(1, pluginLinks
            ? "the CiviCRM plugin linked the account the stopped run created; its registered date is after the open record's"
            : "WordPress refused the stopped run's account again; its registered date is after the open record's");
        h.Wp.Users.Should().ContainSingle(u => u.Email == "stop0@example.org");
        h.Civi.Links.Should().ContainSingle(l => l.ContactId == stopped.Contact).Which.UfId.Should().Be(stopped.Created.Id);
        var record = h.Civi.Activities.Should().ContainSingle(a => a.Targets.Contains(stopped.Contact), "one record per account: the stopped attempt's, completed").Which;
        record.Id.Should().Be(stopped.Open.Id);
        record.Status.Should().Be("Completed");
        record.Subject.Should().Be($"Created : {stopped.Created.Username} ({stopped.Created.Id})");
    }

    /// <summary>
    /// The next run's create is refused (the email is taken) and the page's look-up finds the account: companion plugin
    /// 0.2.3 answers its creation date there, so the proof costs no request; 0.2.2 answers none, and the account is read by
    /// id once, with the same verdict.
    /// </summary>
    [Theory(Timeout = 180_000)]
    [InlineData("0.2.3", 0)]
    [InlineData("0.2.2", 1)]
    public async Task The_creation_date_of_the_page_look_up_proves_a_recovered_creation_without_a_read_by_id(string plugin, int readsById)
    {
        using var h = new FaultHarness(pluginLinks: false);
        h.Wp.CompanionPluginVersion = plugin;
        await using var stopped = await StoppedRun.StartAsync(h);
        var before = h.Wp.Requests.Count;

        using var next = h.NewEngine();
        var run = await next.Provisioner.RunOnceAsync().WaitAsync(Bound);

        run.Count(OutcomeKind.Created).Should().Be(1);
        h.Civi.Activities.Should().ContainSingle(a => a.Targets.Contains(stopped.Contact)).Which.Subject.Should().Be($"Created : {stopped.Created.Username} ({stopped.Created.Id})");
        var requests = h.Wp.Requests.Skip(before).ToList();
        requests.Should().Contain(r => r.Path.EndsWith("/skvare-cmsuser/v1/users/lookup", StringComparison.Ordinal), "the refused create had the page looked up");
        requests.Count(r => r.Method == "GET" && ReadById().IsMatch(r.Path)).Should().Be(readsById);
    }

    /// <summary>
    /// A rule that sends no new-account email: the recovered creation says none was requested (the CMS's create sent
    /// none), not that it is unknown; and no email is sent.
    /// </summary>
    [Fact(Timeout = 180_000)]
    public async Task A_recovered_creation_of_a_rule_without_notification_reports_none_requested()
    {
        using var h = new FaultHarness(pluginLinks: false);
        await using var stopped = await StoppedRun.StartAsync(h, o => o.Notify = false);

        using var next = h.NewEngine(o => o.Notify = false);
        var outcome = await next.Provisioner.ProvisionAsync(stopped.Contact).WaitAsync(Bound);

        outcome.Kind.Should().Be(OutcomeKind.Created);
        outcome.Notification.Should().Be(CmsNotification.NotRequested);
        h.Wp.Mails.Should().BeEmpty();
        h.Civi.Activities.Should().ContainSingle(a => a.Targets.Contains(stopped.Contact)).Which.Status.Should().Be("Completed");
    }

    [Fact(Timeout = 180_000)]
    public async Task A_recovered_creation_of_a_rule_that_notifies_with_the_create_reports_the_email_unknown()
    {
        // The companion plugin sends the email inside the create: the stopped run's create may have sent it, or not.
        using var h = new FaultHarness(pluginLinks: false);
        await using var stopped = await StoppedRun.StartAsync(h);

        using var next = h.NewEngine();
        var outcome = await next.Provisioner.ProvisionAsync(stopped.Contact).WaitAsync(Bound);

        outcome.Kind.Should().Be(OutcomeKind.Created);
        outcome.Notification.Should().Be(CmsNotification.Unknown);
        h.Wp.Mails.Should().ContainSingle("the stopped run's create sent it; none is sent again").Which.To.Should().Be("stop0@example.org");
    }

    /// <summary>
    /// Ctrl+C while the create is in flight, the run ending within the grace: the contact in hand is finished whatever the
    /// token says, so the run records the account it created itself (no open record is left, none removed).
    /// </summary>
    [Theory(Timeout = 180_000)]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_run_cancelled_while_its_create_is_in_flight_records_the_account_it_created(bool pluginLinks)
    {
        using var h = new FaultHarness(pluginLinks);
        var contact = h.AddMembers(1, "cx")[0];
        using var create = new GatedCreate(h.Wp);
        using var engine = h.NewEngine();
        using var stop = new CancellationTokenSource();

        var run = engine.Provisioner.RunOnceAsync(cancellationToken: stop.Token);
        await create.Arrived.WaitAsync(Bound);
        await stop.CancelAsync();
        create.Release();
        var summary = await run.WaitAsync(Bound);

        summary.Cancelled.Should().BeTrue();
        summary.Count(OutcomeKind.Created).Should().Be(1);
        var account = h.Wp.Users.Should().ContainSingle(u => u.Email == "cx0@example.org").Which;
        h.Civi.Links.Should().ContainSingle(l => l.ContactId == contact).Which.UfId.Should().Be(account.Id);
        var record = h.Civi.Activities.Should().ContainSingle(a => a.Targets.Contains(contact)).Which;
        record.Status.Should().Be("Completed");
        record.Subject.Should().Be($"Created : {account.Username} ({account.Id})");
    }

    /// <summary>
    /// An on-demand call cancelled while its create is in flight (the caller went away): the call ends with the
    /// cancellation and the create's outcome is unknown to it, so its Scheduled record stays open; WordPress carried the
    /// create out, and the next run records it as the creation it was, on that record.
    /// </summary>
    [Fact(Timeout = 180_000)]
    public async Task An_on_demand_call_cancelled_while_its_create_is_in_flight_leaves_its_record_open_for_the_next_run()
    {
        using var h = new FaultHarness(pluginLinks: false);
        var contact = h.AddMembers(1, "cx")[0];
        var made = new TaskCompletionSource<FakeCmsUser>(TaskCreationOptions.RunContinuationsAsynchronously);
        h.Wp.OnUserCreated(user => made.TrySetResult(user));
        var create = new GatedCreate(h.Wp);
        using var engine = h.NewEngine();
        using var stop = new CancellationTokenSource();
        try
        {
            var call = engine.Provisioner.ProvisionAsync(contact, null, stop.Token);
            await create.Arrived.WaitAsync(Bound);
            await stop.CancelAsync();
            await call.Invoking(c => c.WaitAsync(Bound)).Should().ThrowAsync<OperationCanceledException>();
            var open = h.Civi.Activities.Should().ContainSingle(a => a.Targets.Contains(contact)).Which;
            open.Status.Should().Be("Scheduled", "the create's outcome is unknown to the cancelled call");
        }
        finally
        {
            // WordPress carries the create out after the caller left.
            create.Dispose();
        }

        var account = await made.Task.WaitAsync(Bound);
        using var next = h.NewEngine();
        var run = await next.Provisioner.RunOnceAsync().WaitAsync(Bound);

        run.Count(OutcomeKind.Created).Should().Be(1);
        var record = h.Civi.Activities.Should().ContainSingle(a => a.Targets.Contains(contact)).Which;
        record.Status.Should().Be("Completed");
        record.Subject.Should().Be($"Created : {account.Username} ({account.Id})");
    }

    [GeneratedRegex(@"^/wp-json/wp/v2/users/\d+$")]
    private static partial Regex ReadById();

    /// <summary>A run of one contact stopped after its create, before its write-back (CiviCRM hangs it), then abandoned.</summary>
    private sealed class StoppedRun : IAsyncDisposable
    {
        private readonly FaultHarness _h;
        private readonly FaultHarness.Engine _engine;
        private readonly CancellationTokenSource _stop;
        private readonly Tests.Shared.AbandonableRequests _abandon;
        private readonly Task _run;

        private StoppedRun(FaultHarness h, FaultHarness.Engine engine, CancellationTokenSource stop, Tests.Shared.AbandonableRequests abandon, Task run, long contact)
        {
            (_h, _engine, _stop, _abandon, _run, Contact) = (h, engine, stop, abandon, run, contact);
        }

        public long Contact { get; }

        public FakeCmsUser Created { get; private set; } = null!;

        public Testing.CiviCrm.FakeActivity Open { get; private set; } = null!;

        public static async Task<StoppedRun> StartAsync(FaultHarness h, Action<CmsUserOptions>? configure = null)
        {
            h.Civi.SiteTimeZone = TimeZoneInfo.FindSystemTimeZoneById("Asia/Tokyo");
            var contact = h.AddMembers(1, "stop")[0];
            var writeBack = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            h.Civi.FaultWhere = request =>
            {
                // The page's write carries the links (UFMatch.save, chained or on its own): it never gets an answer.
                if (IsWriteBack(request))
                {
                    writeBack.TrySetResult();
                    return FakeFault.Hang();
                }

                return null;
            };

            // The abandoned run's hung write is given up on the client when the test ends (DisposeAsync), as a killed process
            // gives it up; without that, disposal waited out the 30 s attempt timeout in every test.
            var abandon = new Tests.Shared.AbandonableRequests();
            var engine = h.NewEngine(configure, services: s => s.AddHttpClient(CiviCrm.Api.CiviCrmApiClient.HttpClientName).AddHttpMessageHandler(abandon.Handler));
            var stop = new CancellationTokenSource();
            var stopped = new StoppedRun(h, engine, stop, abandon, engine.Provisioner.RunOnceAsync(cancellationToken: stop.Token), contact);
            try
            {
                await writeBack.Task.WaitAsync(Bound);
                await stop.CancelAsync();
                stopped.Created = h.Wp.Users.Should().ContainSingle(u => u.Email == "stop0@example.org").Which;
                stopped.Open = h.Civi.Activities.Should().ContainSingle(a => a.Targets.Contains(contact)).Which;
                stopped.Open.Status.Should().Be("Scheduled");
            }
            catch
            {
                await stopped.DisposeAsync();
                throw;
            }

            // The next run: CiviCRM answers again.
            h.Civi.FaultWhere = null;
            return stopped;
        }

        public async ValueTask DisposeAsync()
        {
            // The abandoned run ends once its requests fail (the hung write is never carried out): the hung one is given up
            // on the client, any later one is refused.
            _h.Civi.FaultWhere = request => IsWriteBack(request) ? FakeFault.Status(503) : null;
            await _abandon.AbandonAsync();
            await Task.WhenAny(_run, Task.Delay(Bound, CancellationToken.None));
            _engine.Dispose();
            _stop.Dispose();
            _abandon.Dispose();
        }

        private static bool IsWriteBack(FakeFaultRequest request) =>
            request.Mentions("\"UFMatch\",\"save\"") || request.Path.EndsWith("/UFMatch/save", StringComparison.Ordinal);
    }

    /// <summary>
    /// Holds WordPress's account creates on arrival until released (or disposed), then lets them be carried out and
    /// answered as usual: a create in flight for as long as the test needs.
    /// </summary>
    private sealed class GatedCreate : IDisposable
    {
        private readonly TaskCompletionSource _arrived = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly ManualResetEventSlim _release = new();

        public GatedCreate(FakeWordPressServer wp)
        {
            wp.FaultWhere = request =>
            {
                if (request.Operation == FakeCmsOperation.Create)
                {
                    _arrived.TrySetResult();

                    // Runs on the fake's request thread: the create waits here (bounded) as a slow site would.
                    _release.Wait(Bound);
                }

                return null;
            };
        }

        public Task Arrived => _arrived.Task;

        public void Release() => _release.Set();

        public void Dispose() => _release.Set();
    }
}
