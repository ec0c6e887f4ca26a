using System.Net;
using System.Text;
using Skvare.CmsUser.Testing.Joomla;

namespace Skvare.CmsUser.Testing.Tests.Joomla;

/// <summary><see cref="FakeJoomlaServer"/> itself: what it answers, its request log and its faults.</summary>
public sealed class FakeJoomlaServerTests : IDisposable
{
    private readonly FakeJoomlaServer _site = new();
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(30) };

    public void Dispose()
    {
        _http.Dispose();
        _site.Dispose();
    }

    [Fact(Timeout = 60_000)]
    public async Task A_PATCH_without_groups_is_refused_like_Joomla_before_5_4()
    {
        var user = _site.AddUser("jdoe", "jdoe@example.org");

        using var response = await SendAsync(HttpMethod.Patch, $"users/{user.Id}", "{\"block\":1}");

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        _site.Users.Single(u => u.Id == user.Id).Active.Should().BeTrue();
    }

    [Fact(Timeout = 60_000)]
    public async Task The_request_log_keeps_the_order_the_status_and_no_token_or_password_in_its_text()
    {
        using (await SendAsync(HttpMethod.Get, "users")) { }
        using (await SendAsync(HttpMethod.Post, "users", "{\"name\":\"J\",\"username\":\"j1\",\"email\":\"j1@example.org\",\"password\":\"S3cret-pass-word\",\"groups\":[2]}")) { }
        using (await SendAsync(HttpMethod.Get, "nothing-here")) { }

        _site.Requests.Select(r => (r.Method, r.Path, r.Status)).Should().Equal(
            ("GET", "/api/index.php/v1/users", 200),
            ("POST", "/api/index.php/v1/users", 200),
            ("GET", "/api/index.php/v1/nothing-here", 404));
        _site.Requests.Should().OnlyContain(r => r.HasToken && r.Accept == "application/vnd.api+json");
        _site.Requests[1].Body.Should().Contain("S3cret-pass-word", "the body is kept for assertions");
        string.Join('\n', _site.Requests.Select(r => r.ToString())).Should().NotContain("S3cret-pass-word").And.NotContain(_site.Token);
    }

    [Fact(Timeout = 60_000)]
    public async Task FailNext_answers_unhandled_and_FailNextAfterProcessing_loses_only_the_reply()
    {
        _site.FailNext(1, 503);
        using (var failed = await SendAsync(HttpMethod.Post, "users", NewUser("before")))
        {
            failed.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
            failed.Content.Headers.ContentType!.MediaType.Should().Be("application/vnd.api+json");
        }

        _site.Users.Should().NotContain(u => u.Username == "before");

        _site.FailNextAfterProcessing(1, 500);
        using (var lost = await SendAsync(HttpMethod.Post, "users", NewUser("after")))
        {
            lost.StatusCode.Should().Be(HttpStatusCode.InternalServerError);
        }

        _site.Users.Should().ContainSingle(u => u.Username == "after", "the create was carried out before the reply was lost");
        _site.Requests.Select(r => r.Status).Should().Equal(503, 500);
    }

    [Theory(Timeout = 60_000)]
    [InlineData("{\"name\":\"J\\ud800\",\"username\":\"j1\",\"email\":\"j1@example.org\",\"groups\":[2]}")]
    [InlineData("{\"\\udc00\":1,\"name\":\"J\",\"username\":\"j1\",\"email\":\"j1@example.org\",\"groups\":[2]}")]
    [InlineData("{\"name\":\"J\",\"username\":\"j1\",\"email\":\"j1@example.org\",\"groups\":[2]")]
    public async Task A_body_json_decode_refuses_is_400_Invalid_JSON_and_creates_nothing(string body)
    {
        // PHP's json_decode fails on an unpaired surrogate escape (JSON_ERROR_UTF16) as on a body cut short; the fake
        // answered an unhandled exception for the first two.
        using var response = await SendAsync(HttpMethod.Post, "users", body);

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await response.Content.ReadAsStringAsync()).Should().Contain("Invalid JSON");
        _site.Users.Should().BeEmpty();
    }

    [Fact(Timeout = 60_000)]
    public async Task A_member_named_twice_keeps_its_last_value_and_values_of_another_kind_are_read_as_PHP_reads_them()
    {
        using var response = await SendAsync(HttpMethod.Post, "users", "{\"name\":12,\"username\":\"first\",\"username\":\"j2\",\"email\":\"j2@example.org\",\"params\":\"x\",\"groups\":[2]}");

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        _site.Users.Should().ContainSingle().Which.Username.Should().Be("j2");
    }

    [Fact(Timeout = 60_000)]
    public async Task A_PATCH_body_that_is_not_JSON_is_400_Invalid_JSON()
    {
        var user = _site.AddUser("jdoe", "jdoe@example.org");

        using var response = await SendAsync(HttpMethod.Patch, $"users/{user.Id}", "{\"groups\":[\"\\ud800\"]}");

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await response.Content.ReadAsStringAsync()).Should().Contain("Invalid JSON");
    }

    [Fact(Timeout = 60_000)]
    public async Task A_request_the_client_gave_up_on_is_in_the_log()
    {
        // Never answered, so the wait below cannot outlast the hang on a busy machine.
        _site.HangNext(1, Timeout.InfiniteTimeSpan);
        using var cts = new CancellationTokenSource();

        // Give up only once the fake holds the request (a fixed delay could fire before it arrives on a busy machine).
        var send = SendAsync(HttpMethod.Get, "users", cancellationToken: cts.Token);
        while (_site.Requests.Count == 0 && !send.IsCompleted)
        {
            await Task.Delay(5);
        }

        await cts.CancelAsync();

        await send.Awaiting(t => t).Should().ThrowAsync<OperationCanceledException>();
        _site.Requests.Should().ContainSingle().Which.Path.Should().Be("/api/index.php/v1/users");
        _site.Requests[0].Status.Should().Be(0, "the fake had not answered when the client gave up");
    }

    private static string NewUser(string username) =>
        $"{{\"name\":\"{username}\",\"username\":\"{username}\",\"email\":\"{username}@example.org\",\"groups\":[2]}}";

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? body = null, CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(method, new Uri(_site.BaseUrl, "api/index.php/v1/" + path));
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }

        request.Headers.Add("X-Joomla-Token", _site.Token);
        request.Headers.Add("Accept", "application/vnd.api+json");
        return await _http.SendAsync(request, cancellationToken);
    }
}
