using Skvare.CmsUser.Testing.WordPress;

namespace Skvare.CmsUser.WordPress.Tests;

public sealed class MultisiteTests : IDisposable
{
    private const string TakenName = """{"code":"rest_invalid_param","message":"Invalid user parameter(s).","data":{"status":400},"additional_errors":[{"code":"user_name","message":"Sorry, that username already exists!","data":null}]}""";

    private readonly FakeWordPressServer _server = new();

    public void Dispose() => _server.Dispose();

    [Fact]
    public async Task Multisite_user_name_error_for_a_valid_name_is_DuplicateUsername()
    {
        _server.FailNext(1, 400, TakenName, "application/json; charset=UTF-8");
        using var host = WordPressTestHost.For(_server, configure: o => o.Multisite = true);

        var ex = (await host.Invoking(h => h.Provider.CreateAsync(new NewCmsAccount { Username = "janedoe", Email = "j@example.org", Password = "pw-123456" })).Should().ThrowAsync<CmsProviderException>()).Which;

        ex.Reason.Should().Be(CmsErrorReason.DuplicateUsername);
    }

    [Fact]
    public async Task Multisite_user_name_error_for_a_name_breaking_the_rules_is_InvalidUsername()
    {
        _server.FailNext(1, 400, TakenName, "application/json; charset=UTF-8");
        using var host = WordPressTestHost.For(_server, configure: o => o.Multisite = true);

        var ex = (await host.Invoking(h => h.Provider.CreateAsync(new NewCmsAccount { Username = "1234", Email = "j@example.org", Password = "pw-123456" })).Should().ThrowAsync<CmsProviderException>()).Which;

        ex.Reason.Should().Be(CmsErrorReason.InvalidUsername);
        ex.Message.Should().Contain("lowercase");
    }
}
