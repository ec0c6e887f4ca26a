using Skvare.CmsUser.Testing;
using Skvare.CmsUser.Testing.InMemory;

namespace Skvare.CmsUser.CiviCrm.Tests;

/// <summary>
/// The first on-demand call of a process sets up (activity types, identity, triggers, all at once) before it reads its
/// contact: a failure of the set-up is reported as one, creates nothing, and the next call sets up again.
/// </summary>
public sealed class OnDemandSetUpTests : IDisposable
{
    private readonly FakeCmsAccountProvider _cms = new();
    private readonly CiviHarness _h;
    private readonly long _members;

    public OnDemandSetUpTests()
    {
        _h = new CiviHarness(engine: o =>
        {
            o.Rules.Add(new ProvisioningRule { Name = "members", Trigger = TriggerDefinition.Group("members"), History = TriggerDefinition.Group("members_done") });
        }, cms: _cms);
        _members = _h.Fake.AddGroup("members");
        _h.Fake.AddGroup("members_done");
    }

    public void Dispose() => _h.Dispose();

    [Fact(Timeout = 30_000)]
    public async Task A_denied_activity_set_up_fails_the_cold_call_as_a_set_up_failure_and_the_next_call_sets_up_again()
    {
        var ana = Member("Ana", "ana@example.org");
        // The activity set-up is one request: the types' conditional writes chained onto the API user's own contact.
        _h.Fake.RefuseWhere = call => call.Entity == "OptionGroup" ? "Authorization failed" : null;

        var failed = await _h.Provisioner.ProvisionAsync(ana, cancellationToken: Timeout());
        _h.Fake.RefuseWhere = null;
        var retried = await _h.Provisioner.ProvisionAsync(ana, cancellationToken: Timeout());

        failed.Kind.Should().Be(OutcomeKind.Failed);
        failed.Error!.Code.Should().Be(CmsUserErrorCodes.ActivitySetupFailed);
        retried.Kind.Should().Be(OutcomeKind.Created);
        _cms.Accounts.Should().ContainSingle("the failed call created nothing");
        _h.Fake.Requests.Count(r => r.ParamsJson?.Contains("[\"OptionGroup\",\"get\"", StringComparison.Ordinal) == true).Should().Be(2, "a configuration error makes the next call set up again");
    }

    [Fact(Timeout = 30_000)]
    public async Task A_CiviCRM_that_cannot_be_reached_during_the_set_up_fails_the_cold_call_as_unavailable_not_as_a_set_up_failure()
    {
        var ana = Member("Ana", "ana@example.org");
        // Every request meets a 503 (retries included), as behind a proxy whose upstream is down.
        _h.Fake.FaultWhere = _ => FakeFault.Status(503);

        var failed = await _h.Provisioner.ProvisionAsync(ana, cancellationToken: Timeout());
        _h.Fake.FaultWhere = null;
        var retried = await _h.Provisioner.ProvisionAsync(ana, cancellationToken: Timeout());

        failed.Kind.Should().Be(OutcomeKind.Failed);
        failed.Error!.Kind.Should().Be(FailureKind.Transient);
        failed.Error.Code.Should().Be(CmsUserErrorCodes.CiviCrmUnavailable, "activity_setup_failed would send the reader to the API user's permissions");
        retried.Kind.Should().Be(OutcomeKind.Created);
        _cms.Accounts.Should().ContainSingle("the failed call created nothing");
    }

    [Fact(Timeout = 30_000)]
    public async Task A_refused_API_key_fails_the_cold_call_as_a_CiviCRM_configuration_failure_not_as_a_set_up_failure()
    {
        // trial9: a host with a wrong key got activity_setup_failed, whose fix reads "check the administer CiviCRM
        // permission and the activity settings", for a key CiviCRM refused (HTTP 401 Invalid credential).
        using var wrongKey = new CiviHarness(configure: o => o.ApiKey = "not-the-site-key", engine: o =>
            o.Rules.Add(new ProvisioningRule { Name = "members", Trigger = TriggerDefinition.Group("members") }), cms: _cms);
        wrongKey.Fake.AddGroup("members");
        var ana = wrongKey.Fake.AddContact("Ana", "Lima", "ana@example.org");

        var failed = await wrongKey.Provisioner.ProvisionAsync(ana, cancellationToken: Timeout());

        failed.Kind.Should().Be(OutcomeKind.Failed);
        failed.Error!.Kind.Should().Be(FailureKind.Configuration);
        failed.Error.Code.Should().Be(CmsUserErrorCodes.CiviCrmConfiguration);
        failed.Error.StatusCode.Should().Be(401);
        failed.Error.Message.Should().Contain("CmsUser:CiviCrm:ApiKey").And.NotContain("not-the-site-key");
        _cms.Accounts.Should().BeEmpty();
    }

    private long Member(string first, string email)
    {
        var id = _h.Fake.AddContact(first, "Lima", email);
        _h.Fake.AddToGroup(_members, [id]);
        return id;
    }

    private static CancellationToken Timeout() => new CancellationTokenSource(TimeSpan.FromSeconds(25)).Token;
}
