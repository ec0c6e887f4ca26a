using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using CsCheck;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Skvare.CmsUser.Shared;

namespace Skvare.CmsUser.Drupal.Tests.SharedTransport;

/// <summary>
/// The rules of src/Shared/Channel (the one transport every converted package uses), tested once through the copy
/// compiled into the Drupal package: credentials, Accept, retry marking, 429, transport failures, unreadable answers,
/// "not found", one credential renewal, raw answers, logging.
/// </summary>
public sealed class HttpChannelTests
{
    [Theory]
    [InlineData(409, "existing_user_login", "HTTP 409, code existing_user_login")]
    [InlineData(502, null, "HTTP 502")]
    [InlineData(null, "mail_failed", "code mail_failed")]
    [InlineData(null, null, "no answer")]
    public void Failure_log_names_the_answer_in_words_never_null(int? status, string? code, string expected)
    {
        var failure = new CmsProviderException("X", CmsErrorReason.Unavailable, "m", statusCode: status, errorCode: code);

        HttpChannelLog.Answer(failure).Should().Be(expected).And.NotContain("null");
    }

    private const string Secret = "s3cr3t-p4ss";

    [Fact]
    public async Task Credentials_Accept_and_retry_marking_go_on_the_request_and_anonymous_calls_carry_no_credentials()
    {
        var server = new StubServer(_ => Json(200, "{\"ok\":true}"));
        var channel = server.Channel();

        await channel.SendJsonAsync(new HttpCall(HttpMethod.Post, "a", "a") { RetrySafe = true, Body = HttpBody.Json("{\"x\":1}") }, Token());
        await channel.SendJsonAsync(new HttpCall(HttpMethod.Get, "b", "b") { Anonymous = true, Accept = "application/vnd.api+json" }, Token());

        server.Seen[0].Authorization.Should().StartWith("Basic ");
        server.Seen[0].Accept.Should().Be("application/json");
        server.Seen[0].RetrySafe.Should().BeTrue();
        server.Seen[0].Body.Should().Be("{\"x\":1}");
        server.Seen[0].Uri.Should().Be("https://site.example/base/a");
        server.Seen[1].Authorization.Should().BeNull();
        server.Seen[1].Accept.Should().Be("application/vnd.api+json");
        server.Seen[1].RetrySafe.Should().BeTrue("a GET only reads");
    }

    [Theory]
    [InlineData("PUT", false, false)]
    [InlineData("DELETE", false, false)]
    [InlineData("PATCH", false, false)]
    [InlineData("POST", false, false)]
    [InlineData("PUT", true, true)]
    [InlineData("DELETE", true, true)]
    [InlineData("GET", false, true)]
    [InlineData("HEAD", false, true)]
    public async Task Every_request_is_marked_and_a_PUT_or_DELETE_is_retry_safe_only_when_its_call_says_so(string method, bool retrySafe, bool expected)
    {
        // Regression (session 22): an unmarked PUT or DELETE was retried for its method alone, and Drupal 7's status PUT
        // mails the person.
        var server = new StubServer(_ => Json(200, "{\"ok\":true}"));

        await server.Channel().SendAsync(new HttpCall(new HttpMethod(method), "a", "a") { RetrySafe = retrySafe, RawAnswer = true }, Token());

        server.Seen.Should().ContainSingle().Which.RetrySafe.Should().Be(expected);
    }

    [Fact]
    public async Task Too_many_requests_is_Throttled_whatever_the_body_and_credentials_are_not_renewed()
    {
        var server = new StubServer(_ => Json(429, "{\"code\":\"existing_user_login\"}"));
        var renewing = new RenewingCredentials();
        var channel = server.Channel(renewing);

        var act = () => channel.SendJsonAsync(new HttpCall(HttpMethod.Get, "a", "a"), Token());

        var failure = (await act.Should().ThrowAsync<CmsProviderException>()).Which;
        failure.Reason.Should().Be(CmsErrorReason.Throttled);
        failure.StatusCode.Should().Be(429);
        server.Seen.Should().ContainSingle();
        renewing.Renewals.Should().Be(0);
    }

    [Theory]
    [InlineData(HttpRequestError.ConnectionError, true, CmsErrorReason.Unavailable)]
    [InlineData(HttpRequestError.NameResolutionError, true, CmsErrorReason.Unavailable)]
    [InlineData(HttpRequestError.ResponseEnded, true, CmsErrorReason.UnknownOutcome)]
    [InlineData(HttpRequestError.ResponseEnded, false, CmsErrorReason.Unavailable)]
    public async Task No_answer_is_Unavailable_unless_a_create_may_have_reached_the_site(HttpRequestError error, bool isCreate, CmsErrorReason expected)
    {
        var server = new StubServer(_ => throw new HttpRequestException(error, "no answer"));
        var act = () => server.Channel().SendJsonAsync(new HttpCall(HttpMethod.Post, "a", "a") { IsCreate = isCreate }, Token());

        (await act.Should().ThrowAsync<CmsProviderException>()).Which.Reason.Should().Be(expected);
    }

    /// <summary>
    /// Regression (session 21): a cut answer to a write that is not a create (an email, a role change) said "cut short on its
    /// way, on every try", though a write's cut answer is never asked for again. Only a read's is tried on every try.
    /// </summary>
    [Theory]
    [InlineData(true, false)]
    [InlineData(false, false)]
    [InlineData(false, true)]
    public async Task A_cut_answer_says_every_try_only_for_a_read_and_may_have_been_carried_out_for_a_write(bool isRead, bool retrySafe)
    {
        var server = new StubServer(_ => throw new CutAnswerException("The answer (HTTP 200) ended early: its JSON stops after 9 bytes, before its end.", null));
        var call = new HttpCall(isRead ? HttpMethod.Get : HttpMethod.Post, "users/7/roles", "users/{uid}/roles") { IsRead = isRead, RetrySafe = retrySafe };

        var act = () => server.Channel().SendJsonAsync(call, Token());

        var failure = (await act.Should().ThrowAsync<CmsProviderException>()).Which;
        failure.Reason.Should().Be(CmsErrorReason.Unavailable, "only a create's lost answer is an unknown outcome");
        failure.Kind.Should().Be(FailureKind.Transient);
        failure.Message.Should().Contain("users/{uid}/roles").And.Contain("cut short").And.Contain("ended early");
        if (isRead)
        {
            failure.Message.Should().Contain("on every try").And.NotContain("carried out");
        }
        else
        {
            failure.Message.Should().NotContain("every try", "a write's cut answer is not asked for again")
                .And.Contain("may have been carried out").And.Contain("not sent again");
        }
    }

    [Fact]
    public async Task A_cancellation_the_caller_did_not_ask_for_is_a_transport_failure_and_one_it_asked_for_is_not()
    {
        var timeout = new StubServer(_ => throw new OperationCanceledException("handler gave up"));
        var act = () => timeout.Channel().SendJsonAsync(new HttpCall(HttpMethod.Get, "a", "a"), Token());
        (await act.Should().ThrowAsync<CmsProviderException>()).Which.Reason.Should().Be(CmsErrorReason.Unavailable);

        using var cts = new CancellationTokenSource();
        var cancelled = new StubServer(_ =>
        {
            cts.Cancel();
            throw new OperationCanceledException(cts.Token);
        });
        var cancel = () => cancelled.Channel().SendJsonAsync(new HttpCall(HttpMethod.Get, "a", "a"), cts.Token);
        await cancel.Should().ThrowAsync<OperationCanceledException>();
    }

    [Fact]
    public async Task An_html_page_where_JSON_was_expected_is_UnexpectedResponse_and_a_blank_body_is_no_answer_only_when_allowed()
    {
        var server = new StubServer(r => r.RequestUri!.AbsolutePath.EndsWith("/html", StringComparison.Ordinal)
            ? Text(200, "text/html", "<html><body>Welcome</body></html>")
            : Text(200, "application/json", "  "));
        var channel = server.Channel();

        var html = () => channel.SendJsonAsync(new HttpCall(HttpMethod.Get, "html", "html"), Token());
        var failure = (await html.Should().ThrowAsync<CmsProviderException>()).Which;
        failure.Reason.Should().Be(CmsErrorReason.UnexpectedResponse);
        failure.Message.Should().Contain("text/html").And.Contain("Welcome").And.Contain("check the test site");

        (await channel.SendJsonAsync(new HttpCall(HttpMethod.Post, "empty", "empty") { EmptyAnswer = true }, Token())).Should().BeNull();
        var blank = () => channel.SendJsonAsync(new HttpCall(HttpMethod.Post, "empty", "empty"), Token());
        (await blank.Should().ThrowAsync<CmsProviderException>()).Which.Reason.Should().Be(CmsErrorReason.UnexpectedResponse);
    }

    [Fact]
    public async Task Not_found_is_null_only_when_the_call_allows_it_and_the_classifier_recognises_it()
    {
        var server = new StubServer(r => r.RequestUri!.AbsolutePath.EndsWith("/gone", StringComparison.Ordinal) ? Json(404, "{\"missing\":true}") : Text(404, "text/html", "<h1>No route</h1>"));
        var channel = server.Channel();

        (await channel.SendJsonAsync(new HttpCall(HttpMethod.Get, "gone", "gone") { NullWhenNotFound = true }, Token())).Should().BeNull();
        var noRoute = () => channel.SendJsonAsync(new HttpCall(HttpMethod.Get, "route", "route") { NullWhenNotFound = true }, Token());
        (await noRoute.Should().ThrowAsync<CmsProviderException>()).Which.Reason.Should().Be(CmsErrorReason.UnexpectedResponse);
        var strict = () => channel.SendJsonAsync(new HttpCall(HttpMethod.Get, "gone", "gone"), Token());
        (await strict.Should().ThrowAsync<CmsProviderException>()).Which.Reason.Should().Be(CmsErrorReason.NotFound);
    }

    [Fact]
    public async Task Refused_credentials_are_renewed_once_and_the_body_is_sent_again_whole()
    {
        var server = new StubServer(r => r.Headers.Authorization?.Parameter == "fresh-2" ? Json(200, "{}") : Json(401, "{\"message\":\"expired\"}"));
        var renewing = new RenewingCredentials();

        (await server.Channel(renewing).SendJsonAsync(new HttpCall(HttpMethod.Post, "a", "a") { Body = HttpBody.Form([new("name", "ana")]) }, Token())).Should().NotBeNull();
        server.Seen.Select(s => s.Body).Should().Equal("name=ana", "name=ana");
        renewing.Renewals.Should().Be(1);

        var stubborn = new StubServer(_ => Json(401, "{\"message\":\"no\"}"));
        var renewingAgain = new RenewingCredentials();
        var act = () => stubborn.Channel(renewingAgain).SendJsonAsync(new HttpCall(HttpMethod.Get, "a", "a"), Token());
        (await act.Should().ThrowAsync<CmsProviderException>()).Which.Reason.Should().Be(CmsErrorReason.Authentication);
        stubborn.Seen.Should().HaveCount(2, "one renewal, then the refusal is the answer");
    }

    [Fact]
    public async Task A_raw_answer_is_returned_whatever_its_status_but_429_still_throws()
    {
        var server = new StubServer(r => r.RequestUri!.AbsolutePath.EndsWith("/slow", StringComparison.Ordinal) ? Json(429, "{}") : Text(302, "text/html", string.Empty));
        var channel = server.Channel();

        (await channel.SendAsync(new HttpCall(HttpMethod.Post, "form", "form") { RawAnswer = true }, Token()))!.Status.Should().Be(302);
        var slow = () => channel.SendAsync(new HttpCall(HttpMethod.Post, "slow", "slow") { RawAnswer = true }, Token());
        (await slow.Should().ThrowAsync<CmsProviderException>()).Which.Reason.Should().Be(CmsErrorReason.Throttled);
    }

    [Fact]
    public async Task Answers_and_failures_are_logged_under_the_package_event_ids_without_credentials_or_bodies()
    {
        var logger = new FakeLogger();
        var server = new StubServer(r => r.RequestUri!.AbsolutePath.EndsWith("/ok", StringComparison.Ordinal) ? Json(200, "{\"secret\":\"body-only\"}") : Json(403, "{}"));
        var channel = server.Channel(logger: logger);

        await channel.SendJsonAsync(new HttpCall(HttpMethod.Get, "ok?mail=ana@example.org", "ok?mail"), Token());
        var act = () => channel.SendJsonAsync(new HttpCall(HttpMethod.Get, "no", "no"), Token());
        await act.Should().ThrowAsync<CmsProviderException>();

        var records = logger.Collector.GetSnapshot();
        records.Select(r => (r.Id.Id, r.Level)).Should().Equal((9000, LogLevel.Debug), (9000, LogLevel.Debug), (9001, LogLevel.Warning));
        records[0].Message.Should().StartWith("Test GET ok?mail answered 200");
        records[2].Message.Should().Contain("Permission").And.Contain("HTTP 403");
        records.Should().NotContain(r => r.Message.Contains(Secret, StringComparison.Ordinal) || r.Message.Contains("body-only", StringComparison.Ordinal) || r.Message.Contains("ana@example.org", StringComparison.Ordinal));
    }

    /// <summary>What a token endpoint or a login issues: URL-safe Base64 and JWT characters, the length of a short token to a JWT's.</summary>
    private static readonly Gen<string> IssuedToken = Gen.Char["ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~+/="].Array[16, 1200].Select(c => new string(c));

    [Fact]
    public void A_credential_the_server_issued_is_taken_out_of_every_later_failure_and_the_answer_of_another_channel_keeps_it()
    {
        Gen.Select(IssuedToken, Gen.Int[0, 3], Gen.OneOf(Gen.Int[400, 428], Gen.Int[430, 599])).Sample(
            (token, form, status) =>
            {
                var (echo, written) = form switch
                {
                    0 => ("Authorization: Bearer " + token, token),
                    1 => (JsonSerializer.Serialize(new { error = "invalid", hint = "token " + token + " expired" }), JsonSerializer.Serialize(token)[1..^1]),
                    2 => ("<p>Cookie: SESS1=" + WebUtility.HtmlEncode(token) + "</p>", WebUtility.HtmlEncode(token)),
                    _ => ("?access_token=" + Uri.EscapeDataString(token), Uri.EscapeDataString(token)),
                };
                var server = new StubServer(_ => Text(status, "text/plain", echo));
                var channel = server.Channel();
                var other = server.Channel();

                channel.Issued("access token", token);

                Message(channel).Should().Contain(SecretRedactor.Mask).And.NotContain(written);
                Message(other).Should().Contain(echo, "the credential is one channel's: this one never had it");
            },
            iter: 300,
            print: t => $"token '{t.Item1}' form {t.Item2} status {t.Item3}");

        static string Message(HttpChannel channel)
        {
            try
            {
                channel.SendJsonAsync(new HttpCall(HttpMethod.Get, "a", "a"), Token()).GetAwaiter().GetResult();
            }
            catch (CmsProviderException ex)
            {
                return ex.Message;
            }

            throw new Xunit.Sdk.XunitException("The error answer did not fail the call.");
        }
    }

    [Fact]
    public async Task The_last_credentials_of_each_kind_stay_redacted_and_a_login_link_is_redacted_by_its_path()
    {
        var tokens = Enumerable.Range(1, HttpChannel.IssuedKept + 1).Select(i => $"token-{i}-{Guid.NewGuid():N}").ToList();
        const string Link = "https://site.example/user/reset/5/1700000000/Zm9vYmFyYmF6cXV4/login";
        var server = new StubServer(_ => Json(500, JsonSerializer.Serialize(new { tokens, link = "/user/reset/5/1700000000/Zm9vYmFyYmF6cXV4/login", site = "https://site.example" })));
        var channel = server.Channel();
        foreach (var token in tokens)
        {
            channel.Issued("access token", token);
        }

        channel.IssuedLink(Link);
        channel.Issued("session", "session-id-1", "csrf-token-1");

        var failure = (await ((Func<Task>)(() => channel.SendJsonAsync(new HttpCall(HttpMethod.Get, "a", "a"), Token()))).Should().ThrowAsync<CmsProviderException>()).Which;
        failure.Message.Should().Contain(tokens[0], $"only the last {HttpChannel.IssuedKept} tokens are kept")
            .And.NotContainAny(tokens.Skip(1))
            .And.NotContain("Zm9vYmFyYmF6cXV4")
            .And.Contain("https://site.example", "the site's address is no secret");
    }

    /// <summary>A WordPress reset key (20 letters and digits) or a Drupal/Backdrop hash (43 Base64url characters).</summary>
    private static readonly Gen<string> LinkToken = Gen.OneOf(
        Gen.Char.AlphaNumeric.Array[20].Select(c => new string(c)),
        Gen.Char["ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"].Array[43].Select(c => new string(c)));

    /// <summary>A username, long ones in the token alphabet included (never taken for a token: its parameter names the account).</summary>
    private static readonly Gen<string> LinkUser = Gen.OneOf(Gen.Const("jane.doe"), Gen.Const("administrator_account_2026"), Gen.String[Gen.Char.AlphaNumeric, 3, 30]);

    /// <summary>The login links the WordPress companion plugin, the Drupal companion module and the Backdrop module hand out.</summary>
    private static string LoginLink(int shape, string token, string user, long uid, long timestamp) => shape switch
    {
        0 => $"https://site.example/wp-login.php?action=rp&key={token}&login={Uri.EscapeDataString(user)}",
        1 => $"https://site.example/user/reset/{uid}/{timestamp}/{token}/login",
        _ => $"https://site.example/user/reset/{uid}/{timestamp}/{token}",
    };

    /// <summary>How an answer may quote a login link or a part of it.</summary>
    private static readonly (string Name, Func<string, string, string> Echo)[] LinkEchoes =
    [
        ("the token alone", (_, token) => $"Invalid or expired key: {token}."),
        ("the token as a JSON member", (_, token) => JsonSerializer.Serialize(new { error = "bad_hash", hash = token })),
        ("the link URL-encoded", (link, _) => "redirect_to=" + Uri.EscapeDataString(link)),
        ("the link form-encoded", (link, _) => "url=" + WebUtility.UrlEncode(link)),
        ("the link URL-encoded twice", (link, _) => "next=" + Uri.EscapeDataString(Uri.EscapeDataString(link))),
        ("the link JSON-escaped (PHP)", (link, _) => "{\"url\":\"" + link.Replace("/", "\\/", StringComparison.Ordinal) + "\"}"),
        ("the path without its last segment", (link, token) => "Path " + link[..(link.IndexOf(token, StringComparison.Ordinal) + token.Length)] + " not found"),
        ("the link HTML-encoded in a page", (link, _) => "<a href=\"" + WebUtility.HtmlEncode(link) + "\">log in</a>"),
    ];

    [Fact]
    public void A_login_links_token_is_taken_out_of_an_answer_that_quotes_it_alone_or_encoded()
    {
        Gen.Select(Gen.Int[0, 2], LinkToken, LinkUser, Gen.Long[1, 99_999], Gen.Long[1_600_000_000, 1_900_000_000], Gen.Int[0, LinkEchoes.Length - 1], Gen.String[Gen.Char[' ', '~'], 0, 80]).Sample(
            (shape, token, user, uid, timestamp, echo, around) =>
            {
                var link = LoginLink(shape, token, user, uid, timestamp);
                var channel = new StubServer(_ => Json(200, "{}")).Channel();

                channel.IssuedLink(link);
                var text = channel.Redact(around + LinkEchoes[echo].Echo(link, token) + around);

                text.Should().Contain(SecretRedactor.Mask, LinkEchoes[echo].Name).And.NotContain(token, LinkEchoes[echo].Name);
            },
            iter: 1000,
            print: t => $"shape {t.Item1} token '{t.Item2}' user '{t.Item3}' echo '{LinkEchoes[t.Item6].Name}' around '{t.Item7}'");
    }

    [Fact]
    public void A_login_links_account_id_timestamp_username_and_route_stay_readable()
    {
        Gen.Select(Gen.Int[0, 2], LinkToken, LinkUser, Gen.Long[1, 99_999], Gen.Long[1_600_000_000, 1_900_000_000]).Sample(
            (shape, token, user, uid, timestamp) =>
            {
                var link = LoginLink(shape, token, user, uid, timestamp);
                var channel = new StubServer(_ => Json(200, "{}")).Channel();
                var plain = $"User {user} (uid {uid}) asked for a link at {timestamp} on wp-login.php?action=rp and /user/reset.";

                channel.IssuedLink(link);

                channel.Redact(plain).Should().Be(plain, "only the link's token is a secret");
                HttpChannel.LinkTokens(link[link.IndexOf('/', 8)..]).Should().Equal([token], "one token per link");
            },
            iter: 500,
            print: t => $"shape {t.Item1} token '{t.Item2}' user '{t.Item3}'");
    }

    [Fact]
    public void The_credentials_an_answer_carries_are_not_quoted_when_it_is_cut_short_or_unreadable()
    {
        Gen.Select(IssuedToken, IssuedToken, Gen.Int[0, 5000], Gen.OneOf("application/json", "text/html")).Sample(
            (access, refresh, cutAt, mediaType) =>
            {
                var body = JsonSerializer.Serialize(new { token_type = "Bearer", access_token = access, refresh_token = refresh, expires_in = 300 });
                var shown = body[..(1 + (cutAt % (body.Length - 1)))];
                var server = new StubServer(_ => Text(200, mediaType, shown));
                var call = new HttpCall(HttpMethod.Post, "oauth/token", "oauth/token") { Anonymous = true, SecretMembers = ["access_token", "refresh_token"] };

                var failure = Assert.ThrowsAny<CmsUserException>(() => server.Channel().SendJsonAsync(call, Token()).GetAwaiter().GetResult());

                foreach (var token in new[] { access, refresh })
                {
                    // Every 10 characters of the token as the body wrote them (JSON-escaped).
                    var raw = JsonSerializer.Serialize(token)[1..^1];
                    var parts = Enumerable.Range(0, raw.Length - 9).Select(i => raw.Substring(i, 10)).ToHashSet(StringComparer.Ordinal);
                    var shownPart = Enumerable.Range(0, Math.Max(0, failure.Message.Length - 9)).Select(i => failure.Message.Substring(i, 10)).FirstOrDefault(parts.Contains);
                    shownPart.Should().BeNull($"no part of the token is quoted: {failure.Message}");
                }
            },
            iter: 200,
            print: t => $"access '{t.Item1}', refresh '{t.Item2}', cut at {t.Item3}, {t.Item4}");
    }

    [Fact]
    public async Task A_short_configured_secret_is_logged_as_weak_once_at_the_first_call()
    {
        var logger = new FakeLogger();
        var server = new StubServer(_ => Json(200, "{}"));
        var channel = server.Channel(logger: logger, secrets: () => ["abc", "long-enough-secret", null, "  ", " x y z "]);
        var strong = server.Channel(logger: logger, secrets: () => ["long-enough-secret"]);

        await channel.SendJsonAsync(new HttpCall(HttpMethod.Get, "a", "a"), Token());
        await channel.SendJsonAsync(new HttpCall(HttpMethod.Get, "a", "a"), Token());
        await strong.SendJsonAsync(new HttpCall(HttpMethod.Get, "a", "a"), Token());

        var weak = logger.Collector.GetSnapshot().Where(r => r.Id.Id == 9002).ToList();
        weak.Should().ContainSingle().Which.Level.Should().Be(LogLevel.Warning);
        weak[0].Message.Should().StartWith("Test: 2 of the credentials").And.NotContain("abc");
    }

    [Fact]
    public void Whatever_a_site_answers_the_channel_returns_JSON_or_throws_a_classified_failure()
    {
        var answers = Gen.Select(Gen.Int[200, 599], Gen.OneOf("application/json", "text/html", "text/plain"), Gen.OneOf(Gen.String, Gen.OneOf("{}", "[]", "null", "{\"a\":", "<html>", "\"x\"", "", "tr", "fals", "\"cut")));
        answers.Sample((status, mediaType, body) =>
        {
            var server = new StubServer(_ => Text(status, mediaType, body));
            try
            {
                server.Channel().SendJsonAsync(new HttpCall(HttpMethod.Get, "a", "a") { NullWhenNotFound = true }, Token()).GetAwaiter().GetResult();
                return status is >= 200 and < 300 || (status == 404 && body.Contains("missing", StringComparison.Ordinal));
            }
            catch (CmsProviderException ex)
            {
                // A 2xx JSON answer cut short is one request's damage (Unavailable); any other unreadable 2xx is not the API's.
                // (What "cut short" means is pinned by CutShortJsonTests' hand-picked bodies.)
                return ex.StatusCode == status && (status is >= 200 and < 300
                    ? ex.Reason == (mediaType == "application/json" && HttpEndpointGuard.IsCutShortJson(body) ? CmsErrorReason.Unavailable : CmsErrorReason.UnexpectedResponse)
                    : true);
            }
        }, iter: 300);
    }

    [Fact]
    public void A_form_body_sends_the_bytes_FormUrlEncodedContent_sends()
    {
        // Any text: ASCII with every reserved character, accents, emoji, lone surrogates, spaces, empty values.
        var text = Gen.OneOf(Gen.String, Gen.String[Gen.Char[(char)0, (char)127], 0, 40], Gen.OneOf("", " ", "a b+c", "&=%+", "\ud800", "x\udc00y", "João 😀", "{\"where\":[[\"id\",\">\",0]]}"));
        Gen.Select(text, text, text).Sample((key, value, other) =>
        {
            KeyValuePair<string, string>[] fields = [new(key, value), new("params", other), new("e", "")];
            var expected = new FormUrlEncodedContent(fields);
            var sent = HttpBody.Form(fields).CreateContent();

            sent.ReadAsByteArrayAsync().GetAwaiter().GetResult().Should().Equal(expected.ReadAsByteArrayAsync().GetAwaiter().GetResult());
            sent.Headers.ContentType!.ToString().Should().Be(expected.Headers.ContentType!.ToString());
            sent.Headers.ContentLength.Should().Be(expected.Headers.ContentLength);
        }, iter: 500);
    }

    [Theory]
    [InlineData("utf-8", "", "{\"name\":\"João\"}")]
    [InlineData(null, "", "{\"name\":\"João\"}")]
    [InlineData("\"UTF-8\"", "", "{\"name\":\"João\"}")]
    [InlineData(null, "EFBBBF", "{\"name\":\"João\"}")]
    [InlineData("utf-8", "EFBBBF", "{\"name\":\"João\"}")]
    [InlineData("iso-8859-1", "", "{\"name\":\"João\"}")]
    [InlineData("utf-16", "", "{\"name\":\"João\"}")]
    [InlineData(null, "FFFE", "{\"name\":\"João\"}")]
    [InlineData(null, "C3", "{\"name\":\"x\"}")]
    public async Task An_answer_reads_as_ReadAsStringAsync_reads_it_whatever_its_charset_mark_or_broken_bytes(string? charset, string prefixHex, string json)
    {
        // The body is encoded as its charset says (UTF-8 when none; UTF-16 after an FF FE mark); a broken byte comes first.
        var encoding = charset?.Trim('"') is { } name ? Encoding.GetEncoding(name) : prefixHex == "FFFE" ? Encoding.Unicode : Encoding.UTF8;
        var bytes = Convert.FromHexString(prefixHex).Concat(encoding.GetBytes(json)).ToArray();
        HttpResponseMessage Answer()
        {
            var content = new ByteArrayContent(bytes);
            content.Headers.ContentType = MediaTypeHeaderValue.Parse(charset is null ? "application/json" : $"application/json; charset={charset}");
            return new HttpResponseMessage(HttpStatusCode.OK) { Content = content };
        }

        var expected = await Answer().Content.ReadAsStringAsync();
        var server = new StubServer(_ => Answer());

        var answer = await server.Channel().SendAsync(new HttpCall(HttpMethod.Get, "a", "a"), Token());
        answer!.Body.Should().Be(expected);
        if (prefixHex == "C3")
        {
            // Decoded to U+FFFD as text always was, so it is read (and refused) from the text.
            answer.Utf8Body.Should().BeNull();
            return;
        }

        var read = await server.Channel().SendJsonAsync(new HttpCall(HttpMethod.Get, "a", "a"), Token());
        read!["name"]!.GetValue<string>().Should().Be("João");
        if (charset is null or "utf-8" or "\"UTF-8\"" && prefixHex == "")
        {
            answer.Utf8Body.Should().Equal(bytes);
        }
        else
        {
            answer.Utf8Body.Should().BeNull("only plain UTF-8 is kept as bytes; the rest is decoded as it always was");
        }
    }

    [Fact]
    public void Whatever_bytes_a_site_answers_the_answer_text_is_what_ReadAsStringAsync_gives_and_JSON_reads_the_same()
    {
        var bodies = Gen.OneOf(
            Gen.Byte.Array[0, 60],
            Gen.String.Select(s => Encoding.UTF8.GetBytes(s)),
            Gen.OneOf("{\"a\":\"é\"}", "[1,2]", "\"x\"", "{\"a\":").Select(s => Encoding.UTF8.GetBytes(s)));
        Gen.Select(bodies, Gen.OneOf<string?>(null, "utf-8", "iso-8859-1")).Sample((bytes, charset) =>
        {
            HttpResponseMessage Answer()
            {
                var content = new ByteArrayContent(bytes);
                content.Headers.ContentType = MediaTypeHeaderValue.Parse(charset is null ? "application/json" : $"application/json; charset={charset}");
                return new HttpResponseMessage(HttpStatusCode.OK) { Content = content };
            }

            var expected = Answer().Content.ReadAsStringAsync().GetAwaiter().GetResult();
            var channel = new StubServer(_ => Answer()).Channel();
            var call = new HttpCall(HttpMethod.Get, "a", "a") { RawAnswer = true };
            var answer = channel.SendAsync(call, Token()).GetAwaiter().GetResult()!;
            answer.Body.Should().Be(expected);

            string? fromText;
            try
            {
                fromText = System.Text.Json.Nodes.JsonNode.Parse(expected, documentOptions: HttpChannel.StrictJson)?.ToJsonString();
            }
            catch (JsonException)
            {
                fromText = "unreadable";
            }

            string? fromAnswer;
            try
            {
                fromAnswer = channel.ReadJson(call, answer)?.ToJsonString();
            }
            catch (CmsProviderException)
            {
                fromAnswer = "unreadable";
            }

            fromAnswer.Should().Be(fromText);
        }, iter: 400);
    }

    private static CancellationToken Token() => new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token;

    private static HttpResponseMessage Json(int status, string body) => Text(status, "application/json", body);

    private static HttpResponseMessage Text(int status, string mediaType, string body) =>
        new((HttpStatusCode)status) { Content = new StringContent(body, Encoding.UTF8, mediaType) };

    private sealed record Seen(string Uri, string? Authorization, string? Accept, bool? RetrySafe, string? Body);

    private sealed class StubServer(Func<HttpRequestMessage, HttpResponseMessage> answer) : HttpMessageHandler
    {
        public List<Seen> Seen { get; } = [];

        public HttpChannel Channel(IHttpCredentials? credentials = null, ILogger? logger = null, Func<IEnumerable<string?>>? secrets = null) =>
            new(() => new HttpClient(this, disposeHandler: false),
                path => new Uri(new Uri("https://site.example/base/"), path),
                new TestClassifier(),
                new HttpChannelLog(logger ?? new FakeLogger(), "Test", answeredEventId: 9000, failedEventId: 9001, weakSecretsEventId: 9002))
            {
                Credentials = credentials ?? HeaderCredentials.Basic("api", Secret),
                Secrets = secrets,
            };

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var body = request.Content is null ? null : await request.Content.ReadAsStringAsync(cancellationToken);
            Seen.Add(new Seen(
                request.RequestUri!.AbsoluteUri,
                request.Headers.Authorization?.ToString(),
                request.Headers.Accept.SingleOrDefault()?.MediaType,
                request.Options.TryGetValue(HttpResilienceSetup.RetrySafe, out var safe) ? safe : null,
                body));
            return answer(request);
        }
    }

    /// <summary>A bearer token that the stub refuses until it is renewed.</summary>
    private sealed class RenewingCredentials : IHttpCredentials
    {
        private int _generation = 1;

        public int Renewals { get; private set; }

        public ValueTask<object?> ApplyAsync(HttpRequestMessage request, HttpChannel channel, CancellationToken cancellationToken)
        {
            var token = "fresh-" + _generation;
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            return ValueTask.FromResult<object?>(token);
        }

        public bool Renew(HttpCall call, HttpAnswer answer, object used)
        {
            if (answer.Status != 401)
            {
                return false;
            }

            Renewals++;
            _generation++;
            return true;
        }
    }

    private sealed class TestClassifier() : CmsAnswerClassifier("Test", "Test")
    {
        protected override string UnreadableHint => "check the test site";

        public override CmsUserException FromAnswer(HttpCall call, HttpAnswer answer) =>
            new CmsProviderException(Cms, answer.Status switch
            {
                401 => CmsErrorReason.Authentication,
                403 => CmsErrorReason.Permission,
                404 when answer.Body.Contains("missing", StringComparison.Ordinal) => CmsErrorReason.NotFound,
                404 => CmsErrorReason.UnexpectedResponse,
                >= 500 => CmsErrorReason.Unavailable,
                _ => CmsErrorReason.InvalidData,
            }, $"Test refused {call.Route}: {answer.ReasonPhrase} {answer.Body}", statusCode: answer.Status);
    }
}
