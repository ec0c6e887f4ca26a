using Skvare.CmsUser.Testing.WordPress;
using Skvare.CmsUser.Tests.Shared;

namespace Skvare.CmsUser.WordPress.Tests;

/// <summary>WordPress logs a successful answer it cannot use once, as event 3014 (<see cref="UnusableAnswerContract"/>).</summary>
public sealed class UnusableAnswerTests : UnusableAnswerContract
{
    private readonly FakeWordPressServer _site;

    public UnusableAnswerTests()
    {
        _site = Own(new FakeWordPressServer());
        var host = Own(WordPressTestHost.For(_site));
        Use(host.Provider, _site, host.Logs);
    }

    protected override int EventId => 3014;

    protected override string Secret => _site.ApplicationPassword;

    protected override string CreatePath => "wp/v2/users";

    protected override string AnswerWithoutId(string echo) => "{\"username\":\"una.usable\",\"email\":\"una.usable@example.org\",\"roles\":[\"subscriber\"],\"echo\":" + echo + "}";
}
