using System.Text.Json;
using CsCheck;
using Skvare.CmsUser.Tests.Properties;
using Skvare.CmsUser.CiviCrm;
using Skvare.CmsUser.CiviCrm.Api;

namespace Skvare.CmsUser.Cli.Tests;

/// <summary>
/// Open (Scheduled) creation and reset records no run will finish, because their contact waits in no trigger any more
/// (taken out of its group or tag, trashed, deleted): <c>cmsuser failures</c> lists them, <c>--close-orphans</c> marks them
/// Cancelled. A record of a contact still waiting, or opened too recently, is never listed nor touched. The records are
/// opened as a page opens them (<c>Activity.save</c>, Scheduled, the contact as target and <c>source_record_id</c>), on the
/// fake CiviCRM whose clock is set back, so they are hours old without waiting.
/// </summary>
public sealed class OrphanRecordTests
{
    private const string Creation = CiviCrmActivityTypes.AccountCreation;
    private const string Reset = CiviCrmActivityTypes.PasswordReset;

    [Fact(Timeout = 120_000)]
    public async Task Failures_list_open_records_no_trigger_would_finish_and_close_orphans_cancels_exactly_those()
    {
        using var sites = new Sites();
        using var civi = new Client(sites);
        var clock = new ShiftedClock(TimeSpan.FromHours(-3));
        sites.Civi.Clock = clock;

        var waiting = sites.AddMember("Wanda", "Waiting", "wanda@example.org");
        var removed = sites.AddMember("Rémy", "Removed", "remy@example.org");
        var trashed = sites.AddMember("Tia", "Trashed", "tia@example.org");
        var deleted = sites.AddMember("Dan", "Deleted", "dan@example.org");
        var tagged = sites.Civi.AddContact("Tara", "Tagged", "tara@example.org");
        sites.Civi.TagContacts(sites.ResetTag, [tagged]);
        var untagged = sites.Civi.AddContact("Ugo", "Untagged", "ugo@example.org");
        var young = sites.AddMember("Yann", "Young", "yann@example.org");
        var done = sites.AddMember("Cora", "Completed", "cora@example.org");

        var open = new Dictionary<string, long>
        {
            ["waiting"] = await civi.OpenAsync(waiting, Creation),
            ["removed"] = await civi.OpenAsync(removed, Creation),
            ["trashed"] = await civi.OpenAsync(trashed, Creation),
            ["deleted"] = await civi.OpenAsync(deleted, Creation),
            ["tagged"] = await civi.OpenAsync(tagged, Reset),
            ["untagged"] = await civi.OpenAsync(untagged, Reset),
            // A creation record of a contact that waits only in a reset campaign: no run of a rule reaches it.
            ["taggedCreation"] = await civi.OpenAsync(tagged, Creation),
            ["done"] = await civi.OpenAsync(done, Creation, "Completed"),
        };
        clock.Shift = TimeSpan.FromMinutes(-10);
        open["young"] = await civi.OpenAsync(young, Creation);
        sites.Civi.AddToGroup(sites.Members, [removed, young, done], "Removed");
        await civi.DeleteContactAsync(trashed, forGood: false);
        await civi.DeleteContactAsync(deleted, forGood: true);

        using var folder = new TempFolder();
        folder.Write("appsettings.json", Sites.Json(sites.Settings()));
        var byDefault = await Cli.RunAsync(folder.Path, null, "failures", "--json");
        var json = await Cli.RunAsync(folder.Path, null, "failures", "--older-than", "1h", "--json");
        var text = await Cli.RunAsync(folder.Path, null, "failures", "--older-than", "1h");
        var statusesBefore = sites.Civi.Activities.ToDictionary(a => a.Id, a => a.Status);
        var close = await Cli.RunAsync(folder.Path, null, "failures", "--older-than", "1h", "--close-orphans", "--json");
        var after = await Cli.RunAsync(folder.Path, null, "failures", "--older-than", "1h", "--close-orphans");

        byDefault.ExitCode.Should().Be(0, byDefault.ToString());
        byDefault.Json.GetProperty("orphans").GetProperty("records").GetArrayLength().Should().Be(0, "by default only records opened more than a day ago are looked at");
        byDefault.Json.GetProperty("orphans").GetProperty("olderThanMinutes").GetDouble().Should().Be(1440);
        statusesBefore.Values.Should().NotContain("Cancelled", "listing writes nothing");

        json.ExitCode.Should().Be(0, json.ToString());
        var orphans = json.Json.GetProperty("orphans");
        orphans.GetProperty("closed").ValueKind.Should().Be(JsonValueKind.Null, "nothing was closed without --close-orphans");
        var records = orphans.GetProperty("records").EnumerateArray().ToDictionary(r => r.GetProperty("activityId").GetInt64());
        records.Keys.Should().BeEquivalentTo([open["removed"], open["trashed"], open["deleted"], open["untagged"], open["taggedCreation"]],
            "the contact still waiting, the one in the reset campaign's tag, the record opened 10 minutes ago and the completed one are the runs' business");
        Describe(records[open["removed"]]).Should().Be(("accountCreation", removed, "Rémy Removed", "notWaiting"));
        Describe(records[open["trashed"]]).Should().Be(("accountCreation", trashed, "Tia Trashed", "inTrash"));
        Describe(records[open["deleted"]]).Should().Be(("accountCreation", deleted, null, "deleted"), "a contact deleted for good is named by the record's source_record_id");
        Describe(records[open["untagged"]]).Should().Be(("passwordReset", untagged, "Ugo Untagged", "notWaiting"));
        Describe(records[open["taggedCreation"]]).Should().Be(("accountCreation", tagged, "Tara Tagged", "notWaiting"), "a reset campaign never finishes a creation record");
        records[open["removed"]].GetProperty("openedAt").GetDateTimeOffset().Should().BeBefore(DateTimeOffset.UtcNow.AddHours(-2));

        text.ExitCode.Should().Be(0, text.ToString());
        text.Stdout.Should().Contain("Open records no run will finish (opened more than 1 h ago")
            .And.MatchRegex($@"\b{open["removed"]}\s+account creation\s+{removed}\s+Rémy Removed\s+\d{{4}}-\d\d-\d\d \d\d:\d\d\s+in no rule's trigger")
            .And.MatchRegex($@"\b{open["untagged"]}\s+password reset\s+{untagged}\s+Ugo Untagged\s+.*in no reset campaign's group or tag")
            .And.MatchRegex($@"\b{open["trashed"]}\s+.*in CiviCRM's trash")
            .And.MatchRegex($@"\b{open["deleted"]}\s+account creation\s+{deleted}\s+.*deleted")
            .And.Contain("5 open records no run will finish: 'cmsuser failures --close-orphans' marks them Cancelled");

        close.ExitCode.Should().Be(0, close.ToString());
        close.Json.GetProperty("orphans").GetProperty("closed").GetInt32().Should().Be(5);
        var activities = sites.Civi.Activities.ToDictionary(a => a.Id);
        foreach (var key in new[] { "removed", "trashed", "deleted", "untagged", "taggedCreation" })
        {
            activities[open[key]].Status.Should().Be("Cancelled", key);
        }

        activities[open["removed"]].Details.Should().Contain("Closed by 'cmsuser failures --close-orphans'").And.Contain("counts as no attempt").And.Contain("finds an account with its email and links it");
        activities[open["untagged"]].Details.Should().Contain("reset never finished");
        activities[open["waiting"]].Status.Should().Be("Scheduled", "its contact waits in the trigger: the next run finishes it");
        activities[open["tagged"]].Status.Should().Be("Scheduled", "its contact waits in the reset campaign's tag");
        activities[open["young"]].Status.Should().Be("Scheduled", "opened 10 minutes ago: it may belong to a page a run is working on");
        activities[open["done"]].Status.Should().Be("Completed");
        activities.Values.Should().NotContain(a => a.Status == "Failed", "closing is no failed attempt");

        after.ExitCode.Should().Be(0, after.ToString());
        after.Stdout.Should().Contain("No open record opened more than 1 h ago belongs to a contact that waits in no trigger: nothing to close.");

        // The contact put back in its trigger is tried afresh: its closed record neither blocks nor counts.
        sites.Civi.AddToGroup(sites.Members, [removed]);
        var run = await Cli.RunAsync(folder.Path, null, "run", "--json");
        run.ExitCode.Should().Be(0, run.ToString());
        var outcome = run.Json.GetProperty("contacts").EnumerateArray().Should().ContainSingle(c => c.GetProperty("contactId").GetInt64() == removed).Subject;
        outcome.GetProperty("outcome").GetString().Should().Be("created");
        sites.Civi.Activities.Where(a => a.Targets.Contains(removed)).Select(a => a.Status).Should().BeEquivalentTo(["Cancelled", "Completed"]);
    }

    [Fact(Timeout = 120_000)]
    public async Task Many_orphans_are_read_asked_and_closed_500_a_request()
    {
        using var sites = new Sites();
        using var civi = new Client(sites);
        sites.Civi.Clock = new ShiftedClock(TimeSpan.FromHours(-3));
        var contacts = Enumerable.Range(0, 620).Select(i => sites.AddMember("Gone", $"N{i}", $"gone{i}@example.org")).ToArray();
        var records = await civi.OpenManyAsync(contacts);
        var stays = sites.AddMember("Still", "Here", "still@example.org");
        var open = await civi.OpenAsync(stays, Creation);
        sites.Civi.AddToGroup(sites.Members, contacts, "Removed");
        using var folder = new TempFolder();
        folder.Write("appsettings.json", Sites.Json(sites.Settings()));

        var before = sites.Civi.Requests.Count;
        var close = await Cli.RunAsync(folder.Path, null, "failures", "--older-than", "2h", "--close-orphans", "--json");
        var requests = sites.Civi.Requests.Skip(before).ToList();

        close.ExitCode.Should().Be(0, close.ToString());
        close.Json.GetProperty("orphans").GetProperty("closed").GetInt32().Should().Be(620);
        close.Json.GetProperty("orphans").GetProperty("openRead").GetInt32().Should().Be(621);
        sites.Civi.Activities.Where(a => records.Contains(a.Id)).Should().OnlyContain(a => a.Status == "Cancelled");
        sites.Civi.Activities.Single(a => a.Id == open).Status.Should().Be("Scheduled");
        requests.Count(r => r.Entity == "Activity" && r.Action == "update").Should().Be(2, "620 records are closed 500 a request");
        requests.Count(r => r.Entity == "ActivityContact" && r.Action == "get" && r.ParamsJson!.Contains("\"Scheduled\"", StringComparison.Ordinal))
            .Should().Be(2, "621 open records are read 500 a request");
        requests.Count(r => r.Entity == "Contact" && r.Action == "get" && r.ParamsJson!.Contains("\"groups\"", StringComparison.Ordinal))
            .Should().Be(2, "the rule's trigger is asked for 621 contacts 500 a request, not once a contact");
        requests.Count.Should().BeLessThan(20, "a few requests whatever the number of records");
    }

    [Fact(Timeout = 120_000)]
    public async Task The_age_of_a_record_is_read_in_the_sites_time_zone()
    {
        // CiviCRM stores activity dates as the site's wall-clock time. In Honolulu (UTC-10) a record opened 30 minutes ago
        // reads 10 h 30 min old to a reader that takes the date for UTC: it would be closed under a run still at work on it.
        using var sites = new Sites();
        sites.Civi.SiteTimeZone = TimeZoneInfo.FindSystemTimeZoneById("Pacific/Honolulu");
        using var civi = new Client(sites);
        var clock = new ShiftedClock(TimeSpan.FromHours(-3));
        sites.Civi.Clock = clock;
        var old = sites.AddMember("Olga", "Old", "olga@example.org");
        var recent = sites.AddMember("Rita", "Recent", "rita@example.org");
        var oldRecord = await civi.OpenAsync(old, Creation);
        clock.Shift = TimeSpan.FromMinutes(-30);
        await civi.OpenAsync(recent, Creation);
        sites.Civi.AddToGroup(sites.Members, [old, recent], "Removed");
        using var folder = new TempFolder();
        folder.Write("appsettings.json", Sites.Json(sites.Settings()));

        var json = await Cli.RunAsync(folder.Path, null, "failures", "--older-than", "1h", "--json");

        json.ExitCode.Should().Be(0, json.ToString());
        var record = json.Json.GetProperty("orphans").GetProperty("records").EnumerateArray().Should().ContainSingle().Subject;
        record.GetProperty("activityId").GetInt64().Should().Be(oldRecord);
        record.GetProperty("openedAt").GetDateTimeOffset().Should().BeCloseTo(DateTimeOffset.UtcNow.AddHours(-3), TimeSpan.FromMinutes(30), "the site's wall-clock time read in its zone");
    }

    [Fact(Timeout = 120_000)]
    public async Task A_record_a_run_finished_after_the_listing_is_not_closed()
    {
        // The close names the records it read, but writes only those still Scheduled: a run that reached the contact in between
        // (it was put back in its trigger) keeps what it wrote.
        using var sites = new Sites();
        using var civi = new Client(sites);
        var contact = sites.AddMember("Pia", "Back", "pia@example.org");
        var record = await civi.OpenAsync(contact, Creation);
        await civi.CompleteAsync(record);

        var result = await civi.Api.CallAsync("Activity", "update", OrphanRecords.CloseQuery([record], ActivityKind.AccountCreation));

        result.Values.Should().BeEmpty();
        sites.Civi.Activities.Single(a => a.Id == record).Status.Should().Be("Completed");
        Output.OrphansLine(1, 0).Should().Be("Closed 0 of 1 open record as Cancelled; 1 was no longer Scheduled (a run finished it meanwhile) and was left as it was.");
    }

    [Theory(Timeout = 60_000)]
    [InlineData("--close-orphans", "--rule", "members")]
    [InlineData("--older-than", "2m")]
    [InlineData("--older-than", "yesterday")]
    [InlineData("--older-than", "-3h")]
    public async Task Close_orphans_with_a_rule_and_an_age_that_is_none_or_too_young_are_usage_errors(params string[] options)
    {
        using var sites = new Sites();
        using var folder = new TempFolder();
        folder.Write("appsettings.json", Sites.Json(sites.Settings()));

        var result = await Cli.RunAsync(folder.Path, null, ["failures", .. options]);

        result.ExitCode.Should().Be(3, result.ToString());
        result.Stderr.Should().ContainAny("cannot be combined with --rule", "--older-than");
        sites.Civi.Requests.Where(r => r.Action == "update").Should().BeEmpty();
    }

    [Fact]
    public void Ages_are_a_number_and_a_unit()
    {
        Durations.TryParse("90m", out var minutes).Should().BeTrue();
        minutes.Should().Be(TimeSpan.FromMinutes(90));
        Durations.TryParse(" 1.5 d ", out var days).Should().BeTrue();
        days.Should().Be(TimeSpan.FromHours(36));
        Durations.TryParse("12H", out var hours).Should().BeTrue();
        hours.Should().Be(TimeSpan.FromHours(12));
        Durations.TryParse("5min", out var five).Should().BeTrue();
        five.Should().Be(TimeSpan.FromMinutes(5));
        foreach (var bad in new[] { "", "h", "12", "12 weeks", "1e3h", "-1h", "1,5h", "0x10m", "1.2.3h", "99999999999d" })
        {
            Durations.TryParse(bad, out _).Should().BeFalse(bad);
        }
    }

    [Fact]
    public void Any_text_is_an_age_or_not_without_throwing()
    {
        Gen.OneOf(HostileText.Text, Gen.String[Gen.Char["0123456789.,-+e smhdinSMHD"], 0, 16]).Sample(text =>
        {
            if (Durations.TryParse(text, out var age))
            {
                age.Should().BeGreaterThanOrEqualTo(TimeSpan.Zero, text);
            }
        });
        string[] units = ["s", "m", "min", "h", "d"];
        Gen.Select(Gen.Decimal[0m, 100_000m], Gen.Int[0, units.Length - 1]).Sample((value, unit) =>
        {
            var text = value.ToString(System.Globalization.CultureInfo.InvariantCulture) + units[unit];
            Durations.TryParse(text, out var age).Should().BeTrue(text);
            age.Should().BeGreaterThanOrEqualTo(TimeSpan.Zero, text);
        });
    }

    private static (string? Kind, long? Contact, string? Name, string? Where) Describe(JsonElement record) =>
        (record.GetProperty("kind").GetString(),
         record.GetProperty("contactId").ValueKind == JsonValueKind.Number ? record.GetProperty("contactId").GetInt64() : null,
         record.GetProperty("displayName").GetString(),
         record.GetProperty("contact").GetString());

    /// <summary>The fake CiviCRM's clock, shifted from the system clock: records hours old without waiting.</summary>
    private sealed class ShiftedClock(TimeSpan shift) : TimeProvider
    {
        public TimeSpan Shift { get; set; } = shift;

        public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + Shift;
    }

    /// <summary>The package's API client on the fake CiviCRM, writing records as a page opens them.</summary>
    private sealed class Client : IDisposable
    {
        private readonly HttpClient _http = new();

        public Client(Sites sites)
        {
            Api = new CiviCrmApiClient(_http, Microsoft.Extensions.Options.Options.Create(new CiviCrmOptions { BaseUrl = sites.Civi.Url, ApiKey = sites.Civi.ApiKey }));
            sites.Civi.AddOptionValue("activity_type", Creation);
            sites.Civi.AddOptionValue("activity_type", Reset);
        }

        public CiviCrmApiClient Api { get; }

        /// <summary>Opens a record of <paramref name="type"/> for the contact, as a page does; returns its id.</summary>
        public async Task<long> OpenAsync(long contact, string type, string status = "Scheduled") =>
            (await OpenManyAsync([contact], type, status))[0];

        public async Task<long[]> OpenManyAsync(IReadOnlyList<long> contacts, string type = Creation, string status = "Scheduled")
        {
            var ids = new List<long>();
            foreach (var chunk in contacts.Chunk(200))
            {
                var save = new Api4Params();
                foreach (var contact in chunk)
                {
                    save.Records.Add(new Dictionary<string, object?>
                    {
                        ["activity_type_id:name"] = type,
                        ["status_id:name"] = status,
                        ["subject"] = "Creating account : someone",
                        ["details"] = "In progress.",
                        ["source_contact_id"] = "user_contact_id",
                        ["target_contact_id"] = new[] { contact },
                        ["source_record_id"] = contact,
                    });
                }

                var result = await Api.CallAsync("Activity", "save", save);
                ids.AddRange(result.Values.Select(v => v.GetProperty("id").GetInt64()));
            }

            return [.. ids];
        }

        /// <summary>Completes a record by id, as a page's write-back does.</summary>
        public async Task CompleteAsync(long record)
        {
            var save = new Api4Params();
            save.Records.Add(new Dictionary<string, object?> { ["id"] = record, ["status_id:name"] = "Completed" });
            await Api.CallAsync("Activity", "save", save);
        }

        /// <summary>Deletes a contact: to the trash, or for good.</summary>
        public async Task DeleteContactAsync(long contact, bool forGood)
        {
            var delete = new Api4Params().WithWhere(Api4Condition.Eq("id", contact));
            if (forGood)
            {
                delete.Extra["useTrash"] = false;
            }

            await Api.CallAsync("Contact", "delete", delete);
        }

        public void Dispose()
        {
            Api.Dispose();
            _http.Dispose();
        }
    }
}
