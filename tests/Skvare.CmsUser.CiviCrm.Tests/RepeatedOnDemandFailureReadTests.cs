using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;
using Skvare.CmsUser.Testing.CiviCrm;
using Skvare.CmsUser.Testing.InMemory;

namespace Skvare.CmsUser.CiviCrm.Tests;

/// <summary>
/// The contact's latest "User Account Creation" record comes with the on-demand read (a chain on its <c>Contact.get</c>,
/// before the chain that opens this attempt's record), so a contact that still has the defect that record failed it with is
/// answered from it with no request more than the read and the removal of the record the read opened; an answer whose
/// chain is missing or malformed provisions the contact as usual.
/// </summary>
public sealed class RepeatedOnDemandFailureReadTests : IDisposable
{
    private const string NoEmailGaveUp = "no_email: The contact has no primary email address. No more attempts (this was attempt 1): the contact leaves the trigger and is not tried again until it is added to it again.";

    private readonly FakeCmsAccountProvider _cms = new();
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UtcNow.AddHours(-3));
    private readonly LatestRewriter _rewriter = new();
    private readonly CiviHarness _h;
    private readonly long _members;

    public RepeatedOnDemandFailureReadTests()
    {
        _h = new CiviHarness(
            engine: o => o.Rules.Add(new ProvisioningRule { Name = "members", Trigger = TriggerDefinition.Group("members"), History = TriggerDefinition.Group("members_done") }),
            cms: _cms,
            extraHandler: () => _rewriter);
        _h.Fake.Clock = _clock;
        _members = _h.Fake.AddGroup("members");
        _h.Fake.AddGroup("members_done");
    }

    public void Dispose() => _h.Dispose();

    [Fact(Timeout = 60_000)]
    public async Task Five_calls_for_a_contact_without_email_write_one_Failed_record_and_each_later_call_is_the_read_and_one_removal()
    {
        await WarmAsync();
        var nia = _h.Fake.AddContact("Nia", "Noemail", null);
        _h.Fake.AddToGroup(_members, [nia]);

        var outcomes = new List<ProvisioningOutcome>();
        var requests = new List<int>();
        for (var call = 0; call < 5; call++)
        {
            var before = _h.Fake.Requests.Count;
            outcomes.Add(await _h.Provisioner.ProvisionAsync(nia, cancellationToken: Timeout()));
            requests.Add(_h.Fake.Requests.Count - before);
            _clock.Advance(TimeSpan.FromMinutes(2));
        }

        AuditOf(nia).Should().ContainSingle().Which.Should().Match<FakeActivity>(a => a.Status == "Failed" && a.Details == NoEmailGaveUp);
        outcomes.Should().OnlyContain(o => o.Kind == OutcomeKind.GaveUp && o.Error!.Code == CmsUserErrorCodes.NoEmail && o.Attempt == 1);
        requests.Skip(1).Should().OnlyContain(n => n == 2, "the read (with the latest record chained on it) and the removal of the record it opened");
        _h.Logs.GetSnapshot().Where(r => r.Id.Id == 1032).Should().HaveCount(4);
    }

    [Fact(Timeout = 60_000)]
    public async Task The_latest_record_is_chained_on_the_contact_read_before_the_open_and_sorted_by_date_then_id()
    {
        await WarmAsync();
        var ona = _h.Fake.AddContact("Ona", "Order", null);
        var before = _h.Fake.Requests.Count;

        await _h.Provisioner.ProvisionAsync(ona, cancellationToken: Timeout());

        var read = _h.Fake.Requests.Skip(before).First(r => r.Entity == "Contact" && r.Action == "get");
        using var sent = JsonDocument.Parse(read.ParamsJson!);
        var chains = sent.RootElement.GetProperty("chain").EnumerateObject().Select(p => p.Name).ToList();
        chains.IndexOf("latest").Should().BeGreaterThanOrEqualTo(0).And.BeLessThan(chains.IndexOf("open"), "chains run in the order sent: the latest record is never this attempt's");
        var latest = sent.RootElement.GetProperty("chain").GetProperty("latest");
        latest[0].GetString().Should().Be("ActivityContact");
        latest[1].GetString().Should().Be("get");
        latest[2].GetProperty("orderBy").GetRawText().Should().Be("""{"act.activity_date_time":"DESC","act.id":"DESC"}""");
        latest[2].GetProperty("limit").GetInt32().Should().Be(1);
        latest[2].GetProperty("select").EnumerateArray().Select(s => s.GetString()).Should().Contain(["act.id", "act.status_id:name", "act.details", "act.activity_date_time"]);
        latest[2].GetProperty("where").GetRawText().Should().Contain("""["contact_id","=","$id"]""").And.Contain("""["act.activity_type_id:name","=","User Account Creation"]""").And.NotContain("status_id:name\",\"IN");
    }

    [Fact(Timeout = 60_000)]
    public async Task The_read_returns_the_latest_record_of_any_status_with_its_details_as_written()
    {
        await WarmAsync();
        var pia = _h.Fake.AddContact("Pia", "Pick", null);
        var details = "invalid_email: The primary email address '花子@例え' is not a valid address. <b>שלום</b> 😀 & \"q\"  ";
        await RecordAsync(pia, ActivityOutcomeStatus.Failed, details);
        var reader = (IProvisioningContactReader)_h.Triggers;
        var first = await reader.ReadAsync(Query(pia), Timeout());

        await RecordAsync(pia, ActivityOutcomeStatus.Completed, "Rule members.");
        var sameSecond = await reader.ReadAsync(Query(pia), Timeout());
        _clock.Advance(TimeSpan.FromSeconds(5));
        await RecordAsync(pia, ActivityOutcomeStatus.Scheduled, "in progress");
        var scheduled = await reader.ReadAsync(Query(pia), Timeout());

        first!.LatestRecord.Should().NotBeNull();
        first.LatestRecord!.Status.Should().Be(ActivityOutcomeStatus.Failed);
        first.LatestRecord.Details.Should().Be(details, "compared exactly, so read exactly");
        first.LatestRecord.ContactId.Should().Be(pia);
        first.LatestRecord.Id.Should().Be(AuditOf(pia).First().Id);
        sameSecond!.LatestRecord!.Status.Should().Be(ActivityOutcomeStatus.Completed, "of two records in one second the later written");
        scheduled!.LatestRecord!.Status.Should().Be(ActivityOutcomeStatus.Scheduled);
        (await _h.Recorder.FindLatestRecordAsync(pia, ActivityKind.AccountCreation, Timeout())).Should().BeEquivalentTo(scheduled.LatestRecord, "the recorder's own read agrees with the chain");
    }

    public static TheoryData<string> Malformed => new()
    {
        "intact", "missing", "null", "text", "object", "nested-empty", "null-row", "no-id", "unknown-status", "bad-date", "details-number", "other-contact",
    };

    [Theory(Timeout = 60_000)]
    [MemberData(nameof(Malformed))]
    public async Task A_missing_or_malformed_latest_chain_provisions_the_contact_as_usual(string how)
    {
        await WarmAsync();
        var rex = _h.Fake.AddContact("Rex", "Repeat", null);
        await RecordAsync(rex, ActivityOutcomeStatus.Failed, NoEmailGaveUp);
        _rewriter.Rewrite = row => Mangle(row, how, rex);

        var outcome = await _h.Provisioner.ProvisionAsync(rex, cancellationToken: Timeout());

        _rewriter.Rewritten.Should().BeGreaterThan(0, "the answer went through the rewriter");
        outcome.Kind.Should().Be(OutcomeKind.GaveUp, "provisioned as usual, not crashed");
        outcome.Error!.Code.Should().Be(CmsUserErrorCodes.NoEmail);
        _h.Logs.GetSnapshot().Should().NotContain(r => r.Id.Id == 1014);
        if (how == "intact")
        {
            // The control: the same contact and record, the chain left as CiviCRM answered it, is answered from the record.
            AuditOf(rex).Where(a => a.Status == "Failed").Should().ContainSingle();
            _h.Logs.GetSnapshot().Should().ContainSingle(r => r.Id.Id == 1032);
            return;
        }

        AuditOf(rex).Where(a => a.Status == "Failed").Should().HaveCount(2, "without a readable latest record the failure is recorded");
        _h.Logs.GetSnapshot().Should().NotContain(r => r.Id.Id == 1032);
    }

    [Fact(Timeout = 60_000)]
    public async Task A_refused_latest_chain_fails_the_call_as_the_read_and_writes_nothing()
    {
        await WarmAsync();
        var sam = _h.Fake.AddContact("Sam", "Refused", null);
        _h.Fake.RefuseWhere = call => call.Chained && call.Entity == "ActivityContact" && call.ParamsJson.Contains("act.details", StringComparison.Ordinal) ? "DB Error: unknown error" : null;

        var outcome = await _h.Provisioner.ProvisionAsync(sam, cancellationToken: Timeout());

        outcome.Kind.Should().Be(OutcomeKind.Failed);
        outcome.Error!.Kind.Should().Be(FailureKind.Transient, "CiviCRM's database failed on the read: nothing about the contact is known, nothing counted");
        outcome.Error.Code.Should().NotBe(CmsUserErrorCodes.InternalError);
        AuditOf(sam).Should().BeEmpty("the open chain runs after the refused one, so it never ran");
    }

    private static void Mangle(JsonObject row, string how, long contact)
    {
        var rows = row["latest"] as JsonArray;
        var first = rows is { Count: > 0 } ? rows[0] as JsonObject : null;
        switch (how)
        {
            case "missing":
                row.Remove("latest");
                break;
            case "null":
                row["latest"] = null;
                break;
            case "text":
                row["latest"] = "oops";
                break;
            case "object":
                row["latest"] = new JsonObject { ["act.id"] = 1 };
                break;
            case "nested-empty":
                row["latest"] = new JsonArray(new JsonArray());
                break;
            case "null-row":
                row["latest"] = new JsonArray((JsonNode?)null);
                break;
            case "no-id":
                first!.Remove("act.id");
                break;
            case "unknown-status":
                first!["act.status_id:name"] = "Cancelled";
                break;
            case "bad-date":
                first!["act.activity_date_time"] = "yesterday";
                break;
            case "details-number":
                first!["act.details"] = 42;
                break;
            case "other-contact":
                first!["contact_id"] = contact + 1000;
                break;
        }
    }

    private async Task WarmAsync()
    {
        var warm = _h.Fake.AddContact("Warm", "Up", "warm@example.org");
        (await _h.Provisioner.ProvisionAsync(warm, cancellationToken: Timeout())).Kind.Should().Be(OutcomeKind.Created);
    }

    private Task RecordAsync(long contact, ActivityOutcomeStatus status, string details) =>
        _h.Recorder.RecordAsync([new ActivityEntry(contact, ActivityKind.AccountCreation, status, "Failed to create User x", details, _clock.GetUtcNow())], Timeout());

    private static ProvisioningContactQuery Query(long contact) => new()
    {
        ContactId = contact,
        Triggers = [new TriggerSourceContext { Trigger = TriggerDefinition.Group("members") }],
        CountFailuresSince = _ => DateTimeOffset.UtcNow.AddDays(-30),
    };

    private IEnumerable<FakeActivity> AuditOf(long contact) => _h.Fake.Activities.Where(a => a.Targets.Contains(contact) && a.Type == "User Account Creation");

    private static CancellationToken Timeout() => new CancellationTokenSource(TimeSpan.FromSeconds(50)).Token;

    /// <summary>Rewrites the row of an on-demand contact read (a <c>Contact.get</c> with the <c>latest</c> chain) as CiviCRM answered it.</summary>
    private sealed class LatestRewriter : DelegatingHandler
    {
        private int _rewritten;

        public Action<JsonObject>? Rewrite { get; set; }

        public int Rewritten => Volatile.Read(ref _rewritten);

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = await base.SendAsync(request, cancellationToken);
            var sent = request.Content is null ? "" : await request.Content.ReadAsStringAsync(cancellationToken);
            if (Rewrite is not { } rewrite || response.StatusCode != HttpStatusCode.OK || !(request.RequestUri?.ToString().Contains("Contact/get", StringComparison.Ordinal) ?? false)
                || !WebUtility.UrlDecode(sent).Contains("\"latest\"", StringComparison.Ordinal))
            {
                return response;
            }

            var answer = JsonNode.Parse(await response.Content.ReadAsStringAsync(cancellationToken))!.AsObject();
            if (answer["values"] is JsonArray { Count: > 0 } values && values[0] is JsonObject row)
            {
                rewrite(row);
                Interlocked.Increment(ref _rewritten);
            }

            response.Content = new StringContent(answer.ToJsonString(), Encoding.UTF8, "application/json");
            return response;
        }
    }
}
