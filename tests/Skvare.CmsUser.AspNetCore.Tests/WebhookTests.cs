using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Skvare.CmsUser.AspNetCore;
using Skvare.CmsUser.Testing.InMemory;

namespace Skvare.CmsUser.AspNetCore.Tests;

public sealed class WebhookTests : IAsyncLifetime
{
    private readonly FakeCiviCrm _civi = new();
    private readonly FakeCmsAccountProvider _cms = new();
    private WebhookHost _host = null!;

    public async Task InitializeAsync() => _host = await WebhookHost.StartAsync(b => b.UseInMemory(_civi, _cms));

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private static async Task<JsonElement> JsonOf(HttpResponseMessage response) => await response.Content.ReadFromJsonAsync<JsonElement>();

    [Fact(Timeout = 30_000)]
    public async Task Signed_request_provisions_the_contact_at_once()
    {
        var ana = _civi.AddContact("Ana", "Lima", "ana@example.org");
        _civi.AddToGroup("members", ana.Id);

        using var response = await _host.PostAsync($$"""{"contactId": {{ana.Id}}, "includeLoginLink": true, "eventId": "evt-1"}""");

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        var json = await JsonOf(response);
        json.GetProperty("outcome").GetString().Should().Be("Created");
        json.GetProperty("username").GetString().Should().Be("ana.lima");
        json.GetProperty("cmsUserId").GetInt64().Should().Be(_cms.Accounts.Single().Id);
        json.GetProperty("loginLink").GetString().Should().StartWith("https://");
        json.GetProperty("eventId").GetString().Should().Be("evt-1");
        _civi.Links.Should().ContainSingle();
        _civi.GroupStatus("done", ana.Id).Should().Be("Added");
    }

    [Fact(Timeout = 30_000)]
    public async Task CiviCRM_style_contact_id_as_a_string_is_accepted()
    {
        var ana = _civi.AddContact("Ana", "Lima", "ana@example.org");

        using var response = await _host.PostAsync($$"""{"contact_id": "{{ana.Id}}"}""");

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        _cms.Accounts.Should().ContainSingle();
    }

    [Fact(Timeout = 30_000)]
    public async Task Extra_members_from_the_sender_are_ignored()
    {
        var ana = _civi.AddContact("Ana", "Lima", "ana@example.org");
        _civi.AddToGroup("members", ana.Id);

        using var response = await _host.PostAsync($$$"""{"eventId": "civicrm-42-7", "contactId": {{{ana.Id}}}, "source": {"entity": "Group", "id": 7, "name": "members"}}""");

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        _cms.Accounts.Should().ContainSingle();
    }

    [Theory(Timeout = 30_000)]
    [InlineData("wrong-secret-wrong-secret-wrong-secret")]
    [InlineData(null)]
    public async Task Wrong_or_missing_signature_is_refused_and_nothing_is_created(string? secret)
    {
        var ana = _civi.AddContact("Ana", "Lima", "ana@example.org");

        using var response = await _host.PostAsync($$"""{"contactId": {{ana.Id}}}""", secret: secret);

        response.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        (await JsonOf(response)).GetProperty("error").GetString().Should().Be("invalid_signature");
        _cms.Accounts.Should().BeEmpty();
        _host.Logs.GetSnapshot().Should().Contain(r => r.Id.Id == 4000).And.NotContain(r => r.Message.Contains(WebhookHost.Secret, StringComparison.Ordinal));
    }

    [Theory(Timeout = 30_000)]
    [InlineData("sha1=")]
    [InlineData("sha256=abc")]
    [InlineData("sha256=zz")]
    public async Task Malformed_signature_headers_are_refused(string prefix)
    {
        using var response = await _host.PostAsync("""{"contactId": 1}""", tamper: s => prefix + s[7..]);

        response.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        (await JsonOf(response)).GetProperty("error").GetString().Should().Be("invalid_signature");
    }

    [Fact(Timeout = 30_000)]
    public async Task Body_changed_after_signing_is_refused()
    {
        var ts = _host.Now;
        var signature = WebhookSignature.Compute(WebhookHost.Secret, ts, """{"contactId": 1}"""u8);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/cmsuser/webhook") { Content = new StringContent("""{"contactId": 2}""") };
        request.Headers.Add(WebhookSignature.TimestampHeader, ts.ToString(System.Globalization.CultureInfo.InvariantCulture));
        request.Headers.Add(WebhookSignature.SignatureHeader, signature);

        using var response = await _host.Http.SendAsync(request, WebhookHost.Timeout());

        response.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        (await JsonOf(response)).GetProperty("error").GetString().Should().Be("invalid_signature");
    }

    [Theory(Timeout = 30_000)]
    [InlineData(null)]
    [InlineData("yesterday")]
    [InlineData("-5")]
    [InlineData("1.5e9")]
    public async Task Missing_or_unreadable_timestamp_is_refused(string? header)
    {
        using var request = WebhookHost.Signed("""{"contactId": 1}""", _host.Now);
        request.Headers.Remove(WebhookSignature.TimestampHeader);
        if (header is not null)
        {
            request.Headers.Add(WebhookSignature.TimestampHeader, header);
        }

        using var response = await _host.Http.SendAsync(request, WebhookHost.Timeout());

        response.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        (await JsonOf(response)).GetProperty("error").GetString().Should().Be("missing_timestamp");
    }

    [Theory(Timeout = 30_000)]
    [InlineData(-301)]
    [InlineData(301)]
    [InlineData(-86_400 * 365)]
    [InlineData(86_400 * 365)]
    public async Task Stale_or_future_timestamp_is_refused(int offsetSeconds)
    {
        var ana = _civi.AddContact("Ana", "Lima", "ana@example.org");

        using var response = await _host.PostAsync($$"""{"contactId": {{ana.Id}}}""", timestamp: _host.Now + offsetSeconds);

        response.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        (await JsonOf(response)).GetProperty("error").GetString().Should().Be("stale_timestamp");
        _cms.Accounts.Should().BeEmpty();
    }

    [Theory(Timeout = 30_000)]
    [InlineData(-300)]
    [InlineData(299)]
    public async Task Timestamp_within_the_skew_either_way_is_accepted(int offsetSeconds)
    {
        var ana = _civi.AddContact("Ana", "Lima", "ana@example.org");

        using var response = await _host.PostAsync($$"""{"contactId": {{ana.Id}}}""", timestamp: _host.Now + offsetSeconds);

        response.StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Theory(Timeout = 30_000)]
    [InlineData("not json")]
    [InlineData("")]
    [InlineData("[1,2]")]
    [InlineData("42")]
    [InlineData("""{"contactId": -3}""")]
    [InlineData("""{"contactId": 0}""")]
    [InlineData("""{"contactId": 1.5}""")]
    [InlineData("""{"contactId": "12abc"}""")]
    [InlineData("""{"contactId": true}""")]
    [InlineData("""{"contactId": 99999999999999999999}""")]
    [InlineData("""{"name": "x"}""")]
    [InlineData("""{"contactId": 1, "contactId": 2}""")]
    [InlineData("""{"contactId": 1, "contact_id": 1}""")]
    [InlineData("""{"contactId": 1} {"contactId": 2}""")]
    [InlineData("""{"contactId": 1, "rule": 5}""")]
    [InlineData("""{"contactId": 1, "rule": ""}""")]
    [InlineData("""{"contactId": 1, "includeLoginLink": "yes"}""")]
    [InlineData("""{"contactId": 1, "eventId": {"a": 1}}""")]
    [InlineData("""{"contactId": 1, "eventId": "\ud800"}""")]
    [InlineData("""{"contactId": 1, "eventId": "line\nbreak"}""")]
    [InlineData("""{"contactId": 1, "eventId": "<script>"}""")]
    [InlineData("""{"contactId": 1, "rule": "nope"}""")]
    [InlineData("""{"\ud800": 1, "contactId": 1}""")]
    [InlineData("""{"contactId": 1, "source": {"x\udc00": 1}}""")]
    [InlineData("""{"contact_id": "\ud800"}""")]
    [InlineData("""{"contactId": 1, "source": {"a": 1, "a": 2}}""")]
    [InlineData("""{"contactId": 9223372036854775808}""")]
    [InlineData("""{"contact_id": "9223372036854775808"}""")]
    [InlineData("""{"contact_id": "-1"}""")]
    [InlineData("""{"contact_id": " 1"}""")]
    [InlineData("""{"contact_id": "1.5"}""")]
    [InlineData("""{"contactId": "1e3"}""")]
    [InlineData("""{"contactId": null}""")]
    public async Task Malformed_body_or_unknown_rule_gets_a_clear_400(string json)
    {
        using var response = await _host.PostAsync(json);

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        var body = await JsonOf(response);
        body.GetProperty("error").GetString().Should().Be("invalid_body");
        body.GetProperty("message").GetString().Should().NotContain("Parameter").And.NotContain("System.");
        _cms.Accounts.Should().BeEmpty();
    }

    [Theory(Timeout = 30_000)]
    [InlineData("", "The body is empty; send a JSON object such as {\"contactId\": 42}.")]
    [InlineData("""{"contactId": 1, "contactId": 2}""", "The body names a member twice; a signed body must mean one thing.")]
    [InlineData("""{"\ud800": 1, "contactId": 1}""", "The body holds a member name or string that is not valid Unicode (a lone surrogate escape such as \\ud800, or bytes that are not UTF-8).")]
    [InlineData("""{"contactId": 1,}""", "The body is not valid JSON (line 1, byte 17).")]
    public async Task Unreadable_body_is_refused_with_a_message_that_says_what_to_fix(string json, string message)
    {
        using var response = await _host.PostAsync(json);

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await JsonOf(response)).GetProperty("message").GetString().Should().Be(message);
    }

    [Fact(Timeout = 30_000)]
    public async Task Body_with_a_byte_order_mark_is_read_as_json()
    {
        var ana = _civi.AddContact("Ana", "Lima", "ana@example.org");

        using var response = await _host.PostAsync("\uFEFF" + $$"""{"contactId": {{ana.Id}}}""");

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        _cms.Accounts.Should().ContainSingle();
    }

    [Fact(Timeout = 30_000)]
    public async Task Unknown_rule_is_echoed_without_format_or_line_separator_characters()
    {
        using var response = await _host.PostAsync("""{"contactId": 1, "rule": "a\u202eb\u2028c\u200bd"}""");

        var message = (await JsonOf(response)).GetProperty("message").GetString();
        message.Should().Be("No rule is named 'a?b?c?d' (known rules: members).");
    }

    [Fact(Timeout = 30_000)]
    public async Task Deeply_nested_body_is_refused_without_harm()
    {
        var json = "{\"contactId\": 1, \"x\": " + new string('[', 500) + new string(']', 500) + "}";

        using var response = await _host.PostAsync(json);

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await JsonOf(response)).GetProperty("error").GetString().Should().Be("invalid_body");
    }

    [Fact(Timeout = 30_000)]
    public async Task Unknown_rule_names_the_known_rules_and_no_dotnet_parameter()
    {
        using var response = await _host.PostAsync("""{"contactId": 1, "rule": "nope"}""");

        var message = (await JsonOf(response)).GetProperty("message").GetString();
        message.Should().Be("No rule is named 'nope' (known rules: members).");
    }

    [Fact(Timeout = 30_000)]
    public async Task Unknown_rule_is_echoed_without_control_characters()
    {
        using var response = await _host.PostAsync("""{"contactId": 1, "rule": "a\r\nFAKE LOG LINE"}""");

        var message = (await JsonOf(response)).GetProperty("message").GetString();
        message.Should().Be("No rule is named 'a??FAKE LOG LINE' (known rules: members).");
    }

    [Fact(Timeout = 30_000)]
    public async Task Rule_is_matched_without_regard_to_case()
    {
        var ana = _civi.AddContact("Ana", "Lima", "ana@example.org");
        _civi.AddToGroup("members", ana.Id);

        using var response = await _host.PostAsync($$"""{"contactId": {{ana.Id}}, "rule": "MEMBERS"}""");

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        (await JsonOf(response)).GetProperty("rule").GetString().Should().Be("members");
    }

    [Fact(Timeout = 30_000)]
    public async Task Oversized_body_with_a_length_is_refused()
    {
        using var response = await _host.PostAsync("{\"contactId\": 1, \"pad\": \"" + new string('x', 20_000) + "\"}");

        response.StatusCode.Should().Be(HttpStatusCode.RequestEntityTooLarge);
        (await JsonOf(response)).GetProperty("error").GetString().Should().Be("body_too_large");
    }

    [Fact(Timeout = 30_000)]
    public async Task Oversized_chunked_body_without_a_length_is_refused()
    {
        var json = "{\"contactId\": 1, \"pad\": \"" + new string('x', 20_000) + "\"}";
        var ts = _host.Now;
        var bytes = Encoding.UTF8.GetBytes(json);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/cmsuser/webhook") { Content = new StreamContent(new NoLengthStream(bytes)) };
        request.Headers.TransferEncodingChunked = true;
        request.Headers.Add(WebhookSignature.TimestampHeader, ts.ToString(System.Globalization.CultureInfo.InvariantCulture));
        request.Headers.Add(WebhookSignature.SignatureHeader, WebhookSignature.Compute(WebhookHost.Secret, ts, bytes));

        using var response = await _host.Http.SendAsync(request, WebhookHost.Timeout());

        response.StatusCode.Should().Be(HttpStatusCode.RequestEntityTooLarge);
        (await JsonOf(response)).GetProperty("error").GetString().Should().Be("body_too_large");
        _cms.Accounts.Should().BeEmpty();
    }

    [Fact(Timeout = 30_000)]
    public async Task Transient_cms_failure_answers_503_so_the_caller_retries()
    {
        var ana = _civi.AddContact("Ana", "Lima", "ana@example.org");
        _cms.FailCreateFor("ana@example.org", () => FakeCmsAccountProvider.Transient());

        using var response = await _host.PostAsync($$"""{"contactId": {{ana.Id}}}""");

        response.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
        var json = await JsonOf(response);
        json.GetProperty("outcome").GetString().Should().Be("Failed");
        json.GetProperty("error").GetProperty("kind").GetString().Should().Be("Transient");
    }

    [Fact(Timeout = 30_000)]
    public async Task CiviCRM_failing_before_provisioning_answers_503_with_the_outcome()
    {
        var ana = _civi.AddContact("Ana", "Lima", "ana@example.org");
        _civi.FailNext(new HttpRequestException("Connection refused (crm.example.org:443)"));

        using var response = await _host.PostAsync($$"""{"contactId": {{ana.Id}}}""");

        response.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
        var json = await JsonOf(response);
        json.GetProperty("contactId").GetInt64().Should().Be(ana.Id);
        json.GetProperty("outcome").GetString().Should().Be("Failed");
        json.GetProperty("error").GetProperty("kind").GetString().Should().Be("Transient");
        json.GetProperty("error").GetProperty("code").GetString().Should().Be("unavailable");
        _cms.Accounts.Should().BeEmpty();
        _host.Logs.GetSnapshot().Should().Contain(r => r.Id.Id == 1030 && r.Exception != null, "the engine logs the outage with its exception");
    }

    [Fact(Timeout = 30_000)]
    public async Task Configuration_failure_answers_500_with_the_outcome()
    {
        var ana = _civi.AddContact("Ana", "Lima", "ana@example.org");
        _cms.FailCreateFor("ana@example.org", () => new CmsProviderException("InMemory", CmsErrorReason.Authentication, "The application password was refused.", statusCode: 401));

        using var response = await _host.PostAsync($$"""{"contactId": {{ana.Id}}}""");

        response.StatusCode.Should().Be(HttpStatusCode.InternalServerError);
        (await JsonOf(response)).GetProperty("error").GetProperty("kind").GetString().Should().Be("Configuration");
    }

    [Fact(Timeout = 30_000)]
    public async Task Unexpected_exception_answers_500_internal_error_without_its_text()
    {
        var ana = _civi.AddContact("Ana", "Lima", "ana@example.org");
        _civi.FailNext(new InvalidCastException("Unable to cast object of type 'System.Int32' (Parameter 'value')"));

        using var response = await _host.PostAsync($$"""{"contactId": {{ana.Id}}}""");

        response.StatusCode.Should().Be(HttpStatusCode.InternalServerError);
        var error = (await JsonOf(response)).GetProperty("error");
        error.GetProperty("code").GetString().Should().Be("internal_error");
        error.GetProperty("message").GetString().Should().NotContain("System.").And.NotContain("Parameter");
    }

    [Fact(Timeout = 30_000)]
    public async Task Permanent_failure_answers_200_with_the_recorded_failure()
    {
        var ana = _civi.AddContact("Ana", "Lima", null);

        using var response = await _host.PostAsync($$"""{"contactId": {{ana.Id}}}""");

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        var json = await JsonOf(response);
        json.GetProperty("outcome").GetString().Should().Be("GaveUp");
        json.GetProperty("error").GetProperty("code").GetString().Should().Be("no_email");
        _civi.Activities.Should().ContainSingle().Which.Status.Should().Be(ActivityOutcomeStatus.Failed);
    }

    [Fact(Timeout = 30_000)]
    public async Task A_contact_id_that_names_no_contact_answers_200_skipped_contact_not_found_and_records_nothing()
    {
        using var response = await _host.PostAsync("""{"contactId": 987654, "eventId": "evt-gone"}""");

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        var json = await JsonOf(response);
        json.GetProperty("contactId").GetInt64().Should().Be(987654);
        json.GetProperty("outcome").GetString().Should().Be("Skipped");
        json.GetProperty("accessRestored").GetBoolean().Should().BeFalse();
        json.GetProperty("error").GetProperty("code").GetString().Should().Be(CmsUserErrorCodes.ContactNotFound);
        json.GetProperty("eventId").GetString().Should().Be("evt-gone");
        _civi.Activities.Should().BeEmpty();
        _cms.Accounts.Should().BeEmpty();
    }

    [Theory(Timeout = 30_000)]
    [InlineData("GET")]
    [InlineData("PUT")]
    [InlineData("DELETE")]
    public async Task A_method_other_than_POST_gets_405_with_no_body(string method)
    {
        using var request = WebhookHost.Signed("""{"contactId": 1}""", _host.Now);
        request.Method = new HttpMethod(method);
        if (method is "GET" or "DELETE")
        {
            request.Content = null;
        }

        using var response = await _host.Http.SendAsync(request, WebhookHost.Timeout());

        response.StatusCode.Should().Be(HttpStatusCode.MethodNotAllowed);
        (await response.Content.ReadAsByteArrayAsync()).Should().BeEmpty();
        _cms.Accounts.Should().BeEmpty();
    }

    [Fact(Timeout = 30_000)]
    public async Task A_contact_whose_attempts_are_used_up_answers_422_attempts_used_up_and_records_nothing()
    {
        var ana = _civi.AddContact("Ana", "Lima", "ana@example.org");
        _civi.AddToGroup("members", ana.Id);
        _cms.FailCreateFor("ana@example.org", () => new CmsProviderException("InMemory", CmsErrorReason.DuplicateEmail, "The email is taken."));
        var statuses = new List<HttpStatusCode>();
        for (var i = 1; i <= 4; i++)
        {
            // A distinct event id per delivery: the same body within one second would be a replay.
            using var spent = await _host.PostAsync($$"""{"contactId": {{ana.Id}}, "eventId": "evt-{{i}}"}""");
            statuses.Add(spent.StatusCode);
        }

        using var response = await _host.PostAsync($$"""{"contactId": {{ana.Id}}, "eventId": "evt-5"}""");

        statuses.Should().AllBeEquivalentTo(HttpStatusCode.OK, "four recorded failures, the last one GaveUp");
        response.StatusCode.Should().Be(HttpStatusCode.UnprocessableEntity);
        var json = await JsonOf(response);
        json.GetProperty("outcome").GetString().Should().Be("Skipped");
        json.GetProperty("attempt").GetInt32().Should().Be(4);
        json.GetProperty("eventId").GetString().Should().Be("evt-5");
        var error = json.GetProperty("error");
        error.GetProperty("code").GetString().Should().Be(CmsUserErrorCodes.AttemptsUsedUp);
        error.GetProperty("kind").GetString().Should().Be("Permanent");
        _civi.Activities.Should().HaveCount(4).And.OnlyContain(a => a.Status == ActivityOutcomeStatus.Failed);
        _cms.Accounts.Should().BeEmpty();
    }

    [Fact(Timeout = 30_000)]
    public async Task A_webhook_per_edit_of_a_contact_without_email_records_one_failure_and_answers_each_delivery_alike()
    {
        var nia = _civi.AddContact("Nia", "Noemail", null);
        _civi.AddToGroup("members", nia.Id);
        var bodies = new List<(HttpStatusCode Status, string Outcome, string Code, string Message, int Attempt)>();
        for (var edit = 1; edit <= 5; edit++)
        {
            // The extension sends one event per edit of the contact: each its own signed delivery.
            using var response = await _host.PostAsync($$"""{"contactId": {{nia.Id}}, "eventId": "edit-{{edit}}"}""");
            var json = await JsonOf(response);
            var error = json.GetProperty("error");
            bodies.Add((response.StatusCode, json.GetProperty("outcome").GetString()!, error.GetProperty("code").GetString()!, error.GetProperty("message").GetString()!, json.GetProperty("attempt").GetInt32()));
        }

        bodies.Should().AllBeEquivalentTo((HttpStatusCode.OK, "GaveUp", CmsUserErrorCodes.NoEmail, "The contact has no primary email address.", 1),
            "the deliveries after the first are answered from the first one's record: no 422 after four");
        _civi.Activities.Should().ContainSingle().Which.Status.Should().Be(ActivityOutcomeStatus.Failed);
        _cms.Accounts.Should().BeEmpty();
    }

    [Fact]
    public void Signature_is_hex_hmac_sha256_of_timestamp_dot_body()
    {
        // Known answer computed independently: HMAC-SHA256(key "secret", "1700000000.{}").
        var expected = Convert.ToHexStringLower(System.Security.Cryptography.HMACSHA256.HashData("secret"u8, "1700000000.{}"u8));

        WebhookSignature.Compute("secret", 1_700_000_000, "{}"u8).Should().Be("sha256=" + expected);
        WebhookSignature.Verify("secret", 1_700_000_000, "{}"u8, "sha256=" + expected.ToUpperInvariant()).Should().BeTrue();
        WebhookSignature.Verify("secret", 1_700_000_001, "{}"u8, "sha256=" + expected).Should().BeFalse();
    }

    [Fact]
    public void Short_secret_fails_validation_at_start()
    {
        var services = new ServiceCollection();
        services.AddCmsUserProvisioning().AddWebhook(o => o.Secret = "short");
        using var provider = services.BuildServiceProvider();

        var act = () => provider.GetRequiredService<IOptions<WebhookOptions>>().Value;

        act.Should().Throw<OptionsValidationException>().Which.Message.Should().Contain("Secret");
    }

    [Theory]
    [InlineData(4, true)]
    [InlineData(5, false)]
    [InlineData(3600, false)]
    [InlineData(3601, true)]
    public void Clock_skew_outside_5_seconds_to_1_hour_fails_validation_at_start(int seconds, bool fails)
    {
        var services = new ServiceCollection();
        services.AddCmsUserProvisioning().AddWebhook(o =>
        {
            o.Secret = WebhookHost.Secret;
            o.MaxClockSkew = TimeSpan.FromSeconds(seconds);
        });
        using var provider = services.BuildServiceProvider();

        var act = () => provider.GetRequiredService<IOptions<WebhookOptions>>().Value;

        if (fails)
        {
            act.Should().Throw<OptionsValidationException>().Which.Message.Should().Contain("CmsUser:Webhook:MaxClockSkew").And.Contain("between 5 seconds and 1 hour");
        }
        else
        {
            act.Should().NotThrow();
        }
    }

    [Theory]
    [InlineData(WebhookReplayStore.HybridCache, "AddHybridCache")]
    [InlineData(WebhookReplayStore.DistributedCache, "IDistributedCache")]
    public void Shared_replay_store_without_its_cache_fails_validation_at_start(WebhookReplayStore store, string hint)
    {
        var services = new ServiceCollection();
        services.AddCmsUserProvisioning().AddWebhook(o => { o.Secret = WebhookHost.Secret; o.ReplayStore = store; });
        using var provider = services.BuildServiceProvider();

        var act = () => provider.GetRequiredService<IOptions<WebhookOptions>>().Value;

        act.Should().Throw<OptionsValidationException>().Which.Message.Should().Contain("ReplayStore").And.Contain(hint);
    }

    [Fact]
    public void Registration_guards_its_arguments_and_is_safe_to_repeat()
    {
        ((Action)(() => ((ICmsUserBuilder)null!).AddWebhook())).Should().Throw<ArgumentNullException>();
        ((Action)(() => ((Microsoft.AspNetCore.Routing.IEndpointRouteBuilder)null!).MapCmsUserWebhook())).Should().Throw<ArgumentNullException>();

        var services = new ServiceCollection();
        services.AddCmsUserProvisioning().AddWebhook(o => o.Secret = WebhookHost.Secret).AddWebhook();
        services.Count(d => d.ServiceType == typeof(IWebhookReplayStore)).Should().Be(1);
        services.Count(d => d.ServiceType == typeof(IValidateOptions<WebhookOptions>) && d.ImplementationFactory is not null).Should().Be(1);
    }

    /// <summary>A stream that does not tell its length, so the client sends it chunked.</summary>
    private sealed class NoLengthStream(byte[] data) : MemoryStream(data)
    {
        public override bool CanSeek => false;
    }
}
