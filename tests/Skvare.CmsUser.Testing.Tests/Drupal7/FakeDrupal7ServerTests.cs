using System.Net;
using System.Text;
using System.Text.Json;
using Skvare.CmsUser.Testing.Drupal7;

namespace Skvare.CmsUser.Testing.Tests.Drupal7;

/// <summary>The fake answers raw requests as docs/cms-drupal7.md records, so client bugs fail tests.</summary>
public sealed class FakeDrupal7ServerTests : IDisposable
{
    private readonly FakeDrupal7Server _server = FakeDrupal7Server.Start();
    private readonly HttpClient _http = new();

    public void Dispose()
    {
        _http.Dispose();
        _server.Dispose();
    }

    private async Task<(HttpStatusCode Status, string Body)> Send(HttpMethod method, string path, string? body = null, string? cookie = null, string? token = null)
    {
        using var request = new HttpRequestMessage(method, new Uri(_server.BaseUrl, "api/" + path));
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }

        if (cookie is not null)
        {
            request.Headers.TryAddWithoutValidation("Cookie", cookie);
        }

        if (token is not null)
        {
            request.Headers.TryAddWithoutValidation("X-CSRF-Token", token);
        }

        using var response = await _http.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private async Task<(string Cookie, string Token)> Login()
    {
        var (status, body) = await Send(HttpMethod.Post, "user/login.json", $"{{\"username\":\"{FakeDrupal7Server.ApiUsername}\",\"password\":\"{_server.ApiPassword}\"}}");
        status.Should().Be(HttpStatusCode.OK);
        using var json = JsonDocument.Parse(body);
        var root = json.RootElement;
        root.GetProperty("session_name").GetString().Should().Be(_server.SessionName);
        root.GetProperty("user").GetProperty("uid").GetString().Should().Be(_server.ApiUserId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return ($"{root.GetProperty("session_name").GetString()}={root.GetProperty("sessid").GetString()}", root.GetProperty("token").GetString()!);
    }

    [Fact]
    public async Task Wrong_password_gets_401_with_the_message_as_a_list()
    {
        var (status, body) = await Send(HttpMethod.Post, "user/login.json", "{\"username\":\"cmsuser_api\",\"password\":\"nope\"}");

        status.Should().Be(HttpStatusCode.Unauthorized);
        JsonSerializer.Deserialize<string[]>(body).Should().Equal("Wrong username or password.");
    }

    [Fact]
    public async Task Writes_without_the_CSRF_token_get_401()
    {
        var (cookie, _) = await Login();

        var (status, body) = await Send(HttpMethod.Post, "user.json", "{\"name\":\"x\",\"mail\":\"x@example.org\",\"pass\":\"p\"}", cookie);

        status.Should().Be(HttpStatusCode.Unauthorized);
        body.Should().Contain("CSRF validation failed");
        _server.FindUserByMail("x@example.org").Should().BeNull();
    }

    [Fact]
    public async Task Anonymous_requests_are_denied_with_403()
    {
        var (status, body) = await Send(HttpMethod.Get, "user/1.json");

        status.Should().Be(HttpStatusCode.Forbidden);
        JsonSerializer.Deserialize<string[]>(body).Should().Equal("Access denied for user anonymous");
    }

    [Fact]
    public async Task Create_answers_string_ids_and_form_errors_carry_placeholders()
    {
        var (cookie, token) = await Login();

        var (created, createdBody) = await Send(HttpMethod.Post, "user.json", "{\"name\":\"jdoe\",\"mail\":\"jdoe@example.org\",\"pass\":\"p\"}", cookie, token);
        var (duplicate, duplicateBody) = await Send(HttpMethod.Post, "user.json", "{\"name\":\"JDOE\",\"mail\":\"JDOE@example.org\",\"pass\":\"p\"}", cookie, token);

        created.Should().Be(HttpStatusCode.OK);
        using (var json = JsonDocument.Parse(createdBody))
        {
            json.RootElement.GetProperty("uid").ValueKind.Should().Be(JsonValueKind.String);
        }

        duplicate.Should().Be(HttpStatusCode.NotAcceptable);
        using var errors = JsonDocument.Parse(duplicateBody);
        var formErrors = errors.RootElement.GetProperty("form_errors");
        formErrors.GetProperty("name").GetString().Should().Be("The name <em class=\"placeholder\">JDOE</em> is already taken.");
        formErrors.GetProperty("mail").GetString().Should().Be("The e-mail address <em class=\"placeholder\">JDOE@example.org</em> is already taken.");
    }

    [Fact]
    public async Task Login_while_logged_in_gets_406()
    {
        var (cookie, _) = await Login();

        var (status, body) = await Send(HttpMethod.Post, "user/login.json", "{\"username\":\"cmsuser_api\",\"password\":\"x\"}", cookie);

        status.Should().Be(HttpStatusCode.NotAcceptable);
        body.Should().Contain("Already logged in as cmsuser_api.");
    }

    [Fact]
    public async Task Welcome_email_on_a_default_site_uses_the_pending_approval_template()
    {
        var (cookie, token) = await Login();
        var user = _server.AddUser("jdoe", "jdoe@example.org");

        var (status, body) = await Send(HttpMethod.Post, $"user/{user.Id}/resend_welcome_email.json", "{}", cookie, token);

        status.Should().Be(HttpStatusCode.OK);
        body.Should().Be("[true]", "Services' JSON formatter wraps a scalar result (the action's TRUE) in a list");
        _server.Mails.Should().Equal(new FakeDrupal7Mail(user.Id, "jdoe@example.org", "register_pending_approval"));
    }
}
