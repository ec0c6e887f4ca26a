using System.Net;
using System.Text;
using System.Text.Json;
using Skvare.CmsUser.Testing.CiviCrm;

namespace Skvare.CmsUser.Testing.Tests.CiviCrm;

/// <summary>The fake answers the traps the protocol doc records on a live CiviCRM, so a client bug fails a test.</summary>
public sealed class FakeProtocolTests : IDisposable
{
    private readonly FakeCiviCrmServer _fake = new();
    private readonly HttpClient _http = new();

    public void Dispose()
    {
        _http.Dispose();
        _fake.Dispose();
    }

    private HttpRequestMessage Post(string entity, string action, HttpContent content, bool xRequestedWith = true, string? auth = "xheader")
    {
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(_fake.BaseUrl, $"civicrm/ajax/api4/{entity}/{action}")) { Content = content };
        if (xRequestedWith)
        {
            request.Headers.Add("X-Requested-With", "XMLHttpRequest");
        }

        if (auth == "xheader")
        {
            request.Headers.Add("X-Civi-Auth", "Bearer " + _fake.ApiKey);
        }
        else if (auth == "authorization")
        {
            request.Headers.Add("Authorization", "Bearer " + _fake.ApiKey);
        }

        return request;
    }

    private static FormUrlEncodedContent Form(string json) => new([new KeyValuePair<string, string>("params", json)]);

    [Fact]
    public void BaseUrl_names_the_site_as_every_other_fake_does_and_Url_still_does()
    {
        using var standalone = new Testing.Standalone.FakeStandaloneServer();

        _fake.BaseUrl.Should().Be(_fake.Url);
        _fake.BaseUrl.AbsolutePath.Should().Be("/", "the site's root, with its trailing slash");
        ((IFakeCmsServer)standalone).BaseUrl.Should().Be(standalone.BaseUrl, "a Standalone site is its CiviCRM");
    }

    [Fact]
    public async Task A_json_body_is_not_read_and_an_empty_get_returns_every_row()
    {
        for (var i = 0; i < 5; i++)
        {
            _fake.AddContact("P", "N" + i, $"p{i}@example.org");
        }

        using var request = Post("Contact", "get", new StringContent("{\"limit\":1,\"where\":[[\"id\",\"=\",2]]}", Encoding.UTF8, "application/json"));
        using var response = await _http.SendAsync(request);

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        json.GetProperty("values").GetArrayLength().Should().Be(6, "the params were ignored: every contact came back");
    }

    [Fact]
    public async Task A_write_over_GET_is_405()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(_fake.Url, "civicrm/ajax/api4/Contact/create?params=%7B%7D"));
        request.Headers.Add("X-Civi-Auth", "Bearer " + _fake.ApiKey);
        using var response = await _http.SendAsync(request);

        response.StatusCode.Should().Be(HttpStatusCode.MethodNotAllowed);
        (await response.Content.ReadAsStringAsync()).Should().Be("{\"error_code\":405,\"error_message\":\"SECURITY: All requests that modify the database must be http POST, not GET.\"}");
    }

    [Fact]
    public async Task Authorization_header_without_X_Requested_With_is_refused_but_X_Civi_Auth_alone_is_accepted()
    {
        using var refused = await _http.SendAsync(Post("Contact", "get", Form("{\"limit\":1}"), xRequestedWith: false, auth: "authorization"));
        using var accepted = await _http.SendAsync(Post("Contact", "get", Form("{\"limit\":1}"), xRequestedWith: false, auth: "xheader"));

        refused.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await refused.Content.ReadAsStringAsync()).Should().Contain("SECURITY ALERT");
        accepted.StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Wrong_key_is_401_text_plain()
    {
        var request = Post("Contact", "get", Form("{}"), auth: null);
        request.Headers.Add("X-Civi-Auth", "Bearer nope");
        using var response = await _http.SendAsync(request);

        response.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        response.Content.Headers.ContentType!.MediaType.Should().Be("text/plain");
        (await response.Content.ReadAsStringAsync()).Should().Be("HTTP 401 Invalid credential");
    }

    [Fact]
    public async Task No_credential_reads_nothing_and_cannot_write()
    {
        _fake.AddContact("Ana", "Lima", "ana@example.org");

        using var read = await _http.SendAsync(Post("Contact", "get", Form("{}"), auth: null));
        using var write = await _http.SendAsync(Post("Contact", "create", Form("{\"values\":{\"first_name\":\"X\"}}"), auth: null));

        read.StatusCode.Should().Be(HttpStatusCode.OK);
        JsonDocument.Parse(await read.Content.ReadAsStringAsync()).RootElement.GetProperty("count").GetInt32().Should().Be(0);
        write.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        (await write.Content.ReadAsStringAsync()).Should().Contain("\"error_code\":\"1\"").And.Contain("Error ID:");
    }

    [Fact]
    public async Task Success_envelope_has_CiviCRM_key_order_and_row_count_goes_to_count()
    {
        _fake.AddContact("Ana", "Lima", "ana@example.org");

        using var response = await _http.SendAsync(Post("Contact", "get", Form("{\"select\":[\"row_count\"]}")));
        var body = await response.Content.ReadAsStringAsync();

        body.Should().Be("{\"values\":[],\"entity\":\"Contact\",\"action\":\"get\",\"debug\":null,\"version\":4,\"count\":2,\"countFetched\":0,\"countMatched\":2}");
    }

    [Fact]
    public async Task Invalid_json_in_params_is_an_html_500()
    {
        using var response = await _http.SendAsync(Post("Contact", "get", Form("{not json")));

        response.StatusCode.Should().Be(HttpStatusCode.InternalServerError);
        response.Content.Headers.ContentType!.MediaType.Should().Be("text/html");
    }

    [Fact]
    public async Task Duplicate_GroupContact_create_is_DB_Error_already_exists()
    {
        var group = _fake.AddGroup("g");
        var contact = _fake.AddContact("A", "B", "a@example.org");
        var json = $"{{\"values\":{{\"group_id\":{group},\"contact_id\":{contact}}}}}";

        using var first = await _http.SendAsync(Post("GroupContact", "create", Form(json)));
        using var second = await _http.SendAsync(Post("GroupContact", "create", Form(json)));

        first.StatusCode.Should().Be(HttpStatusCode.OK);
        second.StatusCode.Should().Be(HttpStatusCode.InternalServerError);
        (await second.Content.ReadAsStringAsync()).Should().MatchRegex("^\\{\"error_id\":\"[A-Za-z0-9-]{14}\",\"error_code\":0,\"error_message\":\"DB Error: already exists\",\"status\":500\\}$");
    }

    [Fact]
    public async Task The_same_UFMatch_again_returns_the_existing_row_and_a_conflicting_one_fails()
    {
        var contact = _fake.AddContact("A", "B", "a@example.org");
        var same = $"{{\"values\":{{\"uf_id\":55,\"uf_name\":\"a@example.org\",\"contact_id\":{contact}}}}}";
        var conflict = $"{{\"values\":{{\"uf_id\":56,\"uf_name\":\"other@example.org\",\"contact_id\":{contact}}}}}";

        using var first = await _http.SendAsync(Post("UFMatch", "create", Form(same)));
        using var again = await _http.SendAsync(Post("UFMatch", "create", Form(same)));
        using var clash = await _http.SendAsync(Post("UFMatch", "create", Form(conflict)));

        first.StatusCode.Should().Be(HttpStatusCode.OK);
        again.StatusCode.Should().Be(HttpStatusCode.OK);
        clash.StatusCode.Should().Be(HttpStatusCode.InternalServerError);
        _fake.Links.Should().ContainSingle();
    }

    [Fact]
    public async Task Every_request_is_recorded_with_its_status()
    {
        using var _ = await _http.SendAsync(Post("Contact", "get", Form("{\"limit\":1}")));

        _fake.Requests.Should().ContainSingle().Which.Should().Be(new FakeApi4Request("POST", "Contact", "get", "{\"limit\":1}", 200, true, true));
        _fake.CallCount("Contact", "get").Should().Be(1);
    }
}
