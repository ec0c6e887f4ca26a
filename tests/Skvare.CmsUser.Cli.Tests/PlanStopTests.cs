using Skvare.CmsUser.CiviCrm.Api;
using Skvare.CmsUser.Testing;

namespace Skvare.CmsUser.Cli.Tests;

/// <summary>
/// Every way a plan stops on an unavailable server, and what it then says a run would do and what to do next: the
/// contacts' quarantine leaves the contacts after the stop untouched, a read that fails leaves the contacts not read yet,
/// and the credentials check of a plan that needed the CMS for no contact leaves nothing undone.
/// </summary>
public sealed class PlanStopTests
{
    private static readonly CmsProviderException CmsDown = new("WordPress", CmsErrorReason.Unavailable, "WordPress could not be reached (connection refused).");

    private static PlanEntry Unavailable(long id, CmsUserException failure) =>
        new(id, "members", PlannedAction.Fail, null, null, $"{CmsUserErrorCodes.For(failure)}: {failure.Message}");

    private static PlanEntry Linked(long id) => new(id, "members", PlannedAction.AlreadyLinked, null, 40 + id, "Linked to CMS user 41.");

    [Fact]
    public void A_stop_on_the_contacts_streak_names_the_uncounted_contacts_and_the_untouched_rest()
    {
        var other = new CmsProviderException("WordPress", CmsErrorReason.Unavailable, "WordPress timed out.");
        PlanEntry[] entries = [Linked(1), new(2, "members", PlannedAction.Create, "bea.lima", null, null), Unavailable(3, other), Unavailable(4, CmsDown)];

        var stop = PlanStop.Of(CmsDown, entries, Output.IsUnavailable);

        (stop.Point, stop.Key, stop.Server, stop.Unavailable, stop.Answered).Should().Be((PlanStopPoint.Contacts, "contacts", "WordPress", 2, false));
        stop.Note().Should().Be("A run would stop at the same contact: it would do the contacts above as planned, count no attempt against the last 2 contacts "
            + "(the server was unavailable for them), and leave the contacts after them untouched. Plan again when WordPress is back. " + Output.NeverWorked);
        PlanStop.Of(CmsDown, [Linked(1), Unavailable(2, CmsDown)], Output.IsUnavailable).Note().Should()
            .Contain("count no attempt against the last one (the server was unavailable for it), and leave the contacts after it untouched.", "Retry:QuarantineAfterConsecutiveTransientFailures may be 1");
    }

    [Fact]
    public void A_stop_on_the_contacts_streak_when_transient_failures_count_says_attempts_are_counted_and_includes_contacts_that_give_up()
    {
        // Retry:CountTransientFailures: the run records a Failed attempt for each contact of the streak (the plan predicts a
        // give-up for a contact at its last attempt), so the note must not say "count no attempt".
        var giveUp = new PlanEntry(3, "members", PlannedAction.GiveUp, null, null, $"{CmsUserErrorCodes.For(CmsDown)}: {CmsDown.Message}");
        PlanEntry[] entries = [Linked(1), Unavailable(2, CmsDown), giveUp, Unavailable(4, CmsDown)];

        var stop = PlanStop.Of(CmsDown, entries, Output.IsUnavailable, countsTransient: true);
        var one = PlanStop.Of(CmsDown, [Linked(1), Unavailable(2, CmsDown)], Output.IsUnavailable, countsTransient: true);

        (stop.Point, stop.Unavailable).Should().Be((PlanStopPoint.Contacts, 3), "the contact planned to give up is part of the streak");
        stop.Note().Should().Be("A run would stop at the same contact: it would do the contacts above as planned, count an attempt against each of the last 3 contacts "
            + "(Retry:CountTransientFailures is on; the plan shows which give up), and leave the contacts after them untouched. Plan again when WordPress is back. " + Output.NeverWorked);
        one.Note().Should().Contain("count an attempt against the last one (Retry:CountTransientFailures is on; the plan shows whether that gives it up), and leave the contacts after it untouched.")
            .And.NotContain("no attempt");
    }

    [Fact]
    public void A_cms_failure_after_entries_that_never_asked_the_cms_is_the_credentials_check_and_leaves_nothing_undone()
    {
        var check = new CmsProviderException("WordPress", CmsErrorReason.Unavailable, "No contact needed WordPress in this plan, so its credentials were checked: WordPress could not be reached (connection refused).");

        var one = PlanStop.Of(check, [Linked(1)], Output.IsUnavailable);
        var three = PlanStop.Of(check, [Linked(1), Linked(2), new(3, "members", PlannedAction.GiveUp, null, null, "no_email: The contact has no email address.")], Output.IsUnavailable);

        (one.Point, one.Key).Should().Be((PlanStopPoint.CredentialsCheck, "cmsCredentialsCheck"));
        one.Note().Should().Be("A run would do the contact above (none needs WordPress) and then stop the same way at its own credentials check (exit code 2), "
            + "with no contact left undone. Plan again when WordPress is back. " + Output.NeverWorked);
        three.Note().Should().StartWith("A run would do all 3 contacts above (none needs WordPress)").And.NotContain("untouched");
    }

    [Fact]
    public void A_civicrm_failure_between_pages_is_a_read_and_a_server_that_answered_gets_no_url_hint()
    {
        var busy = new CiviCrmApiException(FailureKind.Transient, "CiviCRM is unavailable (HTTP 503).", "Contact", "get", statusCode: 503);

        var stop = PlanStop.Of(busy, [Linked(1)], Output.IsUnavailable);

        (stop.Point, stop.Key, stop.Server, stop.Answered).Should().Be((PlanStopPoint.Read, "read", "CiviCRM", true));
        stop.Note().Should().Be("A run would stop at the same point and leave the contacts not read yet untouched, with no attempt counted against them. Plan again when CiviCRM is back.");
    }

    [Fact(Timeout = 180_000)]
    public async Task A_plan_stopped_at_its_credentials_check_says_a_run_would_do_every_contact_first_as_the_run_then_does()
    {
        using var sites = new Sites();
        var linked = sites.AddLinkedContact("Ana", "Lima", "ana@example.org");
        sites.Civi.AddToGroup(sites.Members, [linked]);
        var down = sites.Settings();
        down["CmsUser"]!["WordPress"]!["BaseUrl"] = "http://127.0.0.1:9/";
        using var folder = new TempFolder();
        folder.Write("appsettings.json", Sites.Json(down));
        const string Note = "A run would do the contact above (none needs WordPress) and then stop the same way at its own credentials check (exit code 2), "
            + "with no contact left undone. Plan again when WordPress is back. " + Output.NeverWorked;

        var text = await Cli.RunAsync(folder.Path, null, "plan");
        var json = await Cli.RunAsync(folder.Path, null, "plan", "--json");
        var run = await Cli.RunAsync(folder.Path, null, "run");

        text.ExitCode.Should().Be(2, text.ToString());
        text.Stdout.Should().Contain("Stopped (quarantined): No contact needed WordPress in this plan, so its credentials were checked: WordPress")
            .And.Contain(Note).And.NotContain("untouched");
        text.Stderr.Should().NotContain("cmsuser: ", "the stop is the plan's outcome, not an error");
        json.ExitCode.Should().Be(2, json.ToString());
        (json.Json.GetProperty("status").GetString(), json.Json.GetProperty("stopKind").GetString(), json.Json.GetProperty("stoppedAt").GetString())
            .Should().Be(("stopped", "quarantined", "cmsCredentialsCheck"));
        json.Json.GetProperty("stopNote").GetString().Should().Be(Note);
        json.Json.GetProperty("contacts").EnumerateArray().Should().ContainSingle().Which.GetProperty("action").GetString().Should().Be("alreadyLinked");

        // What the plan said: the run handles the contact, then stops at the check.
        run.ExitCode.Should().Be(2, run.ToString());
        run.Stdout.Should().Contain("The run's contact was handled before the check");
        sites.Civi.GroupStatus(sites.Members, linked).Should().NotBe("Added", "the run did the contact before its check");
    }

    [Fact(Timeout = 180_000)]
    public async Task A_plan_stopped_by_CiviCRM_between_pages_says_the_contacts_not_read_yet_are_left_untouched()
    {
        using var sites = new Sites();
        var first = sites.AddMember("Ana", "Lima", "ana@example.org");
        sites.AddMember("Bea", "Lima", "bea@example.org");
        var settings = sites.Settings();
        settings["CmsUser"]!["PageSize"] = 1;
        var secondPage = $"[\"id\",\">\",{first}]";
        var faulted = 0;
        sites.Civi.FaultWhere = r => r.Mentions(secondPage) && Interlocked.Increment(ref faulted) > 0 ? FakeFault.Status(503) : null;
        using var folder = new TempFolder();
        folder.Write("appsettings.json", Sites.Json(settings));
        const string Note = "A run would stop at the same point and leave the contacts not read yet untouched, with no attempt counted against them. Plan again when CiviCRM is back.";

        var text = await Cli.RunAsync(folder.Path, null, "plan");
        var json = await Cli.RunAsync(folder.Path, null, "plan", "--json");

        Volatile.Read(ref faulted).Should().BeGreaterThan(0, "the second page's read met CiviCRM's 503");
        text.ExitCode.Should().Be(2, text.ToString());
        text.Stdout.Should().Contain("Stopped (quarantined): CiviCRM is unavailable").And.Contain(Note).And.NotContain(Output.NeverWorked, "CiviCRM answered: its URL is right");
        text.Stderr.Should().NotContain("cmsuser: ");
        json.ExitCode.Should().Be(2, json.ToString());
        (json.Json.GetProperty("stopKind").GetString(), json.Json.GetProperty("stoppedAt").GetString(), json.Json.GetProperty("stopNote").GetString())
            .Should().Be(("quarantined", "read", Note));
        json.Json.GetProperty("contacts").EnumerateArray().Should().ContainSingle().Which.GetProperty("contactId").GetInt64().Should().Be(first);
    }
}
