namespace Skvare.CmsUser.Tests.Engine;

public sealed class LoginLinkTests : IDisposable
{
    private readonly EngineHarness _h = new();

    public void Dispose() => _h.Dispose();

    private static readonly OnDemandOptions WithLink = new() { IncludeLoginLink = true };

    [Fact]
    public async Task A_link_is_issued_for_an_account_the_call_created()
    {
        var ana = _h.Member("Ana", "Lima", "ana@example.org");

        var outcome = await _h.Provisioner.ProvisionAsync(ana.Id, WithLink);

        outcome.Kind.Should().Be(OutcomeKind.Created);
        outcome.LoginLink.Should().NotBeNull();
        outcome.LoginLinkWithheld.Should().BeNull();
    }

    [Fact]
    public async Task The_link_reaches_the_caller_only_never_a_log_an_activity_or_the_outcome_printed()
    {
        var ana = _h.Member("Ana", "Lima", "ana@example.org");

        var outcome = await _h.Provisioner.ProvisionAsync(ana.Id, WithLink);

        var link = outcome.LoginLink!.ToString();
        var secret = link[(link.LastIndexOf('/') + 1)..];
        _h.Logs.GetSnapshot().Should().NotContain(r => r.Message.Contains(secret, StringComparison.Ordinal)
            || (r.StructuredState != null && r.StructuredState.Any(kv => (kv.Value ?? "").Contains(secret, StringComparison.Ordinal))));
        _h.Civi.Activities.Should().NotContain(a => (a.Subject + a.Details).Contains(secret, StringComparison.Ordinal));
        outcome.ToString().Should().NotContain(secret).And.Contain("LoginLink = <redacted>");
        (outcome with { LoginLink = null }).ToString().Should().Contain("LoginLink = ,");
    }

    [Fact]
    public void An_outcome_prints_every_member_as_a_record_does_but_the_login_link()
    {
        var outcome = new ProvisioningOutcome
        {
            ContactId = 7,
            Kind = OutcomeKind.Failed,
            Rule = "Members",
            Username = "ana",
            CmsUserId = 9,
            Error = new ProvisioningError(FailureKind.Permanent, "code", "message"),
            Attempt = 2,
            LoginLink = new Uri("https://cms.example/login/9/secret-hash"),
            LoginLinkWithheld = "withheld",
            Notification = CmsNotification.Failed,
            NotificationFailure = "mail down",
        };

        var printed = outcome.ToString();

        foreach (var property in typeof(ProvisioningOutcome).GetProperties().Where(p => p.Name != "EqualityContract"))
        {
            printed.Should().Contain(property.Name + " = ", "a member added later is printed too (or deliberately hidden)");
        }

        printed.Should().StartWith("ProvisioningOutcome { ContactId = 7, Kind = Failed, Rule = Members, Username = ana, CmsUserId = 9, Error = ProvisioningError {")
            .And.NotContain("secret-hash");
    }

    [Fact]
    public async Task No_link_for_an_existing_account_unless_existing_users_are_allowed()
    {
        var ana = _h.Member("Ana", "Lima", "ana@example.org");
        _h.Cms.AddAccount("ana", "ana@example.org", "subscriber");

        var outcome = await _h.Provisioner.ProvisionAsync(ana.Id, WithLink);

        outcome.Kind.Should().Be(OutcomeKind.Linked);
        outcome.LoginLink.Should().BeNull();
        outcome.LoginLinkWithheld.Should().Contain("AllowExistingUsers");
        _h.Cms.Calls.GetValueOrDefault("LoginLink").Should().Be(0);
    }

    [Fact]
    public async Task An_already_linked_account_gets_a_link_when_existing_users_are_allowed()
    {
        _h.Configure = o => o.LoginLinks.AllowExistingUsers = true;
        var ana = _h.Member("Ana", "Lima", "ana@example.org");
        _h.Cms.AddAccount("ana", "ana@example.org", "subscriber");

        var outcome = await _h.Provisioner.ProvisionAsync(ana.Id, WithLink);

        outcome.LoginLink.Should().NotBeNull();
    }

    [Theory]
    [InlineData("administrator")]
    [InlineData("Administrator")]
    [InlineData("Super Users")]
    [InlineData("admin")]
    public async Task Administrators_never_get_a_link_even_when_existing_users_are_allowed(string role)
    {
        _h.Configure = o => o.LoginLinks.AllowExistingUsers = true;
        var ana = _h.Member("Ana", "Lima", "ana@example.org");
        _h.Cms.AddAccount("ana", "ana@example.org", "subscriber", role);

        var outcome = await _h.Provisioner.ProvisionAsync(ana.Id, WithLink);

        outcome.Kind.Should().Be(OutcomeKind.Linked);
        outcome.LoginLink.Should().BeNull();
        outcome.LoginLinkWithheld.Should().Contain(role);
        _h.Cms.Calls.GetValueOrDefault("LoginLink").Should().Be(0);
    }

    [Fact]
    public async Task Configured_blocked_roles_replace_the_defaults()
    {
        _h.Configure = o =>
        {
            o.LoginLinks.BlockedRoles.Add("subscriber");
            o.LoginLinks.AllowExistingUsers = true;
        };
        var ana = _h.Member("Ana", "Lima", "ana@example.org");

        var created = await _h.Provisioner.ProvisionAsync(ana.Id, WithLink);

        created.Kind.Should().Be(OutcomeKind.Created);
        created.LoginLink.Should().BeNull("the rule gives the blocked role subscriber");
        created.LoginLinkWithheld.Should().Contain("subscriber");
    }

    [Fact]
    public async Task A_created_account_that_a_cms_hook_made_administrator_gets_no_link()
    {
        _h.Cms.AfterCreate = account => account.Roles.Add("administrator");
        var ana = _h.Member("Ana", "Lima", "ana@example.org");

        var outcome = await _h.Provisioner.ProvisionAsync(ana.Id, WithLink);

        outcome.Kind.Should().Be(OutcomeKind.Created);
        outcome.LoginLink.Should().BeNull("the roles are read from the CMS, not assumed");
    }
}
