using System.Text.Json.Nodes;

namespace Skvare.CmsUser.Cli.Tests;

/// <summary>
/// What <c>cmsuser failures</c> says the next run does with a contact that gave up and was put back into its trigger:
/// the same as the engine does. A contact re-added to a group trigger starts over (only failures after its latest join
/// count); a contact given its trigger tag again is tried once more. Neither is "skipped until failures age out", which
/// only a trigger the contact cannot leave (a saved search) does.
/// </summary>
public sealed class FailuresNextTests
{
    [Fact(Timeout = 120_000)]
    public async Task A_contact_re_added_to_a_group_trigger_after_giving_up_starts_over()
    {
        using var sites = new Sites();
        var clock = new ShiftedClock(TimeSpan.FromHours(-2));
        sites.Civi.Clock = clock;
        var noEmail = sites.AddMember("No", "Email", null);
        using var folder = new TempFolder();
        folder.Write("appsettings.json", Sites.Json(OneAttempt(sites.Settings())));

        clock.Shift = TimeSpan.FromHours(-1);
        var run = await Cli.RunAsync(folder.Path, null, "run", "--json");
        clock.Shift = TimeSpan.FromMinutes(-30);
        sites.Civi.AddToGroup(sites.Members, [noEmail]);
        var failures = await Cli.RunAsync(folder.Path, null, "failures", "--json");
        var text = await Cli.RunAsync(folder.Path, null, "failures");

        run.ExitCode.Should().Be(1, run.ToString());
        sites.Civi.GroupStatus(sites.Members, noEmail).Should().Be("Added", "the contact was put back");
        failures.ExitCode.Should().Be(0, failures.ToString());
        var failed = failures.Json.GetProperty("contacts").EnumerateArray().Should().ContainSingle().Subject;
        failed.GetProperty("next").GetString().Should().Be("retry", "the failure came before the contact's latest join, so it no longer counts");
        failed.GetProperty("attempts").GetInt32().Should().Be(0);
        failed.GetProperty("rule").GetString().Should().Be("members");
        text.Stdout.Should().Contain("retried by the next run of members (attempt 1 of 1)").And.Contain("1 will be retried");
    }

    [Fact(Timeout = 120_000)]
    public async Task The_attempts_of_many_waiting_contacts_are_counted_together_not_one_request_each()
    {
        // trial19: after a bulk import on the real CiviCRM, 'failures' asked the attempts of 409 waiting contacts one request
        // each (and their triggers one after the other): 8 minutes.
        using var sites = new Sites();
        var clock = new ShiftedClock(TimeSpan.FromHours(-2));
        sites.Civi.Clock = clock;
        var ids = Enumerable.Range(0, 6).Select(i => sites.AddMember("No", $"Email{i}", null)).ToArray();
        using var folder = new TempFolder();
        folder.Write("appsettings.json", Sites.Json(sites.Settings()));

        clock.Shift = TimeSpan.FromHours(-1);
        var run = await Cli.RunAsync(folder.Path, null, "run", "--json");
        clock.Shift = TimeSpan.FromMinutes(-30);
        sites.Civi.AddToGroup(sites.Members, ids);
        var before = sites.Civi.CallCount("ActivityContact", "get");
        var failures = await Cli.RunAsync(folder.Path, null, "failures", "--json");
        var asked = sites.Civi.CallCount("ActivityContact", "get") - before;

        run.ExitCode.Should().Be(1, run.ToString());
        failures.ExitCode.Should().Be(0, failures.ToString());
        failures.Json.GetProperty("contacts").EnumerateArray().Should().HaveCount(6)
            .And.OnlyContain(c => c.GetProperty("next").GetString() == "retry" && c.GetProperty("attempts").GetInt32() == 0, "each was put back after its failure");
        asked.Should().BeLessThan(ids.Length, "the six contacts' attempts are counted in one request, not one each");
    }

    [Fact(Timeout = 120_000)]
    public async Task Whether_many_failed_contacts_still_wait_is_asked_once_per_trigger_not_once_per_contact()
    {
        // trial19: 'failures' asked each rule's trigger once per failed contact (614 contacts after a bulk import on the real
        // CiviCRM: 4.5 minutes even four at a time); each trigger is now asked for many contacts in one request.
        using var sites = new Sites();
        var clock = new ShiftedClock(TimeSpan.FromHours(-2));
        sites.Civi.Clock = clock;
        var volunteers = sites.Civi.AddGroup("volunteers");
        var members = Enumerable.Range(0, 4).Select(i => sites.AddMember("Member", $"N{i}", null)).ToArray();
        var helpers = Enumerable.Range(0, 3).Select(i => sites.AddMember("Helper", $"N{i}", null)).ToArray();
        var gone = Enumerable.Range(0, 2).Select(i => sites.AddMember("Gone", $"N{i}", null)).ToArray();
        var settings = OneAttempt(sites.Settings());
        Sites.AddRule(settings, "volunteers", "volunteers");
        using var folder = new TempFolder();
        folder.Write("appsettings.json", Sites.Json(settings));

        clock.Shift = TimeSpan.FromHours(-1);
        var run = await Cli.RunAsync(folder.Path, null, "run");
        clock.Shift = TimeSpan.FromMinutes(-30);
        sites.Civi.AddToGroup(sites.Members, members);
        sites.Civi.AddToGroup(volunteers, helpers);
        var before = sites.Civi.Requests.Count;
        var failures = await Cli.RunAsync(folder.Path, null, "failures", "--all", "--json");
        var membership = sites.Civi.Requests.Skip(before)
            .Count(r => r.Entity == "Contact" && r.Action == "get" && r.ParamsJson!.Contains("\"groups\"", StringComparison.Ordinal));

        run.ExitCode.Should().Be(1, run.ToString());
        failures.ExitCode.Should().Be(0, failures.ToString());
        var contacts = failures.Json.GetProperty("contacts").EnumerateArray()
            .ToDictionary(c => c.GetProperty("contactId").GetInt64(), c => c.TryGetProperty("rule", out var rule) && rule.ValueKind == System.Text.Json.JsonValueKind.String ? rule.GetString() : null);
        contacts.Keys.Should().BeEquivalentTo([.. members, .. helpers, .. gone]);
        members.Should().OnlyContain(id => contacts[id] == "members");
        helpers.Should().OnlyContain(id => contacts[id] == "volunteers");
        gone.Should().OnlyContain(id => contacts[id] == null, "the contacts that gave up wait in no trigger");
        membership.Should().Be(2, "each rule's trigger is asked once, for every contact not found in the rule before it");
    }

    [Fact(Timeout = 120_000)]
    public async Task A_contact_given_its_trigger_tag_again_after_giving_up_is_tried_once_more()
    {
        using var sites = new Sites();
        var premium = sites.Civi.AddTag("premium");
        var noEmail = sites.Civi.AddContact("No", "Email", null);
        sites.Civi.TagContacts(premium, [noEmail]);
        var settings = OneAttempt(sites.Settings());
        settings["CmsUser"]!["Rules"]![0]!["Trigger"] = new JsonObject { ["Kind"] = "Tag", ["Reference"] = "premium" };
        using var folder = new TempFolder();
        folder.Write("appsettings.json", Sites.Json(settings));

        var run = await Cli.RunAsync(folder.Path, null, "run", "--json");
        sites.Civi.HasTag(premium, noEmail).Should().BeFalse("giving up takes the contact out of the trigger");
        sites.Civi.TagContacts(premium, [noEmail]);
        var failures = await Cli.RunAsync(folder.Path, null, "failures", "--json");
        var text = await Cli.RunAsync(folder.Path, null, "failures");
        var again = await Cli.RunAsync(folder.Path, null, "run", "--json");

        run.ExitCode.Should().Be(1, run.ToString());
        var failed = failures.Json.GetProperty("contacts").EnumerateArray().Should().ContainSingle().Subject;
        failed.GetProperty("next").GetString().Should().Be("retry", "a tag keeps the attempt window, but a contact given the tag again is tried again");
        failed.GetProperty("attempts").GetInt32().Should().Be(1);
        text.Stdout.Should().Contain("retried once more by the next run of members");
        var contact = again.Json.GetProperty("contacts").EnumerateArray().Should().ContainSingle().Subject;
        contact.GetProperty("outcome").GetString().Should().Be("gaveUp", "the run did try the contact again, as failures said");
        contact.GetProperty("error").GetProperty("code").GetString().Should().Be("no_email");
    }

    [Fact(Timeout = 120_000)]
    public async Task Failures_of_one_rule_say_they_list_only_contacts_waiting_in_its_trigger()
    {
        // Found on the real CiviCRM 6.17.2 (trial8): with --rule, a contact that gave up and left the trigger is not listed,
        // and "No failed attempts in the last 30 days." read as if nobody had failed.
        using var sites = new Sites();
        var clock = new ShiftedClock(TimeSpan.FromHours(-2));
        sites.Civi.Clock = clock;
        var noEmail = sites.AddMember("No", "Email", null);
        var waiting = sites.AddMember("Bea", null, null);
        using var folder = new TempFolder();
        folder.Write("appsettings.json", Sites.Json(OneAttempt(sites.Settings())));

        clock.Shift = TimeSpan.FromHours(-1);
        var run = await Cli.RunAsync(folder.Path, null, "run");
        var none = await Cli.RunAsync(folder.Path, null, "failures", "--rule", "members");
        clock.Shift = TimeSpan.FromMinutes(-30);
        sites.Civi.AddToGroup(sites.Members, [waiting]);
        var one = await Cli.RunAsync(folder.Path, null, "failures", "--rule", "members");
        var all = await Cli.RunAsync(folder.Path, null, "failures", "--all");

        run.ExitCode.Should().Be(1, run.ToString());
        sites.Civi.GroupStatus(sites.Members, noEmail).Should().Be("Removed", "the contact gave up");
        none.ExitCode.Should().Be(0, none.ToString());
        none.Stdout.Should().Contain("No contact waiting in the trigger of members has failed attempts in the last 30 days")
            .And.NotContain("No failed attempts", "two contacts did fail");
        one.Stdout.Should().Contain("1 contact waiting in the trigger of members with failed attempts in the last 30 days");
        all.Stdout.Should().Contain("2 contacts with failed attempts in the last 30 days");
    }

    [Fact(Timeout = 120_000)]
    public async Task Failures_list_by_default_only_contacts_still_waiting_in_a_trigger_and_all_lists_the_rest()
    {
        // Found in trial13: without --rule the list held every contact that ever failed, those that gave up and left the
        // trigger too, which is history, not work for an admin.
        using var sites = new Sites();
        var clock = new ShiftedClock(TimeSpan.FromHours(-2));
        sites.Civi.Clock = clock;
        var gaveUp = sites.AddMember("No", "Email", null);
        var waiting = sites.AddMember("Bea", null, null);
        using var folder = new TempFolder();
        folder.Write("appsettings.json", Sites.Json(OneAttempt(sites.Settings())));

        clock.Shift = TimeSpan.FromHours(-1);
        var run = await Cli.RunAsync(folder.Path, null, "run");
        clock.Shift = TimeSpan.FromMinutes(-30);
        sites.Civi.AddToGroup(sites.Members, [waiting]);
        var text = await Cli.RunAsync(folder.Path, null, "failures");
        var json = await Cli.RunAsync(folder.Path, null, "failures", "--json");
        var all = await Cli.RunAsync(folder.Path, null, "failures", "--all", "--json");
        var allText = await Cli.RunAsync(folder.Path, null, "failures", "-a");

        run.ExitCode.Should().Be(1, run.ToString());
        sites.Civi.GroupStatus(sites.Members, gaveUp).Should().Be("Removed", "the contact gave up and left the trigger");
        text.ExitCode.Should().Be(0, text.ToString());
        text.Stdout.Should().StartWith("Contacts waiting in a rule's trigger whose last attempt failed in the last 30 days (--all: also those no trigger holds any more):")
            .And.MatchRegex($@"\b{waiting}\s+Bea\s+0 of 1\b", "the row names the contact, then its attempts")
            .And.NotMatchRegex($@"(?m)^\s*{gaveUp}\s", "a contact that gave up waits in no trigger")
            .And.Contain("1 contact waiting in a rule's trigger with failed attempts in the last 30 days; 1 will be retried.")
            .And.Contain("Not listed: 1 contact whose last attempt failed but that no trigger holds").And.Contain("'cmsuser failures --all'");
        json.Json.GetProperty("scope").GetString().Should().Be("waiting");
        json.Json.GetProperty("notListed").GetInt32().Should().Be(1);
        json.Json.GetProperty("contacts").EnumerateArray().Select(c => c.GetProperty("contactId").GetInt64()).Should().Equal(waiting);
        all.Json.GetProperty("scope").GetString().Should().Be("all");
        all.Json.GetProperty("notListed").GetInt32().Should().Be(0);
        all.Json.GetProperty("contacts").EnumerateArray().Select(c => c.GetProperty("contactId").GetInt64()).Should().BeEquivalentTo([waiting, gaveUp]);
        all.Json.GetProperty("contacts").EnumerateArray().Single(c => c.GetProperty("contactId").GetInt64() == gaveUp)
            .GetProperty("next").GetString().Should().Be("notWaiting");
        allText.Stdout.Should().StartWith("Every contact whose last attempt failed in the last 30 days, waiting in a trigger or not:")
            .And.Contain("2 contacts with failed attempts in the last 30 days").And.NotContain("Not listed");
    }

    [Fact(Timeout = 120_000)]
    public async Task Failures_name_each_contact_and_one_rules_not_listed_count_leaves_out_other_rules_waiting_contacts()
    {
        // Found on the real CiviCRM 6.17.2 (trial10): the list showed contact ids only, and with --rule its "Not listed" count
        // held the contacts waiting in another rule's trigger too, which are that rule's work, not contacts this rule lost.
        using var sites = new Sites();
        var clock = new ShiftedClock(TimeSpan.FromHours(-2));
        sites.Civi.Clock = clock;
        var volunteers = sites.Civi.AddGroup("volunteers");
        var gaveUp = sites.AddMember("Gil", "Gone", null);
        var member = sites.AddMember("Mia", "Member", null);
        var volunteer = sites.Civi.AddContact("Vera", "Volunteer", null);
        sites.Civi.AddToGroup(volunteers, [volunteer]);
        var settings = OneAttempt(sites.Settings());
        Sites.AddRule(settings, "volunteers", "volunteers");
        using var folder = new TempFolder();
        folder.Write("appsettings.json", Sites.Json(settings));

        clock.Shift = TimeSpan.FromHours(-1);
        var run = await Cli.RunAsync(folder.Path, null, "run");
        clock.Shift = TimeSpan.FromMinutes(-30);
        sites.Civi.AddToGroup(sites.Members, [member]);
        sites.Civi.AddToGroup(volunteers, [volunteer]);
        var requestsBefore = sites.Civi.Requests.Count;
        var json = await Cli.RunAsync(folder.Path, null, "failures", "--rule", "members", "--json");
        var readRequests = sites.Civi.Requests.Count - requestsBefore;
        var text = await Cli.RunAsync(folder.Path, null, "failures", "--rule", "members");
        var every = await Cli.RunAsync(folder.Path, null, "failures");

        run.ExitCode.Should().Be(1, run.ToString());
        json.ExitCode.Should().Be(0, json.ToString());
        var listed = json.Json.GetProperty("contacts").EnumerateArray().Should().ContainSingle().Subject;
        listed.GetProperty("contactId").GetInt64().Should().Be(member);
        listed.GetProperty("displayName").GetString().Should().Be("Mia Member");
        json.Json.GetProperty("notListed").GetInt32().Should().Be(2, "Gil waits in no trigger; Vera waits in the trigger of volunteers and is that rule's: both are left out");
        json.Json.GetProperty("counts").GetProperty("notListedNoTrigger").GetInt32().Should().Be(1, "Gil");
        json.Json.GetProperty("counts").GetProperty("notListedOtherRules").GetInt32().Should().Be(1, "Vera");
        json.Json.GetProperty("counts").GetProperty("total").GetInt32().Should().Be(3, "listed and not listed add up to what --all lists");
        text.Stdout.Should().MatchRegex($@"(?m)^\s*{member}\s+Mia Member\s+0 of 1\s")
            .And.Contain("Not listed: 2 contacts whose last attempt failed: 1 that no trigger holds").And.Contain("1 waiting in another rule's trigger")
            .And.NotContain("Vera", "she is not this rule's").And.NotContain("Gil");
        every.Stdout.Should().MatchRegex($@"(?m)^\s*{member}\s+Mia Member\s").And.MatchRegex($@"(?m)^\s*{volunteer}\s+Vera Volunteer\s")
            .And.Contain("Not listed: 1 contact whose last attempt failed but that no trigger holds");
        // The names come with the activities, in the same request (each page of it), not in a request of their own.
        var activityReads = sites.Civi.Requests.Skip(requestsBefore).Take(readRequests)
            .Where(r => r.Entity == "ActivityContact" && r.ParamsJson?.Contains("act.details", StringComparison.Ordinal) == true).ToList();
        activityReads.Should().NotBeEmpty().And.OnlyContain(r => r.ParamsJson!.Contains("\"contact.display_name\"", StringComparison.Ordinal));
    }

    [Fact(Timeout = 120_000)]
    public async Task Failures_without_a_waiting_contact_say_how_many_are_not_listed()
    {
        using var sites = new Sites();
        var gaveUp = sites.AddMember("No", "Email", null);
        using var folder = new TempFolder();
        folder.Write("appsettings.json", Sites.Json(OneAttempt(sites.Settings())));

        var run = await Cli.RunAsync(folder.Path, null, "run");
        var text = await Cli.RunAsync(folder.Path, null, "failures");

        run.ExitCode.Should().Be(1, run.ToString());
        text.ExitCode.Should().Be(0, text.ToString());
        text.Stdout.Should().Contain("No contact waiting in a rule's trigger has failed attempts in the last 30 days.")
            .And.Contain("Not listed: 1 contact whose last attempt failed").And.NotContain("Last attempt (UTC)", "no table for an empty list");
        sites.Civi.GroupStatus(sites.Members, gaveUp).Should().Be("Removed");
    }

    [Fact(Timeout = 120_000)]
    public async Task Failures_all_with_a_rule_exits_3_before_anything_connects()
    {
        using var sites = new Sites();
        using var folder = new TempFolder();
        folder.Write("appsettings.json", Sites.Json(sites.Settings()));

        var result = await Cli.RunAsync(folder.Path, null, "failures", "--all", "--rule", "members");

        result.ExitCode.Should().Be(ExitCodes.Configuration, result.ToString());
        result.Stderr.Should().Contain("cannot be combined with --rule 'members'").And.Contain("cmsuser failures --rule members");
        sites.Civi.Requests.Should().BeEmpty();
    }

    private static JsonObject OneAttempt(JsonObject settings)
    {
        settings["CmsUser"]!["Retry"]!["MaxAttempts"] = 1;
        return settings;
    }

    /// <summary>The fake CiviCRM's clock, shifted from the system clock: activity and subscription dates in a set order without waiting.</summary>
    private sealed class ShiftedClock(TimeSpan shift) : TimeProvider
    {
        public TimeSpan Shift { get; set; } = shift;

        public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + Shift;
    }
}
