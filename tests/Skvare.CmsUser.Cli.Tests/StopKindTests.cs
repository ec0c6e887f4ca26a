using Microsoft.Extensions.DependencyInjection;
using Skvare.CmsUser.Testing.InMemory;

namespace Skvare.CmsUser.Cli.Tests;

/// <summary>
/// A run that stopped on a defect exits 4 and says "report it"; a configuration error stays 3 ("fix the settings").
/// The runs are the real engine over the in-memory CiviCRM and CMS, with a fault injected where a page is read.
/// </summary>
public sealed class StopKindTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_run_that_crashes_outside_any_contact_exits_4_with_a_defect_message_not_3()
    {
        var summary = await RunAsync(civi => civi.FailNext(new InvalidOperationException("boom")));

        summary.StopKind.Should().Be(RunStopKind.InternalError);
        Output.ExitCode(summary, new RetryPolicy()).Should().Be(ExitCodes.Defect).And.Be(4);
        ExitCodes.Status(ExitCodes.Defect).Should().Be("defect");
        var line = Output.StopLine("run", summary);
        line.Should().Contain("defect").And.Contain("not by a setting").And.Contain("InvalidOperationException")
            .And.Contain("cmsuser run --verbose").And.Contain(Output.Issues);
        line.Should().NotContain("configuration");
    }

    [Fact]
    public async Task A_configuration_error_still_exits_3_and_says_so()
    {
        var summary = await RunAsync(civi => civi.FailNext(new CmsProviderException("CiviCRM", CmsErrorReason.Authentication, "The API key was refused.")));

        summary.StopKind.Should().Be(RunStopKind.Configuration);
        Output.ExitCode(summary, new RetryPolicy()).Should().Be(ExitCodes.Configuration);
        ExitCodes.Status(ExitCodes.Configuration).Should().Be("configuration");
        Output.StopLine("run", summary).Should().Be("Stopped by a configuration or credentials problem: The API key was refused.");
    }

    [Fact]
    public async Task A_server_down_outside_any_contact_exits_2()
    {
        var summary = await RunAsync(civi => civi.FailNext(new CmsProviderException("CiviCRM", CmsErrorReason.Unavailable, "HTTP 503")));

        summary.StopKind.Should().Be(RunStopKind.Quarantined);
        Output.ExitCode(summary, new RetryPolicy()).Should().Be(ExitCodes.Stopped);
        Output.StopLine("run", summary).Should().StartWith("Stopped (quarantined)")
            .And.EndWith(Output.NeverWorked, "a server that cannot be reached and a mistyped BaseUrl look the same (docs/cli.md)");
    }

    [Theory]
    [InlineData(RunStopKind.InternalError, false, ExitCodes.Defect)]
    [InlineData(RunStopKind.InternalError, true, ExitCodes.Defect)]
    [InlineData(RunStopKind.Configuration, true, ExitCodes.Configuration)]
    [InlineData(RunStopKind.Cancelled, true, ExitCodes.Stopped)]
    [InlineData(RunStopKind.None, false, ExitCodes.Done)]
    public void The_first_stop_decides_the_exit_code(RunStopKind kind, bool cancelledToo, int exit)
    {
        var summary = new RunSummary
        {
            StartedAt = DateTimeOffset.UnixEpoch,
            Duration = TimeSpan.Zero,
            Counts = new Dictionary<OutcomeKind, int>(),
            Failures = [],
            StopKind = kind,
            Cancelled = cancelledToo || kind == RunStopKind.Cancelled,
            StopReason = kind is RunStopKind.InternalError or RunStopKind.Configuration ? "why" : null,
        };

        Output.ExitCode(summary).Should().Be(exit);
    }

    [Fact]
    public void An_unexpected_exception_escaping_a_command_is_a_defect_not_a_stop()
    {
        var (message, exit) = CliApp.Describe(new InvalidCastException("Unable to cast."), CancellationToken.None);

        exit.Should().Be(ExitCodes.Defect);
        message.Should().Contain("InvalidCastException").And.Contain("defect").And.Contain("--verbose");
        CliApp.Describe(new HttpRequestException("Connection refused"), CancellationToken.None).ExitCode.Should().Be(ExitCodes.Stopped, "a server that cannot be reached is no defect");
    }

    private static async Task<RunSummary> RunAsync(Action<FakeCiviCrm> fault)
    {
        var civi = new FakeCiviCrm();
        var cms = new FakeCmsAccountProvider();
        var contact = civi.AddContact("Ana", "Lima", "ana@example.org");
        civi.AddToGroup("website_members", contact.Id);
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddCmsUserProvisioning(o => o.Rules.Add(new ProvisioningRule
        {
            Name = "members",
            Trigger = TriggerDefinition.Group("website_members"),
            History = TriggerDefinition.Group("website_members_done"),
        })).UseInMemory(civi, cms);
        await using var provider = services.BuildServiceProvider();
        fault(civi);
        return await provider.GetRequiredService<IUserProvisioner>().RunOnceAsync().WaitAsync(Bound);
    }
}
