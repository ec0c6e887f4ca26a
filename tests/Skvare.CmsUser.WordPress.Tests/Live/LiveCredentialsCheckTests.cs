namespace Skvare.CmsUser.WordPress.Tests.Live;

/// <summary>
/// A scheduled run with no contact waiting against the real WordPress: a wrong application password ends it as a
/// configuration error (what WordPress 6.1.9 really answers), the right one leaves it done.
/// </summary>
[Trait("Category", "Live")]
public sealed class LiveCredentialsCheckTests : IDisposable
{
    private const string WrongPassword = "abcd EFGH ijkl MNOP qrst UVWX";
    private readonly LiveEngine _live = new();

    public void Dispose() => _live.Dispose();

    private IUserProvisioner Start(string? applicationPassword = null)
    {
        _live.Civi.AddGroup("members");
        _live.Civi.AddGroup("members_done");
        return _live.Start(
            o => o.Rules.Add(new ProvisioningRule { Name = "members", Trigger = TriggerDefinition.Group("members"), History = TriggerDefinition.Group("members_done") }),
            companion: false,
            applicationPassword).Engine;
    }

    [LiveWordPressFact]
    public async Task An_idle_run_with_a_wrong_application_password_stops_as_a_configuration_error_naming_the_setting()
    {
        var provisioner = Start(WrongPassword);

        var summary = await provisioner.RunOnceAsync().WaitAsync(TimeSpan.FromSeconds(60));

        summary.Total.Should().Be(0);
        summary.StopKind.Should().Be(RunStopKind.Configuration);
        summary.CmsCredentialsCheck!.Failure.Should().Be(FailureKind.Configuration);
        summary.StopReason.Should().StartWith("No contact needed WordPress in this run, so its credentials were checked: WordPress refused to read the API account")
            .And.Contain("HTTP 401").And.Contain("CmsUser:WordPress:Username and ApplicationPassword").And.NotContain(WrongPassword);
    }

    [LiveWordPressFact]
    public async Task An_idle_run_with_the_right_application_password_is_done()
    {
        var provisioner = Start();

        var summary = await provisioner.RunOnceAsync().WaitAsync(TimeSpan.FromSeconds(60));

        summary.StopKind.Should().Be(RunStopKind.None, summary.StopReason);
        summary.CmsCredentialsCheck!.Passed.Should().BeTrue();
        summary.CmsCredentialsCheck.Detail.Should().Contain(LiveWordPressSite.Require().User);
    }
}
