using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Skvare.CmsUser.AspNetCore;
using Skvare.CmsUser.Testing.InMemory;

namespace Skvare.CmsUser.AspNetCore.Tests;

public sealed class WebhookTests : IAsyncLifetime
{
    private const string Secret = "0123456789abcdef0123456789abcdef-test";
    private readonly InMemoryCiviCrm _civi = new();
    private readonly InMemoryCmsAccountProvider _cms = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero));
    private WebApplication _app = null!;
    private HttpClient _http = null!;
    private FakeLogCollector _logs = null!;

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders().AddFakeLogging();
        builder.Services.AddSingleton<TimeProvider>(_time);
        builder.Services.AddCmsUserProvisioning(o =>
        {
            var rule = new ProvisioningRule { Name = "members", Trigger = TriggerDefinition.Group("members"), History = TriggerDefinition.Group("done") };
            o.Rules.Add(rule);
        }).UseInMemory(_civi, _cms).AddWebhook(o =>
        {
            o.Secret = Secret;
            o.AllowLoginLinks = true;
        });
        _app = builder.Build();
        _app.MapCmsUserWebhook();
        await _app.StartAsync();
        var address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        _http = new HttpClient { BaseAddress = new Uri(address) };
        _logs = _app.Services.GetRequiredService<FakeLogCollector>();
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _app.DisposeAsync();
    }

    private Task<HttpResponseMessage> PostAsync(string json, long? timestamp = null, string? secret = Secret, Func<string, string>? tamper = null)
    {
        var body = Encoding.UTF8.GetBytes(json);
        var ts = timestamp ?? _time.GetUtcNow().ToUnixTimeSeconds();
        var request = new HttpRequestMessage(HttpMethod.Post, "/cmsuser/webhook") { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new("application/json");
        request.Headers.Add(WebhookSignature.TimestampHeader, ts.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (secret is not null)
        {
            var signature = WebhookSignature.Compute(secret, ts, body);
            request.Headers.Add(WebhookSignature.SignatureHeader, tamper?.Invoke(signature) ?? signature);
        }

        return _http.SendAsync(request);
    }

    [Fact]
    public async Task Signed_request_provisions_the_contact_at_once()
    {
        var ana = _civi.AddContact("Ana", "Lima", "ana@example.org");
        _civi.AddToGroup("members", ana.Id);

        using var response = await PostAsync($$"""{"contactId": {{ana.Id}}, "includeLoginLink": true}""");

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        var json = await response.Content.ReadFromJsonAsync<JsonElement>();
        json.GetProperty("outcome").GetString().Should().Be("Created");
        json.GetProperty("username").GetString().Should().Be("ana.lima");
        json.GetProperty("cmsUserId").GetInt64().Should().Be(_cms.Accounts.Single().Id);
        json.GetProperty("loginLink").GetString().Should().StartWith("https://");
        _civi.Links.Should().ContainSingle();
        _civi.GroupStatus("done", ana.Id).Should().Be("Added");
    }

    [Fact]
    public async Task CiviCRM_style_contact_id_as_a_string_is_accepted()
    {
        var ana = _civi.AddContact("Ana", "Lima", "ana@example.org");

        using var response = await PostAsync($$"""{"contact_id": "{{ana.Id}}"}""");

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        _cms.Accounts.Should().ContainSingle();
    }

    [Theory]
    [InlineData("wrong-secret-wrong-secret-wrong-secret")]
    [InlineData(null)]
    public async Task Wrong_or_missing_signature_is_refused_and_nothing_is_created(string? secret)
    {
        var ana = _civi.AddContact("Ana", "Lima", "ana@example.org");

        using var response = await PostAsync($$"""{"contactId": {{ana.Id}}}""", secret: secret);

        response.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString().Should().Be("invalid_signature");
        _cms.Accounts.Should().BeEmpty();
        _logs.GetSnapshot().Should().Contain(r => r.Id.Id == 4000).And.NotContain(r => r.Message.Contains(Secret, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Body_changed_after_signing_is_refused()
    {
        var body = """{"contactId": 1}""";
        var ts = _time.GetUtcNow().ToUnixTimeSeconds();
        var signature = WebhookSignature.Compute(Secret, ts, Encoding.UTF8.GetBytes(body));
        using var request = new HttpRequestMessage(HttpMethod.Post, "/cmsuser/webhook") { Content = new StringContent("""{"contactId": 2}""") };
        request.Headers.Add(WebhookSignature.TimestampHeader, ts.ToString(System.Globalization.CultureInfo.InvariantCulture));
        request.Headers.Add(WebhookSignature.SignatureHeader, signature);

        using var response = await _http.SendAsync(request);

        response.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Stale_timestamp_is_refused()
    {
        var old = _time.GetUtcNow().AddMinutes(-6).ToUnixTimeSeconds();

        using var response = await PostAsync("""{"contactId": 1}""", timestamp: old);

        response.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString().Should().Be("stale_timestamp");
    }

    [Fact]
    public async Task Replayed_request_is_refused()
    {
        var ana = _civi.AddContact("Ana", "Lima", "ana@example.org");
        var ts = _time.GetUtcNow().ToUnixTimeSeconds();
        var json = $$"""{"contactId": {{ana.Id}}}""";

        using var first = await PostAsync(json, ts);
        using var second = await PostAsync(json, ts);

        first.StatusCode.Should().Be(HttpStatusCode.OK);
        second.StatusCode.Should().Be(HttpStatusCode.Conflict);
        (await second.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString().Should().Be("replayed");
    }

    [Theory]
    [InlineData("not json", "invalid_body")]
    [InlineData("[1,2]", "invalid_body")]
    [InlineData("""{"contactId": -3}""", "invalid_body")]
    [InlineData("""{"name": "x"}""", "invalid_body")]
    [InlineData("""{"contactId": 1, "rule": "nope"}""", "invalid_request")]
    public async Task Malformed_body_gets_a_clear_400(string json, string error)
    {
        using var response = await PostAsync(json);

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString().Should().Be(error);
        _cms.Accounts.Should().BeEmpty();
    }

    [Fact]
    public async Task Oversized_body_is_refused()
    {
        using var response = await PostAsync("{\"contactId\": 1, \"pad\": \"" + new string('x', 20_000) + "\"}");

        response.StatusCode.Should().Be(HttpStatusCode.RequestEntityTooLarge);
    }

    [Fact]
    public async Task Transient_cms_failure_answers_503_so_the_caller_retries()
    {
        var ana = _civi.AddContact("Ana", "Lima", "ana@example.org");
        _cms.FailCreateFor("ana@example.org", () => InMemoryCmsAccountProvider.Transient());

        using var response = await PostAsync($$"""{"contactId": {{ana.Id}}}""");

        response.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
        var json = await response.Content.ReadFromJsonAsync<JsonElement>();
        json.GetProperty("outcome").GetString().Should().Be("Failed");
        json.GetProperty("error").GetProperty("kind").GetString().Should().Be("Transient");
    }

    [Fact]
    public async Task Permanent_failure_answers_200_with_the_recorded_failure()
    {
        var ana = _civi.AddContact("Ana", "Lima", null);

        using var response = await PostAsync($$"""{"contactId": {{ana.Id}}}""");

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        var json = await response.Content.ReadFromJsonAsync<JsonElement>();
        json.GetProperty("outcome").GetString().Should().Be("GaveUp");
        json.GetProperty("error").GetProperty("code").GetString().Should().Be("no_email");
        _civi.Activities.Should().ContainSingle().Which.Status.Should().Be(ActivityOutcomeStatus.Failed);
    }

    [Fact]
    public void Signature_is_hex_hmac_sha256_of_timestamp_dot_body()
    {
        // Known answer computed independently: HMAC-SHA256(key "secret", "1700000000.{}").
        var expected = Convert.ToHexStringLower(System.Security.Cryptography.HMACSHA256.HashData("secret"u8, "1700000000.{}"u8));

        WebhookSignature.Compute("secret", 1_700_000_000, "{}"u8).Should().Be("sha256=" + expected);
        WebhookSignature.Verify("secret", 1_700_000_000, "{}"u8, "sha256=" + expected.ToUpperInvariant()).Should().BeTrue();
        WebhookSignature.Verify("secret", 1_700_000_001, "{}"u8, "sha256=" + expected).Should().BeFalse();
    }

    [Fact]
    public void Short_secret_fails_validation_at_start()
    {
        var services = new ServiceCollection();
        services.AddCmsUserProvisioning().AddWebhook(o => o.Secret = "short");
        using var provider = services.BuildServiceProvider();

        var act = () => provider.GetRequiredService<IOptions<WebhookOptions>>().Value;

        act.Should().Throw<OptionsValidationException>().Which.Message.Should().Contain("Secret");
    }

    [Fact]
    public void Registration_guards_its_arguments()
    {
        ((Action)(() => ((ICmsUserBuilder)null!).AddWebhook())).Should().Throw<ArgumentNullException>();
        ((Action)(() => ((Microsoft.AspNetCore.Routing.IEndpointRouteBuilder)null!).MapCmsUserWebhook())).Should().Throw<ArgumentNullException>();
    }
}
