using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Skvare.CmsUser.Testing.CiviCrm;
using Skvare.CmsUser.Testing.InMemory;

namespace Skvare.CmsUser.AspNetCore.Tests;

/// <summary>The webhook over the real CiviCRM client and a fake CiviCRM on real HTTP, while CiviCRM is down.</summary>
public sealed class WebhookOutageTests : IDisposable
{
    private readonly FakeCiviCrmServer _civi = new();
    private readonly FakeCmsAccountProvider _cms = new();

    public void Dispose() => _civi.Dispose();

    private Task<WebhookHost> StartAsync(Uri? civicrm = null) => WebhookHost.StartAsync(b =>
    {
        b.AddCiviCrm(o =>
        {
            o.BaseUrl = civicrm ?? _civi.Url;
            o.ApiKey = _civi.ApiKey;
            o.Http.MaxRetries = 0;
            o.Http.AttemptTimeout = TimeSpan.FromSeconds(30);
        });
        b.Services.Replace(ServiceDescriptor.Singleton<ICmsAccountProvider>(_cms));
        return b;
    });

    [Fact(Timeout = 60_000)]
    public async Task CiviCRM_answering_503_gives_503_with_the_outcome_and_the_retry_succeeds()
    {
        var group = _civi.AddGroup("members");
        _civi.AddGroup("done");
        var ana = _civi.AddContact("Ana", "Lima", "ana@example.org");
        _civi.AddToGroup(group, [ana]);
        await using var host = await StartAsync();
        _civi.FailWhere = (_, _) => 503; // CiviCRM down for the whole first call (its set-up runs requests in parallel)

        using var down = await host.PostAsync($$"""{"contactId": {{ana}}, "eventId": "e-7"}""");
        var json = await down.Content.ReadFromJsonAsync<JsonElement>();

        down.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
        json.GetProperty("contactId").GetInt64().Should().Be(ana);
        json.GetProperty("outcome").GetString().Should().Be("Failed");
        json.GetProperty("error").GetProperty("kind").GetString().Should().Be("Transient");
        json.GetProperty("eventId").GetString().Should().Be("e-7");
        _cms.Accounts.Should().BeEmpty();
        _civi.Activities.Should().BeEmpty("an outage is not an attempt");

        _civi.FailWhere = null; // back

        // The first call started the site's time-zone read beside its set-up and did not wait for it (the process shares
        // it). If fake time runs past that read while it is on its way, its timeout fires: the retry, which may have joined
        // it, reads again rather than fail with it (session 23's CI flake; SiteTimeZoneTests covers it without a race).
        host.Time.Advance(TimeSpan.FromSeconds(60));
        using var retry = await host.PostAsync($$"""{"contactId": {{ana}}, "eventId": "e-7"}""");

        retry.StatusCode.Should().Be(HttpStatusCode.OK, await retry.Content.ReadAsStringAsync());
        _cms.Accounts.Should().ContainSingle();
        _civi.Links.Should().ContainSingle(l => l.ContactId == ana);
    }

    [Fact(Timeout = 60_000)]
    public async Task CiviCRM_refusing_connections_gives_503_with_the_outcome()
    {
        // A port that refuses connections for the whole test (bound, never listening).
        using var refused = new Skvare.CmsUser.Tests.Shared.RefusedPort();
        await using var host = await StartAsync(refused.Url);

        using var response = await host.PostAsync("""{"contactId": 42}""");
        var json = await response.Content.ReadFromJsonAsync<JsonElement>();

        response.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
        json.GetProperty("outcome").GetString().Should().Be("Failed");
        json.GetProperty("error").GetProperty("kind").GetString().Should().Be("Transient");
        json.GetProperty("error").GetProperty("message").GetString().Should().NotContain(_civi.ApiKey);
    }
}
