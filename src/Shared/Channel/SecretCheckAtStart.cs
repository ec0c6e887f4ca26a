using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace Skvare.CmsUser.Shared;

/// <summary>A client whose configured secrets can be read (and a weak one reported) before its first request.</summary>
internal interface IChecksSecretsAtStart
{
    /// <summary>Reads the configured secrets now (see <see cref="HttpChannel.CheckSecrets"/>); does nothing the second time.</summary>
    void CheckSecrets();
}

/// <summary>
/// Reads a package client's configured secrets when the host starts, so a secret shorter than
/// <see cref="SecretRedactor.MinimumLength"/> is reported then (the client's weak-secret Warning) and not at the first
/// request, which may come hours later. Options are validated before hosted services start, so the values are the
/// checked ones. A host that never starts (a service provider used on its own) gets the Warning at the first request,
/// as before; either way once per client.
/// </summary>
/// <typeparam name="TClient">The package's client, registered as a singleton under its own type.</typeparam>
internal sealed class SecretCheckAtStart<TClient>(IServiceProvider services) : IHostedService
    where TClient : class, IChecksSecretsAtStart
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            services.GetService<TClient>()?.CheckSecrets();
        }
        catch (Exception ex) when (ex is InvalidOperationException or CmsUserException or ArgumentException)
        {
            // A client that cannot be built is reported by the code that uses it, with its own context; the check only warns.
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>Registers <see cref="SecretCheckAtStart{TClient}"/>.</summary>
internal static class SecretCheckRegistration
{
    /// <summary>Checks <typeparamref name="TClient"/>'s secrets when the host starts (once, however often it is called).</summary>
    public static void CheckSecretsAtStart<TClient>(this IServiceCollection services)
        where TClient : class, IChecksSecretsAtStart =>
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, SecretCheckAtStart<TClient>>());
}
