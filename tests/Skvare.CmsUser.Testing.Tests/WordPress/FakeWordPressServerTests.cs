using Skvare.CmsUser.Testing.WordPress;

namespace Skvare.CmsUser.Testing.Tests.WordPress;

/// <summary>The fake WordPress's own behaviour (moved here from the WordPress provider's tests).</summary>
public sealed class FakeWordPressServerTests : IDisposable
{
    private readonly FakeWordPressServer _server = new();

    public void Dispose() => _server.Dispose();

    [Fact]
    public async Task Fake_lists_no_users_to_anonymous_callers_and_knows_the_core_roles()
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };

        using var response = await http.GetAsync(new Uri(_server.BaseUrl, "wp-json/wp/v2/users?search=admin"));

        (await response.Content.ReadAsStringAsync()).Should().Be("[]");
        response.Headers.GetValues("X-WP-Total").Should().Equal("0");
        _server.KnownRoles.Should().Contain(["administrator", "editor", "author", "contributor", "subscriber"]);
    }

    [Fact]
    public async Task Fake_rejects_a_json_body_sent_without_the_json_content_type()
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(_server.BaseUrl, "wp-json/wp/v2/users"))
        {
            Content = new StringContent("{\"username\":\"x\",\"email\":\"x@example.org\",\"password\":\"p\"}", System.Text.Encoding.UTF8, "text/plain"),
        };
        request.Headers.Authorization = new("Basic", Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes("admin:" + _server.ApplicationPassword)));

        using var response = await http.SendAsync(request);

        ((int)response.StatusCode).Should().Be(400);
        (await response.Content.ReadAsStringAsync()).Should().Contain("rest_missing_callback_param").And.Contain("\"params\":[\"username\",\"email\",\"password\"]");
        _server.Users.Should().ContainSingle("only the seeded administrator");
    }
    [Fact(Timeout = 30_000)]
    public async Task Fake_companion_create_when_mail_fails_creates_and_answers_Notified_failed()
    {
        _server.MailFails = true;
        using var http = Admin();
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(_server.BaseUrl, "wp-json/skvare-cmsuser/v1/users?notify=user"))
        {
            Content = new StringContent("{\"username\":\"nomail\",\"email\":\"nomail@example.org\",\"password\":\"pw-123456\"}", System.Text.Encoding.UTF8, "application/json"),
        };

        using var response = await http.SendAsync(request);

        ((int)response.StatusCode).Should().Be(201, "plugin 0.2.2: the account exists although its email failed");
        response.Headers.GetValues("X-Skvare-CmsUser-Notified").Should().Equal("failed");
        _server.FindUser("nomail").Should().NotBeNull();
        _server.Mails.Should().BeEmpty();
    }

    [Fact(Timeout = 30_000)]
    public async Task Fake_companion_notify_when_mail_fails_answers_503_skvare_cmsuser_notify_failed()
    {
        var user = _server.AddUser("nomail", "nomail@example.org", "subscriber");
        _server.MailFails = true;
        using var http = Admin();

        using var response = await http.PostAsync(new Uri(_server.BaseUrl, $"wp-json/skvare-cmsuser/v1/users/{user.Id}/notify"), null);

        ((int)response.StatusCode).Should().Be(503);
        var body = System.Text.Json.Nodes.JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        body["code"]!.GetValue<string>().Should().Be("skvare_cmsuser_notify_failed");
        body["data"]!["status"]!.GetValue<int>().Should().Be(503);
        _server.Mails.Should().BeEmpty();

        _server.MailFails = false;
        using var sent = await http.PostAsync(new Uri(_server.BaseUrl, $"wp-json/skvare-cmsuser/v1/users/{user.Id}/notify"), null);
        (await sent.Content.ReadAsStringAsync()).Should().Be("{\"sent\":true}");
        _server.Mails.Should().ContainSingle().Which.Kind.Should().Be("new-account");
    }

    private HttpClient Admin()
    {
        var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        http.DefaultRequestHeaders.Authorization = new("Basic", Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(_server.AdminUsername + ":" + _server.ApplicationPassword)));
        return http;
    }
}
