using System.Net;
using System.Net.Sockets;

namespace Skvare.CmsUser.Tests.Shared;

/// <summary>
/// A loopback address that refuses connections for as long as this lives: a socket bound to a free port but never
/// listening (a connection to it is answered with a reset). Holding the port keeps other processes of a parallel test
/// run from taking it (a listener started and stopped frees the port, and a server of another test could then accept
/// and never answer).
/// </summary>
internal sealed class RefusedPort : IDisposable
{
    private readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);

    public RefusedPort()
    {
        _socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        Port = ((IPEndPoint)_socket.LocalEndPoint!).Port;
    }

    /// <summary>The port.</summary>
    public int Port { get; }

    /// <summary><c>http://127.0.0.1:{port}/</c>.</summary>
    public Uri Url => new($"http://127.0.0.1:{Port}/");

    public void Dispose() => _socket.Dispose();
}
