using Skvare.CmsUser.Tests.Shared;

namespace Skvare.CmsUser.Backdrop.Tests;

/// <summary>Backdrop logs a successful answer it cannot use once, as event 3313 (<see cref="UnusableAnswerContract"/>).</summary>
public sealed class UnusableAnswerTests : UnusableAnswerContract
{
    private readonly BackdropTestHost _host;

    public UnusableAnswerTests()
    {
        _host = Own(new BackdropTestHost());
        Use(_host.Provider, _host.Server, _host.Logs);
    }

    protected override int EventId => 3313;

    protected override string Secret => _host.Server.Secret;

    protected override string CreatePath => "users";

    protected override string AnswerWithoutId(string echo) => "{\"name\":\"una.usable\",\"mail\":\"una.usable@example.org\",\"status\":1,\"roles\":[],\"echo\":" + echo + "}";
}
