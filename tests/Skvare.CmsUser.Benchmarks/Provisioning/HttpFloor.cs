using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using Skvare.CmsUser.Testing.WordPress;

namespace Skvare.CmsUser.Benchmarks.Provisioning;

/// <summary>
/// The instrument's floor for the latency table: the same fake WordPress, at the same injected latency and concurrency,
/// driven by a bare <see cref="HttpClient"/> loop with no SDK (no engine, no CiviCRM, no resilience pipeline). Each
/// worker sends the companion plugin's create (<c>POST skvare-cmsuser/v1/users?notify=user</c>, the SDK's one request per
/// new contact, with the same JSON body) and waits for its answer, then sends the next. What it reaches is what any
/// client could reach on this machine with this fake: Kestrel, WireMock, the fake's own work and the timer's
/// overshoot are in it, so the SDK's ratio to it is the SDK's own loss.
/// </summary>
internal static class HttpFloor
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;
    private static bool _warm;

    /// <summary>Creates per second of <paramref name="creates"/> accounts sent by <paramref name="concurrency"/> workers.</summary>
    public static async Task<double> CreatesPerSecondAsync(int creates, int concurrency, TimeSpan latency, CancellationToken ct)
    {
        if (!_warm)
        {
            // The first run in the process pays the JIT of this loop and of the fake's host; the SDK's first size pays its own.
            await RunAsync(50, concurrency, latency, ct);
            _warm = true;
        }

        return await RunAsync(creates, concurrency, latency, ct);
    }

    private static async Task<double> RunAsync(int creates, int concurrency, TimeSpan latency, CancellationToken ct)
    {
        using var site = new FakeWordPressServer { ResponseDelay = latency };
        using var client = new HttpClient(new SocketsHttpHandler { UseCookies = false, AllowAutoRedirect = false, PooledConnectionLifetime = TimeSpan.FromMinutes(5) });
        var url = new Uri(site.BaseUrl, "wp-json/skvare-cmsuser/v1/users?notify=user");
        var authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(site.AdminUsername + ":" + site.ApplicationPassword)));
        ProvisioningCommand.Settle();
        var next = -1;
        var watch = Stopwatch.StartNew();
        var workers = Enumerable.Range(0, concurrency).Select(_ => Task.Run(
            async () =>
            {
                int i;
                while ((i = Interlocked.Increment(ref next)) < creates)
                {
                    await CreateAsync(client, url, authorization, i, ct).ConfigureAwait(false);
                }
            },
            ct)).ToArray();
        await Task.WhenAll(workers);
        return creates / watch.Elapsed.TotalSeconds;
    }

    internal static async Task CreateAsync(HttpClient client, Uri url, AuthenticationHeaderValue authorization, int i, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, url);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        request.Headers.Authorization = authorization;
        var n = i.ToString(Inv);
        request.Content = new StringContent(
            $$"""{"username":"floor{{n}}","email":"floor{{n}}@example.org","password":"Floor-{{n}}-Xq7#kP2m","first_name":"First{{n}}","last_name":"Last{{n}}","name":"First{{n}} Last{{n}}","roles":["subscriber"]}""",
            Encoding.UTF8,
            "application/json");
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseContentRead, ct).ConfigureAwait(false);
        var body = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
        if ((int)response.StatusCode != 201)
        {
            throw new InvalidOperationException($"floor create {i}: HTTP {(int)response.StatusCode}: {body}");
        }
    }
}
