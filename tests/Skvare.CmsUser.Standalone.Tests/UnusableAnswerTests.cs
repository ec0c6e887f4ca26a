using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Testing;
using Skvare.CmsUser.Testing;
using Skvare.CmsUser.Testing.Standalone;
using Skvare.CmsUser.Tests.Shared;

namespace Skvare.CmsUser.Standalone.Tests;

/// <summary>
/// CiviCRM Standalone logs a successful answer it cannot use once, as event 3508 (<see cref="UnusableAnswerContract"/>).
/// The create's user is found again by its contact when the answer cannot be read, so some creates succeed.
/// </summary>
public sealed class UnusableAnswerTests : UnusableAnswerContract
{
    private readonly FakeStandaloneServer _site;
    private readonly ICmsAccountProvider _provider;

    public UnusableAnswerTests()
    {
        _site = Own(new FakeStandaloneServer());
        var services = Own(StandaloneHost.Build(_site));
        _provider = services.GetRequiredService<ICmsAccountProvider>();
        Use(_provider, _site, services.GetFakeLogCollector());
    }

    protected override int EventId => 3508;

    protected override string Secret => _site.ApiKey;

    protected override string CreatePath => "User/create";

    protected override NewCmsAccount NewAccount(string username)
    {
        var email = username + "@example.org";
        return new() { Username = username, Email = email, ContactId = _site.AddContact("Una", "Usable", email), Roles = ["staff"] };
    }

    // A role change reads the user's role ids and sends them back whole: an id it cannot read fails it.
    protected override IEnumerable<UnusableCall> OtherCalls(string echo)
    {
        var provider = _provider;
        yield return new(
            "a role id that is not a number", "POST", "User/get",
            r => r.Operation == FakeCmsOperation.LookUp,
            "{\"values\":[{\"id\":7,\"roles\":[\"staff\"],\"is_active\":true,\"echo\":" + echo + "}],\"entity\":\"User\",\"action\":\"get\",\"debug\":null,\"version\":4,\"count\":1,\"countFetched\":1}",
            ct => provider.AddRolesAsync(new CmsAccount(7, "una.usable", "una.usable@example.org"), ["staff"], ct));
    }

    protected override string AnswerWithoutId(string echo) =>
        "{\"values\":[{\"username\":\"una.usable\",\"echo\":" + echo + "}],\"entity\":\"User\",\"action\":\"create\",\"debug\":null,\"version\":4,\"count\":1,\"countFetched\":1}";
}
