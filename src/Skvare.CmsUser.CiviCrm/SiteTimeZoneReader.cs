using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Skvare.CmsUser.CiviCrm.Api;

namespace Skvare.CmsUser.CiviCrm;

/// <summary>
/// Finds the time zone CiviCRM writes date-times in for this API user. CiviCRM sets PHP's default time zone to the
/// CMS's for each request (WordPress: the site's Timezone, or <c>Etc/GMT±N</c> for a whole-hour manual offset;
/// Drupal and Backdrop: the user's zone when users may choose one, else the site's; Joomla: the site's; Standalone: the
/// user's, else the server's) and the MySQL session to that zone's current offset, so <c>activity_date_time</c> and
/// <c>SubscriptionHistory.date</c> are that zone's wall-clock time. In order:
/// <list type="number">
/// <item><see cref="CiviCrmOptions.TimeZone"/> when set (an override; no call);</item>
/// <item>API v3 <c>System.get</c>: <c>php.tz</c>, PHP's default zone as CiviCRM set it for the request (needs
/// "administer CiviCRM"; one call of about 35 KB);</item>
/// <item>API v4 <c>NOW()</c> (the MySQL session's clock) against this machine's clock: the current offset, rounded to
/// 15 minutes, as a fixed-offset zone (daylight saving changes are not followed; the clocks must agree within about
/// 7 minutes);</item>
/// <item>UTC.</item>
/// </list>
/// Every step but the override is logged. When <c>System.get</c> failed transiently (HTTP 5xx, a timeout) the next step's
/// answer is <see cref="SiteTime.Provisional"/> (used, not kept: the next read asks again); when every step failed
/// transiently the failure is thrown.
/// </summary>
internal sealed class SiteTimeZoneReader
{
    private static readonly TimeSpan Quarter = TimeSpan.FromMinutes(15);

    private readonly CiviCrmApiClient _client;
    private readonly CiviCrmOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;

    public SiteTimeZoneReader(CiviCrmApiClient client, CiviCrmOptions options, ILogger logger, TimeProvider time)
    {
        _client = client;
        _options = options;
        _logger = logger;
        _time = time;
    }

    public async Task<SiteTime> ReadAsync(CancellationToken cancellationToken)
    {
        if (_options.TimeZone is { Length: > 0 } configured && TimeZoneInfo.TryFindSystemTimeZoneById(configured, out var chosen))
        {
            return new SiteTime(chosen);
        }

        var provisional = false;
        try
        {
            var system = await _client.CallApi3Async("System", "get", cancellationToken).ConfigureAwait(false);
            if (FromSystemGet(system) is { } zone)
            {
                Log.SiteTimeZone(_logger, zone.Id, "CiviCRM System.get php.tz");
                return new SiteTime(zone);
            }
        }
        catch (CmsUserException ex)
        {
            // Some sites refuse the v3 route with a 500 page; CiviCRM being down shows in the next call too.
            provisional = ex.Kind == FailureKind.Transient;
            Log.SiteTimeZoneFallback(_logger, $"System.get failed ({ex.Message}); measuring the offset instead.");
        }
        catch (JsonException)
        {
            Log.SiteTimeZoneFallback(_logger, "System.get did not answer JSON; measuring the offset instead.");
        }

        try
        {
            var before = _time.GetUtcNow();
            var result = await _client.CallAsync("Contact", "get", new Api4Params { Limit = 1 }
                .WithSelect("id", "NOW() AS now")
                .WithWhere(Api4Condition.Eq("id", "user_contact_id")), cancellationToken).ConfigureAwait(false);
            var after = _time.GetUtcNow();
            var now = result.Values.Count > 0 ? result.Values[0].GetString("now") : null;
            if (FromServerNow(now, before + ((after - before) / 2)) is { } zone)
            {
                Log.SiteTimeZoneFallback(_logger, $"CiviCRM did not say its zone (System.get needs \"administer CiviCRM\"); using the measured offset {zone.Id}, which does not follow daylight saving changes. Set CmsUser:CiviCrm:TimeZone to the site's zone.");
                return new SiteTime(zone) { Provisional = provisional };
            }
        }
        catch (CmsUserException ex) when (ex.Kind != FailureKind.Transient)
        {
            // A wrong URL, URL style or key: its own error says what to mend; pointing at TimeZone would send the reader the wrong way.
            Log.SiteTimeZoneFallback(_logger, $"the site's time zone could not be read because CiviCRM refused the call ({ex.Message}); using UTC until that is mended and the process starts again.");
            return new SiteTime(TimeZoneInfo.Utc) { Provisional = provisional };
        }

        Log.SiteTimeZoneFallback(_logger, "the site's time zone could not be learnt from CiviCRM; using UTC. Set CmsUser:CiviCrm:TimeZone to the site's zone.");
        return new SiteTime(TimeZoneInfo.Utc) { Provisional = provisional };
    }

    /// <summary>The zone named by <c>php.tz</c> of a <c>System.get</c> answer, or <see langword="null"/>.</summary>
    internal static TimeZoneInfo? FromSystemGet(JsonElement? values)
    {
        if (values is not { ValueKind: JsonValueKind.Object } row
            || !row.TryGetProperty("php", out var php) || php.ValueKind != JsonValueKind.Object
            || !php.TryGetProperty("tz", out var tz) || tz.ValueKind != JsonValueKind.String)
        {
            return null;
        }

        var id = tz.AsText();
        return !string.IsNullOrWhiteSpace(id) && TimeZoneInfo.TryFindSystemTimeZoneById(id.Trim(), out var zone) ? zone : null;
    }

    /// <summary>
    /// A fixed-offset zone from the server's wall-clock <paramref name="serverNow"/> (<c>yyyy-MM-dd HH:mm:ss</c>) read at
    /// <paramref name="at"/>: the difference rounded to 15 minutes, or <see langword="null"/> when the text is not a
    /// date-time or the offset is beyond ±14 hours (the clocks disagree).
    /// </summary>
    internal static TimeZoneInfo? FromServerNow(string? serverNow, DateTimeOffset at)
    {
        if (serverNow is null || !DateTime.TryParseExact(serverNow.Trim(), "yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture, DateTimeStyles.None, out var wall))
        {
            return null;
        }

        var raw = wall - at.UtcDateTime;
        var offset = TimeSpan.FromTicks((long)Math.Round(raw.Ticks / (double)Quarter.Ticks, MidpointRounding.AwayFromZero) * Quarter.Ticks);
        if (offset.Duration() > TimeSpan.FromHours(14))
        {
            return null;
        }

        if (offset == TimeSpan.Zero)
        {
            return TimeZoneInfo.Utc;
        }

        var name = "UTC" + (offset < TimeSpan.Zero ? "-" : "+") + offset.Duration().ToString(@"hh\:mm", CultureInfo.InvariantCulture);
        return TimeZoneInfo.CreateCustomTimeZone(name, offset, name, name);
    }
}
