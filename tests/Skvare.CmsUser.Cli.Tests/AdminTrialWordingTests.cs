using System.Text.RegularExpressions;

namespace Skvare.CmsUser.Cli.Tests;

/// <summary>
/// Regressions from a CiviCRM admin's trial on the real CiviCRM 6.17.2 (trial10): <c>failures</c> told the admin to add a
/// contact without an email back to its trigger "to retry" (it would give up again at once), and a run quarantined when
/// CiviCRM went away during a page's write-back read "… writes nothing twice.. The remaining contacts …".
/// </summary>
public sealed class AdminTrialWordingTests
{
    private static FailureRecord GaveUp(string lastError) => new(7, 1, DateTimeOffset.UnixEpoch, lastError, FailureNext.NotWaiting, null);

    [Theory]
    [InlineData("no_email: The contact has no primary email address.", "give the contact a primary email in CiviCRM, then add the contact to the trigger again")]
    [InlineData("invalid_email: The primary email address 'x' is not a valid address.", "correct the contact's primary email in CiviCRM, then add")]
    [InlineData("email_on_hold: The contact's primary email address is on hold.", "release its hold in CiviCRM, then add")]
    [InlineData("account_linked_to_other_contact: The email address is used by CMS account 5, which belongs to contact 4.", "fix what the last error names, then add the contact to the trigger again to retry")]
    public void Failures_says_what_to_fix_before_a_contact_that_gave_up_is_added_again(string lastError, string expected)
    {
        Output.Next(GaveUp(lastError), 4).Should().StartWith("not waiting in any trigger (gave up): ").And.Contain(expected);
    }

    [Fact]
    public void A_waiting_contact_keeps_the_retry_words()
    {
        var waiting = new FailureRecord(7, 1, DateTimeOffset.UnixEpoch, "no_email: x", FailureNext.Retry, "members");

        Output.Next(waiting, 4).Should().Be("retried by the next run of members (attempt 2 of 4)");
    }

    [Fact]
    public void A_quarantine_whose_reason_ends_a_sentence_reads_one_period()
    {
        var summary = new RunSummary
        {
            StartedAt = DateTimeOffset.UnixEpoch,
            Duration = TimeSpan.FromSeconds(1),
            Counts = new Dictionary<OutcomeKind, int> { [OutcomeKind.Failed] = 5 },
            Failures = [],
            Quarantined = true,
            StopKind = RunStopKind.Quarantined,
            StopReason = "CiviCRM or the CMS is unavailable: the answer to the page's write-back was lost (…). CiviCRM may have applied it: the next run finds out and writes nothing twice. ",
        };

        var line = Output.StopLine("run", summary);

        line.Should().Contain("writes nothing twice. The remaining contacts were left untouched").And.NotContain("..");
    }
    [Fact(Timeout = 120_000)]
    public async Task A_value_a_package_cannot_read_is_reported_with_the_engines_problems()
    {
        // Regression: CmsUser:CiviCrm:UrlStyle 'Wordpres' stopped the host before the engine's settings were validated,
        // so the admin fixed it and only then learned of the misspelled trigger Kind and history key.
        using var folder = new TempFolder();
        folder.Write("appsettings.json", """
            {
              "CmsUser": {
                "Rules": [ { "Name": "members", "Trigger": { "Kind": "Groop", "Reference": "website_members" }, "Histroy": { "Kind": "Group", "Reference": "done" } } ],
                "CiviCrm": { "BaseUrl": "http://127.0.0.1:9/", "ApiKey": "k", "UrlStyle": "Wordpres" },
                "WordPress": { "BaseUrl": "http://127.0.0.1:9/", "Username": "u", "ApplicationPassword": "p" }
              }
            }
            """);

        var result = await Cli.RunAsync(folder.Path, null, "run");

        result.ExitCode.Should().Be(3, result.ToString());
        // The packages' validators run too (trialdev24: their sections are bound without the value that does not
        // convert), so the short application password is the fourth problem of the same message.
        result.Stderr.Should().Contain("have 4 problems")
            .And.Contain("CmsUser:CiviCrm:UrlStyle is 'Wordpres', which is not one of Clean, WordPress, Joomla, Template; did you mean WordPress?")
            .And.Contain("CmsUser:Rules:0:Trigger:Kind is 'Groop', which is not one of Group, Tag, SavedSearch; did you mean Group?")
            .And.Contain("CmsUser:Rules:0:Histroy is not a setting")
            .And.Contain("CmsUser:WordPress:ApplicationPassword looks too short");
    }

    [Fact(Timeout = 120_000)]
    public async Task Plan_says_why_a_contact_named_without_latin_letters_gets_the_fallback_username()
    {
        // Found in trial10: a contact named only in Chinese was planned as user4457 with an empty note.
        using var sites = new Sites();
        var chinese = sites.AddMember("王", "芳", "wang.fang@example.org");
        using var folder = new TempFolder();
        folder.Write("appsettings.json", Sites.Json(sites.Settings()));

        var text = await Cli.RunAsync(folder.Path, null, "plan");
        var json = await Cli.RunAsync(folder.Path, null, "plan", "--json");

        const string Note = "The username pattern {contact.first_name}.{contact.last_name} gives this contact no characters a username can keep (letters "
            + "outside the Latin alphabet, and emoji, are left out), so the username comes from FallbackUsernamePattern (user{contact.contact_id}). "
            + "To choose another, change UsernamePattern or FallbackUsernamePattern.";
        text.ExitCode.Should().Be(0, text.ToString());
        text.Stdout.Should().MatchRegex($@"(?m)^\s*{chinese}\s+members\s+Create\s+user{chinese}\s+{Regex.Escape(Note)}$", "the note is on the contact's row, on one line");
        var entry = json.Json.GetProperty("contacts").EnumerateArray().Should().ContainSingle().Subject;
        entry.GetProperty("username").GetString().Should().Be($"user{chinese}");
        entry.GetProperty("note").GetString().Should().Be(Note);
        sites.WordPress.FindUser($"user{chinese}").Should().BeNull("a plan writes nothing");
    }

    [Fact]
    public void Failures_of_one_rule_name_the_rule_in_the_not_listed_line()
    {
        // "that no tagged trigger holds" read as "no trigger that is tagged" for a rule named "tagged". Since trial10 (session
        // 15) the contacts no trigger holds (which may have come from this rule or another) are told apart from those in
        // another rule's trigger (that rule's); since session 23 both are counted, so the counts add up to what --all lists.
        Output.NotListedLine(new FailureCounts(5, 2, 3, 0, 2, 0, 0), "tagged").Should().StartWith("Not listed: 3 contacts whose last attempt failed but that no trigger holds (gave up")
            .And.Contain("from the rule tagged or another: the activities do not name the rule").And.NotContain("no tagged").And.EndWith("'cmsuser failures --all' lists all 5.");
        Output.NotListedLine(new FailureCounts(1, 0, 1, 0, 0, 0, 0), null).Should().StartWith("Not listed: 1 contact whose last attempt failed but that no trigger holds (gave up")
            .And.NotContain("the activities do not name");
        Output.NotListedLine(new FailureCounts(6, 1, 2, 3, 1, 0, 0), "tagged").Should().StartWith("Not listed: 5 contacts whose last attempt failed: 2 that no trigger holds (gave up")
            .And.Contain(", 3 waiting in another rule's trigger ('cmsuser failures' without --rule lists them); 'cmsuser failures --all' lists all 6.");
    }
}
