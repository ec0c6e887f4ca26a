namespace Skvare.CmsUser.Drupal7.Tests;

/// <summary>
/// Drupal 7's Services module lists no roles (<see cref="ICmsRoleCatalog"/>): the roles are not verifiable against the
/// site, but a name a create could not send (neither a rid nor in <c>CmsUser:Drupal7:RoleIds</c>) is reported, without a request.
/// </summary>
public sealed class RoleCheckTests
{
    [Fact(Timeout = 120_000)]
    public async Task Mapped_names_and_rids_are_not_verifiable_and_an_unmapped_name_is_unknown_without_a_request()
    {
        using var host = new Drupal7TestHost(o => o.RoleIds["editor"] = "4");

        var check = await ((ICmsRoleCatalog)host.Provider).CheckRolesAsync(["editor", "5", "editr"], new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token);

        check.Verified.Should().BeFalse();
        check.NotVerifiableReason.Should().Contain("lists no roles").And.Contain("RoleIds");
        check.Unknown.Keys.Should().Equal("editr");
        check.Unknown["editr"].Should().Contain("CmsUser:Drupal7:RoleIds");
        host.Server.Requests.Should().BeEmpty();
    }

    [Fact(Timeout = 120_000)]
    public async Task The_rule_report_fails_an_unmapped_role_and_passes_mapped_ones_as_not_verifiable()
    {
        using var host = new Drupal7TestHost(o => o.RoleIds["editor"] = "4");
        var good = new ProvisioningRule { Name = "editors", Trigger = TriggerDefinition.Group("editors") };
        good.Roles.Add("editor");
        var bad = new ProvisioningRule { Name = "typo", Trigger = TriggerDefinition.Group("typo") };
        bad.Roles.Add("editr");

        var report = await RuleRoleCheck.CheckAsync(host.Provider, [good, bad]);

        report.Checks[0].Passed.Should().BeTrue();
        report.Checks[0].Detail.Should().StartWith("Not verifiable:");
        report.Checks[1].Passed.Should().BeFalse();
        report.Checks[1].Failure.Should().Be(FailureKind.Configuration);
        report.Checks[1].Detail.Should().NotContain("has:", "the site's roles are not known");
    }
}
