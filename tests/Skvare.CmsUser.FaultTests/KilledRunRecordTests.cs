using Microsoft.Extensions.DependencyInjection;
using Skvare.CmsUser.Testing;

namespace Skvare.CmsUser.FaultTests;

/// <summary>
/// A run killed between opening a page's Scheduled records and writing the page back leaves them Scheduled. Session 19's
/// trial on the real servers (3,000 contacts, one SIGKILL) left 57 of them open: those contacts' next attempts failed with
/// <c>duplicate_username</c> and the look-ups found no account, and the open record stayed beside the Failed one until
/// the contact gave up three runs later (for ever when it was taken out of the trigger by hand). The next run that reaches
/// such a failure closes the record left open with its own Failed record: one record per real attempt, nothing Scheduled,
/// and the failure counted once.
/// </summary>
public sealed class KilledRunRecordTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    [Fact(Timeout = 180_000)]
    public async Task A_record_a_killed_run_left_open_is_closed_by_the_next_runs_duplicate_username_failure()
    {
        using var h = new FaultHarness();
        var contact = h.AddMembers(1, "sched")[0];

        // Another account (another email) holds the contact's username, and taken names are not numbered: every create is
        // refused as a taken username, and the look-ups find no account with the contact's email.
        h.Wp.AddUser("sched0.member", "someone.else@example.org");
        static void NoNumbers(CmsUserOptions o) => o.NumberTakenUsernames = false;

        await KilledRunAsync(h, NoNumbers);

        var open = h.Civi.Activities.Should().ContainSingle(a => a.Targets.Contains(contact), "the killed run opened the contact's record").Which;
        open.Status.Should().Be("Scheduled", "the killed run never wrote its page back");

        using (var next = h.NewEngine(NoNumbers))
        {
            var run = await next.Provisioner.RunOnceAsync().WaitAsync(Bound);

            run.StopReason.Should().BeNull();
            var failure = run.Failures.Should().ContainSingle().Subject;
            failure.ContactId.Should().Be(contact);
            failure.Error!.Code.Should().Be(CmsUserErrorCodes.DuplicateUsername);
            failure.Kind.Should().Be(OutcomeKind.Failed);
            failure.Attempt.Should().Be(1, "the killed run's open record counted no attempt");
        }

        var records = h.Civi.Activities.Where(a => a.Targets.Contains(contact)).ToArray();
        records.Should().NotContain(a => a.Status == "Scheduled", "the run is done with the contact: nothing of it stays open");
        var failed = records.Should().ContainSingle("one record per real attempt: the one left open is closed with this one").Which;
        failed.Status.Should().Be("Failed");
        failed.Details.Should().StartWith(CmsUserErrorCodes.DuplicateUsername + ":").And.Contain("An earlier attempt left open");
        h.Wp.Users.Should().NotContain(u => u.Email == "sched0@example.org", "no account was made");
        Invariants.Read(h.Civi, h.Wp, h.TriggerId, [contact]).Should().Be(new Invariants(1, 0, 1, 0, 0, 0, 1, 1),
            "the other account only; one Failed record, and the contact still in the trigger");

        using var third = h.NewEngine(NoNumbers);
        var again = await third.Provisioner.RunOnceAsync().WaitAsync(Bound);

        again.Failures.Should().ContainSingle().Which.Attempt.Should().Be(2, "the one Failed record counts once");
        h.Civi.Activities.Where(a => a.Targets.Contains(contact)).Should().HaveCount(2).And.OnlyContain(a => a.Status == "Failed");
    }

    /// <summary>
    /// A run killed after its page's records were opened and its creates were sent, before its write-back: once WordPress has
    /// been asked to create, CiviCRM answers nothing more, and the run's requests are given up on the client (as a killed
    /// process's are). Nothing after the open reaches CiviCRM.
    /// </summary>
    private static async Task KilledRunAsync(FaultHarness h, Action<CmsUserOptions> configure)
    {
        var creating = 0;
        var cut = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        h.Wp.FaultWhere = request =>
        {
            if (request.Operation == FakeCmsOperation.Create)
            {
                Volatile.Write(ref creating, 1);
            }

            return null;
        };
        h.Civi.FaultWhere = request =>
        {
            if (Volatile.Read(ref creating) == 0)
            {
                return null;
            }

            cut.TrySetResult();
            return FakeFault.Hang();
        };

        using var abandon = new Tests.Shared.AbandonableRequests();
        using var stop = new CancellationTokenSource();
        var engine = h.NewEngine(configure, services: s => s.AddHttpClient(CiviCrm.Api.CiviCrmApiClient.HttpClientName).AddHttpMessageHandler(abandon.Handler));
        try
        {
            var run = engine.Provisioner.RunOnceAsync(cancellationToken: stop.Token);
            await cut.Task.WaitAsync(Bound);
            await stop.CancelAsync();
            await abandon.AbandonAsync();
            await Task.WhenAny(run, Task.Delay(Bound, CancellationToken.None));
        }
        finally
        {
            engine.Dispose();
            h.Wp.FaultWhere = null;
            h.Civi.FaultWhere = null;
        }
    }
}
