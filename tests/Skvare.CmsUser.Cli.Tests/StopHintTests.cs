namespace Skvare.CmsUser.Cli.Tests;

/// <summary>
/// The words of a stopped run say what happened: a quarantine by the credentials check of an idle run left no contact
/// undone, and the "check the BaseUrl" hint is for a server that gave no answer at all, never for a site that answered
/// (a password reset whose mail the site could not send).
/// </summary>
public sealed class StopHintTests
{
    private static readonly ConnectivityCheck Unreachable = new("Authentication", false, "WordPress could not be reached (connection refused).") { Failure = FailureKind.Transient };

    private static RunSummary Quarantined(ConnectivityCheck? check, Dictionary<OutcomeKind, int>? counts = null, params ProvisioningOutcome[] failures) => new()
    {
        StartedAt = DateTimeOffset.UnixEpoch,
        Duration = TimeSpan.FromSeconds(1),
        Counts = counts ?? [],
        Failures = failures,
        CmsCredentialsCheck = check,
        Quarantined = true,
        StopKind = RunStopKind.Quarantined,
        StopReason = check is null ? "2 transient failures in a row (last: WordPress could not be reached)" : "No contact needed WordPress in this run, so its credentials were checked: WordPress could not be reached (connection refused)",
    };

    private static ProvisioningOutcome Failed(long id, int? status) => new()
    {
        ContactId = id,
        Kind = OutcomeKind.Failed,
        Rule = "migration",
        Error = new ProvisioningError(FailureKind.Transient, CmsUserErrorCodes.CmsUnavailable, "WordPress answered HTTP 503: The email could not be sent.") { StatusCode = status },
    };

    [Fact]
    public void An_idle_run_quarantined_by_its_credentials_check_says_no_contact_was_waiting()
    {
        var line = Output.StopLine("run", Quarantined(Unreachable));

        line.Should().StartWith("Stopped (quarantined): No contact needed WordPress in this run")
            .And.Contain("No contact was waiting; run again when the server is back.")
            .And.NotContain("remaining contacts", "there were none")
            .And.EndWith(Output.NeverWorked, "the check got no answer: a mistyped URL looks the same");
    }

    [Fact]
    public void A_run_whose_contacts_needed_no_cms_call_says_they_were_handled_before_the_check()
    {
        var three = Output.StopLine("run", Quarantined(Unreachable, new() { [OutcomeKind.AlreadyLinked] = 2, [OutcomeKind.GaveUp] = 1 }));
        var one = Output.StopLine("reset", Quarantined(Unreachable, new() { [OutcomeKind.AlreadyLinked] = 1 }));

        three.Should().Contain("All 3 contacts of the run were handled before the check; run again").And.NotContain("remaining contacts");
        one.Should().Contain("The run's contact was handled before the check; run again");
    }

    [Fact]
    public void A_quarantine_in_the_middle_of_the_contacts_still_says_the_rest_were_left_untouched()
    {
        var line = Output.StopLine("run", Quarantined(null, new() { [OutcomeKind.Failed] = 2 }, Failed(1, null), Failed(2, null)));

        line.Should().Contain("The remaining contacts were left untouched; run again when the server is back.").And.EndWith(Output.NeverWorked);
    }

    [Fact]
    public void A_site_lost_after_it_took_contacts_in_this_run_is_not_a_mistyped_url()
    {
        // trial19: WordPress went away in the middle of a bulk import, after 92 accounts.
        var counts = new Dictionary<OutcomeKind, int> { [OutcomeKind.Created] = 92, [OutcomeKind.Failed] = 2 };
        var quarantined = Output.StopLine("run", Quarantined(null, counts, Failed(1, null), Failed(2, null)));
        var shortRun = new RunSummary { StartedAt = DateTimeOffset.UnixEpoch, Duration = TimeSpan.FromSeconds(1), Counts = counts, Failures = [Failed(1, null), Failed(2, null)] };

        quarantined.Should().EndWith("run again when the server is back.").And.NotContain("BaseUrl");
        Output.StoppedShortLine(shortRun).Should().Contain("could not be reached or was unavailable").And.NotContain("BaseUrl");
        Output.StopLine("run", Quarantined(null, new() { [OutcomeKind.Linked] = 1, [OutcomeKind.Failed] = 1 }, Failed(1, null)))
            .Should().NotContain("BaseUrl", "a linked account was found through the CMS too");
    }

    [Fact]
    public void Failures_from_a_site_that_answered_leave_out_the_BaseUrl_hint()
    {
        var answered = new RunSummary
        {
            StartedAt = DateTimeOffset.UnixEpoch,
            Duration = TimeSpan.FromSeconds(1),
            Counts = new Dictionary<OutcomeKind, int> { [OutcomeKind.Failed] = 1 },
            Failures = [Failed(1, 503)],
        };
        var both = answered with { Counts = new Dictionary<OutcomeKind, int> { [OutcomeKind.Failed] = 2 }, Failures = [Failed(1, 503), Failed(2, null)] };

        Output.StoppedShortLine(answered).Should().Contain("1 contact could not be done although the server answered")
            .And.NotContain("could not be reached").And.NotContain("BaseUrl");
        Output.StopLine("reset", Quarantined(null, new() { [OutcomeKind.Failed] = 2 }, Failed(1, 503), Failed(2, 503)))
            .Should().Contain("The remaining contacts were left untouched").And.NotContain("BaseUrl", "both answers came from the site");
        Output.StoppedShortLine(both).Should().Contain("1 contact could not be done because a server could not be reached or was unavailable")
            .And.Contain("1 contact could not be done although the server answered").And.EndWith(Output.NeverWorked);
    }

    [Fact(Timeout = 120_000)]
    public async Task A_password_reset_whose_site_could_not_send_the_mail_is_a_counted_mail_failed_that_does_not_point_at_the_BaseUrl()
    {
        using var sites = new Sites();
        var ana = sites.AddLinkedContact("Ana", "Lima", "ana@example.org");
        sites.Civi.TagContacts(sites.ResetTag, [ana]);
        sites.WordPress.MailFails = true;
        using var folder = new TempFolder();
        folder.Write("appsettings.json", Sites.Json(sites.Settings()));

        var reset = await Cli.RunAsync(folder.Path, null, "reset");

        reset.ExitCode.Should().Be(1, reset.ToString());
        reset.Stdout.Should().Contain("mail_failed")
            .And.NotContain("BaseUrl", "WordPress answered: its URL is right, its mail is not");
        sites.WordPress.Mails.Should().BeEmpty();
        sites.Civi.HasTag(sites.ResetTag, ana).Should().BeTrue("the first of its attempts: the contact waits for the next campaign run");
        sites.Civi.Activities.Should().ContainSingle(a => a.Type == "User Account Password Reset" && a.Targets.Contains(ana))
            .Which.Status.Should().Be("Failed", "a mail the site could not send is counted as an attempt");
    }

    [Fact]
    public void A_plan_whose_contacts_fail_on_a_server_that_gave_no_answer_names_the_BaseUrl()
    {
        // Regression (trial17, real CiviCRM 6.17.2 with CmsUser:WordPress:BaseUrl on a port nothing listens on): the plan said
        // only "Run again later", while the run over the same settings added the BaseUrl hint.
        PlanEntry Failing(long id, string note) => new(id, "members", PlannedAction.Fail, null, null, note);
        var refused = Failing(1, "cms_unavailable: WordPress could not be reached (call: search accounts; HttpRequestException: Connection refused (localhost:8099)).");
        var answered = Failing(2, "cms_unavailable: WordPress answered HTTP 503: Service Unavailable.");
        var created = new PlanEntry(3, "members", PlannedAction.Create, "ana.lima", null, null);

        Output.PlanUnavailableLine([created, refused]).Should().StartWith("Every contact that would fail fails only because a server could not be reached")
            .And.EndWith("Run again later. " + Output.NeverWorked);
        Output.PlanUnavailableLine([answered, created]).Should().EndWith("Run again later.", "the site answered: it was reached at its URL");
        Output.PlanUnavailableLine([answered, refused]).Should().EndWith(Output.NeverWorked);
    }
}
