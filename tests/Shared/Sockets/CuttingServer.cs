using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Skvare.CmsUser.Tests.Shared;

/// <summary>How <see cref="CuttingServer"/> sends one answer.</summary>
/// <param name="Status">The status code.</param>
/// <param name="Body">The whole body.</param>
/// <param name="Sent">How many bytes of the body are sent before the connection closes (null: all, and the connection stays open).</param>
/// <param name="Length">What <c>Content-Length</c> says: <see cref="LengthHeader.Full"/> the whole body's, <see cref="LengthHeader.Sent"/> only what is sent, <see cref="LengthHeader.None"/> no header (the body ends at the close).</param>
/// <param name="MediaType">The <c>Content-Type</c>.</param>
internal sealed record CutReply(int Status, byte[] Body, int? Sent = null, LengthHeader Length = LengthHeader.Full, string MediaType = "application/json")
{
    public static CutReply Whole(string body, int status = 200, string mediaType = "application/json") => new(status, Encoding.UTF8.GetBytes(body), MediaType: mediaType);

    /// <summary>No answer at all: the connection closes once the request has been read (status 0).</summary>
    public static CutReply Nothing { get; } = new(0, []);

    /// <summary>Half a status line (<c>HTTP/1.1 2</c>), then the connection closes: an answer that began and broke off (status -1).</summary>
    public static CutReply HalfStatusLine { get; } = new(-1, Encoding.ASCII.GetBytes("HTTP/1.1 2"));
}

public enum LengthHeader
{
    Full,
    Sent,
    None,
}

/// <summary>
/// A raw HTTP/1.1 server on a loopback socket that answers each request as <c>reply</c> says, cutting the body where it is
/// told and closing the connection: what a proxy or a server that died mid-answer sends, which WireMock cannot. It records
/// each request's path and decoded form body, and counts the connections it accepted. With <c>closeAtOnce</c> it closes every
/// connection as soon as it accepts it, before reading a byte (a proxy whose upstream is gone).
/// </summary>
internal sealed class CuttingServer : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly Func<int, string, CutReply> _reply;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<string> _requests = [];
    private readonly bool _closeAtOnce;
    private int _connections;

    /// <param name="reply">The answer to the request with this 0-based number and this decoded form body.</param>
    /// <param name="closeAtOnce">Close every connection as soon as it is accepted, reading nothing (<paramref name="reply"/> is never asked).</param>
    public CuttingServer(Func<int, string, CutReply> reply, bool closeAtOnce = false)
    {
        _reply = reply;
        _closeAtOnce = closeAtOnce;
        _listener.Start();
        _ = AcceptAsync();
    }

    /// <summary>A server that accepts every connection and closes it at once, reading nothing.</summary>
    public static CuttingServer ClosingAtOnce() => new((_, _) => CutReply.Nothing, closeAtOnce: true);

    /// <summary>The connections accepted so far.</summary>
    public int Connections => Volatile.Read(ref _connections);

    public Uri BaseUrl => new($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/");

    /// <summary>The requests so far: the path, a space, the decoded form body.</summary>
    public IReadOnlyList<string> Requests
    {
        get
        {
            lock (_requests)
            {
                return [.. _requests];
            }
        }
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            Interlocked.Increment(ref _connections);
            _ = ServeAsync(client);
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using (client)
        {
            try
            {
                if (_closeAtOnce)
                {
                    client.Client.Shutdown(SocketShutdown.Both);
                    return;
                }

                var stream = client.GetStream();
                while (await ReadRequestAsync(stream) is { } request)
                {
                    int number;
                    lock (_requests)
                    {
                        number = _requests.Count;
                        _requests.Add(request.Path + " " + request.Body);
                    }

                    var reply = _reply(number, request.Body);
                    if (reply.Status <= 0)
                    {
                        if (reply.Body.Length > 0)
                        {
                            await stream.WriteAsync(reply.Body, _stop.Token);
                            await stream.FlushAsync(_stop.Token);
                        }

                        client.Client.Shutdown(SocketShutdown.Both);
                        return;
                    }

                    var sent = reply.Sent ?? reply.Body.Length;
                    var head = new StringBuilder($"HTTP/1.1 {reply.Status} Answer\r\nContent-Type: {reply.MediaType}; charset=UTF-8\r\n");
                    if (reply.Length != LengthHeader.None)
                    {
                        head.Append("Content-Length: ").Append(reply.Length == LengthHeader.Full ? reply.Body.Length : sent).Append("\r\n");
                    }

                    var closes = reply.Sent is not null || reply.Length == LengthHeader.None;
                    head.Append(closes ? "Connection: close\r\n\r\n" : "\r\n");
                    await stream.WriteAsync(Encoding.ASCII.GetBytes(head.ToString()), _stop.Token);
                    await stream.WriteAsync(reply.Body.AsMemory(0, sent), _stop.Token);
                    await stream.FlushAsync(_stop.Token);
                    if (closes)
                    {
                        client.Client.Shutdown(SocketShutdown.Both);
                        return;
                    }
                }
            }
            catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
            {
                // The client went away.
            }
        }
    }

    private static async Task<(string Path, string Body)?> ReadRequestAsync(NetworkStream stream)
    {
        var head = new List<byte>();
        var one = new byte[1];
        while (head.Count < 4 || !(head[^4] == '\r' && head[^3] == '\n' && head[^2] == '\r' && head[^1] == '\n'))
        {
            if (await stream.ReadAsync(one) == 0)
            {
                return null;
            }

            head.Add(one[0]);
        }

        var lines = Encoding.ASCII.GetString([.. head]).Split("\r\n");
        var length = lines.Select(l => l.Split(':', 2)).Where(p => p.Length == 2 && p[0].Trim().Equals("Content-Length", StringComparison.OrdinalIgnoreCase)).Select(p => int.Parse(p[1].Trim(), System.Globalization.CultureInfo.InvariantCulture)).FirstOrDefault();
        var body = new byte[length];
        var read = 0;
        while (read < length)
        {
            var n = await stream.ReadAsync(body.AsMemory(read));
            if (n == 0)
            {
                return null;
            }

            read += n;
        }

        var form = Encoding.UTF8.GetString(body);
        return (lines[0].Split(' ')[1], Uri.UnescapeDataString(form.Replace('+', ' ')));
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        _stop.Dispose();
    }
}
