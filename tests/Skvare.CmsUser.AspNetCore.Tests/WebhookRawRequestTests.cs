using System.Globalization;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging;
using Skvare.CmsUser.AspNetCore;
using Skvare.CmsUser.Testing.InMemory;

namespace Skvare.CmsUser.AspNetCore.Tests;

/// <summary>Requests HttpClient will not send: headers repeated on separate lines, a body cut short of its length.</summary>
public sealed class WebhookRawRequestTests : IAsyncLifetime
{
    private readonly FakeCiviCrm _civi = new();
    private readonly FakeCmsAccountProvider _cms = new();
    private WebhookHost _host = null!;

    public async Task InitializeAsync() => _host = await WebhookHost.StartAsync(b => b.UseInMemory(_civi, _cms));

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Theory(Timeout = 30_000)]
    [InlineData(WebhookSignature.TimestampHeader, "missing_timestamp")]
    [InlineData(WebhookSignature.SignatureHeader, "invalid_signature")]
    public async Task Header_sent_twice_is_refused_by_name_even_when_both_copies_are_right(string repeated, string code)
    {
        var ana = _civi.AddContact("Ana", "Lima", "ana@example.org");
        var body = $$"""{"contactId": {{ana.Id}}}""";
        var values = new Dictionary<string, string>
        {
            [WebhookSignature.TimestampHeader] = _host.Now.ToString(CultureInfo.InvariantCulture),
            [WebhookSignature.SignatureHeader] = WebhookSignature.Compute(WebhookHost.Secret, _host.Now, Encoding.UTF8.GetBytes(body)),
        };
        var headers = string.Concat(values.Select(h => $"{h.Key}: {h.Value}\r\n")) + $"{repeated}: {values[repeated]}\r\n";

        var answer = await SendRawAsync(headers, body);

        answer.Should().StartWith("HTTP/1.1 401").And.Contain($"\"error\":\"{code}\"").And.Contain($"{repeated} was sent 2 times; send it once.");
        answer.Should().NotContain(values[WebhookSignature.SignatureHeader][7..], "the answer never repeats a signature");
        _cms.Accounts.Should().BeEmpty();
    }

    [Fact(Timeout = 30_000)]
    public async Task Body_shorter_than_its_content_length_is_refused_or_abandoned_and_logged_not_thrown()
    {
        var ts = _host.Now.ToString(CultureInfo.InvariantCulture);

        var answer = await SendRawAsync($"{WebhookSignature.TimestampHeader}: {ts}\r\nContent-Length: 100\r\n", """{"contactId": 1""", closeAfterBody: true, withLength: false);

        // The caller shut its side, so Kestrel may drop the connection before the answer reaches it; what the
        // endpoint did is in its log: a refusal, not an exception.
        if (answer.Length > 0)
        {
            answer.Should().StartWith("HTTP/1.1 400").And.Contain("\"error\":\"invalid_body\"");
        }

        // The answer may reach the log after the connection dropped: wait for the request's end (hosting event 2).
        await foreach (var record in _host.Logs.GetLogsAsync(WebhookHost.Timeout()))
        {
            if (record.Category == "Microsoft.AspNetCore.Hosting.Diagnostics" && record.Id.Id == 2)
            {
                break;
            }
        }

        // Kestrel reports the early end as a bad request (refused: 4000 invalid_body) or, when it has already seen the
        // connection go, as an aborted request (4004); the refusal's answer may meet the closed connection too (both).
        // Every way is logged and none throws.
        var logs = _host.Logs.GetSnapshot();
        logs.Should().Contain(r => r.Id.Id == 4000 || r.Id.Id == 4004, string.Join("; ", logs.Select(r => $"{r.Id} {r.Message}")));
        foreach (var refusal in logs.Where(r => r.Id.Id == 4000))
        {
            refusal.Message.Should().Contain("(invalid_body)").And.Contain("ended before its Content-Length");
        }
        logs.Should().NotContain(r => r.Level >= LogLevel.Error);
    }

    /// <summary>
    /// Sends one request over a raw connection and reads the answer to its end. With <paramref name="closeAfterBody"/>
    /// the sending side is shut after the body, so the server sees the body end early.
    /// </summary>
    private async Task<string> SendRawAsync(string headers, string body, bool closeAfterBody = false, bool withLength = true)
    {
        var address = _host.Http.BaseAddress!;
        using var tcp = new TcpClient();
        var token = WebhookHost.Timeout();
        await tcp.ConnectAsync(address.Host, address.Port, token);
        var stream = tcp.GetStream();
        var bytes = Encoding.UTF8.GetBytes(body);
        var length = withLength ? $"Content-Length: {bytes.Length}\r\n" : "";
        var head = $"POST /cmsuser/webhook HTTP/1.1\r\nHost: {address.Authority}\r\nConnection: close\r\nContent-Type: application/json\r\n{length}{headers}\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head), token);
        await stream.WriteAsync(bytes, token);
        if (closeAfterBody)
        {
            tcp.Client.Shutdown(SocketShutdown.Send);
        }

        using var answer = new MemoryStream();
        try
        {
            await stream.CopyToAsync(answer, token);
        }
        catch (IOException)
        {
            // The server may reset the connection once it has answered a request it cannot finish reading.
        }

        return Encoding.UTF8.GetString(answer.ToArray());
    }
}
