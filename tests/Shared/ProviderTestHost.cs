using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Skvare.CmsUser.Tests.Shared;

/// <summary>What the provider test hosts share: fast transport settings and a minimal new account.</summary>
internal abstract class ProviderTestHost
{
    /// <summary>
    /// Retries in milliseconds, a circuit that never opens on its own, and the SDK's default 30 s attempt timeout: a
    /// test that wants an attempt to time out hangs it and sets a short timeout of its own; with 5 s, ordinary answers
    /// timed out on a loaded machine (a mail not sent, a create's outcome unknown, a look-up sent twice).
    /// </summary>
    public static HttpClientSettings FastHttp() => new()
    {
        RetryBaseDelay = TimeSpan.FromMilliseconds(1),
        MaxRetries = 2,
        AttemptTimeout = TimeSpan.FromSeconds(30),
        CircuitBreakerFailureRatio = 1.0,
    };

    /// <summary>
    /// Registers <paramref name="clock"/> as the host's <see cref="TimeProvider"/>, which the HTTP pipeline runs on
    /// (attempt timeouts, retry delays); nothing when <see langword="null"/> (the system clock).
    /// </summary>
    public static void AddHttpClock(IServiceCollection services, TimeProvider? clock)
    {
        if (clock is not null)
        {
            services.AddSingleton(clock);
        }
    }

    /// <summary>A new account with just a username and an email.</summary>
    public static NewCmsAccount NewAccount(string username = "jdoe", string email = "jdoe@example.org") =>
        new() { Username = username, Email = email };
}

/// <summary>A minimal builder so the tests exercise a package's <c>Add…</c> method without the engine's own options.</summary>
internal sealed record TestBuilder(IServiceCollection Services, IConfiguration? Configuration) : ICmsUserBuilder;
