using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Skvare.CmsUser.Tests.Shared;

/// <summary>
/// What a CMS package says at start about <c>CmsUser:UsernameSuffixSeparator</c>: the failures of every start-up check
/// (the package's own settings and <see cref="CmsUserOptions"/>), from configuration as a host binds it.
/// </summary>
internal static class UsernameSuffixSeparators
{
    public static readonly string[] All = ["_", "-", "."];

    /// <summary>The start-up failures for <paramref name="settings"/> (keys under <c>CmsUser</c>) and a rule.</summary>
    public static string[] Failures(Func<ICmsUserBuilder, ICmsUserBuilder> addCms, params (string Key, string? Value)[] settings)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(s => KeyValuePair.Create("CmsUser:" + s.Key, s.Value))
                .Append(KeyValuePair.Create("CmsUser:Rules:0:Trigger:Kind", (string?)"Group"))
                .Append(KeyValuePair.Create("CmsUser:Rules:0:Trigger:Reference", (string?)"members")))
            .Build();
        var services = new ServiceCollection();
        services.AddLogging();
        addCms(services.AddCmsUserProvisioning(configuration.GetSection("CmsUser")));
        using var provider = services.BuildServiceProvider();
        try
        {
            provider.GetRequiredService<IStartupValidator>().Validate();
            return [];
        }
        catch (OptionsValidationException ex)
        {
            return [.. ex.Failures];
        }
        catch (AggregateException ex)
        {
            return [.. ex.InnerExceptions.OfType<OptionsValidationException>().SelectMany(e => e.Failures)];
        }
    }

    /// <summary>The failures that name the separator.</summary>
    public static string[] SeparatorFailures(Func<ICmsUserBuilder, ICmsUserBuilder> addCms, params (string Key, string? Value)[] settings) =>
        [.. Failures(addCms, settings).Where(f => f.Contains("UsernameSuffixSeparator", StringComparison.Ordinal))];

    /// <summary>Whether the package registered the separator check (each package compiles its own copy of the shared validator).</summary>
    public static bool IsChecked(Func<ICmsUserBuilder, ICmsUserBuilder> addCms)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        addCms(services.AddCmsUserProvisioning(_ => { }));
        using var provider = services.BuildServiceProvider();
        return provider.GetServices<IValidateOptions<CmsUserOptions>>().Any(v => v.GetType().Name == "UsernameSuffixSeparatorValidator");
    }
}
