using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Skvare.CmsUser.Shared;

/// <summary>The named <see cref="HttpClient"/> every HTTP package registers.</summary>
internal static class HttpClientRegistration
{
    /// <summary>How long a pooled connection is used at most, idle or not (DNS changes are picked up after it).</summary>
    internal static readonly TimeSpan PooledConnectionLifetime = TimeSpan.FromMinutes(5);

    /// <summary>
    /// The package's named <see cref="HttpClient"/> with the shared resilience pipeline; with <paramref name="limiter"/>,
    /// every request actually sent (each retry included) first takes a permit from the limiter it gives (see
    /// <see cref="RequestRateLimitHandlers"/>).
    /// </summary>
    public static IHttpClientBuilder AddPackageHttpClient<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicParameterlessConstructor)] TOptions>(this IServiceCollection services, string name, Func<TOptions, HttpClientSettings> settings, Func<IServiceProvider, System.Threading.RateLimiting.RateLimiter?>? limiter = null)
        where TOptions : class
    {
        var builder = services.AddHttpClient(name)
            .ConfigureHttpClient(client => client.Timeout = Timeout.InfiniteTimeSpan) // the resilience pipeline owns timeouts
            .ConfigurePrimaryHttpMessageHandler(sp => new SocketsHttpHandler
            {
                // Stateless APIs: a session cookie sent back can change who the server thinks we are (authx
                // refuses it, Drupal then demands a CSRF token); packages that need a session send it themselves.
                UseCookies = false,
                // A redirect would turn a POST into a GET and drop or leak the Authorization header; packages see it as an answer.
                AllowAutoRedirect = false,
                PooledConnectionLifetime = PooledConnectionLifetime,
                // Apache closes a keep-alive connection after KeepAliveTimeout (5 s by default) of quiet: a request that reuses
                // it at that moment is written to a connection the server is closing and fails unanswered, and a create or an
                // email cannot be sent again. Measured on a real WordPress (KeepAliveTimeout 5, 6 clients, gaps of 4.95-5.01 s):
                // 6 of 84 creates failed with the default idle timeout (1 min; session 22, before look-ups were retried on
                // it: 16 of 240 look-ups and 6 of 80 creates), none with 2 s. A connection idle longer than this is dropped
                // by the client first and a new one opened. A setting (Http:PooledConnectionIdleTimeout, default 2 s): a host
                // whose keep-alive timeout is 2 s or shorter sets it lower.
                PooledConnectionIdleTimeout = ValidatedOrDefault(sp, settings).PooledConnectionIdleTimeout,
                // The handler would send a bodyless request again, up to three times, on a connection closed before any
                // answer; each try of the resilience pipeline is one request on the wire instead (see UnansweredRequest).
                PlaintextStreamFilter = UnansweredRequest.Filter,
            });
        if (limiter is null)
        {
            return builder.AddCmsUserResilience(sp => ValidatedOrDefault(sp, settings));
        }

        // Handlers added first sit outermost: the first attempt's permit is taken before the resilience handler's
        // timeouts start, each retry's inside it.
        return builder
            .AddHttpMessageHandler(sp => new RequestRateLimitHandlers.FirstAttempt(limiter(sp)))
            .AddCmsUserResilience(sp => ValidatedOrDefault(sp, settings))
            .AddHttpMessageHandler(sp => new RequestRateLimitHandlers.EveryAttempt(limiter(sp)));
    }

    // The resilience options are validated on start too: reading invalid package options here would throw the
    // package's validation failure a second time. The package's own validation reports it (the host does not start).
    private static HttpClientSettings ValidatedOrDefault<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicParameterlessConstructor)] TOptions>(IServiceProvider services, Func<TOptions, HttpClientSettings> settings)
        where TOptions : class
    {
        try
        {
            return settings(services.GetRequiredService<IOptions<TOptions>>().Value);
        }
        catch (OptionsValidationException)
        {
            return new HttpClientSettings();
        }
    }
}
