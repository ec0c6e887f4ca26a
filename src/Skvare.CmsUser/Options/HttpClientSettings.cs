using System.ComponentModel.DataAnnotations;

namespace Skvare.CmsUser;

/// <summary>
/// Transport settings shared by the CiviCRM client and every CMS provider
/// (bound from e.g. <c>CmsUser:WordPress:Http</c>).
/// </summary>
public sealed class HttpClientSettings
{
    /// <summary>Timeout of one HTTP attempt. Default 30 seconds.</summary>
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Retries of a failed request that is safe to repeat (reads and idempotent writes). Default 3.</summary>
    [Range(0, 10)]
    public int MaxRetries { get; set; } = 3;

    /// <summary>First retry delay; later ones grow exponentially with jitter. A <c>Retry-After</c> header wins. Default 1 second.</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Share of failed requests (within 30 s, at least 10 requests) that opens the circuit breaker. Default 0.5.</summary>
    [Range(0.01, 1.0)]
    public double CircuitBreakerFailureRatio { get; set; } = 0.5;

    /// <summary>How long the circuit stays open. Default 30 seconds.</summary>
    public TimeSpan CircuitBreakerBreakDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long a pooled connection may sit idle before the client closes it (0 to 5 minutes; 0 opens a new connection
    /// for every request). Keep it below the server's keep-alive timeout, so the client, not the server, closes a quiet
    /// connection: a request written to a connection the server is closing gets no answer, and a create or an email is not
    /// sent again. Default 2 seconds, below Apache's default <c>KeepAliveTimeout</c> of 5 seconds.
    /// </summary>
    public TimeSpan PooledConnectionIdleTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Allow plain <c>http</c> to a host that is not loopback. Off by default: credentials would
    /// travel in clear text.
    /// </summary>
    public bool AllowInsecureHttp { get; set; }
}
