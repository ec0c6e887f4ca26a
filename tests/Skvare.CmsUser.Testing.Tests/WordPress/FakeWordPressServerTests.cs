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
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(20) };

        using var response = await http.GetAsync(new Uri(_server.BaseUrl, "wp-json/wp/v2/users?search=admin"));

        (await response.Content.ReadAsStringAsync()).Should().Be("[]");
        response.Headers.GetValues("X-WP-Total").Should().Equal("0");
        _server.KnownRoles.Should().Contain(["administrator", "editor", "author", "contributor", "subscriber"]);
    }

    [Fact]
    public async Task Fake_rejects_a_json_body_sent_without_the_json_content_type()
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(20) };
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
}
