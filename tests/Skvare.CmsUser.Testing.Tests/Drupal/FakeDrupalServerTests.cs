using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Skvare.CmsUser.Testing.Drupal;

namespace Skvare.CmsUser.Testing.Tests.Drupal;

/// <summary>The fake answers raw requests as docs/cms-drupal.md records, so client bugs fail tests.</summary>
public sealed class FakeDrupalServerTests : IDisposable
{
    private readonly FakeDrupalServer _server = FakeDrupalServer.Start();
    private readonly HttpClient _http = new();

    public void Dispose()
    {
        _http.Dispose();
        _server.Dispose();
    }

    private Task<HttpResponseMessage> Send(HttpMethod method, string path, string? body = null, string? auth = null, string contentType = "application/json", string? accept = null)
    {
        var request = new HttpRequestMessage(method, new Uri(_server.BaseUrl, path));
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, contentType);
        }

        if (auth is not null)
        {
            request.Headers.Authorization = AuthenticationHeaderValue.Parse(auth);
        }

        if (accept is not null)
        {
            request.Headers.Accept.ParseAdd(accept);
        }

        return _http.SendAsync(request);
    }

    private string Basic(string password) =>
        "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{FakeDrupalServer.ApiUsername}:{password}"));

    [Fact]
    public async Task No_credentials_get_401_with_a_Basic_challenge()
    {
        using var response = await Send(HttpMethod.Post, "entity/user?_format=json", "{\"name\":[{\"value\":\"x\"}]}");

        response.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        response.Headers.WwwAuthenticate.ToString().Should().Be("Basic realm=\"Example site\"");
        (await response.Content.ReadAsStringAsync()).Should().Be("{\"message\":\"No authentication credentials provided.\"}");
    }

    [Fact]
    public async Task Wrong_basic_credentials_continue_as_anonymous_and_get_403()
    {
        using var response = await Send(HttpMethod.Post, "entity/user?_format=json", "{\"name\":[{\"value\":\"x\"}]}", Basic("wrong"));

        response.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        (await response.Content.ReadAsStringAsync()).Should().Be("{\"message\":\"The \\u0027administer users\\u0027 permission is required.\"}", "JsonResponse escapes apostrophes (JSON_HEX_APOS)");
    }

    [Fact]
    public async Task Create_without_status_makes_a_blocked_account_and_answers_201_with_Location()
    {
        using var response = await Send(HttpMethod.Post, "entity/user?_format=json", "{\"name\":[{\"value\":\"x\"}],\"mail\":[{\"value\":\"x@example.org\"}]}", Basic(_server.ApiPassword));

        response.StatusCode.Should().Be(HttpStatusCode.Created);
        var uid = _server.FindUserByMail("x@example.org")!.Id;
        response.Headers.Location.Should().Be(new Uri($"{_server.BaseUrl}user/{uid}"));
        _server.FindUser(uid)!.Active.Should().BeFalse();
        (await response.Content.ReadAsStringAsync()).Should().Contain($"\"uid\":[{{\"value\":{uid}}}]");
    }

    [Fact]
    public async Task Validation_failures_arrive_as_one_422_message_with_a_line_per_violation()
    {
        _server.AddUser("jdoe", "jdoe@example.org");

        using var response = await Send(HttpMethod.Post, "entity/user?_format=json", "{\"name\":[{\"value\":\"jdoe\"}],\"mail\":[{\"value\":\"JDOE@example.org\"}]}", Basic(_server.ApiPassword));

        response.StatusCode.Should().Be((HttpStatusCode)422);
        (await response.Content.ReadAsStringAsync()).Should().Be("{\"message\":\"Unprocessable Entity: validation failed.\\nname: The username jdoe is already taken.\\nmail: The email address JDOE@example.org is already taken.\\n\"}");
    }

    [Fact]
    public async Task JSON_API_writes_get_405_while_read_only()
    {
        using var response = await Send(HttpMethod.Post, "jsonapi/user/user", "{\"data\":{}}", Basic(_server.ApiPassword), "application/vnd.api+json");

        response.StatusCode.Should().Be(HttpStatusCode.MethodNotAllowed);
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/vnd.api+json");
        var body = await response.Content.ReadAsStringAsync();
        body.Should().Contain("\"status\":\"405\"").And.Contain("only read operations");
    }

    [Fact]
    public async Task JSON_API_lookup_without_its_media_type_is_refused()
    {
        using var response = await Send(HttpMethod.Get, "jsonapi/user/user?filter[name]=admin", auth: Basic(_server.ApiPassword), accept: "application/json");

        response.StatusCode.Should().Be(HttpStatusCode.NotAcceptable);
    }

    [Fact]
    public async Task Password_reset_answers_200_with_an_empty_body_for_unknown_accounts_too()
    {
        using var response = await Send(HttpMethod.Post, "user/password?_format=json", "{\"mail\":\"nobody@example.org\"}");
        using var missing = await Send(HttpMethod.Post, "user/password?_format=json", "{}");

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        (await response.Content.ReadAsStringAsync()).Should().BeEmpty();
        missing.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await missing.Content.ReadAsStringAsync()).Should().Contain("Missing credentials.name or credentials.mail");
        _server.Mails.Should().BeEmpty();
    }

    [Fact]
    public async Task Missing_user_answers_404_from_the_parameter_converter()
    {
        using var response = await Send(HttpMethod.Get, "user/999?_format=json", auth: Basic(_server.ApiPassword));

        response.StatusCode.Should().Be(HttpStatusCode.NotFound);
        (await response.Content.ReadAsStringAsync()).Should().Contain("The \\u0022user\\u0022 parameter was not converted");
    }

    [Fact]
    public async Task Reactivating_an_account_sends_the_status_activated_mail()
    {
        var user = _server.AddUser("jdoe", "jdoe@example.org", active: false);

        using var response = await Send(HttpMethod.Patch, $"user/{user.Id}?_format=json", "{\"status\":[{\"value\":true}]}", Basic(_server.ApiPassword));

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        _server.Mails.Should().Equal(new FakeDrupalMail(user.Id, "jdoe@example.org", "status_activated"));
    }
}
