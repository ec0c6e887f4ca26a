using System.Text.Json;
using Skvare.CmsUser.Testing.CiviCrm;

namespace Skvare.CmsUser.Testing.Tests.CiviCrm;

/// <summary>Where the fake CiviCRM differed from a real CiviCRM 6.17.2 (issue 9), each held to the real behaviour.</summary>
public sealed class FakeCiviCrmFidelityTests : IDisposable
{
    private readonly FakeCiviCrmServer _server = new();
    private readonly Api4Client _api;
    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromSeconds(30));

    public FakeCiviCrmFidelityTests()
    {
        _api = new Api4Client(_server);
    }

    private CancellationToken Ct => _timeout.Token;

    [Fact]
    public async Task A_chained_call_runs_per_row_with_dollar_substitution_and_nests_its_result_under_its_key()
    {
        var body = await _api.OkAsync("Contact", "create", new Dictionary<string, object>
        {
            ["values"] = new { first_name = "Ana", last_name = "Lima" },
            ["chain"] = new Dictionary<string, object[]>
            {
                ["email"] = ["Email", "create", new { values = new { contact_id = "$id", email = "ana@example.org", is_primary = true } }],
                ["first"] = ["Email", "get", new { where = new object[] { new object[] { "contact_id", "=", "$id" } } }, 0],
            },
        }, Ct);

        var contact = body.GetProperty("values")[0];
        var id = contact.GetProperty("id").GetInt64();
        contact.GetProperty("email").ValueKind.Should().Be(JsonValueKind.Array);
        contact.GetProperty("email")[0].GetProperty("contact_id").GetInt64().Should().Be(id);
        contact.GetProperty("first").GetProperty("email").GetString().Should().Be("ana@example.org", "an index picks the single row");
        _server.Store.Rows("Email").Should().ContainSingle(e => Equals(e["contact_id"], id) && Equals(e["email"], "ana@example.org"));

        var read = await _api.OkAsync("Contact", "get", new { select = new[] { "email_primary.email" }, where = new object[] { new object[] { "id", "=", id } } }, Ct);
        read.GetProperty("values")[0].GetProperty("email_primary.email").GetString().Should().Be("ana@example.org");
    }

    [Fact]
    public async Task A_chain_without_rows_runs_nothing()
    {
        var body = await _api.OkAsync("Contact", "get", new Dictionary<string, object>
        {
            ["where"] = new object[] { new object[] { "id", "=", 999_999 } },
            ["chain"] = new Dictionary<string, object[]> { ["email"] = ["Email", "create", new { values = new { contact_id = "$id", email = "x@example.org" } }] },
        }, Ct);

        body.GetProperty("count").GetInt32().Should().Be(0);
        _server.Store.Rows("Email").Should().NotContain(e => Equals(e["email"], "x@example.org"));
    }

    [Theory]
    [InlineData("=")]
    [InlineData("IN")]
    [InlineData("CONTAINS")]
    public async Task Multi_valued_activity_contacts_match_when_the_list_holds_the_id(string op)
    {
        var a = _server.AddContact("A", "One", "a@example.org");
        var b = _server.AddContact("B", "Two", "b@example.org");
        var c = _server.AddContact("C", "Three", "c@example.org");
        await _api.OkAsync("Activity", "create", new Dictionary<string, object> { ["values"] = new Dictionary<string, object> { ["activity_type_id:name"] = "Meeting", ["source_contact_id"] = "user_contact_id", ["target_contact_id"] = new[] { a, b } } }, Ct);
        await _api.OkAsync("Activity", "create", new Dictionary<string, object> { ["values"] = new Dictionary<string, object> { ["activity_type_id:name"] = "Meeting", ["source_contact_id"] = "user_contact_id", ["target_contact_id"] = new[] { c } } }, Ct);

        object value = op == "IN" ? new[] { b } : b;
        var found = await _api.OkAsync("Activity", "get", new { select = new[] { "id", "target_contact_id" }, where = new object[] { new object[] { "target_contact_id", op, value } } }, Ct);
        found.GetProperty("count").GetInt32().Should().Be(1);
        found.GetProperty("values")[0].GetProperty("target_contact_id").EnumerateArray().Select(x => x.GetInt64()).Should().Equal(a, b);

        var none = await _api.OkAsync("Activity", "get", new { select = new[] { "id" }, where = new object[] { new object[] { "target_contact_id", op, op == "IN" ? new[] { 999_999L } : 999_999L } } }, Ct);
        none.GetProperty("count").GetInt32().Should().Be(0);
    }

    [Fact]
    public async Task Row_count_with_fields_reports_the_full_match_count_when_the_limit_is_reached()
    {
        for (var i = 0; i < 5; i++)
        {
            _server.AddContact("P" + i, "Page", $"p{i}@example.org");
        }

        var body = await _api.OkAsync("Contact", "get", new { select = new[] { "id", "row_count" }, where = new object[] { new object[] { "last_name", "=", "Page" } }, limit = 2 }, Ct);
        body.GetProperty("countFetched").GetInt32().Should().Be(2);
        body.GetProperty("countMatched").GetInt32().Should().Be(5);
        body.GetProperty("count").GetInt32().Should().Be(5);
        body.GetProperty("values")[0].TryGetProperty("row_count", out _).Should().BeFalse();

        var plain = await _api.OkAsync("Contact", "get", new { select = new[] { "id" }, where = new object[] { new object[] { "last_name", "=", "Page" } }, limit = 2 }, Ct);
        plain.TryGetProperty("countMatched", out _).Should().BeFalse("only row_count asks for it");
    }

    [Fact]
    public async Task A_created_contact_comes_back_whole_with_the_names_civicrm_computes()
    {
        var body = await _api.OkAsync("Contact", "create", new { values = new { first_name = "Zoë", last_name = "Ørsted" } }, Ct);
        var row = body.GetProperty("values")[0];
        row.GetProperty("display_name").GetString().Should().Be("Zoë Ørsted");
        row.GetProperty("sort_name").GetString().Should().Be("Ørsted, Zoë");
        row.GetProperty("contact_type").GetString().Should().Be("Individual");
        row.GetProperty("created_date").GetString().Should().MatchRegex(@"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$");
        row.TryGetProperty("is_deleted", out _).Should().BeTrue("create answers the whole saved record");

        var id = row.GetProperty("id").GetInt64();
        var read = await _api.OkAsync("Contact", "get", new { select = new[] { "display_name", "sort_name" }, where = new object[] { new object[] { "id", "=", id } } }, Ct);
        read.GetProperty("values")[0].GetProperty("sort_name").GetString().Should().Be("Ørsted, Zoë");
    }

    [Fact]
    public async Task Update_and_save_echo_only_the_fields_sent_plus_the_id()
    {
        var id = _server.AddContact("Old", "Name", "old@example.org");
        var updated = await _api.OkAsync("Contact", "update", new { values = new { first_name = "New" }, where = new object[] { new object[] { "id", "=", id } } }, Ct);
        updated.GetProperty("values")[0].EnumerateObject().Select(p => p.Name).Should().BeEquivalentTo("id", "first_name", "custom", "check_permissions");

        var saved = await _api.OkAsync("Contact", "save", new { records = new[] { new { id, last_name = "Newer" } } }, Ct);
        saved.GetProperty("values")[0].EnumerateObject().Select(p => p.Name).Should().BeEquivalentTo("id", "last_name", "custom", "check_permissions");

        var read = await _api.OkAsync("Contact", "get", new { select = new[] { "display_name", "sort_name" }, where = new object[] { new object[] { "id", "=", id } } }, Ct);
        read.GetProperty("values")[0].GetProperty("display_name").GetString().Should().Be("New Newer", "the stored names are recomputed");
        read.GetProperty("values")[0].GetProperty("sort_name").GetString().Should().Be("Newer, New");
    }

    [Fact]
    public async Task A_fresh_617_site_accepts_a_second_link_for_the_same_cms_user_but_never_for_the_same_contact_or_name()
    {
        var a = _server.AddContact("A", "One", "a@example.org");
        var b = _server.AddContact("B", "Two", "b@example.org");
        _server.UniqueUfIdPerDomain.Should().BeFalse("6.17's schema declares (uf_id, domain_id) non-unique");
        await _api.OkAsync("UFMatch", "create", new { values = new { uf_id = 7, uf_name = "a@example.org", contact_id = a } }, Ct);
        await _api.OkAsync("UFMatch", "create", new { values = new { uf_id = 7, uf_name = "b@example.org", contact_id = b } }, Ct);

        var (status, body) = await _api.CallAsync("UFMatch", "create", new { values = new { uf_id = 8, uf_name = "other@example.org", contact_id = a } }, Ct);
        status.Should().Be(500);
        body.GetProperty("error_message").GetString().Should().Be("DB Error: already exists");
    }

    [Fact]
    public async Task A_site_with_the_unique_uf_id_index_refuses_a_second_link_for_the_same_cms_user()
    {
        _server.UniqueUfIdPerDomain = true;
        var a = _server.AddContact("A", "One", "a@example.org");
        var b = _server.AddContact("B", "Two", "b@example.org");
        await _api.OkAsync("UFMatch", "create", new { values = new { uf_id = 7, uf_name = "a@example.org", contact_id = a } }, Ct);

        var (status, body) = await _api.CallAsync("UFMatch", "create", new { values = new { uf_id = 7, uf_name = "b@example.org", contact_id = b } }, Ct);
        status.Should().Be(500);
        body.GetProperty("error_message").GetString().Should().Be("DB Error: already exists");
    }

    [Fact]
    public async Task Save_with_match_finds_the_existing_row_before_filling_defaults_so_values_survive_new_processes()
    {
        var record = new Dictionary<string, object> { ["option_group_id:name"] = "activity_status", ["name"] = "Failed", ["label"] = "Failed", ["is_active"] = true };
        var first = await _api.OkAsync("OptionValue", "save", new { records = new[] { record }, match = new[] { "option_group_id", "name" } }, Ct);
        first.GetProperty("countMatched").GetInt32().Should().Be(0);
        var value = _server.Store.Rows("OptionValue").Single(r => Equals(r["name"], "Failed"))["value"];
        await _api.OkAsync("Activity", "create", new Dictionary<string, object> { ["values"] = new Dictionary<string, object> { ["activity_type_id:name"] = "Meeting", ["status_id:name"] = "Failed", ["source_contact_id"] = "user_contact_id" } }, Ct);

        // Every new SDK process ensures the status again.
        for (var process = 0; process < 3; process++)
        {
            var again = await _api.OkAsync("OptionValue", "save", new { records = new[] { record }, match = new[] { "option_group_id", "name" } }, Ct);
            again.GetProperty("countMatched").GetInt32().Should().Be(1);
            again.GetProperty("values")[0].TryGetProperty("value", out _).Should().BeFalse("an update echoes only what was sent");
        }

        _server.Store.Rows("OptionValue").Where(r => Equals(r["name"], "Failed")).Should().ContainSingle().Which["value"].Should().Be(value);
        var failed = await _api.OkAsync("Activity", "get", new { select = new[] { "row_count" }, where = new object[] { new object[] { "status_id:name", "=", "Failed" } } }, Ct);
        failed.GetProperty("count").GetInt32().Should().Be(1, "the earlier activity keeps its status");
    }

    [Fact]
    public async Task Save_without_every_match_field_creates()
    {
        var body = await _api.OkAsync("GroupContact", "save", new { records = new[] { new { group_id = _server.AddGroup("g"), contact_id = _server.AddContact("X", "Y", null) } }, match = new[] { "group_id", "contact_id", "status" } }, Ct);
        body.GetProperty("countMatched").GetInt32().Should().Be(0);
        var row = body.GetProperty("values")[0];
        row.GetProperty("status").GetString().Should().Be("Added", "the default still applies to a created row");
        row.TryGetProperty("method", out _).Should().BeTrue("the last GroupContact row carries method and tracking, as observed");
    }

    [Fact]
    public async Task A_saved_activity_answers_the_fields_its_bao_set()
    {
        var target = _server.AddContact("T", "Target", "t@example.org");
        var body = await _api.OkAsync("Activity", "save", new { records = new[] { new Dictionary<string, object> { ["activity_type_id:name"] = "Meeting", ["status_id:name"] = "Completed", ["subject"] = "s", ["details"] = "", ["source_contact_id"] = "user_contact_id", ["target_contact_id"] = new[] { target } } } }, Ct);
        var row = body.GetProperty("values")[0];
        row.EnumerateObject().Select(p => p.Name).Should().BeEquivalentTo(
            "id", "activity_type_id", "status_id", "subject", "details", "activity_date_time", "priority_id", "created_date", "modified_date", "target_contact_id", "source_contact_id", "custom", "check_permissions");
        row.GetProperty("target_contact_id").ValueKind.Should().Be(JsonValueKind.Null, "CiviCRM does not echo the contacts");
        row.GetProperty("activity_date_time").GetString().Should().MatchRegex(@"^\d{14}$");
        _server.Activities.Should().ContainSingle().Which.Targets.Should().Equal(target);
    }

    /// <summary>
    /// What CiviCRM 6.17.2 answered (probed on the real site, 2026-12-03) to an activity whose <c>status_id:name</c> names no
    /// status: no error. API v4 turns the unknown name into null without a word; the BAO then gives a new activity its
    /// default, Completed (2), and an update stores null. Answers, keys as the site sent them:
    /// save/create <c>{"id":6493,"activity_type_id":56,"subject":"…","activity_date_time":"20261203061206","status_id":2,
    /// "priority_id":2,"created_date":null,"modified_date":null,"source_contact_id":null,"custom":null,"check_permissions":null}</c>
    /// (count 1, countMatched 0 for save); update by save <c>{"id":6494,"status_id":null,"custom":null,"check_permissions":null}</c>.
    /// </summary>
    [Theory]
    [InlineData("save")]
    [InlineData("create")]
    public async Task An_unknown_activity_status_is_taken_as_the_real_site_takes_it_new_ones_Completed_updates_null(string action)
    {
        var record = new Dictionary<string, object> { ["activity_type_id:name"] = "Meeting", ["status_id:name"] = "NoSuchStatus", ["subject"] = "probe", ["source_contact_id"] = "user_contact_id" };
        var (status, body) = await _api.CallAsync("Activity", action, action == "save" ? new { records = new[] { record } } : new { values = record }, Ct);

        status.Should().Be(200, body.GetRawText());
        body.TryGetProperty("error_message", out _).Should().BeFalse("CiviCRM 6.17.2 refuses nothing here");
        body.GetProperty("count").GetInt32().Should().Be(1);
        if (action == "save")
        {
            body.GetProperty("countMatched").GetInt32().Should().Be(0);
        }

        var row = body.GetProperty("values")[0];
        row.EnumerateObject().Select(p => p.Name).Should().BeEquivalentTo(
            "id", "activity_type_id", "subject", "activity_date_time", "status_id", "priority_id", "created_date", "modified_date", "source_contact_id", "custom", "check_permissions");
        row.GetProperty("status_id").GetInt64().Should().Be(2, "a new activity without a status is Completed");
        var id = row.GetProperty("id").GetInt64();
        var read = await _api.OkAsync("Activity", "get", new { select = new[] { "status_id:name" }, where = new object[] { new object[] { "id", "=", id } } }, Ct);
        read.GetProperty("values")[0].GetProperty("status_id:name").GetString().Should().Be("Completed");

        var update = await _api.OkAsync("Activity", "save", new { records = new[] { new Dictionary<string, object> { ["id"] = id, ["status_id:name"] = "NoSuchStatus" } } }, Ct);
        var updated = update.GetProperty("values")[0];
        updated.EnumerateObject().Select(p => p.Name).Should().BeEquivalentTo("id", "status_id", "custom", "check_permissions");
        updated.GetProperty("status_id").ValueKind.Should().Be(JsonValueKind.Null);
        update.GetProperty("countMatched").GetInt32().Should().Be(1);
        var after = await _api.OkAsync("Activity", "get", new { select = new[] { "status_id", "status_id:name" }, where = new object[] { new object[] { "id", "=", id } } }, Ct);
        after.GetProperty("values")[0].GetProperty("status_id").ValueKind.Should().Be(JsonValueKind.Null, "an update stores the null");
    }

    /// <summary>
    /// What CiviCRM 6.17.2 answered (probed on the real site, 2026-12-03) to the SDK's records while the "Failed" status was
    /// switched off (<c>OptionValue.update</c> <c>is_active</c> 0): written as usual, by name, on create (status_id 9) and on
    /// update (9); the reserved "Cancelled" switched off the same way was written too (3). Deleted, the same name gave
    /// a new record Completed (2) and an update null (the test above); a numeric <c>status_id</c> 9 was stored as sent,
    /// naming no status.
    /// </summary>
    [Fact]
    public async Task A_switched_off_activity_status_is_still_written_by_name()
    {
        var failed = _server.AddOptionValue("activity_status", "Failed");
        var status = _server.Store.Rows("OptionValue").Single(o => Equals(o["id"], failed));
        var value = long.Parse((string)status["value"]!, System.Globalization.CultureInfo.InvariantCulture);
        await _api.OkAsync("OptionValue", "update", new { values = new { is_active = false }, where = new object[] { new object[] { "id", "=", failed } } }, Ct);
        var record = new Dictionary<string, object> { ["activity_type_id:name"] = "Meeting", ["status_id:name"] = "Failed", ["subject"] = "probe", ["source_contact_id"] = "user_contact_id" };

        var created = await _api.OkAsync("Activity", "save", new { records = new[] { record } }, Ct);
        var id = created.GetProperty("values")[0].GetProperty("id").GetInt64();
        var updated = await _api.OkAsync("Activity", "save", new { records = new[] { new Dictionary<string, object> { ["id"] = id, ["status_id:name"] = "Failed" } } }, Ct);

        created.GetProperty("values")[0].GetProperty("status_id").GetInt64().Should().Be(value);
        updated.GetProperty("values")[0].GetProperty("status_id").GetInt64().Should().Be(value);
        var read = await _api.OkAsync("Activity", "get", new { select = new[] { "status_id:name" }, where = new object[] { new object[] { "id", "=", id } } }, Ct);
        read.GetProperty("values")[0].GetProperty("status_id:name").GetString().Should().Be("Failed");
    }

    [Fact]
    public async Task A_reply_lost_after_the_write_keeps_the_write_and_logs_the_status_the_client_saw()
    {
        _server.FailNextAfterProcessing(502);
        var (status, _) = await _api.SendAsync("Contact", "create", new { values = new { first_name = "Lost", last_name = "Reply" } }, Ct);
        status.Should().Be(502);
        _server.Store.Rows("Contact").Should().Contain(c => Equals(c["last_name"], "Reply"), "the create was carried out");
        _server.Requests.Should().ContainSingle(r => r.Entity == "Contact" && r.Action == "create").Which.Status.Should().Be(502);

        var next = await _api.OkAsync("Contact", "get", new { select = new[] { "row_count" }, where = new object[] { new object[] { "last_name", "=", "Reply" } } }, Ct);
        next.GetProperty("count").GetInt32().Should().Be(1, "only the next request failed");
    }

    [Fact]
    public async Task A_deleted_contact_goes_to_the_trash_unless_use_trash_is_false()
    {
        var trashed = _server.AddContact("T", "Trash", "t@example.org");
        var removed = _server.AddContact("R", "Removed", "r@example.org");
        (await _api.OkAsync("Contact", "delete", new { where = new object[] { new object[] { "id", "=", trashed } } }, Ct)).GetProperty("count").GetInt32().Should().Be(1);
        (await _api.OkAsync("Contact", "delete", new { where = new object[] { new object[] { "id", "=", removed } }, useTrash = false }, Ct)).GetProperty("count").GetInt32().Should().Be(1);

        var members = await _api.OkAsync("Contact", "get", new { select = new[] { "id" }, where = new object[] { new object[] { "last_name", "IN", new[] { "Trash", "Removed" } } } }, Ct);
        members.GetProperty("count").GetInt32().Should().Be(0, "get leaves out trashed contacts by default");
        var byId = await _api.OkAsync("Contact", "get", new { select = new[] { "id", "is_deleted" }, where = new object[] { new object[] { "id", "IN", new[] { trashed, removed } } } }, Ct);
        byId.GetProperty("values").EnumerateArray().Should().ContainSingle().Which.GetProperty("is_deleted").GetBoolean().Should().BeTrue();
    }

    /// <summary>
    /// Checked on CiviCRM 6.17.2 in session 21: a contact deleted for good loses its activity contacts, and an activity it
    /// was the only target of (its source the API user) stays, without a target, its <c>source_record_id</c> unchanged; a
    /// contact in the trash keeps its activities and is joined with <c>is_deleted</c> true. An EXCLUDE join on the targets
    /// finds the first.
    /// </summary>
    [Fact]
    public async Task A_contact_deleted_for_good_leaves_its_activities_without_a_target()
    {
        var gone = _server.AddContact("G", "Gone", "g@example.org");
        var trashed = _server.AddContact("T", "Trashed", "t2@example.org");
        long Open(JsonElement body) => body.GetProperty("values")[0].GetProperty("id").GetInt64();
        var goneRecord = Open(await _api.OkAsync("Activity", "create", new Dictionary<string, object> { ["values"] = new Dictionary<string, object> { ["activity_type_id:name"] = "Meeting", ["status_id:name"] = "Scheduled", ["source_contact_id"] = "user_contact_id", ["target_contact_id"] = new[] { gone }, ["source_record_id"] = gone } }, Ct));
        var trashedRecord = Open(await _api.OkAsync("Activity", "create", new Dictionary<string, object> { ["values"] = new Dictionary<string, object> { ["activity_type_id:name"] = "Meeting", ["status_id:name"] = "Scheduled", ["source_contact_id"] = "user_contact_id", ["target_contact_id"] = new[] { trashed }, ["source_record_id"] = trashed } }, Ct));

        await _api.OkAsync("Contact", "delete", new { where = new object[] { new object[] { "id", "=", gone } }, useTrash = false }, Ct);
        await _api.OkAsync("Contact", "delete", new { where = new object[] { new object[] { "id", "=", trashed } } }, Ct);

        var targets = await _api.OkAsync("Activity", "get", new Dictionary<string, object>
        {
            ["select"] = new[] { "id", "source_record_id", "tgt.contact_id", "who.is_deleted" },
            ["join"] = new object[]
            {
                new object[] { "ActivityContact AS tgt", "LEFT", new object[] { "tgt.activity_id", "=", "id" }, new object[] { "tgt.record_type_id:name", "=", "'Activity Targets'" } },
                new object[] { "Contact AS who", "LEFT", new object[] { "who.id", "=", "tgt.contact_id" } },
            },
            ["where"] = new object[] { new object[] { "id", "IN", new[] { goneRecord, trashedRecord } } },
            ["orderBy"] = new Dictionary<string, string> { ["id"] = "ASC" },
        }, Ct);
        var rows = targets.GetProperty("values").EnumerateArray().ToArray();
        rows.Should().HaveCount(2, "both activities stay");
        rows[0].GetProperty("tgt.contact_id").ValueKind.Should().Be(JsonValueKind.Null, "the contact deleted for good is no target any more");
        rows[0].GetProperty("source_record_id").GetInt64().Should().Be(gone);
        rows[1].GetProperty("tgt.contact_id").GetInt64().Should().Be(trashed);
        rows[1].GetProperty("who.is_deleted").GetBoolean().Should().BeTrue();

        var untargeted = await _api.OkAsync("Activity", "get", new Dictionary<string, object>
        {
            ["select"] = new[] { "id" },
            ["join"] = new object[] { new object[] { "ActivityContact AS tgt", "EXCLUDE", new object[] { "tgt.activity_id", "=", "id" }, new object[] { "tgt.record_type_id:name", "=", "'Activity Targets'" } } },
            ["where"] = new object[] { new object[] { "status_id:name", "=", "Scheduled" } },
        }, Ct);
        untargeted.GetProperty("values").EnumerateArray().Select(v => v.GetProperty("id").GetInt64()).Should().Equal(goneRecord);
    }

    /// <summary>
    /// Checked on CiviCRM 6.17.2 in session 15 (docs/benchmarks.md, "Session 15"): a chain's parameters are substituted with
    /// its row's values nested chains included, so a <c>"$key"</c> two levels down takes the outer row's value when that row
    /// has the key (<c>$id</c> under a group's row is the group's id) and reaches the inner row only otherwise; a contact
    /// joined onto itself (<c>Contact AS self</c>) names its own id under a key the group's row lacks.
    /// </summary>
    [Fact]
    public async Task A_dollar_key_in_a_nested_chain_takes_the_outer_rows_value_first()
    {
        // Ids far apart, so a group found by "$id" cannot be a contact's id by chance.
        _server.Store.SetNextId("Group", 9_001);
        var group = _server.AddGroup("nested_trigger");
        var ana = _server.AddContact("Ana", "Nested", "ana.nested@example.org");
        _server.AddToGroup(group, [ana]);

        var body = await _api.OkAsync("Group", "get", new Dictionary<string, object>
        {
            ["select"] = new[] { "id", "name" },
            ["where"] = new object[] { new object[] { "name", "=", "nested_trigger" } },
            ["chain"] = new Dictionary<string, object[]>
            {
                ["head"] =
                [
                    "Contact", "get", new Dictionary<string, object>
                    {
                        ["select"] = new[] { "id", "first_name", "self.id" },
                        ["join"] = new object[] { new object[] { "Contact AS self", "INNER", new object[] { "self.id", "=", "id" } } },
                        ["where"] = new object[] { new object[] { "groups", "IN", new[] { "$id" } } },
                        ["chain"] = new Dictionary<string, object[]>
                        {
                            ["outer"] = ["Group", "get", new { select = new[] { "id" }, where = new object[] { new object[] { "id", "=", "$id" } } }],
                            ["inner"] = ["Contact", "get", new { select = new[] { "id" }, where = new object[] { new object[] { "first_name", "=", "$first_name" } } }],
                            ["own"] = ["Contact", "get", new { select = new[] { "id" }, where = new object[] { new object[] { "id", "=", "$self.id" } } }],
                        },
                    },
                ],
            },
        }, Ct);

        var head = body.GetProperty("values")[0].GetProperty("head");
        head.GetArrayLength().Should().Be(1);
        var row = head[0];
        row.GetProperty("self.id").GetInt64().Should().Be(ana);
        row.GetProperty("outer").EnumerateArray().Select(r => r.GetProperty("id").GetInt64()).Should().Equal([group], "$id was the group's id before the contact's chain ran");
        row.GetProperty("inner").EnumerateArray().Select(r => r.GetProperty("id").GetInt64()).Should().Equal([ana], "the group's row has no first_name");
        row.GetProperty("own").EnumerateArray().Select(r => r.GetProperty("id").GetInt64()).Should().Equal([ana], "the group's row has no self.id");
    }

    /// <summary>
    /// Checked on CiviCRM 6.17.2 in session 15: a <c>"$key"</c> inside a longer text is not replaced, an
    /// <c>activity_type_id:name</c> the site lacks leaves the mandatory type missing (and fails the whole request), and a
    /// type written earlier in the same request (an <c>OptionValue.save</c> chained before) is found by name by a later chained create.
    /// </summary>
    [Fact]
    public async Task A_chained_create_takes_a_type_written_earlier_in_its_request_and_replaces_no_key_inside_a_text()
    {
        var ana = _server.AddContact("Ana", "Typed", "ana.typed@example.org");
        object Create(string type) => new object[]
        {
            "Activity", "create", new Dictionary<string, object>
            {
                ["values"] = new Dictionary<string, object>
                {
                    ["activity_type_id:name"] = type,
                    ["status_id:name"] = "Scheduled",
                    ["subject"] = "Creating account : $display_name",
                    ["source_contact_id"] = "user_contact_id",
                    ["target_contact_id"] = new[] { "$id" },
                },
            },
        };

        var (status, refused) = await _api.CallAsync("Contact", "get", new Dictionary<string, object>
        {
            ["select"] = new[] { "id", "display_name" },
            ["where"] = new object[] { new object[] { "id", "=", ana } },
            ["chain"] = new Dictionary<string, object> { ["rec"] = Create("Probe Type Missing") },
        }, Ct);
        status.Should().Be(500);
        refused.GetProperty("error_message").GetString().Should().Be("Mandatory values missing from Api4 Activity::create: activity_type_id");

        var body = await _api.OkAsync("Contact", "get", new Dictionary<string, object>
        {
            ["select"] = new[] { "id", "display_name" },
            ["where"] = new object[] { new object[] { "id", "=", ana } },
            ["chain"] = new Dictionary<string, object>
            {
                ["type"] = new object[]
                {
                    "OptionValue", "save", new Dictionary<string, object>
                    {
                        ["records"] = new[] { new Dictionary<string, object> { ["option_group_id:name"] = "activity_type", ["name"] = "Probe Type New", ["label"] = "Probe Type New", ["is_active"] = true } },
                        ["match"] = new[] { "option_group_id", "name" },
                    },
                },
                ["rec"] = Create("Probe Type New"),
            },
        }, Ct);

        var row = body.GetProperty("values")[0];
        var type = long.Parse(row.GetProperty("type")[0].GetProperty("value").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
        var record = row.GetProperty("rec")[0];
        record.GetProperty("activity_type_id").GetInt64().Should().Be(type);
        record.GetProperty("subject").GetString().Should().Be("Creating account : $display_name");
    }

    public void Dispose()
    {
        _api.Dispose();
        _server.Dispose();
        _timeout.Dispose();
    }
}
