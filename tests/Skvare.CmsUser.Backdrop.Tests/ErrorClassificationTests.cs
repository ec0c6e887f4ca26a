using System.Net;
using System.Net.Sockets;

namespace Skvare.CmsUser.Backdrop.Tests;

public sealed class ErrorClassificationTests : IDisposable
{
    private readonly BackdropTestHost _host = new();

    public void Dispose() => _host.Dispose();

    [Fact]
    public async Task Wrong_secret_is_Authentication_naming_the_secret_setting()
    {
        using var host = new BackdropTestHost(o => o.Secret = "a-different-secret-that-is-long-enough-000");

        var act = () => host.Provider.FindByEmailAsync("jdoe@example.org");

        var ex = (await act.Should().ThrowAsync<CmsProviderException>()).Which;
        ex.Reason.Should().Be(CmsErrorReason.Authentication);
        ex.Kind.Should().Be(FailureKind.Configuration);
        ex.StatusCode.Should().Be(401);
        ex.ErrorCode.Should().Be("unauthorized");
        ex.Message.Should().Contain("CmsUser:Backdrop:Secret").And.NotContain("a-different-secret");
        host.Server.Requests.Should().ContainSingle("a refused secret is not retried");
    }

    [Fact]
    public async Task Http_refused_by_the_module_is_Permission_naming_the_fix()
    {
        _host.Server.AllowHttp = false;

        var act = () => _host.Provider.FindByEmailAsync("jdoe@example.org");

        var ex = (await act.Should().ThrowAsync<CmsProviderException>()).Which;
        ex.Reason.Should().Be(CmsErrorReason.Permission);
        ex.ErrorCode.Should().Be("https_required");
        ex.Message.Should().Contain("https").And.Contain("Allow plain http");
    }

    [Fact]
    public async Task Acting_user_without_administer_users_is_Permission_naming_the_fix()
    {
        _host.Server.ActingUserCanAdministerUsers = false;

        var act = () => _host.Provider.CreateAsync(BackdropTestHost.NewAccount());

        var ex = (await act.Should().ThrowAsync<CmsProviderException>()).Which;
        ex.Reason.Should().Be(CmsErrorReason.Permission);
        ex.ErrorCode.Should().Be("forbidden");
        ex.Message.Should().Contain("administer users").And.Contain("admin/config/people/cmsuser-provision");
        _host.Server.FindUserByMail("jdoe@example.org").Should().BeNull();
    }

    [Fact]
    public async Task Missing_module_is_a_configuration_error_that_says_to_enable_it()
    {
        _host.Server.ModuleEnabled = false;

        var act = () => _host.Provider.GetByIdAsync(1);

        var ex = (await act.Should().ThrowAsync<CmsProviderException>()).Which;
        ex.Reason.Should().Be(CmsErrorReason.UnexpectedResponse);
        ex.Kind.Should().Be(FailureKind.Configuration);
        ex.StatusCode.Should().Be(404);
        ex.ErrorCode.Should().BeNull();
        ex.Message.Should().ContainEquivalentOf("enable the cmsuser_provision module");
    }

    [Fact]
    public async Task Wrong_path_prefix_is_a_configuration_error()
    {
        using var host = new BackdropTestHost(o => o.PathPrefix = "api/other");

        var act = () => host.Provider.FindByUsernameAsync("jdoe");

        (await act.Should().ThrowAsync<CmsProviderException>()).Which.Message.Should().Contain("PathPrefix");
    }

    [Fact]
    public async Task Html_page_with_status_200_is_UnexpectedResponse()
    {
        _host.Server.FailNext(1, 200, "<html><body>Welcome to Backdrop</body></html>");

        var act = () => _host.Provider.FindByEmailAsync("jdoe@example.org");

        var ex = (await act.Should().ThrowAsync<CmsProviderException>()).Which;
        ex.Reason.Should().Be(CmsErrorReason.UnexpectedResponse);
        ex.Message.Should().Contain("cmsuser_provision");
    }

    [Fact]
    public async Task Json_cut_short_is_Unavailable_so_only_that_contact_fails()
    {
        // Cut on every try (the first and Http:MaxRetries more): a read cut once is asked again (CutAnswerTests).
        _host.Server.FailNext(3, 200, "{\"users\": [", "application/json");

        var act = () => _host.Provider.FindByEmailAsync("jdoe@example.org");

        (await act.Should().ThrowAsync<CmsProviderException>()).Which.Reason.Should().Be(CmsErrorReason.Unavailable, "a 2xx JSON answer cut short is one request's damage, not the site's set-up");
    }

    [Fact]
    public async Task Too_many_requests_is_Throttled()
    {
        using var host = new BackdropTestHost(o => o.Http.MaxRetries = 1);
        host.Server.FailNext(2, 429, "Too many requests", "text/plain");

        var act = () => host.Provider.FindByEmailAsync("jdoe@example.org");

        (await act.Should().ThrowAsync<CmsProviderException>()).Which.Reason.Should().Be(CmsErrorReason.Throttled);
        host.Server.Requests.Should().HaveCount(2);
    }

    [Fact]
    public async Task Connectivity_check_reports_module_version_and_acting_user()
    {
        _host.Server.AddUser("cmsuser-api", "api@example.org");
        _host.Server.ActingUid = 2;
        _host.Server.BackdropVersion = "1.28.2";

        var report = await _host.Provider.CheckConnectivityAsync();

        report.Healthy.Should().BeTrue();
        report.Target.Should().Contain(_host.Server.BaseUrl.ToString());
        report.Checks.Should().OnlyContain(c => c.Passed);
        report.Checks.Select(c => c.Detail).Should().Contain(d => d.Contains("1.28.2", StringComparison.Ordinal))
            .And.Contain(d => d.Contains("user 2", StringComparison.Ordinal));
        _host.Server.Requests.Single().Path.Should().Be("/api/cmsuser/v1/status");
    }

    [Fact]
    public async Task Connectivity_check_with_a_wrong_secret_is_unhealthy_and_names_the_setting()
    {
        using var host = new BackdropTestHost(o => o.Secret = "a-different-secret-that-is-long-enough-000");

        var report = await host.Provider.CheckConnectivityAsync();

        report.Healthy.Should().BeFalse();
        report.Checks.Should().ContainSingle(c => !c.Passed && c.Detail.Contains("CmsUser:Backdrop:Secret", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Connectivity_check_without_the_module_says_to_enable_it()
    {
        _host.Server.ModuleEnabled = false;

        var report = await _host.Provider.CheckConnectivityAsync();

        report.Healthy.Should().BeFalse();
        report.Checks.Single().Detail.Should().ContainEquivalentOf("enable the cmsuser_provision module");
    }
}
