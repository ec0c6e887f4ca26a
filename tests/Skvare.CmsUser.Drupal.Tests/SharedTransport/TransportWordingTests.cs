using System.Net.Sockets;
using CsCheck;
using Microsoft.Extensions.Logging.Testing;
using Polly.CircuitBreaker;
using Polly.Timeout;
using Skvare.CmsUser.Shared;

namespace Skvare.CmsUser.Drupal.Tests.SharedTransport;

/// <summary>
/// What a request that got no answer is called (src/Shared/Channel/TransportWords.cs, CmsChannel/TransportFailures.Cms.cs),
/// through the channel compiled into the Drupal package: "could not be reached" only when the request was never sent (DNS,
/// refused, TLS handshake, open circuit); a timeout "did not answer in time"; a connection closed first "ended the connection
/// without an answer"; and a write that may have reached the site says it "may have reached the site and been carried out".
/// Regression (session 22): a timeout was worded "could not be reached", and an admin repeated a write that had been done.
/// </summary>
public sealed class TransportWordingTests
{
    private const string Secret = "s3cr3t-p4ss-2023";

    [Theory]
    [InlineData("refused")]
    [InlineData("dns")]
    [InlineData("tls")]
    [InlineData("circuit")]
    public async Task A_request_that_was_never_sent_could_not_be_reached_and_nothing_was_done_even_for_a_create(string kind)
    {
        var failure = await FailAsync(Failure(kind), Write with { IsCreate = true });

        failure.Reason.Should().Be(CmsErrorReason.Unavailable, "nothing was created, so there is nothing to look up");
        failure.Message.Should().StartWith("Test could not be reached (call: w;")
            .And.EndWith(": the request was never sent, so nothing was done.")
            .And.NotContain("may have reached");
    }

    [Theory]
    [InlineData("timeout")]
    [InlineData("cancelled")]
    [InlineData("inner-timeout")]
    public async Task A_timeout_did_not_answer_in_time_and_a_write_may_have_been_carried_out(string kind)
    {
        var write = await FailAsync(Failure(kind), Write);
        var read = await FailAsync(Failure(kind), Read);

        write.Message.Should().StartWith("Test did not answer in time (call: w;")
            .And.EndWith("; the request may have reached the site and been carried out, so it was not sent again: check the site before repeating it.")
            .And.NotContain("could not be reached");
        read.Message.Should().StartWith("Test did not answer in time (call: r;").And.NotContain("could not be reached").And.NotContain("carried out");
    }

    [Theory]
    [InlineData("ended")]
    [InlineData("reset")]
    [InlineData("socket")]
    public async Task A_connection_closed_before_the_answer_ended_the_connection_without_an_answer(string kind)
    {
        var write = await FailAsync(Failure(kind), Write);

        write.Reason.Should().Be(CmsErrorReason.Unavailable);
        write.Message.Should().StartWith("Test ended the connection without an answer (call: w;")
            .And.Contain("may have reached the site and been carried out")
            .And.NotContain("could not be reached");
    }

    [Fact]
    public async Task An_answer_that_is_not_HTTP_is_no_usable_answer()
    {
        var write = await FailAsync(new HttpRequestException(HttpRequestError.InvalidResponse, "The server returned an invalid or unrecognized response."), Write);

        write.Message.Should().StartWith("Test gave no usable answer (call: w;").And.Contain("may have reached the site and been carried out");
    }

    [Fact]
    public async Task A_cut_answer_keeps_its_own_words()
    {
        var write = await FailAsync(new CutAnswerException("The answer (HTTP 200) ended early: its JSON stops after 3 bytes, before its end.", null), Write);

        write.Message.Should().StartWith("Test's answer to w was cut short on its way (The answer (HTTP 200) ended early").And.Contain("may have been carried out, so it is not sent again")
            .And.NotContain("Exception", "a cut answer is the SDK's own failure, worded without a type name");
    }

    [Theory]
    [InlineData("timeout")]
    [InlineData("ended")]
    public async Task Each_kind_of_write_says_what_repeating_it_means(string kind)
    {
        var create = await FailAsync(Failure(kind), Write with { IsCreate = true });
        var safe = await FailAsync(Failure(kind), Write with { RetrySafe = true });
        var once = await FailAsync(Failure(kind), Write);

        create.Reason.Should().Be(CmsErrorReason.UnknownOutcome);
        create.Message.Should().EndWith("; the request may have reached the site and been carried out: the account may exist now, and it is looked up by email before any new try.");
        safe.Message.Should().EndWith("; the request may have reached the site and been carried out (repeating it does no harm: it leaves the same state).");
        once.Message.Should().EndWith("check the site before repeating it.");
    }

    [Fact]
    public void Every_kind_is_named_by_the_runtime_exception_it_comes_from()
    {
        TransportFailures.KindOf(Failure("refused")).Should().Be(TransportFailureKind.NotSent);
        TransportFailures.KindOf(Failure("dns")).Should().Be(TransportFailureKind.NotSent);
        TransportFailures.KindOf(Failure("tls")).Should().Be(TransportFailureKind.NotSent);
        TransportFailures.KindOf(Failure("proxy")).Should().Be(TransportFailureKind.NotSent);
        TransportFailures.KindOf(Failure("circuit")).Should().Be(TransportFailureKind.NotSent);
        TransportFailures.KindOf(Failure("timeout")).Should().Be(TransportFailureKind.TimedOut);
        TransportFailures.KindOf(Failure("cancelled")).Should().Be(TransportFailureKind.TimedOut);
        TransportFailures.KindOf(Failure("inner-timeout")).Should().Be(TransportFailureKind.TimedOut);
        TransportFailures.KindOf(Failure("ended")).Should().Be(TransportFailureKind.ConnectionEnded);
        TransportFailures.KindOf(Failure("reset")).Should().Be(TransportFailureKind.ConnectionEnded);
        TransportFailures.KindOf(Failure("socket")).Should().Be(TransportFailureKind.ConnectionEnded);
        TransportFailures.KindOf(new CutAnswerException("cut", null)).Should().Be(TransportFailureKind.AnswerCut);
        TransportFailures.KindOf(new HttpRequestException(HttpRequestError.InvalidResponse, "bad")).Should().Be(TransportFailureKind.NoUsableAnswer);
        TransportFailures.IsConnectFailure(new CutAnswerException("cut", null)).Should().BeFalse();
    }

    [Fact]
    public void The_detail_names_the_exception_and_its_innermost_cause_once()
    {
        TransportFailures.Describe(Failure("reset")).Should().Be("HttpRequestException: An error occurred while sending the request. (SocketException: Connection reset by peer)");
        TransportFailures.Describe(new HttpRequestException(HttpRequestError.ConnectionError, "Connection refused (site.example:443)")).Should().Be("HttpRequestException: Connection refused (site.example:443)");
    }

    [Fact]
    public void Words_that_name_a_secret_or_a_host_never_carry_a_configured_or_a_call_secret()
    {
        // Whatever the runtime or a proxy puts into an exception's message (a host, a URL with its query, text it echoed),
        // the message of the failure has the package's and the call's secrets taken out.
        var secrets = Gen.String[Gen.Char.AlphaNumeric, 16, 40];
        var host = Gen.String[Gen.Char['a', 'z'], 1, 20].Select(h => h + ".example");
        var kinds = Gen.OneOf("refused", "dns", "tls", "timeout", "ended", "reset", "invalid", "cut");
        var write = Gen.OneOf(Read, Write, Write with { IsCreate = true }, Write with { RetrySafe = true });
        Gen.Select(secrets, secrets, host, kinds, write, Gen.String).Sample((configured, password, h, kind, call, filler) =>
        {
            var text = $"{filler} https://{h}/user?key={configured}&pass={Uri.EscapeDataString(password)} {configured} {password} ({h}:443)";
            var server = new ThrowingServer(Failure(kind, text));
            var channel = server.Channel(() => [configured]);

            var failure = Assert.ThrowsAsync<CmsProviderException>(() => channel.SendAsync(call with { Secrets = [password] }, CancellationToken.None)).GetAwaiter().GetResult();

            failure.Message.Should().NotContain(configured).And.NotContain(password).And.NotContain(Uri.EscapeDataString(password));
            failure.Message.Should().Contain(h, "the host is no secret, and says which site it was");
        });
    }

    private static readonly HttpCall Read = new(HttpMethod.Get, "r", "r") { IsRead = true };

    private static readonly HttpCall Write = new(HttpMethod.Post, "w", "w");

    private static Exception Failure(string kind, string words = "words") => kind switch
    {
        "refused" => new HttpRequestException(HttpRequestError.ConnectionError, $"Connection refused {words}", new SocketException((int)SocketError.ConnectionRefused)),
        "dns" => new HttpRequestException(HttpRequestError.NameResolutionError, $"Name or service not known {words}", new SocketException((int)SocketError.HostNotFound)),
        "tls" => new HttpRequestException(HttpRequestError.SecureConnectionError, $"The SSL connection could not be established {words}", new System.Security.Authentication.AuthenticationException("The remote certificate is invalid")),
        "proxy" => new HttpRequestException(HttpRequestError.ProxyTunnelError, $"The proxy tunnel request to proxy failed {words}"),
        "circuit" => new BrokenCircuitException($"The circuit is now open and is not allowing calls. {words}"),
        "timeout" => new TimeoutRejectedException($"The operation didn't complete within the allowed timeout of '00:00:30'. {words}"),
        "cancelled" => new TaskCanceledException($"The request was canceled. {words}"),
        "inner-timeout" => new HttpRequestException(HttpRequestError.Unknown, $"An error occurred {words}", new TimeoutException("The operation has timed out.")),
        "ended" => new HttpRequestException(HttpRequestError.ResponseEnded, $"An error occurred while sending the request. {words}", new HttpIOException(HttpRequestError.ResponseEnded, "The server closed the connection without answering the request (ResponseEnded).")),
        "reset" => new HttpRequestException(HttpRequestError.Unknown, "An error occurred while sending the request." + (words == "words" ? "" : " " + words), new IOException("Unable to read data from the transport connection: Connection reset by peer.", new SocketException((int)SocketError.ConnectionReset))),
        "socket" => new HttpRequestException(HttpRequestError.Unknown, $"Broken pipe {words}", new SocketException((int)SocketError.Shutdown)),
        "invalid" => new HttpRequestException(HttpRequestError.InvalidResponse, $"The server returned an invalid or unrecognized response. {words}"),
        "cut" => new CutAnswerException($"The answer (HTTP 200) ended early {words}", null),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    private static async Task<CmsProviderException> FailAsync(Exception exception, HttpCall call)
    {
        var channel = new ThrowingServer(exception).Channel(() => [Secret]);
        return await Assert.ThrowsAsync<CmsProviderException>(() => channel.SendAsync(call, CancellationToken.None));
    }

    private sealed class ThrowingServer(Exception exception) : HttpMessageHandler
    {
        public HttpChannel Channel(Func<IEnumerable<string?>> secrets) =>
            new(() => new HttpClient(this, disposeHandler: false),
                path => new Uri(new Uri("https://site.example/base/"), path),
                new Classifier(),
                new HttpChannelLog(new FakeLogger(), "Test", answeredEventId: 9000, failedEventId: 9001, weakSecretsEventId: 9002))
            {
                Secrets = secrets,
            };

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) => Task.FromException<HttpResponseMessage>(exception);
    }

    private sealed class Classifier() : CmsAnswerClassifier("Test", "Test")
    {
        protected override string UnreadableHint => "check the test site";

        public override CmsUserException FromAnswer(HttpCall call, HttpAnswer answer) => new CmsProviderException(Cms, CmsErrorReason.Unavailable, "refused");
    }
}
