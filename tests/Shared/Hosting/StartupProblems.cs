using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Skvare.CmsUser.Tests.Shared;

/// <summary>
/// What a library host sees at start: a generic host built from settings with <c>AddCmsUserProvisioning</c> and one
/// package, started, and every start-up validation failure it reports (not merged or filtered here, so a problem the
/// host would see twice is counted twice).
/// </summary>
internal static class StartupProblems
{
    // The engine's own options need a rule; it is valid, so the package's problems are the only ones.
    private static readonly Dictionary<string, string?> OneRule = new()
    {
        ["CmsUser:Rules:0:Trigger:Kind"] = "Group",
        ["CmsUser:Rules:0:Trigger:Reference"] = "website_members",
    };

    /// <summary>Starts the host and returns the validation failures, in the order the host reports them.</summary>
    /// <param name="settings">Configuration keys from the root, e.g. <c>CmsUser:WordPress:BaseUrl</c>.</param>
    /// <param name="addPackage">Adds the package: <c>b =&gt; b.AddWordPress()</c>.</param>
    public static async Task<IReadOnlyList<string>> OfAsync(IReadOnlyDictionary<string, string?> settings, Action<ICmsUserBuilder> addPackage)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(OneRule).AddInMemoryCollection(settings);
        addPackage(builder.Services.AddCmsUserProvisioning(builder.Configuration.GetSection("CmsUser")));
        using var host = builder.Build();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await host.StartAsync(timeout.Token);
            await host.StopAsync(timeout.Token);
            return [];
        }
        catch (Exception ex) when (ex is OptionsValidationException or AggregateException)
        {
            return Failures(ex).ToList();
        }
    }

    /// <summary>
    /// <paramref name="settings"/> with <paramref name="key"/> removed (<paramref name="value"/> <see langword="null"/>)
    /// or set to <paramref name="value"/>.
    /// </summary>
    public static Dictionary<string, string?> With(IReadOnlyDictionary<string, string?> settings, string key, string? value)
    {
        var changed = new Dictionary<string, string?>(settings, StringComparer.OrdinalIgnoreCase);
        if (value is null)
        {
            changed.Remove(key);
        }
        else
        {
            changed[key] = value;
        }

        return changed;
    }

    private static IEnumerable<string> Failures(Exception exception) => exception switch
    {
        OptionsValidationException validation => validation.Failures,
        AggregateException aggregate => aggregate.InnerExceptions.SelectMany(Failures),
        _ => [],
    };
}
