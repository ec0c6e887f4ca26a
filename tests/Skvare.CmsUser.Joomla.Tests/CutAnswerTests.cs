using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Skvare.CmsUser.Testing.Joomla;
using Skvare.CmsUser.Tests.Shared;

namespace Skvare.CmsUser.Joomla.Tests;

/// <summary>
/// Joomla with the companion package (<see cref="CutAnswerContract"/>): the searches, the reads by id, the group list and
/// the package's status are asked again when their answer is cut; the create, the PATCHes and the reset email are not.
/// Joomla issues no login link.
/// </summary>
public sealed class CutAnswerTests : CutAnswerContract
{
    public CutAnswerTests()
    {
        var site = Own(new FakeJoomlaServer { CompanionEnabled = true });
        var services = new ServiceCollection();
        services.AddLogging(b => b.SetMinimumLevel(LogLevel.Warning));
        services.AddCmsUserProvisioning().AddJoomla(o =>
        {
            o.BaseUrl = site.BaseUrl;
            o.ApiToken = site.Token;
            o.UseCompanionPlugin = true;
            o.GroupIds["member"] = 10;
            o.Http = ProviderTestHost.FastHttp();
        });
        var provider = Own(services.BuildServiceProvider());
        Use(provider.GetRequiredService<ICmsAccountProvider>(), site);
    }

    protected override string Role => "member";

    protected override IReadOnlyCollection<string> WritesWithoutRequest => ["login link"];
}
