using CsCheck;
using System.Net;
using System.Text;
using Skvare.CmsUser.CiviCrm.Api;

namespace Skvare.CmsUser.CiviCrm.Tests;

public sealed class ClientTests : IDisposable
{
    private readonly CiviHarness _h = new();

    public void Dispose() => _h.Dispose();

    [Fact]
    public async Task Params_travel_as_the_form_field_with_authx_and_csrf_headers()
    {
        var id = _h.Fake.AddContact("Ana", "Lima", "ana@example.org");

        var result = await _h.Client.CallAsync("Contact", "get", new Api4Params { Limit = 5 }
            .WithSelect("id", "first_name", "email_primary.email")
            .WithWhere(Api4Condition.Eq("id", id)));

        result.Values.Should().ContainSingle();
        result.Values[0].GetString("email_primary.email").Should().Be("ana@example.org");
        var request = _h.Fake.Requests.Last();
        request.Method.Should().Be("POST");
        request.HadXRequestedWith.Should().BeTrue();
        request.HadXCiviAuth.Should().BeTrue();
        request.ParamsJson.Should().Be($"{{\"select\":[\"id\",\"first_name\",\"email_primary.email\"],\"where\":[[\"id\",\"=\",{id}]],\"limit\":5}}");
    }

    [Fact]
    public void Nested_where_join_orderBy_values_records_match_and_chain_serialize_as_API_v4_expects()
    {
        var p = new Api4Params { Limit = 10, Offset = 20 }.WithSelect("id", "activity_type_id:name");
        p.Where.Add(Api4Condition.Eq("contact_type", "Individual"));
        p.Where.Add(Api4Condition.Or(Api4Condition.Eq("first_name", "A"), Api4Condition.And(Api4Condition.Eq("last_name", "B"), Api4Condition.Field("is_deceased", "=", false))));
        p.Where.Add(Api4Condition.Field("email_primary.email", "IS NOT NULL"));
        p.Join.Add(new Api4Join("GroupContact", "gcr", Api4JoinSide.Exclude, [Api4Condition.Field("gcr.contact_id", "=", "id"), Api4Condition.Field("gcr.status", "=", "'Removed'")]));
        p.OrderBy.Add(new("sort_name", "DESC"));
        p.Records.Add(new Dictionary<string, object?> { ["group_id"] = 5, ["contact_id"] = 7L, ["status"] = "Removed" });
        p.Match.Add("group_id");
        p.Chain["emails"] = new Api4Chain("Email", "get", new Api4Params().WithWhere(Api4Condition.Eq("contact_id", "$id")));
        p.Extra["currentDomain"] = true;

        p.ToJson().Should().Be(
            "{\"select\":[\"id\",\"activity_type_id:name\"]," +
            "\"join\":[[\"GroupContact AS gcr\",\"EXCLUDE\",[\"gcr.contact_id\",\"=\",\"id\"],[\"gcr.status\",\"=\",\"'Removed'\"]]]," +
            "\"where\":[[\"contact_type\",\"=\",\"Individual\"],[\"OR\",[[\"first_name\",\"=\",\"A\"],[\"AND\",[[\"last_name\",\"=\",\"B\"],[\"is_deceased\",\"=\",false]]]]],[\"email_primary.email\",\"IS NOT NULL\"]]," +
            "\"orderBy\":{\"sort_name\":\"DESC\"},\"limit\":10,\"offset\":20," +
            "\"records\":[{\"group_id\":5,\"contact_id\":7,\"status\":\"Removed\"}],\"match\":[\"group_id\"]," +
            "\"chain\":{\"emails\":[\"Email\",\"get\",{\"where\":[[\"contact_id\",\"=\",\"$id\"]]}]},\"currentDomain\":true}");
    }

    [Theory]
    [InlineData(CiviCrmUrlStyle.Clean, null, "civicrm/ajax/api4/Contact/get")]
    [InlineData(CiviCrmUrlStyle.WordPress, null, "?civiwp=CiviCRM&q=civicrm%2Fajax%2Fapi4%2FContact%2Fget")]
    [InlineData(CiviCrmUrlStyle.Joomla, null, "index.php?option=com_civicrm&task=civicrm%2Fajax%2Fapi4%2FContact%2Fget")]
    [InlineData(CiviCrmUrlStyle.Template, "{base}index.php?q={path}", "index.php?q=civicrm/ajax/api4/Contact/get")]
    public async Task Every_url_style_reaches_the_api(CiviCrmUrlStyle style, string? template, string expectedSuffix)
    {
        using var fake = new Skvare.CmsUser.Testing.CiviCrm.FakeCiviCrmServer();
        using var h = new CiviHarness(o =>
        {
            o.BaseUrl = fake.Url;
            o.ApiKey = fake.ApiKey;
            o.UrlStyle = style;
            o.UrlTemplate = template?.Replace("{base}", fake.Url.ToString(), StringComparison.Ordinal);
        });

        h.Client.EndpointFor("Contact", "get").ToString().Should().Be(fake.Url + expectedSuffix);
        var identity = await h.Client.GetIdentityAsync();
        identity.ContactId.Should().Be(fake.ApiContactId);
        identity.DomainId.Should().Be(1);
    }

    [Fact]
    public async Task Wrong_key_is_a_configuration_error_carrying_the_401_text()
    {
        using var h = new CiviHarness(o => o.ApiKey = "wrong");

        var act = () => h.Client.CallAsync("Contact", "get", new Api4Params { Limit = 1 });

        var ex = (await act.Should().ThrowAsync<CiviCrmApiException>()).Which;
        ex.Kind.Should().Be(FailureKind.Configuration);
        ex.StatusCode.Should().Be(401);
        ex.ServerMessage.Should().Be("HTTP 401 Invalid credential");
        ex.Message.Should().Contain("CmsUser:CiviCrm:ApiKey").And.NotContain("wrong");
        h.Fake.Requests.Should().ContainSingle("authentication failures are not retried");
    }

    [Fact]
    public async Task Unsatisfied_guard_names_the_site_key_setting_and_the_site_key_fixes_it()
    {
        _h.Fake.RequireSiteKey = true;

        var act = () => _h.Client.CallAsync("Contact", "get", new Api4Params { Limit = 1 });

        (await act.Should().ThrowAsync<CiviCrmApiException>()).Which.Message.Should().Contain("Must satisfy guard").And.Contain("SiteKey");
        using var withKey = new CiviHarness(o => { o.BaseUrl = _h.Fake.Url; o.ApiKey = _h.Fake.ApiKey; o.SiteKey = _h.Fake.SiteKey; });
        (await withKey.Client.CallAsync("Contact", "get", new Api4Params { Limit = 1 })).Values.Should().NotBeEmpty();
    }

    [Fact]
    public void An_exception_built_by_a_test_double_reads_back_what_its_constructor_took()
    {
        var cause = new HttpRequestException("refused");

        var ex = new CiviCrmApiException(FailureKind.Permanent, "failed", "Contact", "create", 500, "already exists", "DB Error: already exists", "abc123", neverSent: false, innerException: cause);
        var down = new CiviCrmApiException(FailureKind.Transient, "down", "Contact", "get", neverSent: true);
        var hidden = new CiviCrmApiException(FailureKind.Permanent, "hidden", serverMessage: "Sorry an error occurred (Error ID: abc123)");

        (ex.Kind, ex.Entity, ex.Action, ex.StatusCode, ex.ErrorCode, ex.ServerMessage, ex.ErrorId, ex.NeverSent, ex.InnerException)
            .Should().Be((FailureKind.Permanent, "Contact", "create", 500, "already exists", "DB Error: already exists", "abc123", false, cause));
        ex.IsDuplicate.Should().BeTrue();
        ex.IsGenericMessage.Should().BeFalse();
        (down.NeverSent, down.StatusCode, down.ServerMessage, down.IsDuplicate).Should().Be((true, (int?)null, (string?)null, false));
        hidden.IsGenericMessage.Should().BeTrue("the flag follows from CiviCRM's generic message, not from a separate value");
    }

    [Fact]
    public async Task Without_view_debug_output_the_generic_message_and_error_id_are_reported_with_the_fix()
    {
        _h.Fake.DebugOutput = false;

        var act = () => _h.Client.CallAsync("Activity", "create", new Api4Params { Values = { ["subject"] = "x" } });

        var ex = (await act.Should().ThrowAsync<CiviCrmApiException>()).Which;
        ex.StatusCode.Should().Be(500);
        ex.ErrorCode.Should().Be("1");
        ex.IsGenericMessage.Should().BeTrue();
        ex.ErrorId.Should().MatchRegex("^[A-Za-z0-9]{4}-[A-Za-z0-9]{4}-[A-Za-z0-9]{4}$");
        ex.Message.Should().Contain("view debug output");
    }

    [Fact]
    public async Task Detailed_errors_carry_the_message_code_and_error_id()
    {
        var act = () => _h.Client.CallAsync("Activity", "create", new Api4Params { Values = { ["subject"] = "x" } });

        var ex = (await act.Should().ThrowAsync<CiviCrmApiException>()).Which;
        ex.Kind.Should().Be(FailureKind.Permanent);
        ex.ErrorCode.Should().Be("0");
        ex.ServerMessage.Should().Be("Mandatory values missing from Api4 Activity::create: activity_type_id, source_contact_id");
        ex.ErrorId.Should().NotBeNullOrEmpty();
    }

    [Fact]
    public async Task Unknown_entity_answers_an_html_page_that_is_parsed_not_crashed_on()
    {
        var act = () => _h.Client.CallAsync("NoSuchThing", "get");

        var ex = (await act.Should().ThrowAsync<CiviCrmApiException>()).Which;
        ex.Kind.Should().Be(FailureKind.Configuration);
        ex.StatusCode.Should().Be(500);
        ex.ServerMessage.Should().Be("API (NoSuchThing, get) does not exist (or the extension it belongs to is not enabled).");
    }

    [Fact]
    public async Task Unknown_where_field_is_reported()
    {
        var act = () => _h.Client.CallAsync("Contact", "get", new Api4Params().WithWhere(Api4Condition.Eq("no_such_field", 1)));

        (await act.Should().ThrowAsync<CiviCrmApiException>()).Which.ServerMessage.Should().Be("Invalid field 'no_such_field'");
    }

    [Fact]
    public async Task Unknown_select_field_is_silently_dropped()
    {
        var result = await _h.Client.CallAsync("Contact", "get", new Api4Params { Limit = 1 }.WithSelect("id", "no_such_field"));

        result.Values[0].Has("no_such_field").Should().BeFalse();
        result.Values[0].Has("id").Should().BeTrue();
    }

    [Fact]
    public async Task Reads_are_retried_on_503_and_then_succeed()
    {
        _h.Fake.FailNext(503, count: 2);

        var result = await _h.Client.CallAsync("Contact", "get", new Api4Params { Limit = 1 });

        result.Values.Should().NotBeEmpty();
        _h.Fake.Requests.Should().HaveCount(3);
    }

    [Fact]
    public async Task A_create_is_never_retried_blindly()
    {
        _h.Fake.FailNext(503, count: 3);

        var act = () => _h.Client.CallAsync("Contact", "create", new Api4Params { Values = { ["first_name"] = "Ana" } });

        (await act.Should().ThrowAsync<CiviCrmApiException>()).Which.Kind.Should().Be(FailureKind.Transient);
        _h.Fake.Requests.Should().ContainSingle();
        _h.Fake.Store.Rows("Contact").Should().ContainSingle("only the API contact exists");
    }

    [Fact]
    public async Task Idempotent_save_with_match_is_retried()
    {
        var group = _h.Fake.AddGroup("g");
        var contact = _h.Fake.AddContact("A", "B", "a@example.org");
        _h.Fake.FailNext(502);
        var save = new Api4Params { Match = { "group_id", "contact_id" } };
        save.Records.Add(new Dictionary<string, object?> { ["group_id"] = group, ["contact_id"] = contact, ["status"] = "Removed" });

        var result = await _h.Client.CallAsync("GroupContact", "save", save);

        result.CountMatched.Should().Be(0);
        _h.Fake.GroupStatus(group, contact).Should().Be("Removed");
        _h.Fake.Requests.Should().HaveCount(2);
    }

    [Fact]
    public async Task A_unique_key_refusal_of_an_idempotent_save_is_not_retried()
    {
        // CiviCRM answers every API error with 500 and a JSON body; "DB Error: already exists" is a unique key, not an outage:
        // the same request gets the same answer, so retrying only delays the contact (three backoffs on a real site).
        var contact = _h.Fake.AddContact("A", "B", "a@example.org");
        _h.Fake.FailNext(500, count: 4, body: "{\"error_id\":\"nD6p-sfP7-z1em\",\"error_code\":0,\"error_message\":\"DB Error: already exists\",\"status\":500}");
        var save = new Api4Params { Match = { "uf_id", "domain_id" } };
        save.Records.Add(new Dictionary<string, object?> { ["uf_id"] = 7, ["contact_id"] = contact, ["uf_name"] = "a@example.org", ["domain_id"] = 1 });

        var act = () => _h.Client.CallAsync("UFMatch", "save", save);

        (await act.Should().ThrowAsync<CiviCrmApiException>()).Which.IsDuplicate.Should().BeTrue();
        _h.Fake.Requests.Should().ContainSingle("a unique-key refusal is answered the same every time");
    }

    [Fact]
    public async Task A_deadlock_is_retried_and_a_lasting_one_is_transient()
    {
        // PEAR DB names MySQL's deadlock (1213) "deadlock": the same request may pass on the next try.
        const string deadlock = "{\"error_code\":0,\"error_message\":\"DB Error: deadlock\",\"status\":500}";
        var contact = _h.Fake.AddContact("A", "B", "a@example.org");
        _h.Fake.FailNext(500, count: 1, body: deadlock);

        var result = await _h.Client.CallAsync("Contact", "get", new Api4Params { Limit = 1 }.WithWhere(Api4Condition.Eq("id", contact)));

        result.Values.Should().ContainSingle();
        _h.Fake.Requests.Should().HaveCount(2, "the deadlock was retried once");

        using var once = new CiviHarness(o => o.Http.MaxRetries = 0);
        once.Fake.FailNext(500, count: 1, body: deadlock);
        var act = () => once.Client.CallAsync("Contact", "get", new Api4Params { Limit = 1 });
        (await act.Should().ThrowAsync<CiviCrmApiException>()).Which.Kind.Should().Be(FailureKind.Transient);
    }

    [Fact]
    public void An_API_error_is_final_unless_it_names_a_database_that_may_answer_next_time()
    {
        // Over generated messages: the pipeline does not retry exactly the errors the mapper does not call transient.
        var transientMarkers = new[] { "deadlock", "database lock timeout", "connect failed", "unknown error" };
        Gen.OneOf(
                Gen.String,
                Gen.Select(Gen.Int[0, transientMarkers.Length - 1], Gen.String, (i, tail) => "DB Error: " + transientMarkers[i] + tail),
                Gen.Select(Gen.String, s => "DB Error: " + s))
            .Sample(message =>
            {
                using var error = System.Text.Json.JsonDocument.Parse(System.Text.Json.JsonSerializer.Serialize(new { error_code = 0, error_message = message, status = 500 }));
                var final = Api4ErrorMapper.IsFinalError(error.RootElement);
                var mapped = Api4ErrorMapper.FromResponse("UFMatch", "save", HttpStatusCode.InternalServerError, "application/json", error.RootElement.GetRawText(), Api4ErrorMapper.TryParse(error.RootElement.GetRawText()));
                var transient = message.StartsWith("DB Error:", StringComparison.Ordinal) && transientMarkers.Any(m => message.Contains(m, StringComparison.Ordinal));
                final.Should().Be(!transient);
                (mapped.Kind == FailureKind.Transient).Should().Be(transient);
            });
    }

    [Fact]
    public void Any_count_the_server_sends_gives_the_rows_and_a_count_never_an_exception()
    {
        // A count that is not a whole number in range (decimal, exponent, huge, negative overflow, text, null, a
        // boolean) is not trusted: the rows are counted instead.
        var numbers = Gen.OneOf(
            Gen.Int.Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            Gen.Long.Select(l => l.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            Gen.Double.Where(double.IsFinite).Select(d => d.ToString("R", System.Globalization.CultureInfo.InvariantCulture)),
            Gen.OneOf("1e3", "2.5", "-0", "99999999999999999999", "\"3\"", "null", "true", "[]", "{}"));
        Gen.Select(numbers, numbers, Gen.Int[0, 3]).Sample(
            input =>
            {
                var (count, matched, rows) = input;
                var values = string.Join(",", Enumerable.Range(1, rows).Select(i => $"{{\"id\":{i}}}"));
                var body = $"{{\"entity\":\"Contact\",\"action\":\"get\",\"version\":4,\"count\":{count},\"countMatched\":{matched},\"values\":[{values}]}}";
                _h.Fake.FailNext(200, body: body);

                var result = _h.Client.CallAsync("Contact", "get", new Api4Params { Limit = 5 }).GetAwaiter().GetResult();

                result.Values.Should().HaveCount(rows);
                var whole = int.TryParse(count, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out var n);
                result.Count.Should().Be(whole ? n : rows);
            },
            iter: 150,
            threads: 1);
    }

    [Fact]
    public async Task Timeouts_and_refused_connections_are_transient()
    {
        using var slow = new CiviHarness(o => { o.Http.AttemptTimeout = TimeSpan.FromMilliseconds(200); o.Http.MaxRetries = 0; });
        // Never answered: a hang that ends could end before a late timeout on a loaded machine.
        slow.Fake.HangNext(Timeout.InfiniteTimeSpan);

        var timeout = () => slow.Client.CallAsync("Contact", "get", new Api4Params { Limit = 1 });
        (await timeout.Should().ThrowAsync<CiviCrmApiException>()).Which.Kind.Should().Be(FailureKind.Transient);

        using var closed = new CiviHarness(o => { o.BaseUrl = new Uri("http://127.0.0.1:1/"); o.Http.MaxRetries = 0; });
        var refused = () => closed.Client.CallAsync("Contact", "get", new Api4Params { Limit = 1 });
        (await refused.Should().ThrowAsync<CiviCrmApiException>()).Which.Kind.Should().Be(FailureKind.Transient);
    }

    /// <summary>
    /// A request that timed out keeps a <see cref="TimeoutException"/> in its failure's chain: the engine finds it there and
    /// reads back a write-back that timed out only after a wait (CiviCRM usually still runs it). A refused connection has none.
    /// </summary>
    [Fact]
    public async Task A_request_that_timed_out_carries_a_TimeoutException_in_its_chain_and_a_refused_one_does_not()
    {
        using var slow = new CiviHarness(o => { o.Http.AttemptTimeout = TimeSpan.FromMilliseconds(200); o.Http.MaxRetries = 0; });
        slow.Fake.HangNext(Timeout.InfiniteTimeSpan);
        var timeout = () => slow.Client.CallAsync("Contact", "get", new Api4Params { Limit = 1 });
        var timedOut = (await timeout.Should().ThrowAsync<CiviCrmApiException>()).Which;
        Chain(timedOut).Should().Contain(e => e is TimeoutException, "the attempt timeout's TimeoutRejectedException is kept inside a TimeoutException");
        Chain(timedOut).Should().Contain(e => e is Polly.Timeout.TimeoutRejectedException, "nothing of the original is lost");

        using var closed = new CiviHarness(o => { o.BaseUrl = new Uri("http://127.0.0.1:1/"); o.Http.MaxRetries = 0; });
        var refused = () => closed.Client.CallAsync("Contact", "get", new Api4Params { Limit = 1 });
        Chain((await refused.Should().ThrowAsync<CiviCrmApiException>()).Which).Should().NotContain(e => e is TimeoutException);
    }

    [Fact]
    public void HttpClients_own_timeout_keeps_its_TimeoutException_and_other_failures_are_left_as_they_are()
    {
        var own = new TaskCanceledException("The request was canceled due to the configured HttpClient.Timeout of 10 seconds elapsing.", new TimeoutException());
        Api4ErrorMapper.KeepTimeout(own).Should().BeSameAs(own);
        var rejected = new Polly.Timeout.TimeoutRejectedException("The operation didn't complete within the allowed timeout of '00:00:10'.");
        Api4ErrorMapper.KeepTimeout(rejected).Should().BeOfType<TimeoutException>().Which.InnerException.Should().BeSameAs(rejected);
        var closed = new HttpRequestException("closed");
        Api4ErrorMapper.KeepTimeout(closed).Should().BeSameAs(closed);
    }

    private static IEnumerable<Exception> Chain(Exception ex)
    {
        for (var e = ex; e is not null; e = e.InnerException)
        {
            yield return e;
        }
    }

    [Fact]
    public async Task A_page_that_is_not_CiviCRM_is_a_configuration_error_naming_the_url_settings()
    {
        using var bad = new CiviHarness(o =>
        {
            o.UrlStyle = CiviCrmUrlStyle.Template;
            o.UrlTemplate = "http://127.0.0.1:9/not-civicrm/{path}";
        });
        using var wrong = new CiviHarness(o =>
        {
            o.BaseUrl = _h.Fake.Url;
            o.ApiKey = _h.Fake.ApiKey;
            o.UrlStyle = CiviCrmUrlStyle.Template;
            o.UrlTemplate = _h.Fake.Url + "not-civicrm/{path}";
        });

        var act = () => wrong.Client.CallAsync("Contact", "get", new Api4Params { Limit = 1 });

        var ex = (await act.Should().ThrowAsync<CiviCrmApiException>()).Which;
        ex.StatusCode.Should().Be(404);
        ex.Kind.Should().Be(FailureKind.Configuration);
        ex.Message.Should().Contain("BaseUrl").And.Contain("UrlStyle");
        _ = bad;
    }

    [Fact]
    public async Task A_stripped_credential_runs_as_anonymous_and_the_identity_check_fails_loudly()
    {
        using var stripped = new CiviHarness(extraHandler: () => new StripHeader("X-Civi-Auth"));
        stripped.Fake.AddContact("Ana", "Lima", "ana@example.org");

        var anonymous = await stripped.Client.CallAsync("Contact", "get", new Api4Params { Limit = 10 });
        anonymous.Values.Should().BeEmpty("CiviCRM answers an anonymous read with no rows, not an error");

        var act = () => stripped.Client.GetIdentityAsync();
        (await act.Should().ThrowAsync<CiviCrmApiException>()).Which.Message.Should().Contain("anonymous");
    }

    [Fact]
    public async Task Secrets_never_appear_in_logs_or_exceptions()
    {
        using var h = new CiviHarness(o => o.SiteKey = "site-key-secret-123");
        h.Fake.FailNext(500, body: "{\"error_code\":0,\"error_message\":\"boom\",\"status\":500}");
        try
        {
            await h.Client.CallAsync("Contact", "create", new Api4Params { Values = { ["first_name"] = "A" } });
        }
        catch (CiviCrmApiException ex)
        {
            ex.ToString().Should().NotContain(h.Fake.ApiKey).And.NotContain("site-key-secret-123");
        }

        await h.Client.CallAsync("Contact", "get", new Api4Params { Limit = 1 });
        h.Logs.GetSnapshot().Should().NotBeEmpty()
            .And.NotContain(r => r.Message.Contains(h.Fake.ApiKey, StringComparison.Ordinal) || r.Message.Contains("site-key-secret-123", StringComparison.Ordinal))
            .And.NotContain(r => r.StructuredState != null && r.StructuredState.Any(kv => kv.Value != null && (kv.Value.Contains(h.Fake.ApiKey, StringComparison.Ordinal) || kv.Value.Contains("site-key-secret-123", StringComparison.Ordinal))));
    }

    private sealed class StripHeader(string name) : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            request.Headers.Remove(name);
            return base.SendAsync(request, cancellationToken);
        }
    }
}
