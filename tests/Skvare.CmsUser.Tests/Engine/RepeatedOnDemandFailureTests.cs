namespace Skvare.CmsUser.Tests.Engine;

/// <summary>
/// A contact with a permanent defect provisioned on demand again and again (a webhook that fires on every edit, an app that
/// calls ProvisionAsync in a loop): the calls after the first answer from the first one's Failed record while the defect and
/// its details are the same, so the contact gets one Failed "User Account Creation" record and spends one attempt.
/// </summary>
public sealed class RepeatedOnDemandFailureTests : IDisposable
{
    private readonly EngineHarness _h = new();

    public void Dispose() => _h.Dispose();

    public static TheoryData<string, string?, bool, string?> Defects => new()
    {
        { "no_email", null, false, null },
        { "email_on_hold", "held@example.org", true, null },
        { "invalid_email", "x@@y", false, null },
        { "invalid_contact_data", "dora@example.org", false, "The first name is not valid Unicode." },
    };

    [Theory]
    [MemberData(nameof(Defects))]
    public async Task Five_calls_for_a_contact_with_a_permanent_defect_leave_one_Failed_record(string code, string? email, bool onHold, string? dataError)
    {
        var dora = _h.Member("Dora", "Defect", email, c => c with { EmailOnHold = onHold, DataError = dataError });

        var outcomes = new List<ProvisioningOutcome>();
        for (var call = 0; call < 5; call++)
        {
            outcomes.Add(await _h.Provisioner.ProvisionAsync(dora.Id));
            _h.Time.Advance(TimeSpan.FromMinutes(3));
        }

        var failed = _h.Civi.Activities.Should().ContainSingle("the calls after the first answer from its record").Subject;
        failed.Status.Should().Be(ActivityOutcomeStatus.Failed);
        failed.Details.Should().StartWith(code + ": ");
        var first = outcomes[0];
        first.Error!.Code.Should().Be(code);
        first.Kind.Should().Be(code == "invalid_contact_data" ? OutcomeKind.Failed : OutcomeKind.GaveUp);
        outcomes.Should().AllSatisfy(o =>
        {
            o.Kind.Should().Be(first.Kind);
            o.Error.Should().BeEquivalentTo(first.Error, "each caller gets the answer the first call got");
            o.Attempt.Should().Be(1, "one attempt was spent, by the first call");
        });
        _h.Cms.Accounts.Should().BeEmpty();
        _h.Logs.GetSnapshot().Where(r => r.Id.Id == 1032).Should().HaveCount(4)
            .And.OnlyContain(r => r.Level == Microsoft.Extensions.Logging.LogLevel.Information && r.Message.Contains($"Contact {dora.Id} ", StringComparison.Ordinal) && r.Message.Contains(code, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Repeated_calls_spend_no_attempts_so_a_contact_whose_data_cannot_be_read_never_runs_out_of_them()
    {
        var dora = _h.Member("Dora", "Defect", "dora@example.org", c => c with { DataError = "The last name is not valid Unicode." });

        var outcomes = new List<ProvisioningOutcome>();
        for (var call = 0; call < 10; call++)
        {
            outcomes.Add(await _h.Provisioner.ProvisionAsync(dora.Id));
        }

        outcomes.Should().OnlyContain(o => o.Kind == OutcomeKind.Failed && o.Error!.Code == "invalid_contact_data" && o.Attempt == 1,
            "ten calls would have given up after four and then been refused attempts_used_up");
        _h.Civi.Activities.Should().ContainSingle();
        _h.Civi.GroupStatus(EngineHarness.Trigger, dora.Id).Should().Be("Added", "nothing gave up");

        // The batch still has the attempts the calls did not spend: its run is the contact's second.
        var summary = await _h.Provisioner.RunOnceAsync();
        summary.Failures.Should().ContainSingle().Which.Attempt.Should().Be(2);
    }

    [Fact]
    public async Task An_edited_email_that_is_still_invalid_is_recorded_again_once()
    {
        var eli = _h.Member("Eli", "Edit", "x@@y");
        await _h.Provisioner.ProvisionAsync(eli.Id);
        _h.Time.Advance(TimeSpan.FromMinutes(1));

        // The contact is edited (a webhook call per edit): another invalid email is another failure, recorded once.
        _h.Civi.AddContact(null, null, null, _ => eli with { Email = "z@@y" });
        var edited = await _h.Provisioner.ProvisionAsync(eli.Id);
        var again = await _h.Provisioner.ProvisionAsync(eli.Id);

        edited.Error!.Message.Should().Contain("'z@@y'");
        again.Should().BeEquivalentTo(edited);
        _h.Civi.Activities.Select(a => a.Details).Should().HaveCount(2)
            .And.SatisfyRespectively(d => d.Should().Contain("'x@@y'"), d => d.Should().Contain("'z@@y'"));
        _h.Logs.GetSnapshot().Should().ContainSingle(r => r.Id.Id == 1033 && r.Message.Contains("other details", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Another_defect_than_the_recorded_one_is_recorded()
    {
        var fay = _h.Member("Fay", "Other", null);
        await _h.Provisioner.ProvisionAsync(fay.Id);
        _h.Civi.AddContact(null, null, null, _ => fay with { Email = "fay@example.org", EmailOnHold = true });

        var outcome = await _h.Provisioner.ProvisionAsync(fay.Id);

        outcome.Error!.Code.Should().Be("email_on_hold");
        _h.Civi.Activities.Select(a => a.Details![..a.Details!.IndexOf(':', StringComparison.Ordinal)]).Should().Equal("no_email", "email_on_hold");
    }

    [Fact]
    public async Task A_latest_record_that_is_Completed_is_not_answered_from()
    {
        var gus = _h.Civi.AddContact("Gus", "Gone", null);
        var at = _h.Time.GetUtcNow();
        var text = "no_email: The contact has no primary email address. No more attempts (this was attempt 1): the contact leaves the trigger and is not tried again until it is added to it again.";
        _h.Civi.AddActivity(new ActivityEntry(gus.Id, ActivityKind.AccountCreation, ActivityOutcomeStatus.Failed, "Failed to create User Gus Gone", text, at.AddHours(-2)));
        _h.Civi.AddActivity(new ActivityEntry(gus.Id, ActivityKind.AccountCreation, ActivityOutcomeStatus.Completed, "Created : gus (9)", "Rule members.", at.AddHours(-1)));

        var outcome = await _h.Provisioner.ProvisionAsync(gus.Id);

        outcome.Kind.Should().Be(OutcomeKind.GaveUp);
        _h.Civi.Activities.Where(a => a.Status == ActivityOutcomeStatus.Failed).Should().HaveCount(2, "the failure is new since the Completed record");
        _h.Logs.GetSnapshot().Should().ContainSingle(r => r.Id.Id == 1033 && r.Message.Contains("is Completed, not Failed", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_same_details_on_an_earlier_record_than_the_latest_are_not_answered_from()
    {
        var hal = _h.Civi.AddContact("Hal", "Held", null);
        var at = _h.Time.GetUtcNow();
        var text = "no_email: The contact has no primary email address. No more attempts (this was attempt 1): the contact leaves the trigger and is not tried again until it is added to it again.";
        _h.Civi.AddActivity(new ActivityEntry(hal.Id, ActivityKind.AccountCreation, ActivityOutcomeStatus.Failed, "Failed to create User Hal Held", text, at.AddHours(-2)));
        _h.Civi.AddActivity(new ActivityEntry(hal.Id, ActivityKind.AccountCreation, ActivityOutcomeStatus.Failed, "Failed to create User Hal Held", "duplicate_username: The username 'hal' is taken.", at.AddHours(-1)));

        await _h.Provisioner.ProvisionAsync(hal.Id);
        await _h.Provisioner.ProvisionAsync(hal.Id);

        _h.Civi.Activities.Should().HaveCount(3, "the latest record was another failure; the new one is answered from after that");
        _h.Civi.Activities[2].Details.Should().Be(text.Replace("attempt 1", "attempt 3", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_recorded_failure_from_before_the_contact_joined_its_trigger_again_is_tried_anew()
    {
        var ivy = _h.Member("Ivy", "Again", null);
        (await _h.Provisioner.ProvisionAsync(ivy.Id)).Kind.Should().Be(OutcomeKind.GaveUp);
        _h.Civi.GroupStatus(EngineHarness.Trigger, ivy.Id).Should().Be("Removed");
        _h.Time.Advance(TimeSpan.FromDays(1));

        // Added to the trigger again: a join counts anew, so the contact gives up again and leaves it, as a batch would. (The
        // in-memory trigger does not date joins; the contact carries the date a CiviCRM group trigger reads.)
        _h.Civi.AddContact(null, null, null, _ => ivy with { TriggeredAt = _h.Time.GetUtcNow() });
        _h.Civi.AddToGroup(EngineHarness.Trigger, ivy.Id);
        var outcome = await _h.Provisioner.ProvisionAsync(ivy.Id);

        outcome.Kind.Should().Be(OutcomeKind.GaveUp);
        _h.Civi.Activities.Should().HaveCount(2);
        _h.Civi.GroupStatus(EngineHarness.Trigger, ivy.Id).Should().Be("Removed");
    }

    [Fact]
    public async Task A_recorded_failure_outside_the_attempt_window_is_recorded_again()
    {
        var jo = _h.Civi.AddContact("Jo", "Old", null);
        await _h.Provisioner.ProvisionAsync(jo.Id);
        _h.Time.Advance(TimeSpan.FromDays(31));

        await _h.Provisioner.ProvisionAsync(jo.Id);
        await _h.Provisioner.ProvisionAsync(jo.Id);

        _h.Civi.Activities.Should().HaveCount(2).And.OnlyContain(a => a.Details!.Contains("(this was attempt 1)", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_record_opened_for_an_answered_call_is_removed()
    {
        var kim = _h.Member("Kim", "Keep", null);
        await _h.Provisioner.ProvisionAsync(kim.Id);

        await _h.Provisioner.ProvisionAsync(kim.Id);

        _h.Civi.Activities.Should().ContainSingle().Which.Status.Should().Be(ActivityOutcomeStatus.Failed, "no Scheduled record is left open");
        _h.Civi.Calls["OpenActivities"].Should().Be(2);
        _h.Civi.Calls["DiscardActivities"].Should().Be(1);
    }

    [Fact]
    public async Task A_contact_given_an_email_after_its_failure_gets_its_account()
    {
        var lea = _h.Member("Lea", "Later", null);
        await _h.Provisioner.ProvisionAsync(lea.Id);
        await _h.Provisioner.ProvisionAsync(lea.Id);
        _h.Civi.AddContact(null, null, null, _ => lea with { Email = "lea@example.org" });

        var outcome = await _h.Provisioner.ProvisionAsync(lea.Id);

        outcome.Kind.Should().Be(OutcomeKind.Created);
        _h.Civi.Activities.Select(a => a.Status).Should().Equal(ActivityOutcomeStatus.Failed, ActivityOutcomeStatus.Completed);
    }
}
