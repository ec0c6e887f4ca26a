using Skvare.CmsUser.Engine;
using Skvare.CmsUser.Testing.InMemory;

namespace Skvare.CmsUser.Tests.Engine;

/// <summary>
/// A batch run or plan that needed the CMS for no contact checks the CMS credentials once
/// (<see cref="CmsUserOptions.CheckCmsCredentials"/>), so wrong ones are reported by the first scheduled run and not by
/// the first contact weeks later; a run the CMS took a contact in, and on-demand calls, never check.
/// </summary>
public sealed class CmsCredentialsCheckTests : IDisposable
{
    private const string CheckCall = "CheckCredentials";
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);
    private readonly EngineHarness _h = new();

    public void Dispose() => _h.Dispose();

    private static CmsProviderException Refused() => new("InMemory", CmsErrorReason.Authentication,
        "InMemory refused the credentials (HTTP 401). Check CmsUser:InMemory:Password.", statusCode: 401);

    private int Checks => _h.Cms.Calls.GetValueOrDefault(CheckCall);

    [Fact]
    public async Task A_run_with_no_contact_waiting_checks_the_credentials_once_and_passes_when_they_are_accepted()
    {
        var summary = await _h.Provisioner.RunOnceAsync().WaitAsync(Bound);

        summary.Total.Should().Be(0);
        summary.StopKind.Should().Be(RunStopKind.None);
        summary.StopReason.Should().BeNull();
        summary.CmsCredentialsCheck.Should().NotBeNull();
        summary.CmsCredentialsCheck!.Passed.Should().BeTrue();
        Checks.Should().Be(1);
        _h.Cms.Calls.Keys.Should().Equal([CheckCall], "the check is the idle run's only CMS call");
        _h.Logs.GetSnapshot().Should().ContainSingle(r => r.Id.Id == 1022);
    }

    [Fact]
    public async Task Refused_credentials_stop_an_idle_run_as_a_configuration_error_naming_the_cms_and_the_setting()
    {
        _h.Cms.FailNext(Refused());

        var summary = await _h.Provisioner.RunOnceAsync().WaitAsync(Bound);

        summary.StopKind.Should().Be(RunStopKind.Configuration);
        summary.Quarantined.Should().BeFalse();
        summary.StopReason.Should().Be("No contact needed InMemory in this run, so its credentials were checked: InMemory refused the credentials (HTTP 401). Check CmsUser:InMemory:Password.");
        summary.CmsCredentialsCheck!.Passed.Should().BeFalse();
        summary.CmsCredentialsCheck.Failure.Should().Be(FailureKind.Configuration);
        _h.Logs.GetSnapshot().Should().Contain(r => r.Id.Id == 1006, "a host's log shows it as any configuration stop");

        var fixedRun = await _h.Provisioner.RunOnceAsync().WaitAsync(Bound);
        fixedRun.StopKind.Should().Be(RunStopKind.None, "the credentials are accepted again");
        Checks.Should().Be(2, "once per run");
    }

    [Fact]
    public async Task An_unreachable_cms_quarantines_an_idle_run_as_an_outage_outside_any_contact_does()
    {
        _h.Cms.FailNext(FakeCmsAccountProvider.Transient("InMemory could not be reached (connection refused)."));

        var summary = await _h.Provisioner.RunOnceAsync().WaitAsync(Bound);

        summary.StopKind.Should().Be(RunStopKind.Quarantined);
        summary.Quarantined.Should().BeTrue();
        summary.StopReason.Should().Be("No contact needed InMemory in this run, so its credentials were checked: InMemory could not be reached (connection refused)");
        summary.CmsCredentialsCheck!.Failure.Should().Be(FailureKind.Transient);
        _h.Logs.GetSnapshot().Should().ContainSingle(r => r.Id.Id == 1005).Which.Message.Should()
            .EndWith("No contact was left undone: the check came after the run's last contact.", "there were no remaining contacts to leave untouched");
    }

    [Fact]
    public async Task Contacts_that_need_no_cms_call_still_leave_the_check_to_the_run()
    {
        var linked = _h.Member("Lin", "Ked", "linked@example.org");
        _h.Civi.AddLink(new AccountLink(linked.Id, 5, "linked@example.org"));
        _h.Member("No", "Email", null);
        _h.Cms.FailNext(Refused());

        var summary = await _h.Provisioner.RunOnceAsync().WaitAsync(Bound);

        summary.Count(OutcomeKind.AlreadyLinked).Should().Be(1);
        summary.Count(OutcomeKind.GaveUp).Should().Be(1);
        summary.StopKind.Should().Be(RunStopKind.Configuration, "neither contact asked the CMS, so nothing else would notice the refused credentials");
        Checks.Should().Be(1);
    }

    [Fact]
    public async Task A_run_in_which_the_cms_created_an_account_makes_no_check()
    {
        _h.Member("Ana", "Lima", "ana@example.org");

        var summary = await _h.Provisioner.RunOnceAsync().WaitAsync(Bound);

        summary.Count(OutcomeKind.Created).Should().Be(1);
        summary.CmsCredentialsCheck.Should().BeNull();
        Checks.Should().Be(0, "the create proved the credentials: the check costs nothing when contacts were provisioned");
    }

    [Fact]
    public async Task A_run_whose_contact_the_cms_could_not_take_makes_no_check_it_already_reports_the_outage()
    {
        _h.Member("Ana", "Lima", "ana@example.org");
        _h.Cms.FailCreateFor("ana@example.org", () => FakeCmsAccountProvider.Transient());

        var summary = await _h.Provisioner.RunOnceAsync().WaitAsync(Bound);

        summary.Count(OutcomeKind.Failed).Should().Be(1);
        summary.CmsCredentialsCheck.Should().BeNull();
        Checks.Should().Be(0);
    }

    [Fact]
    public async Task A_run_stopped_by_a_contacts_refused_credentials_makes_no_second_check()
    {
        _h.Member("Ana", "Lima", "ana@example.org");
        _h.Cms.FailCreateFor("ana@example.org", Refused);

        var summary = await _h.Provisioner.RunOnceAsync().WaitAsync(Bound);

        summary.StopKind.Should().Be(RunStopKind.Configuration);
        summary.StopReason.Should().StartWith("InMemory refused the credentials");
        summary.CmsCredentialsCheck.Should().BeNull();
        Checks.Should().Be(0);
    }

    [Fact]
    public async Task The_check_can_be_turned_off()
    {
        _h.Configure = o => o.CheckCmsCredentials = false;
        _h.Cms.FailNext(Refused());

        var summary = await _h.Provisioner.RunOnceAsync().WaitAsync(Bound);

        summary.StopKind.Should().Be(RunStopKind.None);
        summary.CmsCredentialsCheck.Should().BeNull();
        _h.Cms.Calls.Should().BeEmpty("an idle run sends the CMS nothing without the check");
    }

    [Fact]
    public async Task On_demand_calls_never_check_the_credentials()
    {
        var linked = _h.Member("Lin", "Ked", "linked@example.org");
        _h.Civi.AddLink(new AccountLink(linked.Id, 5, "linked@example.org"));

        var outcome = await _h.Provisioner.ProvisionAsync(linked.Id).WaitAsync(Bound);

        outcome.Kind.Should().Be(OutcomeKind.AlreadyLinked);
        _h.Cms.Calls.Should().Equal(new Dictionary<string, int> { ["GetById"] = 1 }, "the on-demand path keeps its round trips: no credentials check, only the read of the linked account's username for the answer");
    }

    [Fact]
    public async Task A_reset_run_that_sent_no_reset_checks_the_credentials()
    {
        _h.Configure = o =>
        {
            o.Rules.Clear();
            o.PasswordResets.Add(new PasswordResetCampaign { Name = "migration", Trigger = TriggerDefinition.Group("reset") });
        };
        _h.Cms.FailNext(Refused());

        var summary = await _h.Provisioner.ResetPasswordsAsync().WaitAsync(Bound);

        summary.StopKind.Should().Be(RunStopKind.Configuration);
        summary.StopReason.Should().Contain("InMemory refused the credentials");
    }

    [Fact]
    public async Task A_reset_the_site_answered_but_could_not_mail_shows_the_credentials_work_and_sends_no_check()
    {
        _h.Configure = o =>
        {
            o.Rules.Clear();
            o.PasswordResets.Add(new PasswordResetCampaign { Name = "migration", Trigger = TriggerDefinition.Group("reset") });
        };
        var account = _h.Cms.AddAccount("ana", "ana@example.org");
        var contact = _h.Civi.AddContact("Ana", "Lima", "ana@example.org");
        _h.Civi.AddLink(new AccountLink(contact.Id, account.Id, "ana@example.org"));
        _h.Civi.AddToGroup("reset", contact.Id);
        _h.Cms.FailNext(new CmsProviderException("InMemory", CmsErrorReason.MailFailed, "InMemory could not send the reset email (HTTP 503)", statusCode: 503));

        var summary = await _h.Provisioner.ResetPasswordsAsync().WaitAsync(Bound);

        summary.Failures.Should().ContainSingle().Which.Error!.Code.Should().Be(CmsUserErrorCodes.MailFailed);
        summary.CmsCredentialsCheck.Should().BeNull("the site answered the reset request: its credentials were accepted");
        Checks.Should().Be(0);
        _h.Logs.GetSnapshot().Should().NotContain(r => r.Id.Id == 1022);
    }

    [Fact]
    public async Task An_idle_cycle_of_a_run_and_its_reset_campaigns_checks_the_credentials_once()
    {
        _h.Configure = o => o.PasswordResets.Add(new PasswordResetCampaign { Name = "migration", Trigger = TriggerDefinition.Group("reset") });

        RunSummary run, reset;
        using (RunCycle.Begin())
        {
            run = await _h.Provisioner.RunOnceAsync().WaitAsync(Bound);
            reset = await _h.Provisioner.ResetPasswordsAsync().WaitAsync(Bound);
        }

        Checks.Should().Be(1, "the reset campaigns run right after the batch in the same cycle");
        _h.Logs.GetSnapshot().Should().ContainSingle(r => r.Id.Id == 1022);
        run.CmsCredentialsCheck!.Passed.Should().BeTrue();
        reset.CmsCredentialsCheck.Should().BeSameAs(run.CmsCredentialsCheck, "the cycle's check covers the campaigns too");
        reset.StopKind.Should().Be(RunStopKind.None);

        await _h.Provisioner.ResetPasswordsAsync().WaitAsync(Bound);
        Checks.Should().Be(2, "outside a cycle each run checks, as before");
    }

    [Fact]
    public async Task A_refusal_found_by_the_cycles_run_stops_its_reset_campaigns_too_without_a_second_request()
    {
        _h.Configure = o => o.PasswordResets.Add(new PasswordResetCampaign { Name = "migration", Trigger = TriggerDefinition.Group("reset") });
        _h.Cms.FailNext(Refused());

        RunSummary run, reset;
        using (RunCycle.Begin())
        {
            run = await _h.Provisioner.RunOnceAsync().WaitAsync(Bound);
            reset = await _h.Provisioner.ResetPasswordsAsync().WaitAsync(Bound);
        }

        Checks.Should().Be(1);
        run.StopKind.Should().Be(RunStopKind.Configuration);
        reset.StopKind.Should().Be(RunStopKind.Configuration, "the credentials the campaigns need were refused a moment ago");
        reset.StopReason.Should().Contain("InMemory refused the credentials");
    }

    [Fact]
    public async Task A_cycle_whose_run_created_an_account_sends_its_idle_reset_campaigns_no_check()
    {
        _h.Configure = o => o.PasswordResets.Add(new PasswordResetCampaign { Name = "migration", Trigger = TriggerDefinition.Group("reset") });
        _h.Member("Ana", "Lima", "ana@example.org");

        RunSummary run, reset;
        using (RunCycle.Begin())
        {
            run = await _h.Provisioner.RunOnceAsync().WaitAsync(Bound);
            reset = await _h.Provisioner.ResetPasswordsAsync().WaitAsync(Bound);
        }

        run.Count(OutcomeKind.Created).Should().Be(1);
        reset.CmsCredentialsCheck.Should().BeNull();
        reset.StopKind.Should().Be(RunStopKind.None);
        Checks.Should().Be(0, "the create proved the credentials for the whole cycle");
    }

    [Fact]
    public async Task A_plan_that_asked_the_cms_nothing_ends_with_the_refusal_after_its_entries()
    {
        var linked = _h.Member("Lin", "Ked", "linked@example.org");
        _h.Civi.AddLink(new AccountLink(linked.Id, 5, "linked@example.org"));
        _h.Cms.FailNext(Refused());
        var entries = new List<PlanEntry>();

        var plan = async () =>
        {
            await foreach (var entry in _h.Provisioner.PlanAsync())
            {
                entries.Add(entry);
            }
        };

        var refusal = (await plan.Should().ThrowAsync<CmsUserConfigurationException>()).Which;
        refusal.Message.Should().Be("No contact needed InMemory in this plan, so its credentials were checked: InMemory refused the credentials (HTTP 401). Check CmsUser:InMemory:Password.");
        entries.Should().ContainSingle().Which.Action.Should().Be(PlannedAction.AlreadyLinked);
    }

    [Fact]
    public async Task A_plan_with_an_unreachable_cms_and_no_contact_ends_with_a_transient_failure()
    {
        _h.Cms.FailNext(FakeCmsAccountProvider.Transient("InMemory could not be reached."));

        var plan = async () =>
        {
            await foreach (var entry in _h.Provisioner.PlanAsync())
            {
            }
        };

        (await plan.Should().ThrowAsync<CmsUserException>()).Which.Kind.Should().Be(FailureKind.Transient);
    }

    [Fact]
    public async Task A_plan_that_asked_the_cms_makes_no_check_and_an_idle_plan_with_good_credentials_one()
    {
        _h.Member("Ana", "Lima", "ana@example.org");
        var asked = await Plan();
        var callsAfterAsking = Checks;
        _h.Civi.RemoveFromGroup(EngineHarness.Trigger, asked.Single().ContactId);

        var idle = await Plan();

        asked.Should().ContainSingle().Which.Action.Should().Be(PlannedAction.Create);
        callsAfterAsking.Should().Be(0);
        idle.Should().BeEmpty();
        Checks.Should().Be(1);
    }

    [Fact]
    public async Task A_provider_without_its_own_check_is_judged_by_its_connectivity_report()
    {
        var unhealthy = new ConnectivityReport("Site https://cms.example.org/", false,
        [
            new ConnectivityCheck("Companion", false, "The site could not be reached.") { Failure = FailureKind.Transient },
            new ConnectivityCheck("Login", false, "The password was refused: check CmsUser:Site:Password.") { Failure = FailureKind.Configuration },
        ]);
        var healthy = new ConnectivityReport("Site https://cms.example.org/", true, [new ConnectivityCheck("Login", true, "ok")]);
        var down = new ConnectivityReport("Site https://cms.example.org/", false, [new ConnectivityCheck("Login", false, "The site could not be reached.") { Failure = FailureKind.Transient }]);

        var refused = await Check(unhealthy);
        var accepted = await Check(healthy);
        var unreachable = await Check(down);

        refused.Passed.Should().BeFalse();
        refused.Detail.Should().Contain("CmsUser:Site:Password", "a setting to fix wins over a server to wait for");
        refused.Failure.Should().Be(FailureKind.Configuration);
        accepted.Passed.Should().BeTrue();
        unreachable.Failure.Should().Be(FailureKind.Transient);
    }

    private static Task<ConnectivityCheck> Check(ConnectivityReport report) => ((ICmsAccountProvider)new ReportOnlyProvider(report)).CheckCredentialsAsync();

    private async Task<List<PlanEntry>> Plan()
    {
        var entries = new List<PlanEntry>();
        await foreach (var entry in _h.Provisioner.PlanAsync().WithCancellation(new CancellationTokenSource(Bound).Token))
        {
            entries.Add(entry);
        }

        return entries;
    }

    /// <summary>A third-party provider written before <see cref="ICmsAccountProvider.CheckCredentialsAsync"/>: only its connectivity report answers.</summary>
    private sealed class ReportOnlyProvider(ConnectivityReport report) : ICmsAccountProvider
    {
        public string Name => "Site";

        public UsernameRules UsernameRules => UsernameRules.Default;

        public CmsCapabilities Capabilities => CmsCapabilities.None;

        public Task<ConnectivityReport> CheckConnectivityAsync(CancellationToken cancellationToken = default) => Task.FromResult(report);

        public Task<CmsAccount?> FindByEmailAsync(string email, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<CmsAccount?> FindByUsernameAsync(string username, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<CmsAccount?> GetByIdAsync(long userId, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<CmsAccount> CreateAsync(NewCmsAccount account, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task AddRolesAsync(CmsAccount account, IReadOnlyCollection<string> roles, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task SendPasswordResetAsync(CmsAccount account, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task BlockAsync(CmsAccount account, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<Uri?> CreateOneTimeLoginLinkAsync(CmsAccount account, CancellationToken cancellationToken = default) => throw new NotSupportedException();
    }
}
