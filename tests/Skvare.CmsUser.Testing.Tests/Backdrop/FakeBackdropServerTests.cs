using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Skvare.CmsUser.Testing.Backdrop;

namespace Skvare.CmsUser.Testing.Tests.Backdrop;

/// <summary>The fake refuses what the module refuses, so a client bug fails a test.</summary>
public sealed class FakeBackdropServerTests : IDisposable
{
    private readonly FakeBackdropServer _server = FakeBackdropServer.Start();
    private readonly HttpClient _client = new();

    public void Dispose()
    {
        _client.Dispose();
        _server.Dispose();
    }

    private async Task<(HttpResponseMessage Response, JsonElement Body)> SendAsync(string method, string path, string? body = null, string contentType = "application/json", string? secret = "")
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), new Uri(_server.BaseUrl, path));
        if (secret is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", secret.Length == 0 ? _server.Secret : secret);
        }

        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        }

        var response = await _client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        var json = response.Content.Headers.ContentType?.MediaType == "application/json" ? JsonDocument.Parse(text).RootElement.Clone() : default;
        return (response, json);
    }

    [Fact]
    public async Task Missing_bearer_is_401_with_a_challenge()
    {
        var (response, body) = await SendAsync("GET", "api/cmsuser/v1/status", secret: null);

        response.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        response.Headers.WwwAuthenticate.Should().ContainSingle(h => h.Scheme == "Bearer");
        body.GetProperty("code").GetString().Should().Be("unauthorized");
    }

    [Theory]
    [InlineData("{\"name\":\"a\\ud800\",\"mail\":\"a@example.org\"}")]
    [InlineData("{\"\\udc00\":1,\"name\":\"a\",\"mail\":\"a@example.org\"}")]
    public async Task Body_json_decode_refuses_for_text_that_is_not_UTF16_is_400_invalid_json(string body)
    {
        // PHP's json_decode fails on an unpaired surrogate escape (JSON_ERROR_UTF16); the fake threw from its first read.
        var (response, json) = await SendAsync("POST", "api/cmsuser/v1/users", body);

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        json.GetProperty("code").GetString().Should().Be("invalid_json");
    }

    [Fact]
    public async Task Body_that_is_not_json_is_415_or_400()
    {
        var (form, formBody) = await SendAsync("POST", "api/cmsuser/v1/users", "name=x", "application/x-www-form-urlencoded");
        var (broken, brokenBody) = await SendAsync("POST", "api/cmsuser/v1/users", "{\"name\":");

        form.StatusCode.Should().Be(HttpStatusCode.UnsupportedMediaType);
        formBody.GetProperty("code").GetString().Should().Be("unsupported_media_type");
        broken.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        brokenBody.GetProperty("code").GetString().Should().Be("invalid_json");
        _server.Users.Should().ContainSingle("only the seeded admin exists");
    }

    [Fact]
    public async Task Unknown_route_is_404_no_route_and_wrong_method_is_405()
    {
        var (unknown, unknownBody) = await SendAsync("GET", "api/cmsuser/v1/users/1/password");
        var (wrong, wrongBody) = await SendAsync("DELETE", "api/cmsuser/v1/users/1");

        unknown.StatusCode.Should().Be(HttpStatusCode.NotFound);
        unknownBody.GetProperty("code").GetString().Should().Be("no_route");
        wrong.StatusCode.Should().Be(HttpStatusCode.MethodNotAllowed);
        wrongBody.GetProperty("code").GetString().Should().Be("method_not_allowed");
    }

    [Fact]
    public async Task Lookup_needs_exactly_one_of_mail_or_name()
    {
        var (none, noneBody) = await SendAsync("GET", "api/cmsuser/v1/users");
        var (both, _) = await SendAsync("GET", "api/cmsuser/v1/users?mail=a%40b.org&name=a");

        none.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        noneBody.GetProperty("code").GetString().Should().Be("invalid_query");
        both.StatusCode.Should().Be(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Create_checks_status_notify_and_pass_types()
    {
        var (status, statusBody) = await SendAsync("POST", "api/cmsuser/v1/users", "{\"name\":\"a\",\"mail\":\"a@example.org\",\"status\":true}");
        var (notify, notifyBody) = await SendAsync("POST", "api/cmsuser/v1/users", "{\"name\":\"a\",\"mail\":\"a@example.org\",\"notify\":1}");
        var (pass, passBody) = await SendAsync("POST", "api/cmsuser/v1/users", "{\"name\":\"a\",\"mail\":\"a@example.org\",\"pass\":\" \"}");

        ((int)status.StatusCode).Should().Be(422);
        statusBody.GetProperty("field").GetString().Should().Be("status");
        ((int)notify.StatusCode).Should().Be(422);
        notifyBody.GetProperty("field").GetString().Should().Be("notify");
        ((int)pass.StatusCode).Should().Be(422);
        passBody.GetProperty("field").GetString().Should().Be("pass");
        _server.Users.Should().ContainSingle();
    }

    [Fact]
    public async Task Created_user_has_numbers_as_numbers_and_no_authenticated_role()
    {
        var (response, body) = await SendAsync("POST", "api/cmsuser/v1/users", "{\"name\":\"a\",\"mail\":\"a@example.org\",\"roles\":[\"authenticated\",\"editor\"]}");

        response.StatusCode.Should().Be(HttpStatusCode.Created);
        body.GetProperty("uid").ValueKind.Should().Be(JsonValueKind.Number);
        body.GetProperty("status").GetInt32().Should().Be(1);
        body.GetProperty("roles").EnumerateArray().Select(r => r.GetString()).Should().Equal("editor");
        body.TryGetProperty("mail_sent", out _).Should().BeFalse("mail_sent appears only when a notification was asked for");
    }

    [Fact]
    public async Task Paths_outside_the_module_get_the_html_not_found_page()
    {
        var (response, _) = await SendAsync("GET", "node/1");

        response.StatusCode.Should().Be(HttpStatusCode.NotFound);
        response.Content.Headers.ContentType!.MediaType.Should().Be("text/html");
    }
}
