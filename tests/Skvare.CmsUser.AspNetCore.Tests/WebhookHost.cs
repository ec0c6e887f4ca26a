using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;
using Skvare.CmsUser.AspNetCore;

namespace Skvare.CmsUser.AspNetCore.Tests;

/// <summary>One running web application with the webhook, on a free loopback port, and a client signing requests for it.</summary>
internal sealed class WebhookHost : IAsyncDisposable
{
    public const string Secret = "0123456789abcdef0123456789abcdef-test";

    private WebhookHost(WebApplication app, HttpClient http, FakeTimeProvider time)
    {
        App = app;
        Http = http;
        Time = time;
        Logs = app.Services.GetRequiredService<FakeLogCollector>();
    }

    public WebApplication App { get; }

    public HttpClient Http { get; }

    public FakeTimeProvider Time { get; }

    public FakeLogCollector Logs { get; }

    /// <summary>
    /// Starts a host. <paramref name="backend"/> registers CiviCRM and the CMS (e.g. <c>UseInMemory</c>); <paramref name="rule"/>
    /// changes the rule "members" (group members, history group done).
    /// </summary>
    public static async Task<WebhookHost> StartAsync(
        Func<ICmsUserBuilder, ICmsUserBuilder> backend,
        Action<WebhookOptions>? webhook = null,
        Action<IServiceCollection>? services = null,
        bool withRule = true,
        FakeTimeProvider? time = null,
        Action<ProvisioningRule>? rule = null)
    {
        time ??= new FakeTimeProvider(new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero));
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders().AddFakeLogging();
        builder.Services.AddSingleton<TimeProvider>(time);
        services?.Invoke(builder.Services);
        backend(builder.Services.AddCmsUserProvisioning(o =>
        {
            if (withRule)
            {
                var members = new ProvisioningRule { Name = "members", Trigger = TriggerDefinition.Group("members"), History = TriggerDefinition.Group("done") };
                rule?.Invoke(members);
                o.Rules.Add(members);
            }
        })).AddWebhook(o =>
        {
            o.Secret = Secret;
            o.AllowLoginLinks = true;
            webhook?.Invoke(o);
        });
        var app = builder.Build();
        app.MapCmsUserWebhook();
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new WebhookHost(app, new HttpClient { BaseAddress = new Uri(address), Timeout = TimeSpan.FromSeconds(30) }, time);
    }

    public long Now => Time.GetUtcNow().ToUnixTimeSeconds();

    /// <summary>Builds a signed request; <paramref name="tamper"/> rewrites the signature header text.</summary>
    public static HttpRequestMessage Signed(string json, long timestamp, string? secret = Secret, Func<string, string>? tamper = null, string path = "/cmsuser/webhook")
    {
        var body = Encoding.UTF8.GetBytes(json);
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new("application/json");
        request.Headers.Add(WebhookSignature.TimestampHeader, timestamp.ToString(CultureInfo.InvariantCulture));
        if (secret is not null)
        {
            var signature = WebhookSignature.Compute(secret, timestamp, body);
            request.Headers.TryAddWithoutValidation(WebhookSignature.SignatureHeader, tamper?.Invoke(signature) ?? signature);
        }

        return request;
    }

    public async Task<HttpResponseMessage> PostAsync(string json, long? timestamp = null, string? secret = Secret, Func<string, string>? tamper = null)
    {
        using var request = Signed(json, timestamp ?? Now, secret, tamper);
        return await Http.SendAsync(request, Timeout());
    }

    public static CancellationToken Timeout() => new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token;

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();

        // The host's TimeProvider is the fake clock, and the HTTP resilience pipelines (Polly) run on it: disposed while a
        // request is still in flight (e.g. the SDK's background read of the site's time zone), a pipeline waits for it in
        // 1 s steps of that clock, up to 30 s of it. The clock is moved on for as long as disposal waits, so it ends as it
        // would in a real host. A fixed number of steps was not enough on a loaded machine: they could all pass before
        // disposal had begun to wait, which then waited for a clock nobody moved.
        var disposing = App.DisposeAsync().AsTask();
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (!disposing.IsCompleted && !bound.IsCancellationRequested)
        {
            Time.Advance(TimeSpan.FromSeconds(1));
            await Task.WhenAny(disposing, Task.Delay(TimeSpan.FromMilliseconds(20), CancellationToken.None));
        }

        await disposing.WaitAsync(TimeSpan.FromSeconds(30));
    }
}
