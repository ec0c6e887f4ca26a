using Skvare.CmsUser.Testing.InMemory;

namespace Skvare.CmsUser.Tests.Engine;

public sealed class AttemptsTests : IDisposable
{
    private readonly EngineHarness _h = new();

    public void Dispose() => _h.Dispose();

    [Fact]
    public async Task Permanent_failure_is_recorded_and_the_fourth_counted_failure_gives_up()
    {
        var ana = _h.Member("Ana", "Lima", "ana@example.org");
        _h.Cms.FailCreateFor("ana@example.org", () => FakeCmsAccountProvider.Permanent("The CMS refused the data."));

        var outcomes = new List<OutcomeKind>();
        for (var run = 1; run <= 4; run++)
        {
            var summary = await _h.Provisioner.RunOnceAsync();
            outcomes.Add(summary.Failures.Single().Kind);
            _h.Time.Advance(TimeSpan.FromHours(1));
        }

        outcomes.Should().Equal(OutcomeKind.Failed, OutcomeKind.Failed, OutcomeKind.Failed, OutcomeKind.GaveUp);
        _h.Civi.Activities.Should().HaveCount(4).And.OnlyContain(a => a.Status == ActivityOutcomeStatus.Failed && a.Subject == "Failed to create User ana.lima");
        _h.Civi.Activities.Take(3).Should().OnlyContain(a => a.Details == "invalid_data: The CMS refused the data.", "an attempt that is retried says only what failed");
        _h.Civi.Activities[3].Details.Should().Be(
            "invalid_data: The CMS refused the data. No more attempts (this was attempt 4): the contact leaves the trigger and is not tried again until it is added to it again.",
            "the record of the last attempt tells the admin the SDK gave up");
        _h.Civi.GroupStatus(EngineHarness.Trigger, ana.Id).Should().Be("Removed");
        _h.Civi.GroupStatus(EngineHarness.History, ana.Id).Should().BeNull();

        var fifth = await _h.Provisioner.RunOnceAsync();
        fifth.Total.Should().Be(0, "the contact left the trigger");
    }

    [Fact]
    public async Task Max_attempts_is_configurable()
    {
        _h.Configure = o => o.Retry.MaxAttempts = 1;
        var ana = _h.Member("Ana", "Lima", "ana@example.org");
        _h.Cms.FailCreateFor("ana@example.org", () => FakeCmsAccountProvider.Permanent());

        var summary = await _h.Provisioner.RunOnceAsync();

        summary.Failures.Single().Kind.Should().Be(OutcomeKind.GaveUp);
        summary.Failures.Single().Attempt.Should().Be(1);
        _h.Civi.GroupStatus(EngineHarness.Trigger, ana.Id).Should().Be("Removed");
    }

    [Fact]
    public async Task Failures_older_than_the_attempt_window_do_not_count()
    {
        var ana = _h.Member("Ana", "Lima", "ana@example.org");
        for (var i = 0; i < 3; i++)
        {
            _h.Civi.AddActivity(new ActivityEntry(ana.Id, ActivityKind.AccountCreation, ActivityOutcomeStatus.Failed, "Failed to create User ana.lima", "old", _h.Time.GetUtcNow().AddDays(-31)));
        }

        _h.Cms.FailCreateFor("ana@example.org", () => FakeCmsAccountProvider.Permanent());

        var summary = await _h.Provisioner.RunOnceAsync();

        summary.Failures.Single().Kind.Should().Be(OutcomeKind.Failed);
        summary.Failures.Single().Attempt.Should().Be(1);
    }

    [Fact]
    public async Task Recent_failures_count_toward_giving_up()
    {
        var ana = _h.Member("Ana", "Lima", "ana@example.org");
        for (var i = 0; i < 3; i++)
        {
            _h.Civi.AddActivity(new ActivityEntry(ana.Id, ActivityKind.AccountCreation, ActivityOutcomeStatus.Failed, "Failed to create User ana.lima", "recent", _h.Time.GetUtcNow().AddDays(-2)));
        }

        _h.Cms.FailCreateFor("ana@example.org", () => FakeCmsAccountProvider.Permanent());

        var summary = await _h.Provisioner.RunOnceAsync();

        summary.Failures.Single().Kind.Should().Be(OutcomeKind.GaveUp);
        summary.Failures.Single().Attempt.Should().Be(4);
    }

    [Fact]
    public async Task Only_failures_after_the_contact_entered_the_trigger_count()
    {
        var entered = _h.Time.GetUtcNow().AddDays(-1);
        var ana = _h.Member("Ana", "Lima", "ana@example.org", c => c with { TriggeredAt = entered });
        for (var i = 0; i < 3; i++)
        {
            _h.Civi.AddActivity(new ActivityEntry(ana.Id, ActivityKind.AccountCreation, ActivityOutcomeStatus.Failed, "x", "before re-entry", entered.AddDays(-2)));
        }

        _h.Cms.FailCreateFor("ana@example.org", () => FakeCmsAccountProvider.Permanent());

        var summary = await _h.Provisioner.RunOnceAsync();

        summary.Failures.Single().Attempt.Should().Be(1);
        summary.Failures.Single().Kind.Should().Be(OutcomeKind.Failed);
    }

    [Fact]
    public async Task Transient_failure_records_nothing_and_keeps_the_contact_for_the_next_run()
    {
        var ana = _h.Member("Ana", "Lima", "ana@example.org");
        _h.Cms.FailCreateFor("ana@example.org", () => FakeCmsAccountProvider.Transient());

        var summary = await _h.Provisioner.RunOnceAsync();

        summary.Failures.Single().Error!.Kind.Should().Be(FailureKind.Transient);
        summary.Failures.Single().Attempt.Should().Be(0);
        _h.Civi.Activities.Should().BeEmpty();
        _h.Civi.GroupStatus(EngineHarness.Trigger, ana.Id).Should().Be("Added");

        _h.Cms.StopFailingCreateFor("ana@example.org");
        var second = await _h.Provisioner.RunOnceAsync();
        second.Count(OutcomeKind.Created).Should().Be(1);
    }

    [Fact]
    public async Task Transient_failures_in_a_row_quarantine_the_run_and_leave_the_rest_untouched()
    {
        _h.Configure = o => o.MaxConcurrency = 1;
        var contacts = Enumerable.Range(1, 10).Select(i => _h.Member("P", $"N{i}", $"p{i}@example.org")).ToArray();
        foreach (var c in contacts)
        {
            _h.Cms.FailCreateFor(c.Email!, () => FakeCmsAccountProvider.Transient("Connection refused (127.0.0.1:9081)."));
        }

        var summary = await _h.Provisioner.RunOnceAsync();

        summary.Quarantined.Should().BeTrue();
        summary.StopReason.Should().Contain("3 transient failures in a row").And.Contain("Connection refused");
        summary.StopReason.Should().EndWith("9081))", "the last error's full stop does not end up inside the parentheses (seen as \"…9081)).).\" in cmsuser)");
        summary.Total.Should().Be(3);
        _h.Cms.Calls["Create"].Should().Be(3, "the run stops at the threshold");
        _h.Civi.Activities.Should().BeEmpty();
        contacts.Should().OnlyContain(c => _h.Civi.GroupStatus(EngineHarness.Trigger, c.Id) == "Added");
    }

    [Fact]
    public async Task A_success_between_transient_failures_resets_the_quarantine_count()
    {
        _h.Configure = o => o.MaxConcurrency = 1;
        for (var i = 1; i <= 6; i++)
        {
            var c = _h.Member("P", $"N{i}", $"p{i}@example.org");
            if (i % 3 != 0)
            {
                _h.Cms.FailCreateFor(c.Email!, () => FakeCmsAccountProvider.Transient());
            }
        }

        var summary = await _h.Provisioner.RunOnceAsync();

        summary.Quarantined.Should().BeFalse();
        summary.Total.Should().Be(6);
        summary.Count(OutcomeKind.Created).Should().Be(2);
    }

    [Fact]
    public async Task Counting_transient_failures_can_be_turned_on()
    {
        _h.Configure = o => o.Retry.CountTransientFailures = true;
        _h.Member("Ana", "Lima", "ana@example.org");
        _h.Cms.FailCreateFor("ana@example.org", () => FakeCmsAccountProvider.Transient());

        var summary = await _h.Provisioner.RunOnceAsync();

        summary.Failures.Single().Attempt.Should().Be(1);
        _h.Civi.Activities.Should().ContainSingle().Which.Status.Should().Be(ActivityOutcomeStatus.Failed);
    }

    [Fact]
    public async Task Configuration_error_stops_the_run_with_the_message_and_records_nothing()
    {
        _h.Configure = o => o.MaxConcurrency = 1;
        _h.Member("Ana", "Lima", "ana@example.org");
        _h.Member("Bea", "Costa", "bea@example.org");
        _h.Cms.FailNext(new CmsProviderException("InMemory", CmsErrorReason.Authentication, "The application password was refused: create a new one.", statusCode: 401));

        var summary = await _h.Provisioner.RunOnceAsync();

        summary.StopReason.Should().Be("The application password was refused: create a new one.");
        summary.StopKind.Should().Be(RunStopKind.Configuration);
        summary.Quarantined.Should().BeFalse();
        summary.Total.Should().Be(1);
        _h.Civi.Activities.Should().BeEmpty();
        _h.Cms.Accounts.Should().BeEmpty();
    }

    [Fact(Timeout = 30_000)]
    public async Task A_stop_gives_back_the_Scheduled_records_of_the_page_prepared_ahead()
    {
        // Pages of two: while the first page runs, the second is already prepared (its Scheduled records opened).
        _h.Configure = o =>
        {
            o.MaxConcurrency = 1;
            o.PageSize = 2;
        };
        for (var i = 0; i < 5; i++)
        {
            _h.Member("Member", "N" + i, $"member{i}@example.org");
        }

        _h.Cms.FailNext(new CmsProviderException("InMemory", CmsErrorReason.Authentication, "The application password was refused: create a new one.", statusCode: 401));

        var summary = await _h.Provisioner.RunOnceAsync();

        summary.StopReason.Should().NotBeNull();
        summary.Total.Should().Be(1, "the stop ends the launch at the failing contact");
        _h.Civi.Activities.Should().BeEmpty("no contact of the page prepared ahead started, so none keeps a Scheduled record");
        _h.Cms.Accounts.Should().BeEmpty();
    }

    [Fact]
    public async Task CiviCRM_down_while_reading_quarantines_the_run()
    {
        _h.Member("Ana", "Lima", "ana@example.org");
        _h.Civi.FailNext(new CmsProviderException("CiviCRM", CmsErrorReason.Unavailable, "HTTP 503"));

        var summary = await _h.Provisioner.RunOnceAsync();

        summary.Quarantined.Should().BeTrue();
        summary.StopReason.Should().Contain("HTTP 503");
        _h.Cms.Accounts.Should().BeEmpty();
    }

    [Fact]
    public async Task Unknown_outcome_of_a_create_is_resolved_by_looking_the_account_up()
    {
        _h.Member("Ana", "Lima", "ana@example.org");
        _h.Cms.BeforeCreate = _ => Task.CompletedTask;
        var once = true;
        _h.Cms.FailCreateFor("ana@example.org", () =>
        {
            if (once)
            {
                once = false;
                _h.Cms.AddAccount("ana.lima", "ana@example.org");
            }

            return new CmsProviderException("InMemory", CmsErrorReason.UnknownOutcome, "HTTP 500 after the request was sent");
        });

        var summary = await _h.Provisioner.RunOnceAsync();

        summary.Count(OutcomeKind.Created).Should().Be(1);
        _h.Civi.Links.Should().ContainSingle();
    }
}

public sealed class SavedSearchAttemptsTests : IDisposable
{
    private readonly EngineHarness _h = new();

    public void Dispose() => _h.Dispose();

    [Fact]
    public async Task Saved_search_contact_with_attempts_used_up_is_skipped_without_a_new_activity()
    {
        _h.Configure = o =>
        {
            o.Rules.Clear();
            o.Rules.Add(new ProvisioningRule { Name = "search", Trigger = TriggerDefinition.SavedSearch("new") });
        };
        var ana = _h.Civi.AddContact("Ana", "Lima", "ana@example.org");
        _h.Civi.AddSavedSearch("new", _ => true);
        for (var i = 0; i < 4; i++)
        {
            _h.Civi.AddActivity(new ActivityEntry(ana.Id, ActivityKind.AccountCreation, ActivityOutcomeStatus.Failed, "x", "y", _h.Time.GetUtcNow().AddDays(-1)));
        }

        var summary = await _h.Provisioner.RunOnceAsync();

        summary.Count(OutcomeKind.Skipped).Should().Be(1);
        _h.Cms.Calls.Keys.Should().Equal(["CheckCredentials"], "no call for the skipped contact; the run checks the credentials instead");
        _h.Civi.Activities.Should().HaveCount(4);
    }
}
