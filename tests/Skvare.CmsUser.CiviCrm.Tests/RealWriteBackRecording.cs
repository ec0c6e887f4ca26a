using System.Globalization;
using Microsoft.Extensions.Options;
using Skvare.CmsUser.CiviCrm.Api;
using Skvare.CmsUser.CiviCrm.Audit;
using Skvare.CmsUser.CiviCrm.Links;
using Skvare.CmsUser.CiviCrm.Triggers;

namespace Skvare.CmsUser.CiviCrm.Tests;

/// <summary>Runs only against a real CiviCRM: set <c>CMSUSER_CIVI_URL</c> (site root, WordPress URL style) and <c>CMSUSER_CIVI_API_KEY</c>.</summary>
public sealed class RealCiviCrmFactAttribute : FactAttribute
{
    public RealCiviCrmFactAttribute()
    {
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable("CMSUSER_CIVI_URL")) || string.IsNullOrEmpty(Environment.GetEnvironmentVariable("CMSUSER_CIVI_API_KEY")))
        {
            Skip = "No real CiviCRM configured: set CMSUSER_CIVI_URL and CMSUSER_CIVI_API_KEY (see tests/recordings/README.md, civicrm-6.17.2-writeback-*).";
        }
    }
}

/// <summary>The real CiviCRM of <see cref="RealCiviCrmFactAttribute"/>.</summary>
internal static class RealCiviCrm
{
    /// <summary>Options for it: WordPress URL style, site time zone UTC (the recordings' site).</summary>
    public static IOptions<CiviCrmOptions> Options() => Microsoft.Extensions.Options.Options.Create(new CiviCrmOptions
    {
        BaseUrl = new Uri(Environment.GetEnvironmentVariable("CMSUSER_CIVI_URL")!),
        ApiKey = Environment.GetEnvironmentVariable("CMSUSER_CIVI_API_KEY")!,
        UrlStyle = CiviCrmUrlStyle.WordPress,
        TimeZone = "UTC",
    });
}

/// <summary>The package's client, recorder and trigger sources over one HttpClient, against the real CiviCRM.</summary>
internal sealed class RealCiviCrmConnection : IDisposable
{
    private readonly HttpClient _http = new();

    public RealCiviCrmConnection()
    {
        var options = RealCiviCrm.Options();
        Client = new CiviCrmApiClient(_http, options);
        Recorder = new CiviCrmActivityRecorder(Client);
        Triggers = new CiviCrmTriggerSourceFactory(Client, options);
    }

    public CiviCrmApiClient Client { get; }

    public CiviCrmActivityRecorder Recorder { get; }

    public CiviCrmTriggerSourceFactory Triggers { get; }

    public void Dispose() => _http.Dispose();
}

/// <summary>
/// The page write-back's own requests against a real CiviCRM, to record them (tests/recordings/civicrm-6.17.2-writeback-*):
/// the Scheduled records with the audit read chained after them, the chained read, a chained write that succeeds, one whose first call fails (a link refused by a
/// unique key), one whose last call fails (the history group deleted meanwhile), the read after it, and the look-up of
/// new records a replay makes. Needs contacts with external identifiers wb1, wb2, wb3 and groups wb_trigger and wb_done.
/// </summary>
public sealed class RealWriteBackRecording
{
    [RealCiviCrmFact(Timeout = 120_000)]
    public async Task The_chained_page_write_back_on_a_real_CiviCRM()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(110));
        var ct = timeout.Token;
        using var civi = new RealCiviCrmConnection();
        var (client, recorder, factory) = (civi.Client, civi.Recorder, civi.Triggers);
        var store = new CiviCrmPageWriteBack(client);

        // Set-up: activity types, the contacts, the groups (wb_gone is made to be deleted), links of a previous recording removed.
        await recorder.EnsureReadyAsync(ct);
        var rows = await client.CallAsync("Contact", "get", new Api4Params { Limit = 3 }.WithSelect("id").WithWhere(Api4Condition.In("external_identifier", new[] { "wb1", "wb2", "wb3" })), ct);
        var ids = rows.Values.Select(r => r.GetInt64("id")!.Value).Order().ToArray();
        ids.Should().HaveCount(3);
        var gone = new Api4Params { Match = { "name" } };
        gone.Records.Add(new Dictionary<string, object?> { ["name"] = "wb_gone", ["title"] = "wb_gone" });
        await client.CallAsync("Group", "save", gone, ct);
        TriggerDefinition trigger = TriggerDefinition.Group("wb_trigger"), done = TriggerDefinition.Group("wb_done"), goneHistory = TriggerDefinition.Group("wb_gone");
        await factory.PrepareAsync([trigger, done, goneHistory], ct);
        await client.CallAsync("UFMatch", "delete", new Api4Params().WithWhere(Api4Condition.In("uf_id", new[] { 9101L, 9102L, 9103L })), ct);
        var groups = await client.CallAsync("Group", "get", new Api4Params { Limit = 1 }.WithSelect("id").WithWhere(Api4Condition.Eq("name", "wb_trigger")), ct);
        var join = new Api4Params { Match = { "group_id", "contact_id" } };
        foreach (var id in ids)
        {
            join.Records.Add(new Dictionary<string, object?> { ["group_id"] = groups.Values[0].GetInt64("id"), ["contact_id"] = id, ["status"] = "Added" });
        }

        await client.CallAsync("GroupContact", "save", join, ct);
        var source = factory.Create(new TriggerSourceContext { Trigger = trigger, History = done });

        // The page: Scheduled records, then the write-back read.
        var now = DateTimeOffset.UtcNow;
        var opening = await store.OpenAsync(ids.Select(id => Entry(id, ActivityOutcomeStatus.Scheduled, $"Creating account : wb {id}", now)).ToArray(), new PageWriteBackQuery([], ids, ActivityKind.AccountCreation), ct);
        var opened = opening.Ids!;
        opening.Snapshot.Audits.Where(a => opened.Contains(a.Id)).Should().HaveCount(3, "the audit read chained after the Scheduled records sees them");
        AccountLinkRequest[] links = [new(ids[0], 9101, "wb.one@example.org", true), new(ids[1], 9102, "wb.two@example.org", true)];
        var snapshot = await store.ReadAsync(new PageWriteBackQuery(links, ids, ActivityKind.AccountCreation) { MayCreateRecords = true }, ct);
        snapshot.Audits.Where(a => opened.Contains(a.Id)).Should().HaveCount(3);
        snapshot.ActivityWatermark.Should().BeGreaterThanOrEqualTo(opened.Max());

        // One chained write: the links as they are, the links, records completed, the third contact's record removed,
        // leave and history join.
        var written = await store.WriteAsync(new PageWriteBackBatch(
            links,
            [Entry(ids[0], ActivityOutcomeStatus.Completed, "Created : wb.one (9101)", now) with { Id = opened[0] }, Entry(ids[1], ActivityOutcomeStatus.Completed, "Created : wb.two (9102)", now) with { Id = opened[1] }],
            [opened[2]],
            [new(ids[0], TriggerDisposition.Completed), new(ids[1], TriggerDisposition.Completed)]) { ReadLinksFirst = true }, source, ct);
        written.Acknowledged.Should().BeTrue();
        written.LinksBefore.Should().BeEmpty();

        // The first call fails: a link whose uf_name another link of this domain has (unique key); nothing after it runs.
        var second = (await recorder.OpenAsync([Entry(ids[2], ActivityOutcomeStatus.Scheduled, $"Creating account : wb {ids[2]}", now)], ct))![0];
        var refused = () => store.WriteAsync(new PageWriteBackBatch(
            [new(ids[2], 9103, "wb.one@example.org", true)],
            [Entry(ids[2], ActivityOutcomeStatus.Completed, "Created : wb.three (9103)", now) with { Id = second }],
            [],
            [new(ids[2], TriggerDisposition.Completed)]), source, ct);
        (await refused.Should().ThrowAsync<CiviCrmApiException>()).Which.ServerMessage.Should().Be("DB Error: already exists");

        // The last call fails: the history group was deleted meanwhile; the link and the records before it stay written.
        var goneSource = factory.Create(new TriggerSourceContext { Trigger = trigger, History = goneHistory });
        await client.CallAsync("Group", "delete", new Api4Params().WithWhere(Api4Condition.Eq("name", "wb_gone")), ct);
        var before = await store.ReadAsync(new PageWriteBackQuery([], [ids[2]], ActivityKind.AccountCreation) { MayCreateRecords = true }, ct);
        var created = Entry(ids[2], ActivityOutcomeStatus.Completed, "Password reset email sent : wb.three (9103)", now) with { Kind = ActivityKind.PasswordReset };
        var late = () => store.WriteAsync(new PageWriteBackBatch(
            [new(ids[2], 9103, "wb.three@example.org", true)],
            [Entry(ids[2], ActivityOutcomeStatus.Completed, "Created : wb.three (9103)", now) with { Id = second }, created],
            [],
            [new(ids[2], TriggerDisposition.Completed)]), goneSource, ct);
        (await late.Should().ThrowAsync<CiviCrmApiException>()).Which.ServerMessage.Should().Be("DB Error: constraint violation");

        var after = await store.ReadAsync(new PageWriteBackQuery([new(ids[2], 9103, "wb.three@example.org", true)], [ids[2]], ActivityKind.AccountCreation), ct);
        after.Links.Should().ContainSingle(l => l.CmsUserId == 9103 && l.ContactId == ids[2]);
        after.Audits.Should().ContainSingle(a => a.Id == second && a.Status == ActivityOutcomeStatus.Completed);
        (await store.FindUnwrittenAsync([created], before, ct)).Should().BeEmpty("the new record was written before the failing call");
    }

    private static ActivityEntry Entry(long contactId, ActivityOutcomeStatus status, string subject, DateTimeOffset now) =>
        new(contactId, ActivityKind.AccountCreation, status, subject, string.Create(CultureInfo.InvariantCulture, $"recorded {now:O}"), now);
}
