namespace Skvare.CmsUser.Tests.Engine;

/// <summary>
/// Pipelined pages: the next page is read and its contacts start while the page before finishes; a page is written
/// once its contacts are done, pages in order, and nothing started is left unwritten when the run is cancelled.
/// </summary>
public sealed class PipelineTests : IDisposable
{
    private readonly EngineHarness _h = new();

    public void Dispose() => _h.Dispose();

    [Fact(Timeout = 30_000)]
    public async Task The_next_pages_contacts_start_while_the_page_before_is_still_being_provisioned()
    {
        _h.Configure = o =>
        {
            o.PageSize = 2;
            o.MaxConcurrency = 4;
        };
        var first = new[] { _h.Member("Ana", "Lima", "ana@example.org"), _h.Member("Bea", "Costa", "bea@example.org") };
        _h.Member("Cid", "Moraes", "cid@example.org");
        _h.Member("Dora", "Reis", "dora@example.org");
        var secondPageStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var firstPageWaited = 0;
        _h.Cms.BeforeCreate = async account =>
        {
            if (first.Any(c => c.Email == account.Email))
            {
                // Page 1's creates finish only once a contact of page 2 has started: with a page barrier they never would.
                await secondPageStarted.Task.WaitAsync(TimeSpan.FromSeconds(30));
                Interlocked.Increment(ref firstPageWaited);
            }
            else
            {
                secondPageStarted.TrySetResult();
            }
        };

        var summary = await _h.Provisioner.RunOnceAsync();

        summary.Count(OutcomeKind.Created).Should().Be(4, string.Join("; ", summary.Failures.Select(f => f.Error?.Message)));
        firstPageWaited.Should().Be(2);
        _h.Civi.Links.Should().HaveCount(4);
        _h.Civi.Activities.Where(a => a.Status == ActivityOutcomeStatus.Completed).Should().HaveCount(4);
    }

    [Fact(Timeout = 30_000)]
    public async Task Cancelling_while_two_pages_are_in_flight_writes_both_and_starts_no_more()
    {
        _h.Configure = o =>
        {
            o.PageSize = 2;
            o.MaxConcurrency = 4;
        };
        for (var i = 0; i < 8; i++)
        {
            _h.Member("Person", $"Number{i}", $"p{i}@example.org");
        }

        using var cancel = new CancellationTokenSource();
        var started = 0;
        _h.Cms.BeforeCreate = _ =>
        {
            // Cancel once the third contact (page 2) starts; its page and the page before are in flight.
            if (Interlocked.Increment(ref started) == 3)
            {
                cancel.Cancel();
            }

            return Task.CompletedTask;
        };

        var summary = await _h.Provisioner.RunOnceAsync(cancellationToken: cancel.Token);

        summary.Cancelled.Should().BeTrue();
        var accounts = _h.Cms.Accounts;
        accounts.Should().NotBeEmpty().And.HaveCountLessThan(8);
        _h.Civi.Links.Select(l => l.CmsUserId).Should().BeEquivalentTo(accounts.Select(a => a.Id), "every account created before the cancellation is linked");
        _h.Civi.Activities.Count(a => a.Status == ActivityOutcomeStatus.Completed).Should().Be(accounts.Count, "and audited");
        summary.Count(OutcomeKind.Created).Should().Be(accounts.Count);
    }
}
