using CsCheck;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Skvare.CmsUser.Testing;
using Skvare.CmsUser.Testing.Standalone;

namespace Skvare.CmsUser.Standalone.Tests;

/// <summary>
/// A Standalone user's creation date (<c>User.when_created</c>, a MySQL timestamp CiviCRM shows in the site's zone):
/// read with the site's zone on a read by id, it lets the next run record a user a stopped run created as
/// <c>Created</c>. The sites here run in Tokyo time (UTC+9), so a date read as UTC would be nine hours late and prove
/// a creation it should not.
/// </summary>
public sealed class RecoveredCreationTests : IDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);
    private static readonly TimeZoneInfo Tokyo = TimeZoneInfo.FindSystemTimeZoneById("Asia/Tokyo");
    private readonly FakeStandaloneServer _site = new() { SiteTimeZone = Tokyo };

    public void Dispose() => _site.Dispose();

    [Fact(Timeout = 60_000)]
    public async Task A_user_read_by_id_carries_when_created_read_in_the_sites_zone()
    {
        var made = new DateTimeOffset(2026, 12, 1, 14, 21, 40, TimeSpan.Zero);
        _site.Clock = new FakeTimeProvider(made);
        var id = _site.AddUser("jdoe", "jdoe@example.org", _site.AddContact("Jane", "Doe", "jdoe@example.org"));
        using var services = StandaloneHost.Build(_site);
        var provider = services.GetRequiredService<ICmsAccountProvider>();

        var account = await provider.GetByIdAsync(id).WaitAsync(Bound);

        _site.Requests.Should().Contain(r => r.Entity == "User" && r.Action == "get" && r.ParamsJson!.Contains("when_created", StringComparison.Ordinal));
        account!.CreatedAt.Should().Be(made, "CiviCRM showed 2026-12-01 23:21:40, Tokyo time");
        account.CreatedAt!.Value.Offset.Should().Be(TimeSpan.Zero);
    }

    [Fact(Timeout = 60_000)]
    public async Task A_user_whose_creation_date_cannot_be_read_has_none()
    {
        // The site does not tell its zone (System.get refused) and NOW() cannot be read either: no zone, no date.
        var id = _site.AddUser("jdoe", "jdoe@example.org", _site.AddContact("Jane", "Doe", "jdoe@example.org"));
        _site.FaultWhere = request => request.Path.Contains("/ajax/rest", StringComparison.Ordinal) || request.Mentions("NOW()") ? FakeFault.Status(503) : null;
        using var services = StandaloneHost.Build(_site);

        var account = await services.GetRequiredService<ICmsAccountProvider>().GetByIdAsync(id).WaitAsync(Bound);

        account!.CreatedAt.Should().BeNull("a date read in a zone the site did not tell could be hours off");
    }

    [Fact(Timeout = 120_000)]
    public async Task A_user_a_stopped_run_created_is_recorded_as_created_by_the_next_run()
    {
        var group = _site.AddGroup("members");
        var jane = _site.AddContact("Jane", "Doe", "jdoe@example.org");
        _site.AddToGroup(group, [jane]);
        var created = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var stopped = 0;

        // Once the user is created, CiviCRM answers nothing more to the first run (its write-back hangs): the run is
        // cancelled and abandoned, as a process killed past its grace is. The first request after the create's is the
        // sign that the create was answered (so the user exists): the next run must not start while it is in flight.
        _site.FaultWhere = request =>
        {
            if (Volatile.Read(ref stopped) == 1)
            {
                created.TrySetResult();
                return FakeFault.Hang();
            }

            if (request.Operation == FakeCmsOperation.Create)
            {
                Volatile.Write(ref stopped, 1);
            }

            return null;
        };
        // The abandoned run's hung requests are given up on the client at the end (as a killed process gives them up), so
        // disposing its services does not wait out their 30 s attempt timeout.
        using var abandon = new Skvare.CmsUser.Tests.Shared.AbandonableRequests();
        var firstServices = StandaloneHost.Build(_site, more: s => s.AddHttpClient(Skvare.CmsUser.CiviCrm.Api.CiviCrmApiClient.HttpClientName).AddHttpMessageHandler(abandon.Handler));
        using var stop = new CancellationTokenSource();
        var first = firstServices.GetRequiredService<IUserProvisioner>().RunOnceAsync(cancellationToken: stop.Token);
        try
        {
            await created.Task.WaitAsync(Bound);
            await stop.CancelAsync();
            var open = _site.Activities.Should().ContainSingle(a => a.Targets.Contains(jane)).Which;
            open.Status.Should().Be("Scheduled");

            _site.FaultWhere = null;
            using var nextServices = StandaloneHost.Build(_site);
            var run = await nextServices.GetRequiredService<IUserProvisioner>().RunOnceAsync().WaitAsync(Bound);

            var user = _site.Users.Should().ContainSingle(u => u.ExtrasOf<FakeStandaloneUserExtras>().ContactId == jane).Which;
            run.Count(OutcomeKind.Created).Should().Be(1, "when_created, read in Tokyo time, is at or after the stopped attempt's record");
            var record = _site.Activities.Should().ContainSingle(a => a.Targets.Contains(jane), "one record per user: the stopped attempt's, completed").Which;
            record.Id.Should().Be(open.Id);
            record.Status.Should().Be("Completed");
            record.Subject.Should().Be($"Created : jane.doe ({user.Id})");
        }
        finally
        {
            // The abandoned run's hung requests are given up; the site stops later (Dispose).
            await abandon.AbandonAsync();
            await firstServices.DisposeAsync();
        }
    }

    [Fact]
    public void Any_wall_clock_time_at_any_offset_is_read_back_as_its_instant()
    {
        var instants = Gen.Long[new DateTimeOffset(1971, 1, 1, 0, 0, 0, TimeSpan.Zero).Ticks / TimeSpan.TicksPerSecond, new DateTimeOffset(9998, 1, 1, 0, 0, 0, TimeSpan.Zero).Ticks / TimeSpan.TicksPerSecond]
            .Select(s => new DateTimeOffset(s * TimeSpan.TicksPerSecond, TimeSpan.Zero));
        var offsets = Gen.Int[-14 * 4, 14 * 4].Select(q => TimeSpan.FromMinutes(q * 15));
        Gen.Select(instants, offsets).Sample((instant, offset) =>
        {
            var shown = instant.ToOffset(offset).ToString("yyyy-MM-dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture);

            StandaloneDates.IsSiteTime(shown).Should().BeTrue();
            var read = StandaloneDates.FromSiteTime(shown, offset);
            read.Should().Be(instant);
            read!.Value.Offset.Should().Be(TimeSpan.Zero);
        });
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("0000-00-00 00:00:00")]
    [InlineData("1970-01-01 00:00:00")]
    [InlineData("2026-12-01")]
    [InlineData("2026-12-01T14:21:40")]
    [InlineData("2026-12-01 14:21:40+09:00")]
    [InlineData("2026-12-01 14:21:40Z")]
    [InlineData("20261201142140")]
    [InlineData(" 2026-12-01 14:21:40")]
    [InlineData("2026-02-30 10:00:00")]
    [InlineData("2026-12-01 24:00:00")]
    [InlineData("١٢٠٢-12-01 14:21:40")]
    public void A_text_that_is_no_wall_clock_time_of_api_v4_is_no_date(string? text)
    {
        StandaloneDates.IsSiteTime(text).Should().BeFalse();
        StandaloneDates.FromSiteTime(text, TimeSpan.Zero).Should().BeNull();
    }

    [Fact]
    public void Any_other_text_is_no_date_or_the_date_it_spells()
    {
        Gen.String.Sample(text =>
        {
            // Never an exception; a date only for the exact form, read back to the same text.
            var read = StandaloneDates.FromSiteTime(text, TimeSpan.FromHours(9));
            if (read is { } at)
            {
                at.ToOffset(TimeSpan.FromHours(9)).ToString("yyyy-MM-dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture).Should().Be(text);
            }
        });
    }

    [Theory]
    [InlineData(15)]
    [InlineData(-15 * 60)]
    [InlineData(14 * 60 + 1)]
    public void An_offset_no_zone_has_gives_no_date(int minutes)
    {
        var offset = minutes == 15 ? TimeSpan.FromSeconds(30) : TimeSpan.FromMinutes(minutes);
        StandaloneDates.FromSiteTime("2026-12-01 14:21:40", offset).Should().BeNull();
    }
}
