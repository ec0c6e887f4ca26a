using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using CsCheck;
using Skvare.CmsUser.Testing.WordPress;

namespace Skvare.CmsUser.Testing.Tests.WordPress;

/// <summary>Where the fake WordPress differed from a real WordPress 6.1.9 (issue 9), each held to the real behaviour.</summary>
public sealed class FakeWordPressFidelityTests : IDisposable
{
    private readonly FakeWordPressServer _server = new();
    private readonly HttpClient _http;
    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromSeconds(30));

    public FakeWordPressFidelityTests()
    {
        _http = new HttpClient(new HttpClientHandler { UseCookies = false }) { BaseAddress = _server.BaseUrl, Timeout = TimeSpan.FromSeconds(30) };
    }

    [Fact]
    public async Task Delete_without_reassign_is_a_missing_parameter()
    {
        var user = _server.AddUser("gone", "gone@example.org", "subscriber");
        var (status, body) = await SendAsync(HttpMethod.Delete, $"wp-json/wp/v2/users/{user.Id}?force=true");
        status.Should().Be(400);
        body.GetProperty("code").GetString().Should().Be("rest_missing_callback_param");
        body.GetProperty("data").GetProperty("params")[0].GetString().Should().Be("reassign");
        _server.FindUser("gone").Should().NotBeNull();
    }

    [Fact]
    public async Task Delete_without_force_is_not_implemented_because_users_have_no_trash()
    {
        var user = _server.AddUser("gone", "gone@example.org", "subscriber");
        var (status, body) = await SendAsync(HttpMethod.Delete, $"wp-json/wp/v2/users/{user.Id}?reassign=1");
        status.Should().Be(501);
        body.GetProperty("code").GetString().Should().Be("rest_trash_not_supported");
        _server.FindUser("gone").Should().NotBeNull();
    }

    [Fact]
    public async Task Delete_with_force_and_reassign_answers_the_previous_user_and_removes_it()
    {
        var user = _server.AddUser("gone", "gone@example.org", "subscriber");
        var (status, body) = await SendAsync(HttpMethod.Delete, $"wp-json/wp/v2/users/{user.Id}?force=true&reassign=1");
        status.Should().Be(200);
        body.GetProperty("deleted").GetBoolean().Should().BeTrue();
        body.GetProperty("previous").GetProperty("username").GetString().Should().Be("gone");
        body.GetProperty("previous").GetProperty("email").GetString().Should().Be("gone@example.org");
        body.GetProperty("previous").TryGetProperty("_links", out _).Should().BeFalse("WordPress answers the user's data without its links");
        _server.FindUser("gone").Should().BeNull();

        var (again, error) = await SendAsync(HttpMethod.Delete, $"wp-json/wp/v2/users/{user.Id}?force=true&reassign=1");
        again.Should().Be(404);
        error.GetProperty("code").GetString().Should().Be("rest_user_invalid_id");
    }

    [Theory]
    [InlineData("self")]
    [InlineData("999999")]
    public async Task Delete_reassigning_to_itself_or_a_missing_user_is_refused(string reassign)
    {
        var user = _server.AddUser("gone", "gone@example.org", "subscriber");
        var target = reassign == "self" ? user.Id.ToString(System.Globalization.CultureInfo.InvariantCulture) : reassign;
        var (status, body) = await SendAsync(HttpMethod.Delete, $"wp-json/wp/v2/users/{user.Id}?force=true&reassign={target}");
        status.Should().Be(400);
        body.GetProperty("code").GetString().Should().Be("rest_user_invalid_reassign");
        _server.FindUser("gone").Should().NotBeNull();
    }

    [Fact]
    public async Task Delete_needs_a_user_who_may_delete_users()
    {
        var user = _server.AddUser("gone", "gone@example.org", "subscriber");
        var (status, body) = await SendAsync(HttpMethod.Delete, $"wp-json/wp/v2/users/{user.Id}?force=true&reassign=1", authenticate: false);
        status.Should().Be(401);
        body.GetProperty("code").GetString().Should().Be("rest_user_cannot_delete");
        _server.FindUser("gone").Should().NotBeNull();
    }

    [Theory]
    [InlineData("u@exa_mple.org")]
    [InlineData("a@b.c")]
    [InlineData("a@localhost")]
    [InlineData("a..b@example.org@x")]
    [InlineData("a@-example.org")]
    [InlineData("a@example..org")]
    [InlineData("a b@example.org")]
    public async Task Create_refuses_what_is_email_refuses(string email)
    {
        var (status, body) = await SendAsync(HttpMethod.Post, "wp-json/wp/v2/users", new { username = "someone", email, password = "pw-123456" });
        status.Should().Be(400);
        body.GetProperty("code").GetString().Should().Be("rest_invalid_param");
        var detail = body.GetProperty("data").GetProperty("details").GetProperty("email");
        detail.GetProperty("code").GetString().Should().Be("rest_invalid_email");
        detail.GetProperty("data").ValueKind.Should().Be(JsonValueKind.Null);
        _server.FindUser("someone").Should().BeNull();
    }

    [Fact]
    public void Is_email_accepts_every_address_of_allowed_characters_and_refuses_any_domain_label_with_other_characters()
    {
        var local = Gen.Char["abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+/=?^_`{|}~.-"].Array[1, 20].Select(c => new string(c));
        var label = Gen.Char["abcdefghijklmnopqrstuvwxyz0123456789"].Array[1, 10].Select(c => new string(c));
        var bad = Gen.Char["_!#$%&'*+=?^`{|}~ "].Array[1, 3].Select(c => new string(c));
        Gen.Select(local, label, label).Where((l, a, b) => (l + "@" + a + "." + b).Length >= 6)
            .Sample((l, a, b) => FakeWordPressServer.IsEmail($"{l}@{a}.{b}"));
        Gen.Select(local, label, bad, label)
            .Sample((l, a, x, b) => !FakeWordPressServer.IsEmail($"{l}@{a}{x}.{b}"));
    }

    [Fact]
    public async Task User_objects_carry_every_key_wordpress_61_answers()
    {
        var user = _server.AddUser("keys", "keys@example.org", "subscriber");
        var (_, edit) = await SendAsync(HttpMethod.Get, $"wp-json/wp/v2/users/{user.Id}?context=edit");
        edit.EnumerateObject().Select(p => p.Name).Should().BeEquivalentTo(
            "id", "username", "name", "first_name", "last_name", "email", "url", "description", "link", "locale", "nickname", "slug", "roles",
            "registered_date", "capabilities", "extra_capabilities", "avatar_urls", "meta", "_links");
        var (_, view) = await SendAsync(HttpMethod.Get, $"wp-json/wp/v2/users/{user.Id}");
        view.EnumerateObject().Select(p => p.Name).Should().BeEquivalentTo("id", "name", "url", "description", "link", "slug", "avatar_urls", "meta", "_links");
    }

    private async Task<(int Status, JsonElement Body)> SendAsync(HttpMethod method, string path, object? json = null, bool authenticate = true)
    {
        using var request = new HttpRequestMessage(method, path);
        if (authenticate)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(_server.AdminUsername + ":" + _server.ApplicationPassword)));
        }

        if (json is not null)
        {
            request.Content = new StringContent(JsonSerializer.Serialize(json), Encoding.UTF8, "application/json");
        }

        using var response = await _http.SendAsync(request, _timeout.Token);
        var text = await response.Content.ReadAsStringAsync(_timeout.Token);
        using var doc = JsonDocument.Parse(text);
        return ((int)response.StatusCode, doc.RootElement.Clone());
    }

    public void Dispose()
    {
        _http.Dispose();
        _server.Dispose();
        _timeout.Dispose();
    }
}
