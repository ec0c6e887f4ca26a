using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Skvare.CmsUser.Testing.InMemory;

namespace Skvare.CmsUser.Tests.Engine;

/// <summary>
/// A login link asked for and not issued says why, on every path, as a stable <see cref="LoginLinkWithheldReason"/> and a
/// sentence, and never holds the link; the administrator roles stay blocked whatever <c>BlockedRoles</c> says unless
/// <c>AllowAdministrators</c>.
/// </summary>
public sealed class LoginLinkReasonTests : IDisposable
{
    private static readonly OnDemandOptions WithLink = new() { IncludeLoginLink = true };

    private EngineHarness _h = new();

    public void Dispose() => _h.Dispose();

    private static void Withheld(ProvisioningOutcome outcome, LoginLinkWithheldReason reason, string says)
    {
        outcome.LoginLink.Should().BeNull();
        outcome.LoginLinkWithheldReason.Should().Be(reason);
        outcome.LoginLinkWithheld.Should().Contain(says);
    }

    [Fact]
    public async Task No_reason_when_the_link_is_issued_or_none_was_asked_for()
    {
        var ana = _h.Member("Ana", "Lima", "ana@example.org");
        var bea = _h.Member("Bea", "Costa", "bea@example.org");

        var issued = await _h.Provisioner.ProvisionAsync(ana.Id, WithLink);
        var unasked = await _h.Provisioner.ProvisionAsync(bea.Id);

        issued.LoginLink.Should().NotBeNull();
        (issued.LoginLinkWithheld, issued.LoginLinkWithheldReason).Should().Be((null, null));
        (unasked.LoginLink, unasked.LoginLinkWithheld, unasked.LoginLinkWithheldReason).Should().Be((null, null, null));
        _h.Logs.GetSnapshot().Should().NotContain(r => r.Id.Id == 1101);
    }

    [Fact]
    public async Task A_cms_that_offers_no_links_says_so_without_asking_it()
    {
        _h.Dispose();
        _h = new EngineHarness(new FakeCmsAccountProvider(CmsCapabilities.CreateWithoutPassword | CmsCapabilities.Block));
        var ana = _h.Member("Ana", "Lima", "ana@example.org");

        var outcome = await _h.Provisioner.ProvisionAsync(ana.Id, WithLink);

        outcome.Kind.Should().Be(OutcomeKind.Created, "the account is made; only the link is not");
        Withheld(outcome, LoginLinkWithheldReason.NotSupported, "InMemory provider offers no one-time login links");
        _h.Cms.Calls.GetValueOrDefault("LoginLink").Should().Be(0);
        _h.Logs.GetSnapshot().Should().Contain(r => r.Id.Id == 1101 && r.Message.Contains("NotSupported", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_contact_that_gets_no_account_gets_no_link_and_the_reason_names_the_failure()
    {
        var nobody = _h.Member("No", "Mail", null);

        var outcome = await _h.Provisioner.ProvisionAsync(nobody.Id, WithLink);

        outcome.Kind.Should().BeOneOf(OutcomeKind.Failed, OutcomeKind.GaveUp);
        Withheld(outcome, LoginLinkWithheldReason.NotProvisioned, $"outcome {outcome.Kind}, {outcome.Error!.Code}");
        _h.Cms.Calls.GetValueOrDefault("LoginLink").Should().Be(0);
    }

    [Fact]
    public async Task A_contact_that_does_not_exist_gets_no_link()
    {
        var outcome = await _h.Provisioner.ProvisionAsync(424242, WithLink);

        outcome.Kind.Should().Be(OutcomeKind.Skipped);
        Withheld(outcome, LoginLinkWithheldReason.NotProvisioned, CmsUserErrorCodes.ContactNotFound);
    }

    [Fact]
    public async Task A_contact_whose_attempts_are_used_up_gets_no_link()
    {
        _h.Configure = o => o.Retry.MaxAttempts = 1;
        var ana = _h.Member("Ana", "Lima", "ana@example.org");
        _h.Cms.FailCreateFor("ana@example.org", () => FakeCmsAccountProvider.Permanent());
        await _h.Provisioner.ProvisionAsync(ana.Id);

        var outcome = await _h.Provisioner.ProvisionAsync(ana.Id, WithLink);

        outcome.Error!.Code.Should().Be(CmsUserErrorCodes.AttemptsUsedUp);
        Withheld(outcome, LoginLinkWithheldReason.NotProvisioned, CmsUserErrorCodes.AttemptsUsedUp);
    }

    [Fact]
    public async Task A_call_that_cannot_reach_civicrm_gets_no_link()
    {
        var ana = _h.Member("Ana", "Lima", "ana@example.org");
        _h.Civi.FailNext(new HttpRequestException("connection refused"));

        var outcome = await _h.Provisioner.ProvisionAsync(ana.Id, WithLink);

        outcome.Kind.Should().Be(OutcomeKind.Failed);
        Withheld(outcome, LoginLinkWithheldReason.NotProvisioned, "outcome Failed");
    }

    [Fact]
    public async Task An_existing_account_without_AllowExistingUsers()
    {
        var ana = _h.Member("Ana", "Lima", "ana@example.org");
        _h.Cms.AddAccount("ana", "ana@example.org", "subscriber");

        var outcome = await _h.Provisioner.ProvisionAsync(ana.Id, WithLink);

        outcome.Kind.Should().Be(OutcomeKind.Linked);
        Withheld(outcome, LoginLinkWithheldReason.ExistingAccount, "AllowExistingUsers");
    }

    [Fact]
    public async Task A_role_the_rule_gives_or_the_account_holds()
    {
        _h.Configure = o => o.LoginLinks.AllowExistingUsers = true;
        var ana = _h.Member("Ana", "Lima", "ana@example.org");
        _h.Cms.AddAccount("ana", "ana@example.org", "subscriber", "editor");

        var outcome = await _h.Provisioner.ProvisionAsync(ana.Id, WithLink);

        Withheld(outcome, LoginLinkWithheldReason.BlockedRole, "'editor'");
        _h.Cms.Calls.GetValueOrDefault("LoginLink").Should().Be(0);
    }

    [Fact]
    public async Task A_blocked_account()
    {
        _h.Configure = o => o.LoginLinks.AllowExistingUsers = true;
        var ana = _h.Member("Ana", "Lima", "ana@example.org");
        var account = _h.Cms.AddAccount("ana", "ana@example.org", "subscriber");
        _h.Civi.AddLink(new AccountLink(ana.Id, account.Id, "ana@example.org"));
        await _h.Cms.BlockAsync(new CmsAccount(account.Id, null, null));

        var outcome = await _h.Provisioner.ProvisionAsync(ana.Id, WithLink);

        outcome.Kind.Should().Be(OutcomeKind.AlreadyLinked);
        Withheld(outcome, LoginLinkWithheldReason.AccountBlocked, "blocked");
    }

    [Fact]
    public async Task A_linked_account_the_cms_no_longer_has()
    {
        _h.Configure = o => o.LoginLinks.AllowExistingUsers = true;
        var ana = _h.Member("Ana", "Lima", "ana@example.org");
        _h.Civi.AddLink(new AccountLink(ana.Id, 998, "ana@example.org"));

        var outcome = await _h.Provisioner.ProvisionAsync(ana.Id, WithLink);

        outcome.Kind.Should().Be(OutcomeKind.AlreadyLinked);
        outcome.CmsUserId.Should().Be(998);
        Withheld(outcome, LoginLinkWithheldReason.AccountNotFound, "could not be found");
    }

    [Fact]
    public async Task Roles_that_cannot_be_read()
    {
        _h.Cms.AfterCreate = _ => _h.Cms.FailNext(FakeCmsAccountProvider.Transient("HTTP 503 Service Unavailable"));
        var ana = _h.Member("Ana", "Lima", "ana@example.org");

        var outcome = await _h.Provisioner.ProvisionAsync(ana.Id, WithLink);

        outcome.Kind.Should().Be(OutcomeKind.Created);
        outcome.Error.Should().BeNull("a link that could not be made never changes the outcome");
        Withheld(outcome, LoginLinkWithheldReason.CmsFailed, "roles could not be read");
        _h.Cms.Calls.GetValueOrDefault("LoginLink").Should().Be(0);
    }

    [Fact]
    public async Task A_cms_that_answers_without_a_link()
    {
        _h.Cms.LoginLinkAnswer = (_, _) => null;
        var ana = _h.Member("Ana", "Lima", "ana@example.org");

        var outcome = await _h.Provisioner.ProvisionAsync(ana.Id, WithLink);

        outcome.Kind.Should().Be(OutcomeKind.Created);
        Withheld(outcome, LoginLinkWithheldReason.NotOffered, "answered without a login link");
        _h.Cms.Calls["LoginLink"].Should().Be(1);
    }

    [Fact]
    public async Task A_cms_that_fails_to_make_the_link_and_the_link_it_made_is_never_shown()
    {
        string? made = null;
        _h.Cms.LoginLinkAnswer = (_, link) =>
        {
            made = link.ToString();
            throw FakeCmsAccountProvider.Transient("HTTP 503 Service Unavailable");
        };
        var ana = _h.Member("Ana", "Lima", "ana@example.org");

        var outcome = await _h.Provisioner.ProvisionAsync(ana.Id, WithLink);

        outcome.Kind.Should().Be(OutcomeKind.Created);
        outcome.Error.Should().BeNull();
        Withheld(outcome, LoginLinkWithheldReason.CmsFailed, "could not make a login link: HTTP 503");
        var text = made!;
        var secret = text[(text.LastIndexOf('/') + 1)..];
        outcome.ToString().Should().NotContain(secret);
        _h.Logs.GetSnapshot().Should().Contain(r => r.Id.Id == 1013).And.NotContain(r => r.Message.Contains(secret, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Configured_blocked_roles_keep_the_administrator_roles_blocked()
    {
        _h.Configure = o =>
        {
            o.LoginLinks.BlockedRoles.Add("author");
            o.LoginLinks.AllowExistingUsers = true;
        };
        var ana = _h.Member("Ana", "Lima", "ana@example.org");
        var bea = _h.Member("Bea", "Costa", "bea@example.org");
        _h.Cms.AddAccount("ana", "ana@example.org", "administrator");
        _h.Cms.AddAccount("bea", "bea@example.org", "editor");

        var admin = await _h.Provisioner.ProvisionAsync(ana.Id, WithLink);
        var editor = await _h.Provisioner.ProvisionAsync(bea.Id, WithLink);

        Withheld(admin, LoginLinkWithheldReason.BlockedRole, "'administrator'");
        editor.LoginLink.Should().NotBeNull("a list of its own replaces the default list, editor included; only the administrator roles stay");
    }

    [Fact]
    public async Task AllowAdministrators_lets_an_administrator_role_the_list_leaves_out_through()
    {
        _h.Configure = o =>
        {
            o.LoginLinks.BlockedRoles.Add("author");
            o.LoginLinks.AllowExistingUsers = true;
            o.LoginLinks.AllowAdministrators = true;
        };
        var ana = _h.Member("Ana", "Lima", "ana@example.org");
        _h.Cms.AddAccount("ana", "ana@example.org", "administrator");

        var outcome = await _h.Provisioner.ProvisionAsync(ana.Id, WithLink);

        outcome.LoginLink.Should().NotBeNull();
        outcome.LoginLinkWithheldReason.Should().BeNull();
    }

    [Theory]
    [InlineData(false, "author", null)]
    [InlineData(true, "author", "administrator, Super Users, 7, 8, admin")]
    [InlineData(true, "ADMINISTRATOR,super users,7,8,admin", null)]
    [InlineData(true, "administrator,7", "Super Users, 8, admin")]
    public async Task The_host_warns_at_start_when_links_may_go_to_administrators(bool allow, string blocked, string? unblocked)
    {
        var settings = new Dictionary<string, string?>
        {
            ["CmsUser:Rules:0:Trigger:Kind"] = "Group",
            ["CmsUser:Rules:0:Trigger:Reference"] = "members",
            ["CmsUser:LoginLinks:AllowAdministrators"] = allow ? "true" : "false",
        };
        foreach (var (role, i) in blocked.Split(',').Select((r, i) => (r, i)))
        {
            settings[$"CmsUser:LoginLinks:BlockedRoles:{i}"] = role;
        }

        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Logging.ClearProviders().AddFakeLogging();
        builder.Services.AddCmsUserProvisioning(builder.Configuration.GetSection("CmsUser")).UseInMemory(new FakeCiviCrm(), new FakeCmsAccountProvider());
        using var host = builder.Build();

        await host.StartAsync();
        await host.StopAsync();

        var warnings = host.Services.GetRequiredService<FakeLogCollector>().GetSnapshot().Where(r => r.Id.Id == 1104).ToList();
        if (unblocked is null)
        {
            warnings.Should().BeEmpty();
        }
        else
        {
            warnings.Should().ContainSingle().Which.Should().Match<FakeLogRecord>(r => r.Level == LogLevel.Warning && r.Message.Contains($"does not name {unblocked}:", StringComparison.Ordinal));
        }
    }
}
