using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Skvare.CmsUser.Tests.Shared.Sites;

namespace Skvare.CmsUser.Benchmarks.Provisioning;

/// <summary>
/// <c>provisioning --live</c>: a batch against the live WordPress named by <c>CMSUSER_WP_URL</c>, <c>CMSUSER_WP_USER</c> and
/// <c>CMSUSER_WP_APP_PASSWORD</c> (CiviCRM stays the fake), concurrency 1, with the companion plugin. Server time is
/// what the site reports for each request in <c>Server-Timing: app;dur=</c> (the companion plugin 0.2.0 puts PHP's time
/// from request start to answer there), summed per contact; the time from send to the last byte over loopback is
/// reported next to it. The accounts it creates are deleted afterwards.
/// </summary>
internal static class LiveWordPress
{
    public static async Task<object> RunAsync(StringBuilder md, int contacts, CancellationToken ct)
    {
        var url = Environment.GetEnvironmentVariable("CMSUSER_WP_URL");
        var user = Environment.GetEnvironmentVariable("CMSUSER_WP_USER");
        var password = Environment.GetEnvironmentVariable("CMSUSER_WP_APP_PASSWORD");
        if (string.IsNullOrEmpty(url) || string.IsNullOrEmpty(user) || string.IsNullOrEmpty(password))
        {
            throw new InvalidOperationException("--live needs CMSUSER_WP_URL, CMSUSER_WP_USER and CMSUSER_WP_APP_PASSWORD (see tests/real/wordpress).");
        }

        var site = new Uri(url.EndsWith('/') ? url : url + "/");

        // The same batch through the core API only (searches, create, wp-login.php reset email) and through the
        // companion plugin, one after the other in this process, so the two compare under the same machine load.
        var coreApi = await RunModeAsync(md, site, user, password, contacts, companion: false, ct);
        var withCompanion = await RunModeAsync(md, site, user, password, contacts, companion: true, ct);
        return new { coreApi, companion = withCompanion };
    }

    private static async Task<object> RunModeAsync(StringBuilder md, Uri site, string user, string password, int contacts, bool companion, CancellationToken ct)
    {
        var timings = new ConcurrentQueue<(string Call, double Ms, double? ServerMs)>();
        using var fake = FakeSite.Start(
            0,
            concurrency: 1,
            wordpress: o =>
            {
                o.BaseUrl = site;
                o.Username = user;
                o.ApplicationPassword = password;
                o.UseCompanionPlugin = companion;
            },
            configure: services => services.ConfigureHttpClientDefaults(b => b.AddHttpMessageHandler(() => new TimingHandler(site, timings))));
        var run = DateTime.UtcNow.ToString("HHmmss", CultureInfo.InvariantCulture) + (companion ? "c" : "r");
        fake.AddMembers(contacts, "Live" + run);
        var watch = Stopwatch.StartNew();
        var summary = await fake.Provisioner.RunOnceAsync(cancellationToken: ct);
        var elapsed = watch.Elapsed;
        var created = summary.Count(OutcomeKind.Created);
        var wp = timings.ToArray();
        var roundTripMs = wp.Sum(t => t.Ms) / contacts;
        var reported = wp.Count(t => t.ServerMs is not null);
        var serverMs = wp.Sum(t => t.ServerMs ?? 0) / contacts;
        var civi = fake.Count();
        md.AppendLine(CultureInfo.InvariantCulture, $"## Live WordPress, {(companion ? "companion plugin" : "core API only")} ({site.Host}:{site.Port}, {contacts} contacts, concurrency 1, CiviCRM fake)").AppendLine()
            .AppendLine("| Call | Requests | Per contact | Mean server time (Server-Timing) | Mean send to last byte |").AppendLine("|---|---:|---:|---:|---:|");
        foreach (var g in wp.GroupBy(t => t.Call).OrderByDescending(g => g.Count()))
        {
            var server = g.Where(t => t.ServerMs is not null).Select(t => t.ServerMs!.Value).DefaultIfEmpty(double.NaN).Average();
            md.AppendLine(CultureInfo.InvariantCulture, $"| `{g.Key}` | {g.Count()} | {(double)g.Count() / contacts:0.##} | {(double.IsNaN(server) ? "–" : server.ToString("0", CultureInfo.InvariantCulture) + " ms")} | {g.Average(t => t.Ms):0} ms |");
        }

        md.AppendLine().AppendLine(CultureInfo.InvariantCulture,
            $"Created {created} of {contacts}; WordPress requests per contact {(double)wp.Length / contacts:0.##}, CiviCRM {(double)civi.CiviCrmTotal / contacts:0.###}; WordPress server time per contact {serverMs:0} ms (Server-Timing, {reported} of {wp.Length} requests reported it), {roundTripMs:0} ms send to last byte; wall time per contact {elapsed.TotalMilliseconds / contacts:0} ms.").AppendLine();
        await CleanUpAsync(site, user, password, contacts, "live" + run, ct);
        return new
        {
            companion,
            contacts,
            created,
            wordpressRequestsPerContact = (double)wp.Length / contacts,
            civicrmRequestsPerContact = (double)civi.CiviCrmTotal / contacts,
            serverMillisecondsPerContact = serverMs,
            serverTimingReported = reported,
            roundTripMillisecondsPerContact = roundTripMs,
            wallMillisecondsPerContact = elapsed.TotalMilliseconds / contacts,
            calls = wp.GroupBy(t => t.Call).ToDictionary(g => g.Key, g => new { count = g.Count(), meanMs = g.Average(t => t.Ms), meanServerMs = g.Average(t => t.ServerMs ?? 0) }),
        };
    }

    // Deletes the accounts this run created (their usernames start with first.live<run>).
    private static async Task CleanUpAsync(Uri site, string user, string password, int contacts, string marker, CancellationToken ct)
    {
        using var http = new HttpClient { BaseAddress = site };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(user + ":" + password)));
        for (var page = 1; page <= (contacts / 100) + 1; page++)
        {
            var text = await http.GetStringAsync($"wp-json/wp/v2/users?context=edit&per_page=100&search={marker}&_fields=id", ct);
            using var doc = System.Text.Json.JsonDocument.Parse(text);
            foreach (var row in doc.RootElement.EnumerateArray())
            {
                (await http.DeleteAsync($"wp-json/wp/v2/users/{row.GetProperty("id").GetInt64()}?force=true&reassign=1", ct)).Dispose();
            }
        }
    }

    private sealed class TimingHandler(Uri site, ConcurrentQueue<(string Call, double Ms, double? ServerMs)> timings) : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (request.RequestUri is not { } uri || uri.Port != site.Port || uri.Host != site.Host)
            {
                return await base.SendAsync(request, cancellationToken);
            }

            var watch = Stopwatch.StartNew();
            var response = await base.SendAsync(request, cancellationToken);
            await response.Content.LoadIntoBufferAsync(cancellationToken);
            var path = System.Text.RegularExpressions.Regex.Replace(uri.AbsolutePath, @"(?<=/)\d+(?=/|$)", "{id}");
            timings.Enqueue((request.Method.Method + " " + path + (uri.Query.Contains("search=", StringComparison.Ordinal) ? "?search" : string.Empty), watch.Elapsed.TotalMilliseconds, ServerTiming(response)));
            return response;
        }

        // "Server-Timing: app;dur=107.9" (the companion plugin's PHP time), or null when the answer has none.
        private static double? ServerTiming(HttpResponseMessage response)
        {
            if (!response.Headers.TryGetValues("Server-Timing", out var values))
            {
                return null;
            }

            var match = System.Text.RegularExpressions.Regex.Match(string.Join(',', values), @"(?:^|,)\s*app\s*;[^,]*\bdur=([0-9.]+)");
            return match.Success && double.TryParse(match.Groups[1].Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var ms) ? ms : null;
        }
    }
}
