using Skvare.CmsUser.Shared;
using Skvare.CmsUser.Tests.Shared;

namespace Skvare.CmsUser.WordPress.Tests;

/// <summary>
/// Regression (session 20's trial on the real WordPress behind a proxy that accepted each connection and closed it without
/// a word): one email look-up put 16 requests on the wire, 4 tries of the retry times 4, because SocketsHttpHandler sends a
/// request without a body again, up to three more times, on a connection that closes before any answer. Each try is now one
/// request on the wire: a read is sent 1 + <c>Http:MaxRetries</c> times at most, a write that is not retry-safe once. Served
/// by a raw socket that closes at once (before reading), after reading the request, or after half a status line; the test
/// host's retries are 2, 1 ms apart.
/// </summary>
public sealed class UnansweredRequestTests
{
    private const int MaxRetries = 2;

    public enum Server
    {
        /// <summary>Accepts the connection and closes it before reading a byte.</summary>
        ClosesAtOnce,

        /// <summary>Reads the whole request, then closes the connection without a byte.</summary>
        ClosesAfterReading,

        /// <summary>Reads the whole request, answers half a status line (<c>HTTP/1.1 2</c>), then closes.</summary>
        ClosesMidStatusLine,
    }

    private static CuttingServer Start(Server kind) => kind switch
    {
        Server.ClosesAtOnce => CuttingServer.ClosingAtOnce(),
        Server.ClosesAfterReading => new CuttingServer((_, _) => CutReply.Nothing),
        _ => new CuttingServer((_, _) => CutReply.HalfStatusLine),
    };

    /// <summary>The requests put on the wire: the connections, each of which carried one (a server that closes at once reads none).</summary>
    private static int OnTheWire(CuttingServer server, Server kind)
    {
        if (kind != Server.ClosesAtOnce)
        {
            server.Requests.Should().HaveCount(server.Connections, "each request went out on a connection of its own");
        }

        return server.Connections;
    }

    private static WordPressTestHost Host(CuttingServer server, bool companion = false) => new(o =>
    {
        o.BaseUrl = server.BaseUrl;
        o.Username = "admin";
        o.ApplicationPassword = "abcd efgh ijkl mnop qrst uvwx";
        o.UseCompanionPlugin = companion;
    });

    [Theory]
    [InlineData(Server.ClosesAtOnce)]
    [InlineData(Server.ClosesAfterReading)]
    [InlineData(Server.ClosesMidStatusLine)]
    public async Task One_email_look_up_puts_each_try_on_the_wire_once(Server kind)
    {
        using var server = Start(kind);
        using var host = Host(server);

        var act = () => host.Provider.FindByEmailAsync("resend21@example.org");

        var failure = (await act.Should().ThrowAsync<CmsProviderException>()).Which;
        failure.Reason.Should().Be(CmsErrorReason.Unavailable);
        failure.Kind.Should().Be(FailureKind.Transient, "a later run tries the contact again");
        OnTheWire(server, kind).Should().Be(MaxRetries + 1, "the first try and Http:MaxRetries more, each one request (was 4 each)");
        if (kind != Server.ClosesAtOnce)
        {
            server.Requests.Should().OnlyContain(r => r.Contains("/wp-json/wp/v2/users", StringComparison.Ordinal));
        }
    }

    [Theory]
    [InlineData(Server.ClosesAtOnce)]
    [InlineData(Server.ClosesAfterReading)]
    [InlineData(Server.ClosesMidStatusLine)]
    public async Task A_read_by_id_puts_each_try_on_the_wire_once(Server kind)
    {
        using var server = Start(kind);
        using var host = Host(server);

        var act = () => host.Provider.GetByIdAsync(7);

        (await act.Should().ThrowAsync<CmsProviderException>()).Which.Reason.Should().Be(CmsErrorReason.Unavailable);
        OnTheWire(server, kind).Should().Be(MaxRetries + 1);
    }

    [Theory]
    [InlineData(Server.ClosesAtOnce)]
    [InlineData(Server.ClosesAfterReading)]
    [InlineData(Server.ClosesMidStatusLine)]
    public async Task A_create_is_put_on_the_wire_once(Server kind)
    {
        using var server = Start(kind);
        using var host = Host(server);

        var act = () => host.Provider.CreateAsync(ProviderTestHost.NewAccount("resend21", "resend21@example.org"));

        var failure = (await act.Should().ThrowAsync<CmsProviderException>()).Which;
        failure.Kind.Should().Be(FailureKind.Transient);
        OnTheWire(server, kind).Should().Be(1, "a create is never sent twice, by the retry or by the handler");
    }

    [Theory]
    [InlineData(Server.ClosesAtOnce)]
    [InlineData(Server.ClosesAfterReading)]
    [InlineData(Server.ClosesMidStatusLine)]
    public async Task A_password_reset_email_is_put_on_the_wire_once(Server kind)
    {
        using var server = Start(kind);
        using var host = Host(server, companion: true);

        var act = () => host.Provider.SendPasswordResetAsync(new CmsAccount(7, "resend21", "resend21@example.org"));

        await act.Should().ThrowAsync<CmsProviderException>();
        OnTheWire(server, kind).Should().Be(1, "an email is sent at most once");
    }

    [Fact]
    public async Task The_connection_stream_fails_an_unanswered_request_and_leaves_every_other_end_alone()
    {
        // Reads as the handler issues them: a zero-byte wait, then a real read; the peer has closed (every read gives 0).
        await using var idle = new UnansweredRequest.Connection(new ClosedPeer());
        (await idle.ReadAsync(new byte[16])).Should().Be(0, "nothing was asked: the end of an idle connection is the pool's to see");

        await using var asked = new UnansweredRequest.Connection(new ClosedPeer());
        await asked.WriteAsync("GET / HTTP/1.1\r\n\r\n"u8.ToArray());
        (await asked.ReadAsync(Memory<byte>.Empty)).Should().Be(0, "a zero-byte read only waits for data");
        var unanswered = () => asked.ReadAsync(new byte[16]).AsTask();
        (await unanswered.Should().ThrowAsync<HttpIOException>()).Which.HttpRequestError.Should().Be(HttpRequestError.ResponseEnded);

        await using var answered = new UnansweredRequest.Connection(new ClosedPeer("HTTP/1.1 200 OK\r\n\r\n{}"u8.ToArray()));
        await answered.WriteAsync("GET / HTTP/1.1\r\n\r\n"u8.ToArray());
        (await answered.ReadAsync(new byte[64])).Should().BePositive();
        (await answered.ReadAsync(new byte[64])).Should().Be(0, "an answer delimited by the connection's close ends as it always did");
    }

    /// <summary>A peer that sends <c>answer</c> (nothing by default), then has closed: reads give 0; writes go nowhere.</summary>
    private sealed class ClosedPeer(byte[]? answer = null) : Stream
    {
        private readonly MemoryStream _answer = new(answer ?? []);

        public override bool CanRead => true;

        public override bool CanWrite => true;

        public override bool CanSeek => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => _answer.Read(buffer, offset, count);

        public override void Write(byte[] buffer, int offset, int count)
        {
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
