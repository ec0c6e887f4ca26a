using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly.Telemetry;

namespace Skvare.CmsUser.Cli;

/// <summary>Builds and starts the host the commands run in, turning start-up failures into one message.</summary>
internal static class CliHost
{
    /// <summary>Builds the host with the real packages from the settings and starts it (validating every option once).</summary>
    /// <param name="settings">The settings.</param>
    /// <param name="options">The command line's options.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <param name="adjust">Changes to the services before the host is built (<c>check</c>'s deadline), or <see langword="null"/>.</param>
    public static async Task<IHost> StartRealAsync(Settings settings, CliOptions options, CancellationToken cancellationToken, Action<IServiceCollection>? adjust = null)
    {
        var builder = CreateBuilder(options);
        adjust?.Invoke(builder.Services);
        var cmsUser = builder.Services.AddCmsUserProvisioning(settings.Section).AddCiviCrm();
        _ = settings.Cms switch
        {
            CmsKind.WordPress => cmsUser.AddWordPress(),
            CmsKind.Drupal => cmsUser.AddDrupal(),
            CmsKind.Drupal7 => cmsUser.AddDrupal7(),
            CmsKind.Backdrop => cmsUser.AddBackdrop(),
            CmsKind.Joomla => cmsUser.AddJoomla(),
            CmsKind.Standalone => cmsUser.AddStandalone(),
            _ => throw new InvalidOperationException($"No package for {settings.Cms}."),
        };
        return await StartAsync(builder, options, settings.CheckPackageSections(), settings.Origin, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// A host builder with the tool's logging: warnings on stderr, retries at Information, everything at Debug with --verbose.
    /// Log lines go through <paramref name="console"/> (by default the process's stderr), which the progress line shares.
    /// </summary>
    public static HostApplicationBuilder CreateBuilder(CliOptions options, ErrorConsole? console = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            DisableDefaults = true,
            ContentRootPath = CliContext.Current.WorkingDirectory,
            EnvironmentName = Environments.Production,
        });
        builder.Logging.ClearProviders();
        // Not the console logger: it writes from a queue of its own, so a record could land on the live progress line.
        builder.Logging.AddProvider(new LineLoggerProvider(console ?? CliContext.Current.Error));
        if (options.Verbose)
        {
            builder.Logging.SetMinimumLevel(LogLevel.Debug);
        }
        else
        {
            builder.Logging.SetMinimumLevel(LogLevel.Warning);
            // The tool prints outcomes and stop reasons itself; the engine's per-contact lines would repeat them.
            builder.Logging.AddFilter("Skvare.CmsUser.Engine", LogLevel.None);
            // The packages' warnings about a failed call repeat what the contact table and the stop reason say.
            builder.Logging.AddFilter("Skvare.CmsUser", LogLevel.Error);
            // A failed start is reported once, as the tool's own message; the host's record repeats it with stack traces.
            builder.Logging.AddFilter("Microsoft.Extensions.Hosting", LogLevel.None);
            builder.Logging.AddFilter(RetryLog.Category, LogLevel.Information);
        }

        builder.Services.Configure<TelemetryOptions>(o => o.SeverityProvider = RetryLog.Severity);
        builder.Services.AddOptions<TelemetryOptions>().Configure<ILoggerFactory>((o, factory) => o.TelemetryListeners.Add(new RetryLog(factory.CreateLogger(RetryLog.Category))));
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(5));
        return builder;
    }

    /// <summary>Keeps only the named rule and campaign (case-insensitive); fails with the known names when none matches.</summary>
    public static void FilterRules(IHost host, string? rule)
    {
        if (rule is null)
        {
            return;
        }

        var options = host.Services.GetRequiredService<IOptions<CmsUserOptions>>().Value;
        var rules = options.Rules.Where(r => string.Equals(r.DisplayName, rule, StringComparison.OrdinalIgnoreCase)).ToList();
        var campaigns = options.PasswordResets.Where(c => string.Equals(c.DisplayName, rule, StringComparison.OrdinalIgnoreCase)).ToList();
        if (rules.Count == 0 && campaigns.Count == 0)
        {
            // The names of the rules and campaigns, in the one "did you mean" wording (Shared.EditDistance.NotOneOf).
            var known = options.Rules.Select(r => r.DisplayName).Concat(options.PasswordResets.Select(c => c.DisplayName)).ToList();
            throw new CliException($"--rule is '{rule}', which names no rule or password reset campaign: it {Shared.EditDistance.NotOneOf(rule, known)}", ExitCodes.Configuration);
        }

        // The engine reads the options on each run, so narrowing the bound lists narrows the run.
        options.Rules.Clear();
        options.PasswordResets.Clear();
        rules.ForEach(options.Rules.Add);
        campaigns.ForEach(options.PasswordResets.Add);
    }

    /// <summary>Starts the host; every validation failure, with the settings' own problems, becomes one <see cref="CliException"/>.</summary>
    public static async Task<IHost> StartAsync(HostApplicationBuilder builder, CliOptions options, IReadOnlyList<string> problems, string origin, CancellationToken cancellationToken)
    {
        var host = builder.Build();
        var all = new List<string>(problems);
        Exception? cause = null;
        try
        {
            await host.StartAsync(cancellationToken).ConfigureAwait(false);
            // Options not validated on start (and the --rule filter) are read here, inside the same report.
            _ = host.Services.GetRequiredService<IOptions<CmsUserOptions>>().Value;
        }
        catch (Exception ex) when (ValidationFailures(ex) is { Count: > 0 } failures)
        {
            all.AddRange(failures);
            cause = ex;
        }
        catch (InvalidOperationException ex) when (ex.Message.StartsWith("Failed to convert configuration value", StringComparison.Ordinal))
        {
            // A package's binder stopped at a value it cannot convert; the settings check named it already (or, if not, this does).
            if (all.Count == 0)
            {
                all.Add(ex.Message);
            }

            // The start stopped before the engine's settings were validated: their problems belong in the same message.
            all.AddRange(EngineProblems(host));
            cause = ex;
        }

        if (all.Count > 0)
        {
            host.Dispose();
            var distinct = all.Distinct(StringComparer.Ordinal).ToList();
            var message = distinct.Count == 1
                ? $"The settings ({origin}) have a problem:{Environment.NewLine}  - {distinct[0]}"
                : $"The settings ({origin}) have {distinct.Count} problems:{Environment.NewLine}  - {string.Join(Environment.NewLine + "  - ", distinct)}";
            throw new CliException(message, ExitCodes.Configuration, cause);
        }

        try
        {
            FilterRules(host, options.Rule);
        }
        catch
        {
            host.Dispose();
            throw;
        }

        return host;
    }

    /// <summary>The validation failures of the engine's settings (<c>CmsUser</c>), read on their own; none when they bind and pass.</summary>
    private static IReadOnlyList<string> EngineProblems(IHost host)
    {
        try
        {
            _ = host.Services.GetRequiredService<IOptions<CmsUserOptions>>().Value;
            return [];
        }
        catch (Exception ex) when (ValidationFailures(ex) is { Count: > 0 } failures)
        {
            return failures;
        }
        catch (InvalidOperationException)
        {
            // A value the binder cannot convert: the settings check names it already.
            return [];
        }
    }

    /// <summary>The distinct validation failures inside an exception (the host aggregates them; a failure may surface twice).</summary>
    /// <remarks>
    /// Each package reports a problem once already (its data annotations and its own sentences are one validator that
    /// names configuration keys, src/Shared/Registration/PackageOptionsValidator.cs); this only flattens and de-duplicates.
    /// </remarks>
    public static IReadOnlyList<string> ValidationFailures(Exception exception)
    {
        var failures = new List<string>();
        Collect(exception, failures);
        return failures.Distinct(StringComparer.Ordinal).ToList();
    }

    private static void Collect(Exception exception, List<string> failures)
    {
        switch (exception)
        {
            case OptionsValidationException validation:
                failures.AddRange(validation.Failures);
                break;
            case AggregateException aggregate:
                foreach (var inner in aggregate.InnerExceptions)
                {
                    Collect(inner, failures);
                }

                break;
            case { InnerException: { } inner }:
                Collect(inner, failures);
                break;
        }
    }
}
