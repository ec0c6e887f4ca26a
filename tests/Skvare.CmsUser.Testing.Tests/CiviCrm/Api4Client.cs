using System.Net.Http.Headers;
using System.Text.Json;
using Skvare.CmsUser.Testing.CiviCrm;

namespace Skvare.CmsUser.Testing.Tests.CiviCrm;

/// <summary>Calls the fake CiviCRM over HTTP exactly as an API v4 REST client does (form field <c>params</c>, authx header).</summary>
internal sealed class Api4Client(FakeCiviCrmServer server) : IDisposable
{
    private readonly HttpClient _http = new(new HttpClientHandler { UseCookies = false }) { BaseAddress = server.Url, Timeout = TimeSpan.FromSeconds(30) };

    public async Task<(int Status, JsonElement Body)> CallAsync(string entity, string action, object parameters, CancellationToken cancellationToken = default)
    {
        var (status, text) = await SendAsync(entity, action, parameters, cancellationToken);
        using var doc = JsonDocument.Parse(text);
        return (status, doc.RootElement.Clone());
    }

    public async Task<(int Status, string Text)> SendAsync(string entity, string action, object parameters, CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"civicrm/ajax/api4/{entity}/{action}")
        {
            Content = new FormUrlEncodedContent([new("params", JsonSerializer.Serialize(parameters))]),
        };
        request.Headers.Add("X-Civi-Auth", "Bearer " + server.ApiKey);
        request.Headers.Add("X-Requested-With", "XMLHttpRequest");
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        using var response = await _http.SendAsync(request, cancellationToken);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync(cancellationToken));
    }

    public async Task<JsonElement> OkAsync(string entity, string action, object parameters, CancellationToken cancellationToken = default)
    {
        var (status, body) = await CallAsync(entity, action, parameters, cancellationToken);
        status.Should().Be(200, body.GetRawText());
        return body;
    }

    public void Dispose() => _http.Dispose();
}
