using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Skvare.CmsUser.Joomla;
using Skvare.CmsUser.Testing.Joomla;
using Skvare.CmsUser.Tests.Shared;

namespace Skvare.CmsUser.Joomla.Tests;

/// <summary>Joomla logs a successful answer it cannot use once, as event 3409 (<see cref="UnusableAnswerContract"/>).</summary>
public sealed class UnusableAnswerTests : UnusableAnswerContract
{
    private readonly FakeJoomlaServer _site;

    public UnusableAnswerTests()
    {
        _site = Own(new FakeJoomlaServer());
        var services = new ServiceCollection();
        services.AddLogging(b => b.AddFakeLogging().SetMinimumLevel(LogLevel.Trace));
        services.AddCmsUserProvisioning().AddJoomla(o =>
        {
            o.BaseUrl = _site.BaseUrl;
            o.ApiToken = _site.Token;
            o.Http = ProviderTestHost.FastHttp();
        });
        var built = Own(services.BuildServiceProvider());
        Use(built.GetRequiredService<ICmsAccountProvider>(), _site, built.GetFakeLogCollector());
    }

    protected override int EventId => 3409;

    protected override string Secret => _site.Token;

    protected override string CreatePath => "users";

    protected override string AnswerWithoutId(string echo) => "{\"data\":{\"type\":\"users\",\"attributes\":{\"username\":\"una.usable\",\"echo\":" + echo + "}}}";
}
