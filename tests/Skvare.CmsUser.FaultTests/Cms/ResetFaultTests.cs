using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Skvare.CmsUser.CiviCrm;
using Skvare.CmsUser.Testing;
using Xunit.Abstractions;

namespace Skvare.CmsUser.FaultTests.Cms;

/// <summary>
/// Whole password reset runs against every CMS with faults put on chosen contacts' requests by the fakes' per-request
/// rules: the CMS refusing or failing one contact's reset (4xx, 5xx, no answer, an answer cut short, an answer lost after
/// the email went), CiviCRM refusing one contact's new audit record, and CiviCRM failing every write. Each run ends with
/// every contact accounted for (reset once with one Completed record and out of the campaign, or failed with a typed
/// error and still in it), is never stopped by one contact, and a healed run finishes every contact with one record each.
/// </summary>
public sealed class ResetFaultTests(ITestOutputHelper output)
{
    private const string Campaign = "reset";
    private const int Members = 2 * CmsFaultRun.PageSize;

    // The last members have no account: each attempt fails them with no_linked_account (a new Failed record).
    private const int Linked = Members - 2;

    private static CancellationToken Bounded() => new CancellationTokenSource(TimeSpan.FromSeconds(90)).Token;

    public static TheoryData<Cms> AllCms() => [.. CmsTable.Rows.Select(r => r.Cms)];

    [Theory(Timeout = 240_000)]
    [MemberData(nameof(AllCms))]
    public async Task The_CMS_failing_one_contacts_reset_fails_that_contact_alone_and_loses_nothing(Cms cms)
    {
        using var run = new CmsFaultRun(cms);
        var (campaign, members) = AddCampaign(run);
        var refusal = run.Site.StatusAnswers.First(a => a.Expect == Expect.Permanent);
        var plan = new Dictionary<string, FakeFault>(StringComparer.OrdinalIgnoreCase)
        {
            [members[0].Email] = FakeFault.Status(refusal.Status, refusal.Body, refusal.ContentType),
            [members[1].Email] = CmsOperationFaultTests.Answer(run.Site.Row, 500),
            [members[2].Email] = CmsOperationFaultTests.Answer(run.Site.Row, 503),
            [members[3].Email] = run.Plan.Hang,
            [members[5].Email] = FakeFault.AfterProcessing(502),
            [members[CmsFaultRun.PageSize + 1].Email] = CmsOperationFaultTests.Answer(run.Site.Row, 500),
        };
        if (cms != Cms.Drupal)
        {
            // Drupal answers a reset with an empty body: there is nothing to cut.
            plan[members[4].Email] = FakeFault.MalformedBody;
        }

        var met = new ConcurrentDictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        var site = run.Site.Cms;
        // A hang never answers; its attempt times out as soon as the fake holds it (no wait for the timeout).
        site.FaultWhere = run.Plan.ExpiringHangs(request =>
        {
            if (request.Operation != FakeCmsOperation.Notify || CmsOperationFaultTests.Owner(site, members, request) is not { } email
                || !plan.TryGetValue(email, out var fault))
            {
                return null;
            }

            met.AddOrUpdate(email, 1, (_, n) => n + 1);
            return fault;
        });

        var summary = await run.ResetAsync(Campaign, cancellationToken: Bounded());

        Report(cms, summary, met.Select(kv => $"{plan[kv.Key]} x{kv.Value}"));
        met.Keys.Should().BeEquivalentTo(plan.Keys, "every planned fault reaches its contact's reset");
        run.Plan.HangsNotExpired.Should().BeEmpty("each hang's attempt times out at once, not after the attempt timeout");
        summary.StopKind.Should().Be(RunStopKind.None, "no contact's fault stops the run: {0}", summary.StopReason);
        summary.Total.Should().Be(Members);
        var after = Read(run, campaign, members);
        AssertAccounted(run, summary, after, members.Take(Linked).Where(m => !plan.ContainsKey(m.Email)).Select(m => m.Id));

        site.FaultWhere = null;
        await AssertHealedAsync(run, campaign, members, after);
    }

    [Theory(Timeout = 240_000)]
    [MemberData(nameof(AllCms))]
    public async Task CiviCrm_refusing_one_contacts_audit_record_fails_that_contact_alone_and_writes_nothing_twice(Cms cms)
    {
        using var run = new CmsFaultRun(cms);

        // Contact ids far from every other id in a request, so a record's target names only its contact.
        run.Civi.Store.SetNextId("Contact", 700_001);
        var (campaign, members) = AddCampaign(run);

        // The database refuses one new record each (as for a contact purged meanwhile: a foreign key), in the middle of a
        // page's records: the records before it in the same call stay written (CiviCRM 6.17.2 runs no transaction).
        var refused = new[] { members[2].Id, members[CmsFaultRun.PageSize + 3].Id, members[^1].Id };
        var met = new ConcurrentDictionary<long, int>();
        run.Civi.RefuseRecordWhere = CmsOperationFaultTests.RefuseActivitiesOf(refused, met);

        var summary = await run.ResetAsync(Campaign, cancellationToken: Bounded());

        Report(cms, summary, met.Select(kv => $"{kv.Key} x{kv.Value}"));
        met.Keys.Should().BeEquivalentTo(refused, "every planned refusal reaches its contact's record");
        summary.StopKind.Should().Be(RunStopKind.None, "no contact's record stops the run: {0}", summary.StopReason);
        summary.Total.Should().Be(Members);
        var after = Read(run, campaign, members);
        AssertAccounted(run, summary, after, members.Take(Linked).Select(m => m.Id).Except(refused));
        foreach (var id in refused)
        {
            summary.Failures.Single(f => f.ContactId == id).Error!.Code.Should().Be(CmsUserErrorCodes.WriteBackFailed);
            (after[id].Completed + after[id].Failed.Count).Should().Be(0, "contact {0}'s record was refused: none is written", id);
        }

        run.Civi.RefuseRecordWhere = null;
        await AssertHealedAsync(run, campaign, members, after);
    }

    [Theory(Timeout = 240_000)]
    [MemberData(nameof(AllCms))]
    public async Task CiviCrm_failing_every_audit_write_stops_the_run_and_loses_nothing(Cms cms)
    {
        using var run = new CmsFaultRun(cms);
        var (campaign, members) = AddCampaign(run);

        // CiviCRM answers 503 to every request that writes audit records (the page's chained write, and each replay).
        var failed = 0;
        run.Civi.FaultWhere = request =>
        {
            if (request.Path.EndsWith("Activity/save", StringComparison.Ordinal) || request.Mentions("\"activities\""))
            {
                Interlocked.Increment(ref failed);
                return FakeFault.Status(503, """{"status_code":503,"status_message":"Temporarily unavailable for maintenance."}""", "application/json");
            }

            return null;
        };

        var summary = await run.ResetAsync(Campaign, cancellationToken: Bounded());

        Report(cms, summary, [$"{failed} writes failed"]);
        failed.Should().BeGreaterThan(0);
        summary.StopKind.Should().Be(RunStopKind.Quarantined, "CiviCRM is down: the run stops ({0})", summary.StopReason);
        var after = Read(run, campaign, members);
        after.Values.Should().OnlyContain(s => s.Completed == 0 && s.Failed.Count == 0 && s.InCampaign, "nothing was recorded, and every contact stays in the campaign");

        run.Civi.FaultWhere = null;
        await AssertHealedAsync(run, campaign, members, after);
    }

    /// <summary>The campaign group with <see cref="Members"/> contacts: the first <see cref="Linked"/> have a linked account.</summary>
    /// <summary>Every CMS whose fake has a mail system that can fail (<c>MailFails</c>); Standalone's refused reset is tested on its own.</summary>
    public static TheoryData<Cms> CmsWithMail() => [.. CmsTable.Rows.Select(r => r.Cms).Where(c => c != Cms.Standalone)];

    [Theory(Timeout = 240_000)]
    [MemberData(nameof(CmsWithMail))]
    public async Task A_reset_the_site_cannot_mail_counts_an_attempt_each_run_and_gives_up_after_the_last(Cms cms)
    {
        using var run = new CmsFaultRun(cms);
        var (campaign, members) = AddCampaign(run);
        SetMailFails(run.Site.Cms, true);

        for (var attempt = 1; attempt <= 4; attempt++)
        {
            var summary = await run.ResetAsync(Campaign, cancellationToken: Bounded());

            Report(cms, summary, [$"run {attempt}"]);
            summary.StopKind.Should().Be(RunStopKind.None, "a site that answers that its mail failed is not down: {0}", summary.StopReason);
            summary.Total.Should().Be(Members);
            var after = Read(run, campaign, members);
            foreach (var (id, _) in members.Take(Linked))
            {
                var failure = summary.Failures.Single(f => f.ContactId == id);
                failure.Error!.Code.Should().Be(CmsUserErrorCodes.MailFailed);
                failure.Error.Kind.Should().Be(FailureKind.Permanent);
                failure.Kind.Should().Be(attempt < 4 ? OutcomeKind.Failed : OutcomeKind.GaveUp);
                after[id].Failed.Should().HaveCount(attempt, "one Failed record per run for contact {0}", id)
                    .And.OnlyContain(d => d.StartsWith(CmsUserErrorCodes.MailFailed + ":", StringComparison.Ordinal));
                after[id].Completed.Should().Be(0);
                after[id].InCampaign.Should().Be(attempt < 4, "contact {0} leaves the campaign at its last attempt", id);
            }
        }

        SetMailFails(run.Site.Cms, false);
        var next = await run.ResetAsync(Campaign, cancellationToken: Bounded());
        next.Total.Should().Be(0, "every contact gave up and left the campaign");
    }

    private static void SetMailFails(Testing.IFakeCmsServer site, bool fails)
    {
        switch (site)
        {
            case Testing.WordPress.FakeWordPressServer wordPress: wordPress.MailFails = fails; break;
            case Testing.Drupal.FakeDrupalServer drupal: drupal.MailFails = fails; break;
            case Testing.Drupal7.FakeDrupal7Server drupal7: drupal7.MailFails = fails; break;
            case Testing.Backdrop.FakeBackdropServer backdrop: backdrop.MailFails = fails; break;
            case Testing.Joomla.FakeJoomlaServer joomla: joomla.MailFails = fails; break;
            default: throw new ArgumentException($"{site.GetType().Name} has no mail switch.", nameof(site));
        }
    }

    private static (long Campaign, (long Id, string Email)[] Members) AddCampaign(CmsFaultRun run)
    {
        if (run.Site.Cms is Testing.Joomla.FakeJoomlaServer joomla)
        {
            // Joomla's Web Services API has no reset email: campaigns need the companion package.
            joomla.CompanionEnabled = true;
            run.Services = s => s.Configure<Joomla.JoomlaOptions>(o => o.UseCompanionPlugin = true);
        }

        var campaign = run.Civi.AddGroup(Campaign);
        var members = run.AddMembers(Members);
        for (var i = 0; i < Linked; i++)
        {
            var account = run.Site.AddExisting($"existing{i}", members[i].Email, members[i].Id);
            if (run.Site.Cms is not Testing.Standalone.FakeStandaloneServer)
            {
                // On Standalone the user is its contact's link.
                run.Civi.AddLink(members[i].Id, account.Id, members[i].Email);
            }
        }

        run.Civi.AddToGroup(campaign, members.Select(m => m.Id));
        return (campaign, members);
    }

    /// <summary>Every contact is reset once and out of the campaign, or failed with a typed error and still in it.</summary>
    private static void AssertAccounted(CmsFaultRun run, RunSummary summary, IReadOnlyDictionary<long, ResetState> after, IEnumerable<long> healthy)
    {
        foreach (var id in healthy)
        {
            after[id].Completed.Should().Be(1, $"healthy contact {id} is reset once whatever its neighbours met");
            after[id].InCampaign.Should().BeFalse($"healthy contact {id} leaves the campaign");
        }

        foreach (var (id, state) in after)
        {
            state.Completed.Should().BeLessThanOrEqualTo(1, $"contact {id} has at most one Completed reset record");
            if (state.Completed == 1 && !state.InCampaign)
            {
                continue;
            }

            var failure = summary.Failures.Should().ContainSingle(f => f.ContactId == id, $"contact {id} is not done, so it failed").Subject;
            failure.Error!.Code.Should().MatchRegex("^[a-z0-9_]+$", "a typed error");
            failure.Error.Kind.Should().NotBe(FailureKind.Configuration, $"contact {id}'s fault is its own, not the site's");
            state.InCampaign.Should().BeTrue($"failed contact {id} stays in the campaign to be tried again");
            if (failure.Error.Kind == FailureKind.Permanent && failure.Error.Code != CmsUserErrorCodes.WriteBackFailed)
            {
                state.Failed.Should().ContainSingle($"contact {id} has exactly one Failed record").Which.Should().StartWith(failure.Error.Code + ":");
            }
            else
            {
                state.Failed.Should().BeEmpty($"contact {id}'s failure ({failure.Error.Code}) records nothing");
            }

            state.Failed.Should().NotContain(d => run.Site.Secrets.Any(secret => d.Contains(secret, StringComparison.Ordinal)), "no secret in an audit");
        }
    }

    /// <summary>
    /// The sites are well again: the next run resets every linked contact left, and each ends with exactly one Completed
    /// record and out of the campaign; the contacts without an account get one Failed record more (one per attempt).
    /// </summary>
    private async Task AssertHealedAsync(CmsFaultRun run, long campaign, (long Id, string Email)[] members, IReadOnlyDictionary<long, ResetState> before)
    {
        var next = await run.ResetAsync(Campaign, cancellationToken: Bounded());
        output.WriteLine($"healed: {next.Total} processed, stop {next.StopKind} {next.StopReason}");
        next.StopKind.Should().Be(RunStopKind.None, next.StopReason);
        var end = Read(run, campaign, members);
        foreach (var (id, email) in members.Take(Linked))
        {
            end[id].Completed.Should().Be(1, $"contact {id} ({email}) ends reset exactly once");
            end[id].InCampaign.Should().BeFalse($"contact {id} ends out of the campaign");
        }

        foreach (var (id, _) in members.Skip(Linked))
        {
            end[id].Failed.Should().HaveCount(before[id].Failed.Count + 1, $"contact {id} without an account: one Failed record per attempt");
        }
    }

    private void Report(Cms cms, RunSummary summary, IEnumerable<string> met)
    {
        output.WriteLine($"{cms}: {summary.Total} processed, {string.Join(", ", Enum.GetValues<OutcomeKind>().Select(k => $"{k} {summary.Count(k)}"))}; met: {string.Join(", ", met)}; stop {summary.StopKind} {summary.StopReason}");
        foreach (var failure in summary.Failures)
        {
            output.WriteLine($"  contact {failure.ContactId}: {failure.Error!.Kind}/{failure.Error.Code}: {failure.Error.Message}");
        }
    }

    /// <summary>Per contact: its Completed and Failed reset records, and whether it is still in the campaign.</summary>
    private static Dictionary<long, ResetState> Read(CmsFaultRun run, long campaign, (long Id, string Email)[] members)
    {
        var records = run.Civi.Activities.Where(a => a.Type == CiviCrmActivityTypes.PasswordReset).ToArray();
        return members.ToDictionary(m => m.Id, m => new ResetState(
            Completed: records.Count(a => a.Status == "Completed" && a.Targets.Contains(m.Id)),
            Failed: [.. records.Where(a => a.Status == CiviCrmActivityTypes.FailedStatus && a.Targets.Contains(m.Id)).Select(a => a.Details ?? "")],
            InCampaign: run.Civi.GroupStatus(campaign, m.Id) == "Added"));
    }

    private sealed record ResetState(int Completed, IReadOnlyList<string> Failed, bool InCampaign);
}
