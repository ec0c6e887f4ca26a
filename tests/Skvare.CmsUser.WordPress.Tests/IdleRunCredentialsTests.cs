using Microsoft.Extensions.DependencyInjection;
using Skvare.CmsUser.Tests.Shared.Sites;

namespace Skvare.CmsUser.WordPress.Tests;

/// <summary>
/// The CMS credentials check of a run that needed WordPress for no contact, over real HTTP against the fakes (wired as
/// the benchmark and the request budgets wire the SDK): one <c>users/me</c> for an idle run, none for a run that
/// provisioned contacts or an on-demand call, so issue 10's request budgets stay as they are.
/// </summary>
public sealed class IdleRunCredentialsTests : IDisposable
{
    private const string UsersMe = "/wp-json/wp/v2/users/me";
    private const string WrongPassword = "wrng wrng wrng wrng wrng wrng";
    private FakeSite? _site;

    public void Dispose() => _site?.Dispose();

    private FakeSite Site(int contacts, string? applicationPassword = null, Action<CmsUserOptions>? options = null) =>
        _site = FakeSite.Start(contacts, concurrency: 2, wordpress: o => o.ApplicationPassword = applicationPassword ?? o.ApplicationPassword,
            configure: services => services.Configure<CmsUserOptions>(o => options?.Invoke(o)));

    private static CancellationToken Timeout() => new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token;

    [Fact(Timeout = 90_000)]
    public async Task An_idle_run_with_a_wrong_application_password_stops_after_one_request_naming_the_setting()
    {
        var site = Site(0, WrongPassword);

        var summary = await site.Provisioner.RunOnceAsync(cancellationToken: Timeout());

        summary.StopKind.Should().Be(RunStopKind.Configuration);
        summary.StopReason.Should().StartWith("No contact needed WordPress in this run, so its credentials were checked: WordPress refused to read the API account")
            .And.Contain("rest_not_logged_in, HTTP 401").And.Contain("CmsUser:WordPress:Username and ApplicationPassword").And.NotContain(WrongPassword);
        site.WordPress.Requests.Select(r => r.Method + " " + r.Path).Should().Equal(["GET " + UsersMe], "the check is one cheap authenticated request");
    }

    [Fact(Timeout = 90_000)]
    public async Task An_idle_run_with_the_right_password_is_done_after_one_request()
    {
        var site = Site(0);

        var summary = await site.Provisioner.RunOnceAsync(cancellationToken: Timeout());

        summary.StopKind.Should().Be(RunStopKind.None);
        summary.CmsCredentialsCheck!.Passed.Should().BeTrue();
        site.WordPress.Requests.Should().ContainSingle().Which.Path.Should().Be(UsersMe);
    }

    [Fact(Timeout = 90_000)]
    public async Task A_run_that_provisioned_contacts_and_an_on_demand_call_send_no_credentials_check()
    {
        var site = Site(5);

        var summary = await site.Provisioner.RunOnceAsync(cancellationToken: Timeout());
        var later = site.AddMembers(1, "d");
        var onDemand = await site.Provisioner.ProvisionAsync(later[0], cancellationToken: Timeout());
        var linked = await site.Provisioner.ProvisionAsync(later[0], cancellationToken: Timeout());

        summary.Count(OutcomeKind.Created).Should().Be(5);
        summary.CmsCredentialsCheck.Should().BeNull();
        onDemand.Kind.Should().Be(OutcomeKind.Created);
        linked.Kind.Should().Be(OutcomeKind.AlreadyLinked);
        linked.Username.Should().Be(onDemand.Username, "the on-demand answer of a linked contact names its account");
        site.WordPress.Requests.Should().NotContain(r => r.Path == UsersMe);
        site.WordPress.Requests.Should().HaveCount(7, "one create per contact and the read of the linked account's username, nothing else");
    }

    [Fact(Timeout = 90_000)]
    public async Task An_idle_run_with_the_check_turned_off_sends_WordPress_nothing()
    {
        var site = Site(0, WrongPassword, o => o.CheckCmsCredentials = false);

        var summary = await site.Provisioner.RunOnceAsync(cancellationToken: Timeout());

        summary.StopKind.Should().Be(RunStopKind.None);
        site.WordPress.Requests.Should().BeEmpty();
    }
}
