using System.Text.Json;
using CsCheck;
using Microsoft.Extensions.Time.Testing;
using Skvare.CmsUser.Testing;
using Skvare.CmsUser.Testing.InMemory;

namespace Skvare.CmsUser.CiviCrm.Tests;

/// <summary>The site's time zone read from CiviCRM (System.get, then NOW()), with the configured value as an override.</summary>
public sealed class SiteTimeZoneTests : IDisposable
{
    private const string Chicago = "America/Chicago";
    private CiviHarness? _h;

    public void Dispose() => _h?.Dispose();

    private static CancellationToken Timeout => new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token;

    private CiviHarness Harness(string? configured = null, Action<CmsUserOptions>? engine = null, FakeCmsAccountProvider? cms = null)
    {
        _h = new CiviHarness(configure: o => o.TimeZone = configured, engine: engine, cms: cms);
        return _h;
    }

    [Fact]
    public async Task The_zone_CiviCRM_names_in_System_get_is_used_and_read_once_per_process()
    {
        var h = Harness();
        h.Fake.SiteTimeZone = TimeZoneInfo.FindSystemTimeZoneById(Chicago);

        var first = await h.Client.GetSiteTimeAsync(Timeout);
        var second = await h.Client.GetSiteTimeAsync(Timeout);

        first.Zone.Id.Should().Be(Chicago);
        second.Should().BeSameAs(first);
        h.Fake.CallCount("System", "get").Should().Be(1);
        h.Fake.CallCount("Contact", "get").Should().Be(0, "System.get answered, so NOW() is not needed");
    }

    [Fact]
    public async Task A_configured_zone_overrides_and_makes_no_call()
    {
        var h = Harness(configured: "Europe/Berlin");
        h.Fake.SiteTimeZone = TimeZoneInfo.FindSystemTimeZoneById(Chicago);

        var site = await h.Client.GetSiteTimeAsync(Timeout);

        site.Zone.Id.Should().Be("Europe/Berlin");
        h.Fake.Requests.Should().BeEmpty();
    }

    [Fact]
    public async Task Without_administer_CiviCRM_the_offset_of_NOW_is_used_as_a_fixed_zone()
    {
        var h = Harness();
        h.Fake.Api3SystemGet = false;
        h.Fake.SiteTimeZone = TimeZoneInfo.CreateCustomTimeZone("Test+05:30", TimeSpan.FromMinutes(330), "Test", "Test");

        var site = await h.Client.GetSiteTimeAsync(Timeout);

        site.Zone.BaseUtcOffset.Should().Be(TimeSpan.FromMinutes(330));
        site.Zone.Id.Should().Be("UTC+05:30");
        h.Fake.CallCount("System", "get").Should().Be(1);
        h.Fake.CallCount("Contact", "get").Should().Be(1);
    }

    [Theory]
    [InlineData("{\"is_error\":1,\"error_message\":\"refused \\ud800\"}")]
    [InlineData("{\"is_error\":1,\"error_message\":\"\\udc00\",\"error_message\":2}")]
    [InlineData("{\"is_error\":0,\"values\":[{\"php\":{\"tz\":\"\\ud800\"}}]}")]
    [InlineData("{\"is_error\":0,\"values\":[{\"php\":{\"tz\":1e400}}]}")]
    public async Task A_System_get_answer_with_text_that_is_not_UTF16_falls_back_to_the_offset_of_NOW(string answer)
    {
        // Regression: the API v3 refusal's error_message was read with JsonElement.ToString(), which throws
        // InvalidOperationException for a lone surrogate escape: it escaped the site time reader untyped.
        var h = Harness();
        h.Fake.SiteTimeZone = TimeZoneInfo.CreateCustomTimeZone("Test+05:30", TimeSpan.FromMinutes(330), "Test", "Test");
        h.Fake.FaultWhere = request => request.Body?.Contains("entity=System", StringComparison.Ordinal) == true ? FakeFault.Status(200, answer, "application/json") : null;

        var site = await h.Client.GetSiteTimeAsync(Timeout);

        site.Zone.BaseUtcOffset.Should().Be(TimeSpan.FromMinutes(330));
        h.Fake.CallCount("Contact", "get").Should().Be(1);
    }

    [Fact]
    public async Task Clocks_that_disagree_by_days_give_UTC_rather_than_a_wrong_offset()
    {
        var h = Harness();
        h.Fake.Api3SystemGet = false;
        h.Fake.Clock = new FakeTimeProvider(DateTimeOffset.UtcNow.AddDays(-3));

        var site = await h.Client.GetSiteTimeAsync(Timeout);

        site.Zone.Should().Be(TimeZoneInfo.Utc);
    }

    // newuser21: with a wrong URL style every call is a 404, and the fallback's "Set CmsUser:CiviCrm:TimeZone" sent the
    // reader to the wrong setting; the call's own error names the fix.
    [Fact]
    public async Task A_call_CiviCRM_refuses_is_named_instead_of_pointing_at_the_time_zone_setting()
    {
        var h = Harness();
        h.Fake.FailWhere = (_, _) => 404;

        var site = await h.Client.GetSiteTimeAsync(Timeout);

        site.Zone.Should().Be(TimeZoneInfo.Utc);
        var messages = h.Logs.GetSnapshot().Select(r => r.Message).ToList();
        messages.Should().Contain(m => m.Contains("CiviCRM refused the call", StringComparison.Ordinal) && m.Contains("HTTP 404", StringComparison.Ordinal));
        messages.Should().NotContain(m => m.Contains("Set CmsUser:CiviCrm:TimeZone", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_unreachable_CiviCRM_is_transient_and_read_again_on_the_next_call()
    {
        var h = Harness();
        h.Fake.SiteTimeZone = TimeZoneInfo.FindSystemTimeZoneById(Chicago);
        h.Fake.FailWhere = (_, _) => 503;

        var down = () => h.Client.GetSiteTimeAsync(Timeout);

        (await down.Should().ThrowAsync<CmsUserException>()).Which.Kind.Should().Be(FailureKind.Transient);
        h.Fake.FailWhere = null;
        (await h.Client.GetSiteTimeAsync(Timeout)).Zone.Id.Should().Be(Chicago);
    }

    // Session 23's CI flake (WebhookOutageTests, b0a2bf3): the recorder's set-up started the shared read and did not wait;
    // the read timed out, and the next call, which had joined it on its way, failed with that timeout though CiviCRM was back.
    [Fact]
    public async Task A_call_that_joined_a_read_another_call_started_reads_again_when_that_read_fails()
    {
        var arrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _h = new CiviHarness(configure: o => o.Http.MaxRetries = 0, extraHandler: () => new FirstRequestGate(arrived, release));
        var h = _h;
        h.Fake.SiteTimeZone = TimeZoneInfo.FindSystemTimeZoneById(Chicago);
        var failed = 0;
        // The first read's two requests (System.get, then NOW()) find CiviCRM down; every later one finds it back.
        h.Fake.FailWhere = (_, _) => Interlocked.Increment(ref failed) <= 2 ? 503 : null;

        var first = h.Client.GetSiteTimeAsync(CancellationToken.None); // as the recorder's set-up starts it
        await arrived.Task.WaitAsync(Timeout);
        var joined = h.Client.GetSiteTimeAsync(Timeout); // finds the first read on its way and waits for it
        release.SetResult();

        (await first.Awaiting(t => t).Should().ThrowAsync<CmsUserException>()).Which.Kind.Should().Be(FailureKind.Transient, "the read this call started is its own");
        var read = await joined;
        read.Zone.Id.Should().Be(Chicago);
        read.Provisional.Should().BeFalse();
        h.Fake.CallCount("System", "get").Should().Be(2, "one read that failed, one fresh read for the call that joined it");
        (await h.Client.GetSiteTimeAsync(Timeout)).Should().BeSameAs(read, "the fresh read is kept");
        h.Fake.CallCount("System", "get").Should().Be(2);
    }

    [Fact]
    public async Task Callers_that_find_a_failed_read_share_one_fresh_read()
    {
        var h = Harness();
        h.Fake.SiteTimeZone = TimeZoneInfo.FindSystemTimeZoneById(Chicago);
        h.Fake.FailWhere = (_, _) => 503;
        var down = () => h.Client.GetSiteTimeAsync(Timeout);
        await down.Should().ThrowAsync<CmsUserException>();
        h.Fake.FailWhere = null;
        var before = h.Fake.CallCount("System", "get");

        var reads = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => h.Client.GetSiteTimeAsync(Timeout))));

        reads.Should().AllSatisfy(r => r.Should().BeSameAs(reads[0]));
        h.Fake.CallCount("System", "get").Should().Be(before + 1, "a caller that loses the race to start the read sends nothing");
    }

    /// <summary>Holds the first request until released, so a second caller can find the read on its way.</summary>
    private sealed class FirstRequestGate(TaskCompletionSource arrived, TaskCompletionSource release) : DelegatingHandler
    {
        private int _seen;

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (Interlocked.Increment(ref _seen) == 1)
            {
                arrived.TrySetResult();
                await release.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
            }

            return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
    }

    [Fact]
    public async Task A_transient_System_get_failure_gives_a_stand_in_offset_that_is_not_kept()
    {
        var h = Harness();
        h.Fake.SiteTimeZone = TimeZoneInfo.FindSystemTimeZoneById(Chicago);
        h.Fake.FailWhere = (entity, _) => entity == "System" ? 503 : null;

        var standIn = await h.Client.GetSiteTimeAsync(Timeout);

        standIn.Provisional.Should().BeTrue();
        standIn.Zone.GetUtcOffset(DateTimeOffset.UtcNow).Should().Be(h.Fake.SiteTimeZone.GetUtcOffset(DateTimeOffset.UtcNow));
        h.Fake.FailWhere = null;
        var read = await h.Client.GetSiteTimeAsync(Timeout);
        read.Zone.Id.Should().Be(Chicago);
        read.Provisional.Should().BeFalse();
        (await h.Client.GetSiteTimeAsync(Timeout)).Should().BeSameAs(read);
    }

    [Fact]
    public async Task The_attempt_window_is_compared_in_the_zone_read_from_CiviCRM()
    {
        // The site runs six hours behind UTC and nothing is configured. A failure an hour ago is inside a two-hour
        // window; compared as UTC it would not be, and the contact would never give up.
        var cms = new FakeCmsAccountProvider();
        var h = Harness(engine: o =>
        {
            o.Rules.Add(new ProvisioningRule { Name = "members", Trigger = TriggerDefinition.Tag("members_tag"), History = TriggerDefinition.Tag("members_tag_done") });
            o.Retry.MaxAttempts = 2;
            o.Retry.AttemptWindow = TimeSpan.FromHours(2);
        }, cms: cms);
        h.Fake.SiteTimeZone = TimeZoneInfo.FindSystemTimeZoneById(Chicago);
        var tag = h.Fake.AddTag("members_tag");
        h.Fake.AddTag("members_tag_done");
        var ana = h.Fake.AddContact("Ana", "Lima", "ana@example.org");
        h.Fake.TagContacts(tag, [ana]);
        cms.FailCreateFor("ana@example.org", () => FakeCmsAccountProvider.Permanent("Refused."));
        h.Fake.Clock = new FakeTimeProvider(DateTimeOffset.UtcNow.AddHours(-1));
        (await h.Provisioner.RunOnceAsync(cancellationToken: Timeout)).Failures.Single().Kind.Should().Be(OutcomeKind.Failed);

        var second = await h.Provisioner.RunOnceAsync(cancellationToken: Timeout);

        second.Failures.Single().Kind.Should().Be(OutcomeKind.GaveUp);
        h.Fake.CallCount("System", "get").Should().Be(1, "once per process");
    }

    [Fact]
    public void System_get_answers_are_read_defensively()
    {
        SiteTimeZoneReader.FromSystemGet(Parse("""{"php":{"tz":"Europe/Berlin"}}"""))!.Id.Should().Be("Europe/Berlin");
        SiteTimeZoneReader.FromSystemGet(Parse("""{"php":{"tz":"Etc/GMT-3"}}"""))!.BaseUtcOffset.Should().Be(TimeSpan.FromHours(3), "WordPress's manual +3 offset is Etc/GMT-3 (POSIX signs)");
        SiteTimeZoneReader.FromSystemGet(Parse("""{"php":{"tz":"Mars/Olympus"}}""")).Should().BeNull();
        SiteTimeZoneReader.FromSystemGet(Parse("""{"php":{"tz":5}}""")).Should().BeNull();
        SiteTimeZoneReader.FromSystemGet(Parse("""{"php":"x"}""")).Should().BeNull();
        SiteTimeZoneReader.FromSystemGet(null).Should().BeNull();
        Gen.String.Sample(text =>
        {
            var act = () => SiteTimeZoneReader.FromSystemGet(Parse(JsonSerializer.Serialize(new { php = new { tz = text } })));
            act.Should().NotThrow();
        }, iter: 1000);
    }

    [Fact]
    public void The_measured_offset_is_rounded_to_a_quarter_hour_and_bounded()
    {
        var at = new DateTimeOffset(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);
        SiteTimeZoneReader.FromServerNow("2026-11-30 06:00:04", at)!.BaseUtcOffset.Should().Be(TimeSpan.FromHours(-6));
        SiteTimeZoneReader.FromServerNow("2026-11-30 17:44:50", at)!.BaseUtcOffset.Should().Be(TimeSpan.FromMinutes(345));
        SiteTimeZoneReader.FromServerNow("2026-11-30 12:03:00", at).Should().Be(TimeZoneInfo.Utc);
        SiteTimeZoneReader.FromServerNow("2026-12-02 12:00:00", at).Should().BeNull();
        SiteTimeZoneReader.FromServerNow("not a date", at).Should().BeNull();
        SiteTimeZoneReader.FromServerNow(null, at).Should().BeNull();
        Gen.Select(Gen.Int[-14 * 4, 14 * 4], Gen.Int[-400, 400]).Sample((quarters, skewSeconds) =>
        {
            var offset = TimeSpan.FromMinutes(quarters * 15);
            var wall = (at.UtcDateTime + offset + TimeSpan.FromSeconds(skewSeconds)).ToString("yyyy-MM-dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture);
            SiteTimeZoneReader.FromServerNow(wall, at)!.BaseUtcOffset.Should().Be(offset);
        }, iter: 2000);
        Gen.String.Sample(text =>
        {
            var act = () => SiteTimeZoneReader.FromServerNow(text, at);
            act.Should().NotThrow();
        }, iter: 1000);
    }

    private static JsonElement? Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }
}
