using Microsoft.Extensions.DependencyInjection;

namespace Skvare.CmsUser.Tests.Shared;

/// <summary>
/// Reads the connection pool settings of a package's named <see cref="HttpClient"/> as <c>IHttpClientFactory</c> builds it:
/// the primary handler at the end of the handler chain (a <see cref="SocketsHttpHandler"/>).
/// </summary>
internal static class PooledConnections
{
    /// <summary>Apache's default <c>KeepAliveTimeout</c>: the shortest keep-alive a common server uses out of the box.</summary>
    public static readonly TimeSpan ApacheKeepAliveTimeout = TimeSpan.FromSeconds(5);

    /// <summary>The primary handler of the client named <paramref name="clientName"/> in <paramref name="services"/>.</summary>
    public static SocketsHttpHandler PrimaryHandler(IServiceProvider services, string clientName)
    {
        HttpMessageHandler handler = services.GetRequiredService<IHttpMessageHandlerFactory>().CreateHandler(clientName);
        while (handler is DelegatingHandler outer)
        {
            handler = outer.InnerHandler ?? throw new InvalidOperationException($"A handler of '{clientName}' has no inner handler.");
        }

        return handler as SocketsHttpHandler
            ?? throw new InvalidOperationException($"The primary handler of '{clientName}' is a {handler.GetType().Name}, not a SocketsHttpHandler.");
    }

    /// <summary>How long a pooled connection of the client named <paramref name="clientName"/> may stay idle before the client drops it.</summary>
    public static TimeSpan IdleTimeout(IServiceProvider services, string clientName) => PrimaryHandler(services, clientName).PooledConnectionIdleTimeout;
}
