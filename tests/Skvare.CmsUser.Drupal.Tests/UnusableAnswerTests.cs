using Skvare.CmsUser.Tests.Shared;

namespace Skvare.CmsUser.Drupal.Tests;

/// <summary>Drupal logs a successful answer it cannot use once, as event 3115 (<see cref="UnusableAnswerContract"/>).</summary>
public sealed class UnusableAnswerTests : UnusableAnswerContract
{
    private readonly DrupalTestHost _host;

    public UnusableAnswerTests()
    {
        _host = Own(new DrupalTestHost());
        Use(_host.Provider, _host.Server, _host.Logs);
    }

    protected override int EventId => 3115;

    protected override string Secret => _host.Server.ApiPassword;

    protected override string CreatePath => "entity/user";

    protected override string AnswerWithoutId(string echo) => "{\"name\":[{\"value\":\"una.usable\"}],\"mail\":[{\"value\":\"una.usable@example.org\"}],\"echo\":" + echo + "}";
}
