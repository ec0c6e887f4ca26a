using Microsoft.Extensions.DependencyInjection;
using Skvare.CmsUser.Testing.InMemory;

namespace Skvare.CmsUser.Tests.Engine;

/// <summary>
/// An on-demand call cancelled while a write of the host's own store is in flight (the engine's composed read opens the
/// Scheduled record through the recorder; an existing account's link is claimed through the link store). The stores answer
/// as remote ones do: the write is carried out once the call is cancelled, and a call whose token was cancelled meanwhile
/// throws, as an HTTP client does with an answer it gave up on. Abandoned, the write leaves a record or a link nobody
/// answers for.
/// </summary>
public sealed class CancelledOnDemandTests : IDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(50);
    private readonly EngineHarness _h = new();

    public void Dispose() => _h.Dispose();

    [Fact(Timeout = 60_000)]
    public async Task A_call_cancelled_while_the_recorder_opens_its_record_leaves_no_Scheduled_record()
    {
        var ana = _h.Member("Ana", "Lima", "ana@example.org");
        using var cancel = new CancellationTokenSource();
        var recorder = new OpensAfterCancel(_h.Civi, held: 1, cancel.Token);
        _h.Services = s => s.AddSingleton<IActivityRecorder>(recorder);

        var call = _h.Provisioner.ProvisionAsync(ana.Id, cancellationToken: cancel.Token);
        await recorder.Holding.WaitAsync(Bound);
        await cancel.CancelAsync();
        var act = () => call.WaitAsync(Bound);

        await act.Should().ThrowAsync<OperationCanceledException>("the caller cancelled before any CMS call");
        _h.Cms.Accounts.Should().BeEmpty();
        _h.Civi.Activities.Should().BeEmpty("the record the store wrote was named by its answer and removed");
        _h.Civi.GroupStatus(EngineHarness.Trigger, ana.Id).Should().Be("Added");
    }

    [Fact(Timeout = 60_000)]
    public async Task A_call_cancelled_while_the_link_store_claims_an_existing_account_finishes_and_audits_the_link()
    {
        _h.Configure = o => o.Rules[0].SyncRolesOfExistingAccounts = true;
        var ana = _h.Member("Ana", "Lima", "ana@example.org");
        var account = _h.Cms.AddAccount("ana", "ana@example.org");
        using var cancel = new CancellationTokenSource();
        var links = new LinksAfterCancel(_h.Civi, cancel.Token);
        _h.Services = s => s.AddSingleton<IAccountLinkStore>(links);

        var call = _h.Provisioner.ProvisionAsync(ana.Id, cancellationToken: cancel.Token);
        await links.Linking.WaitAsync(Bound);
        await cancel.CancelAsync();
        var outcome = await call.WaitAsync(Bound);

        outcome.Kind.Should().Be(OutcomeKind.Linked, "once the link is sent the claim is finished and written, whatever the token says");
        _h.Civi.Links.Should().ContainSingle(l => l.ContactId == ana.Id && l.CmsUserId == account.Id);
        account.Roles.Should().Contain("subscriber");
        _h.Civi.Activities.Should().ContainSingle("one record for the link, and no Scheduled record the next run would take for a stopped creation")
            .Which.Status.Should().Be(ActivityOutcomeStatus.Completed);
    }

    /// <summary>The in-memory link store whose first write is carried out only once the call is cancelled.</summary>
    private sealed class LinksAfterCancel(FakeCiviCrm inner, CancellationToken callCancelled) : IAccountLinkStore
    {
        private readonly TaskCompletionSource _linking = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Linking => _linking.Task;

        public Task<IReadOnlyList<AccountLink>> FindByContactsAsync(IReadOnlyCollection<long> contactIds, CancellationToken cancellationToken = default) =>
            inner.FindByContactsAsync(contactIds, cancellationToken);

        public async Task<IReadOnlyList<AccountLinkResult>> EnsureLinksAsync(IReadOnlyList<AccountLinkRequest> requests, CancellationToken cancellationToken = default)
        {
            if (_linking.TrySetResult())
            {
                await Task.Delay(Timeout.Infinite, callCancelled).ContinueWith(_ => { }, TaskScheduler.Default);
            }

            var results = await inner.EnsureLinksAsync(requests, CancellationToken.None);
            cancellationToken.ThrowIfCancellationRequested();
            return results;
        }
    }
}
