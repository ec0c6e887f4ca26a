using System.Net;
using System.Text;
using Microsoft.Extensions.Options;
using Skvare.CmsUser.CiviCrm.Api;

namespace Skvare.CmsUser.CiviCrm.Tests;

/// <summary>The CiviCRM client on the shared HttpChannel: the rules that moved there, as CiviCRM sees them.</summary>
public sealed class TransportTests
{
    [Fact]
    public async Task A_cancellation_the_caller_did_not_ask_for_is_Transient_like_every_other_package()
    {
        var client = Client(_ => throw new OperationCanceledException("the handler gave up"));

        var act = () => client.CallAsync("Contact", "get", new Api4Params { Limit = 1 }, Token());

        var failure = (await act.Should().ThrowAsync<CiviCrmApiException>()).Which;
        failure.Kind.Should().Be(FailureKind.Transient);
        failure.Entity.Should().Be("Contact");
        failure.Action.Should().Be("get");
    }

    [Fact]
    public async Task The_callers_own_cancellation_is_not_turned_into_a_failure()
    {
        using var cts = new CancellationTokenSource();
        var client = Client(_ =>
        {
            cts.Cancel();
            throw new OperationCanceledException(cts.Token);
        });

        var act = () => client.CallAsync("Contact", "get", new Api4Params { Limit = 1 }, cts.Token);

        await act.Should().ThrowAsync<OperationCanceledException>();
    }

    [Fact]
    public async Task Throttling_is_Transient_and_a_page_that_is_not_API_v4_is_Configuration()
    {
        var throttled = () => Client(_ => Answer(429, "application/json", "{}")).CallAsync("Contact", "get", null, Token());
        (await throttled.Should().ThrowAsync<CiviCrmApiException>()).Which.Kind.Should().Be(FailureKind.Transient);

        var html = () => Client(_ => Answer(200, "text/html", "<html>WordPress home</html>")).CallAsync("Contact", "get", null, Token());
        var failure = (await html.Should().ThrowAsync<CiviCrmApiException>()).Which;
        failure.Kind.Should().Be(FailureKind.Configuration);
        failure.Message.Should().Contain("did not return an API v4 answer").And.Contain("UrlStyle");

        var list = () => Client(_ => Answer(200, "application/json", "[1,2]")).CallAsync("Contact", "get", null, Token());
        (await list.Should().ThrowAsync<CiviCrmApiException>()).Which.Kind.Should().Be(FailureKind.Configuration);
    }

    [Fact]
    public async Task A_page_that_is_not_API_v4_after_the_URL_answered_the_API_is_Transient()
    {
        // Seen on a real CiviCRM 6.17.2 under load: API v4 answers, then a 500, then HTTP 200 with the dashboard page
        // (the key in the page must not be repeated).
        var answers = new Queue<HttpResponseMessage>([
            Answer(200, "application/json", "{\"values\":[{\"id\":1}],\"count\":1}"),
            Answer(200, "text/html", "<html><body>CiviCRM Dashboard key</body></html>"),
        ]);
        var client = Client(_ => answers.Dequeue());
        await client.CallAsync("Contact", "get", new Api4Params { Limit = 1 }, Token());

        var act = () => client.CallAsync("Contact", "get", new Api4Params { Limit = 1 }, Token());

        var failure = (await act.Should().ThrowAsync<CiviCrmApiException>()).Which;
        failure.Kind.Should().Be(FailureKind.Transient, "the URL answered the API a moment ago: the page is the site failing, not a wrong BaseUrl");
        failure.Message.Should().Contain("answered the API earlier").And.NotContain("UrlStyle").And.NotContain("Dashboard key");
    }

    [Fact]
    public async Task A_refusal_in_CiviCRMs_own_envelope_also_shows_the_URL_reaches_the_API()
    {
        var answers = new Queue<HttpResponseMessage>([
            Answer(200, "application/json", "{\"error_code\":0,\"error_message\":\"DB Error: already exists\"}"),
            Answer(200, "text/html", "<html>busy</html>"),
        ]);
        var client = Client(_ => answers.Dequeue());
        await FluentActions.Awaiting(() => client.CallAsync("GroupContact", "create", null, Token())).Should().ThrowAsync<CiviCrmApiException>();

        var act = () => client.CallAsync("Contact", "get", null, Token());

        (await act.Should().ThrowAsync<CiviCrmApiException>()).Which.Kind.Should().Be(FailureKind.Transient);
    }

    [Fact]
    public async Task A_page_that_is_not_API_v4_from_a_new_client_stays_Configuration_whatever_other_clients_saw()
    {
        var answered = Client(_ => Answer(200, "application/json", "{\"values\":[],\"count\":0}"));
        await answered.CallAsync("Contact", "get", null, Token());

        var act = () => Client(_ => Answer(200, "text/html", "<html>WordPress home</html>")).CallAsync("Contact", "get", null, Token());

        (await act.Should().ThrowAsync<CiviCrmApiException>()).Which.Kind.Should().Be(FailureKind.Configuration);
    }

    [Fact]
    public async Task A_JSON_answer_cut_short_is_Transient_and_JSON_of_another_shape_is_Configuration()
    {
        var cut = () => Client(_ => Answer(200, "application/json", "{\"values\":[{\"id\":3,\"username\":\"ana\"")).CallAsync("User", "get", null, Token());
        var failure = (await cut.Should().ThrowAsync<CiviCrmApiException>()).Which;
        failure.Kind.Should().Be(FailureKind.Transient, "an answer cut short on its way is one request's damage, not the site's set-up");
        failure.Message.Should().Contain("cut short");

        var shape = () => Client(_ => Answer(200, "application/json", "[{\"values\":[]}]")).CallAsync("User", "get", null, Token());
        (await shape.Should().ThrowAsync<CiviCrmApiException>()).Which.Kind.Should().Be(FailureKind.Configuration);
    }

    [Fact]
    public async Task An_error_inside_a_200_answer_is_classified_like_an_error_status()
    {
        var act = () => Client(_ => Answer(200, "application/json", "{\"error_code\":0,\"error_message\":\"DB Error: already exists\"}")).CallAsync("GroupContact", "create", null, Token());

        var failure = (await act.Should().ThrowAsync<CiviCrmApiException>()).Which;
        failure.IsDuplicate.Should().BeTrue();
        failure.Action.Should().Be("create");
    }

    [Fact]
    public async Task Keyset_pages_keep_every_parameter_of_the_query_they_copy()
    {
        // Regression: the page copy dropped values, records, match and chain.
        var seen = new List<string>();
        var client = Client(request =>
        {
            var form = request.Content!.ReadAsStringAsync().GetAwaiter().GetResult();
            seen.Add(WebUtility.UrlDecode(form["params=".Length..]));
            return Answer(200, "application/json", "{\"values\":[],\"count\":0}");
        });
        var query = new Api4Params().WithSelect("id");
        query.Values["is_active"] = true;
        query.Defaults["source"] = "cmsuser";
        query.Records.Add(new Dictionary<string, object?> { ["a"] = 1 });
        query.Match.Add("a");
        query.Chain["emails"] = new Api4Chain("Email", "get", new Api4Params().WithWhere(Api4Condition.Eq("contact_id", "$id")));

        await foreach (var _ in client.StreamPagesAsync("Contact", query, 10, Token()))
        {
        }

        seen.Should().ContainSingle().Which.Should()
            .Contain("\"values\":{\"is_active\":true}").And.Contain("\"records\":[{\"a\":1}]").And.Contain("\"match\":[\"a\"]")
            .And.Contain("\"chain\":{\"emails\"").And.Contain("[\"id\",\">\",0]");
        query.Where.Should().BeEmpty("the caller's parameters are not changed");
        query.Limit.Should().BeNull();
    }

    [Fact]
    public void A_copy_can_be_changed_without_touching_the_original()
    {
        var original = new Api4Params { Limit = 3 }.WithSelect("id");
        original.Records.Add(new Dictionary<string, object?> { ["a"] = 1 });
        original.Chain["c"] = new Api4Chain("Email", "get", new Api4Params().WithSelect("email"));
        var json = original.ToJson();

        var copy = original.Clone();
        copy.ToJson().Should().Be(json);
        copy.Records[0]["a"] = 2;
        copy.Chain["c"].Params.Select.Add("id");
        copy.Select.Add("display_name");

        original.ToJson().Should().Be(json);
    }

    private static CancellationToken Token() => new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token;

    private static HttpResponseMessage Answer(int status, string mediaType, string body) =>
        new((HttpStatusCode)status) { Content = new StringContent(body, Encoding.UTF8, mediaType) };

    private static CiviCrmApiClient Client(Func<HttpRequestMessage, HttpResponseMessage> answer) =>
        new(new HttpClient(new Stub(answer)), Options.Create(new CiviCrmOptions { BaseUrl = new Uri("https://crm.example/"), ApiKey = "key" }));

    private sealed class Stub(Func<HttpRequestMessage, HttpResponseMessage> answer) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) => Task.FromResult(answer(request));
    }
}
