using Skvare.CmsUser.Testing.CiviCrm;
using Skvare.CmsUser.Testing.InMemory;

namespace Skvare.CmsUser.CiviCrm.Tests;

/// <summary>
/// An on-demand call (<see cref="IUserProvisioner.ProvisionAsync"/>, the webhook) cancelled while one of its CiviCRM writes is
/// in flight: the fake holds the write until the caller's token is cancelled and then carries it out, as a server that got
/// the request does. A write the client abandoned would leave a record or a link nobody answers for (the next run reads an
/// open Scheduled record beside a link as a stopped creation, and sends the new-account email to an account that existed).
/// </summary>
public sealed class CancelledOnDemandTests : IDisposable
{
    private readonly FakeCmsAccountProvider _cms = new();
    private readonly CiviHarness _h;
    private readonly long _members;

    public CancelledOnDemandTests()
    {
        _h = new CiviHarness(engine: o => o.Rules.Add(new ProvisioningRule
        {
            Name = "members",
            Trigger = TriggerDefinition.Group("members"),
            History = TriggerDefinition.Group("members_done"),
            Roles = { "subscriber" },
            SyncRolesOfExistingAccounts = true,
        }), cms: _cms);
        _members = _h.Fake.AddGroup("members");
        _h.Fake.AddGroup("members_done");
    }

    public void Dispose() => _h.Dispose();

    [Fact(Timeout = 60_000)]
    public async Task A_call_cancelled_while_its_read_opens_the_Scheduled_record_leaves_no_record_and_makes_no_account()
    {
        await WarmAsync();
        var ana = Member("Ana", "ana@example.org");
        using var cancel = new CancellationTokenSource();
        var held = HoldUntilCancelled(r => r.Entity == "Activity" && r.RecordJson.Contains("Scheduled", StringComparison.Ordinal), cancel.Token);
        var before = _h.Fake.Requests.Count;

        var call = _h.Provisioner.ProvisionAsync(ana, cancellationToken: cancel.Token);
        await held.WaitAsync(Bound());
        await cancel.CancelAsync();
        var ended = await Ended(call);
        await AnsweredAsync(before);

        ended.Should().BeAssignableTo<OperationCanceledException>("the caller cancelled before any CMS call");
        _cms.Accounts.Should().NotContain(a => a.Email == "ana@example.org");
        AuditOf(ana).Should().BeEmpty("the record the read opened was removed once its answer named it: no attempt was made");
        _h.Fake.GroupStatus(_members, ana).Should().Be("Added", "the contact stays in its trigger for the next run");
    }

    [Fact(Timeout = 60_000)]
    public async Task A_call_cancelled_while_it_links_an_existing_account_finishes_the_claim_and_audits_it()
    {
        await WarmAsync();
        var ana = Member("Ana", "ana@example.org");
        var account = _cms.AddAccount("ana", "ana@example.org");
        using var cancel = new CancellationTokenSource();
        var held = HoldUntilCancelled(r => r.Entity == "UFMatch", cancel.Token);

        var call = _h.Provisioner.ProvisionAsync(ana, cancellationToken: cancel.Token);
        await held.WaitAsync(Bound());
        await cancel.CancelAsync();
        var ended = await Ended(call);

        ended.Should().BeNull("once the link is sent the claim is finished and written, whatever the token says");
        var outcome = await call;
        outcome.Kind.Should().Be(OutcomeKind.Linked);
        _h.Fake.Links.Should().ContainSingle(l => l.ContactId == ana && l.UfId == account.Id);
        account.Roles.Should().Contain("subscriber");
        AuditOf(ana).Should().ContainSingle("one record for the link, and no Scheduled record the next run would take for a stopped creation")
            .Which.Status.Should().Be("Completed");
    }

    /// <summary>
    /// Holds the first record <paramref name="which"/> picks until <paramref name="cancelled"/> is cancelled, then lets the
    /// server write it; the task ends when the record is held.
    /// </summary>
    private Task HoldUntilCancelled(Func<FakeApi4Record, bool> which, CancellationToken cancelled)
    {
        var holding = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _h.Fake.RefuseRecordWhere = record =>
        {
            if (which(record) && holding.TrySetResult())
            {
                cancelled.WaitHandle.WaitOne(TimeSpan.FromSeconds(45));
            }

            return null;
        };
        return holding.Task;
    }

    /// <summary>How the call ended: <see langword="null"/> when it returned, else its exception.</summary>
    private static async Task<Exception?> Ended(Task<ProvisioningOutcome> call)
    {
        try
        {
            await call.WaitAsync(Bound());
            return null;
        }
        catch (OperationCanceledException ex)
        {
            return ex;
        }
    }

    /// <summary>Waits until every request since <paramref name="before"/> was answered by the fake (the held one included).</summary>
    private async Task AnsweredAsync(int before)
    {
        using var bound = new CancellationTokenSource(Bound());
        while (_h.Fake.Requests.Skip(before).Any(r => r.Status == 0))
        {
            await Task.Delay(5, bound.Token);
        }
    }

    private async Task WarmAsync()
    {
        var warm = Member("Warm", "warm@example.org");
        (await _h.Provisioner.ProvisionAsync(warm, cancellationToken: new CancellationTokenSource(Bound()).Token)).Kind.Should().Be(OutcomeKind.Created);
    }

    private long Member(string first, string email)
    {
        var id = _h.Fake.AddContact(first, "Lima", email);
        _h.Fake.AddToGroup(_members, [id]);
        return id;
    }

    private IEnumerable<FakeActivity> AuditOf(long contact) => _h.Fake.Activities.Where(a => a.Targets.Contains(contact) && a.Type == "User Account Creation");

    private static TimeSpan Bound() => TimeSpan.FromSeconds(50);
}
