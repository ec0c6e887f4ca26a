using Skvare.CmsUser.Testing;

namespace Skvare.CmsUser.FaultTests;

/// <summary>
/// A run stops after a contact's WordPress account was created and before the write-back: CiviCRM never answers the
/// write (a fault rule hangs it) and the run is cancelled and abandoned, as a process ended past its grace is. The next
/// run, another engine over the same sites, records the account as the creation it was, on the stopped attempt's open
/// record. The site runs in Tokyo time (UTC+9), so a record date read without the site's zone would be nine hours late
/// and prove nothing.
/// </summary>
public sealed class StoppedRunTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    [Theory(Timeout = 180_000)]
    [InlineData(false)]
    [InlineData(true)]
    public async Task An_account_a_stopped_run_created_is_recorded_as_created_by_the_next_run(bool pluginLinks)
    {
        using var h = new FaultHarness(pluginLinks);
        h.Civi.SiteTimeZone = TimeZoneInfo.FindSystemTimeZoneById("Asia/Tokyo");
        var contact = h.AddMembers(1, "stop")[0];
        var writeBack = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        h.Civi.FaultWhere = request =>
        {
            // The page's write carries the links (UFMatch.save, chained or on its own): it never gets an answer.
            if (request.Mentions("\"UFMatch\",\"save\"") || request.Path.EndsWith("/UFMatch/save", StringComparison.Ordinal))
            {
                writeBack.TrySetResult();
                return FakeFault.Hang();
            }

            return null;
        };

        var stopped = h.NewEngine();
        using var stop = new CancellationTokenSource();
        var first = stopped.Provisioner.RunOnceAsync(cancellationToken: stop.Token);
        try
        {
            await writeBack.Task.WaitAsync(Bound);
            await stop.CancelAsync();
            var created = h.Wp.Users.Should().ContainSingle(u => u.Email == "stop0@example.org").Which;
            var open = h.Civi.Activities.Should().ContainSingle(a => a.Targets.Contains(contact)).Which;
            open.Status.Should().Be("Scheduled");

            // The next run: CiviCRM answers again.
            h.Civi.FaultWhere = null;
            using var next = h.NewEngine();
            var run = await next.Provisioner.RunOnceAsync().WaitAsync(Bound);

            run.StopReason.Should().BeNull();
            run.Count(OutcomeKind.Created).Should().Be(1, pluginLinks
                ? "the CiviCRM plugin linked the account the stopped run created; its registered date is after the open record's"
                : "WordPress refused the stopped run's account again; its registered date is after the open record's");
            h.Wp.Users.Should().ContainSingle(u => u.Email == "stop0@example.org");
            h.Civi.Links.Should().ContainSingle(l => l.ContactId == contact).Which.UfId.Should().Be(created.Id);
            var record = h.Civi.Activities.Should().ContainSingle(a => a.Targets.Contains(contact), "one record per account: the stopped attempt's, completed").Which;
            record.Id.Should().Be(open.Id);
            record.Status.Should().Be("Completed");
            record.Subject.Should().Be($"Created : {created.Username} ({created.Id})");
        }
        finally
        {
            // The abandoned run ends once its requests fail (the hung write is never carried out).
            h.Civi.FaultWhere = request => request.Mentions("\"UFMatch\",\"save\"") || request.Path.EndsWith("/UFMatch/save", StringComparison.Ordinal) ? FakeFault.Status(503) : null;
            stopped.Dispose();
            await Task.WhenAny(first, Task.Delay(Bound, CancellationToken.None));
        }
    }
}
