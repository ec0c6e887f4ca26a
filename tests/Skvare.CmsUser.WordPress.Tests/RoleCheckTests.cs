using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Testing;
using Skvare.CmsUser.Testing;
using Skvare.CmsUser.Testing.WordPress;
using Skvare.CmsUser.Tests.Shared.Sites;

namespace Skvare.CmsUser.WordPress.Tests;

/// <summary>
/// The rules' roles checked before any run (<see cref="ICmsRoleCatalog"/>, <see cref="RuleRoleCheck"/>, the dry run):
/// WordPress lists its roles only through the companion plugin's roles route (0.2.3), one request per check.
/// </summary>
public sealed class RoleCheckTests : IDisposable
{
    private const string Misspelled = "subscriberr";
    private FakeSite? _site;

    public void Dispose() => _site?.Dispose();

    private static CancellationToken Timeout() => new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token;

    private static int RoleRequests(FakeWordPressServer server) => server.Requests.Count(r => r.Path.EndsWith("/skvare-cmsuser/v1/roles", StringComparison.Ordinal));

    [Fact(Timeout = 120_000)]
    public async Task The_companion_lists_the_site_roles_in_one_request_and_a_misspelled_role_is_unknown()
    {
        using var server = new FakeWordPressServer();
        using var host = WordPressTestHost.For(server, companion: true);

        var check = await ((ICmsRoleCatalog)host.Provider).CheckRolesAsync(["subscriber", Misspelled, "Editor"], Timeout());

        check.Verified.Should().BeTrue();
        check.SiteRoles.Should().Equal("administrator", "editor", "author", "contributor", "subscriber");
        check.Unknown.Keys.Should().BeEquivalentTo([Misspelled, "Editor"], "WordPress's role names match exactly");
        check.Unknown[Misspelled].Should().Contain($"'{Misspelled}' is not a role of the site");
        check.Unknown["Editor"].Should().Contain("'editor'", "a label or a name in another case points at the role's name");
        RoleRequests(server).Should().Be(1);
        server.Requests.Should().ContainSingle("one request for the whole check");
    }

    [Fact(Timeout = 120_000)]
    public async Task A_role_the_site_gained_is_known_to_the_next_check()
    {
        using var server = new FakeWordPressServer();
        using var host = WordPressTestHost.For(server, companion: true);
        var catalog = (ICmsRoleCatalog)host.Provider;

        var before = await catalog.CheckRolesAsync(["member"], Timeout());
        server.AddRole("member");
        var after = await catalog.CheckRolesAsync(["member"], Timeout());

        before.Unknown.Should().ContainKey("member");
        after.Unknown.Should().BeEmpty("every check asks the site again");
        after.SiteRoles.Should().Contain("member");
    }

    [Fact(Timeout = 120_000)]
    public async Task Without_the_companion_plugin_the_roles_are_not_verifiable_and_nothing_is_asked()
    {
        using var server = new FakeWordPressServer();
        using var host = WordPressTestHost.For(server, companion: false);

        var check = await ((ICmsRoleCatalog)host.Provider).CheckRolesAsync([Misspelled], Timeout());

        check.Verified.Should().BeFalse();
        check.Unknown.Should().BeEmpty("nothing says the role is wrong");
        check.NotVerifiableReason.Should().Contain("lists no roles").And.Contain("UseCompanionPlugin");
        server.Requests.Should().BeEmpty();
    }

    [Fact(Timeout = 120_000)]
    public async Task A_companion_plugin_without_the_roles_route_leaves_the_roles_not_verifiable()
    {
        using var server = new FakeWordPressServer { CompanionListsRoles = false };
        using var host = WordPressTestHost.For(server, companion: true);

        var check = await ((ICmsRoleCatalog)host.Provider).CheckRolesAsync([Misspelled], Timeout());

        check.Verified.Should().BeFalse();
        check.NotVerifiableReason.Should().Contain("no roles route").And.Contain("0.2.3");
        server.Requests.Should().ContainSingle().Which.StatusCode.Should().Be(404);
    }

    [Fact(Timeout = 120_000)]
    public async Task The_rule_report_fails_a_rule_with_a_misspelled_role_naming_it_and_the_site_roles_and_passes_the_others()
    {
        using var server = new FakeWordPressServer();
        using var host = WordPressTestHost.For(server, companion: true);
        var good = Rule("members", "subscriber");
        var bad = Rule("editors", "editor", Misspelled);
        var none = Rule("plain");

        var report = await RuleRoleCheck.CheckAsync(host.Provider, [good, bad, none], Timeout());

        report.Healthy.Should().BeFalse();
        report.Checks.Select(c => c.Name).Should().Equal("Rule 'members'", "Rule 'editors'");
        report.Checks[0].Passed.Should().BeTrue();
        report.Checks[0].Detail.Should().Contain("subscriber");
        var failed = report.Checks[1];
        failed.Passed.Should().BeFalse();
        failed.Failure.Should().Be(FailureKind.Configuration);
        failed.Detail.Should().Contain("Rule 'editors'").And.Contain($"'{Misspelled}'").And.Contain("administrator, editor, author, contributor, subscriber").And.NotContain("'editor' is");
        RoleRequests(server).Should().Be(1, "one request for every rule");
    }

    [Fact(Timeout = 120_000)]
    public async Task The_rule_report_asks_nothing_when_no_rule_names_a_role()
    {
        using var server = new FakeWordPressServer();
        using var host = WordPressTestHost.For(server, companion: true);

        var report = await RuleRoleCheck.CheckAsync(host.Provider, [Rule("plain")], Timeout());

        report.Healthy.Should().BeTrue();
        report.Checks.Should().ContainSingle().Which.Detail.Should().Contain("No rule names a role");
        server.Requests.Should().BeEmpty();
    }

    [Fact(Timeout = 120_000)]
    public async Task An_unavailable_site_fails_the_rule_report_as_transient_and_a_refusal_leaves_it_not_verifiable()
    {
        using var server = new FakeWordPressServer { FaultWhere = r => r.Path.EndsWith("/roles", StringComparison.Ordinal) ? FakeFault.Status(503) : null };
        using var host = WordPressTestHost.For(server, companion: true);

        var unavailable = await RuleRoleCheck.CheckAsync(host.Provider, [Rule("members", Misspelled)], Timeout());
        server.FaultWhere = r => r.Path.EndsWith("/roles", StringComparison.Ordinal) ? FakeFault.Status(403, """{"code":"rest_forbidden","message":"Sorry, you are not allowed to do that.","data":{"status":403}}""", "application/json") : null;
        var refused = await RuleRoleCheck.CheckAsync(host.Provider, [Rule("members", Misspelled)], Timeout());

        unavailable.Healthy.Should().BeFalse();
        unavailable.Checks.Should().ContainSingle().Which.Failure.Should().Be(FailureKind.Transient);
        refused.Healthy.Should().BeTrue("a refused listing says nothing about the roles");
        refused.Checks.Should().ContainSingle().Which.Detail.Should().StartWith("Not verifiable:");
    }

    [Fact(Timeout = 120_000)]
    public async Task Plan_fails_every_contact_of_a_rule_with_a_misspelled_role_with_unknown_role_after_one_role_request()
    {
        var site = Site(3, Misspelled);

        var plan = await PlanAsync(site);

        plan.Should().HaveCount(3).And.AllSatisfy(e =>
        {
            e.Action.Should().Be(PlannedAction.Fail, "a run stops at the first of them: no attempt is spent");
            e.Conflict.Should().StartWith("unknown_role: ").And.Contain($"'{Misspelled}'").And.Contain("subscriber").And.Contain("Rule 'members'");
        });
        RoleRequests(site.WordPress).Should().Be(1, "the roles are read once per plan, not per contact");
        site.WordPress.Users.Should().ContainSingle("the plan writes nothing");
        site.Civi.Activities.Should().BeEmpty();
    }

    [Fact(Timeout = 120_000)]
    public async Task Plan_with_the_roles_the_site_has_plans_every_create_after_one_role_request()
    {
        var site = Site(3, "subscriber");

        var plan = await PlanAsync(site);

        plan.Should().HaveCount(3).And.AllSatisfy(e => e.Action.Should().Be(PlannedAction.Create));
        RoleRequests(site.WordPress).Should().Be(1);
    }

    [Fact(Timeout = 120_000)]
    public async Task Plan_of_a_rule_without_roles_or_without_waiting_contacts_reads_no_roles()
    {
        var site = Site(0, Misspelled);
        var empty = await PlanAsync(site);
        site.Dispose();
        _site = FakeSite.Start(2, concurrency: 1, configure: services => services.PostConfigure<CmsUserOptions>(o => o.Rules[0].Roles.Clear()));

        var plain = await PlanAsync(_site);

        empty.Should().BeEmpty();
        plain.Should().HaveCount(2).And.AllSatisfy(e => e.Action.Should().Be(PlannedAction.Create));
        RoleRequests(_site.WordPress).Should().Be(0);
    }

    [Theory(Timeout = 120_000)]
    [InlineData(503)]
    [InlineData(403)]
    public async Task Plan_whose_role_listing_fails_plans_as_it_did_before_it_checked_roles_and_reads_them_once(int status)
    {
        _site = FakeSite.Start(3, concurrency: 1, configure: services =>
        {
            services.AddFakeLogging();
            services.PostConfigure<CmsUserOptions>(o =>
            {
                o.Rules[0].Roles.Clear();
                o.Rules[0].Roles.Add(Misspelled);
            });
        });
        _site.WordPress.FaultWhere = r => r.Path.EndsWith("/roles", StringComparison.Ordinal)
            ? status == 403 ? FakeFault.Status(403, """{"code":"rest_forbidden","message":"Sorry, you are not allowed to do that.","data":{"status":403}}""", "application/json") : FakeFault.Status(status)
            : null;

        var plan = await PlanAsync(_site);

        plan.Should().HaveCount(3).And.AllSatisfy(e => e.Action.Should().Be(PlannedAction.Create, "an unread role list decides nothing; the run reports its own failure"));
        _site.Services.GetFakeLogCollector().GetSnapshot().Count(r => r.Id.Id == 1047).Should().Be(1, "the failed read is logged once and not repeated for later contacts");
        if (status == 403)
        {
            // A refusal is not retried by the HTTP pipeline: one request is one read.
            RoleRequests(_site.WordPress).Should().Be(1, "the failed read is not repeated for later contacts");
        }
    }

    [Fact(Timeout = 120_000)]
    public async Task Plan_fails_a_found_account_with_unknown_role_when_the_rule_syncs_roles_to_existing_accounts()
    {
        _site = FakeSite.Start(0, concurrency: 1, configure: services => services.PostConfigure<CmsUserOptions>(o =>
        {
            o.Rules[0].Roles.Clear();
            o.Rules[0].Roles.Add(Misspelled);
            o.Rules[0].SyncRolesOfExistingAccounts = true;
        }));
        var contact = _site.AddMembers(1).Single();
        _site.WordPress.AddUser("existing", "member0@example.org", "subscriber");

        var plan = await PlanAsync(_site);

        var entry = plan.Should().ContainSingle().Subject;
        entry.ContactId.Should().Be(contact);
        entry.Action.Should().Be(PlannedAction.Fail, "the run would give the found account the rule's roles and stop there");
        entry.Conflict.Should().StartWith("unknown_role: ");
    }

    private FakeSite Site(int contacts, string role) =>
        _site = FakeSite.Start(contacts, concurrency: 1, configure: services => services.PostConfigure<CmsUserOptions>(o =>
        {
            o.Rules[0].Roles.Clear();
            o.Rules[0].Roles.Add(role);
        }));

    private static async Task<List<PlanEntry>> PlanAsync(FakeSite site)
    {
        var entries = new List<PlanEntry>();
        await foreach (var entry in site.Provisioner.PlanAsync(Timeout()))
        {
            entries.Add(entry);
        }

        return entries;
    }

    private static ProvisioningRule Rule(string name, params string[] roles)
    {
        var rule = new ProvisioningRule { Name = name, Trigger = TriggerDefinition.Group(name) };
        foreach (var role in roles)
        {
            rule.Roles.Add(role);
        }

        return rule;
    }
}
