using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Skvare.CmsUser.CiviCrm;
using Skvare.CmsUser.Testing.Standalone;

namespace Skvare.CmsUser.Standalone.Tests;

/// <summary>The services of a host that provisions into a <see cref="FakeStandaloneServer"/>: one rule (group "members", role staff).</summary>
internal static class StandaloneHost
{
    public static ServiceProvider Build(FakeStandaloneServer site, Action<StandaloneOptions>? configure = null, Action<CiviCrmOptions>? civi = null, Action<CmsUserOptions>? engine = null, Action<IServiceCollection>? more = null)
    {
        var services = new ServiceCollection();
        services.AddLogging(b => b.AddFakeLogging().SetMinimumLevel(LogLevel.Trace));
        services.AddCmsUserProvisioning(o =>
        {
            var rule = new ProvisioningRule { Name = "members", Trigger = TriggerDefinition.Group("members") };
            rule.Roles.Add("staff");
            o.Rules.Add(rule);
            engine?.Invoke(o);
        }).AddCiviCrm(o =>
        {
            o.BaseUrl = site.Url;
            o.ApiKey = site.ApiKey;
            o.Http.RetryBaseDelay = TimeSpan.FromMilliseconds(1);
            civi?.Invoke(o);
        }).AddStandalone(configure);
        more?.Invoke(services);
        return services.BuildServiceProvider();
    }
}
