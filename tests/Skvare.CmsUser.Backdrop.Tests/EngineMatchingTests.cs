using CsCheck;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Skvare.CmsUser.Testing.InMemory;

namespace Skvare.CmsUser.Backdrop.Tests;

/// <summary>
/// The real Backdrop site matches names and emails ignoring accents and trailing spaces. The engine over
/// the Backdrop provider must treat such a match as the same person only when the email is the same
/// address, never because of a name.
/// </summary>
public sealed class EngineMatchingTests : IDisposable
{
    private readonly BackdropTestHost _host = new();
    private readonly FakeCiviCrm _civi = new();
    private readonly ServiceProvider _services;

    public EngineMatchingTests()
    {
        var services = new ServiceCollection();
        services.AddLogging(b => b.SetMinimumLevel(LogLevel.Warning));
        services.AddCmsUserProvisioning(o =>
        {
            o.Rules.Add(new ProvisioningRule { Name = "members", Trigger = TriggerDefinition.Group("members") });
        }).UseInMemory(_civi, _host.Provider);
        _services = services.BuildServiceProvider();
    }

    private IUserProvisioner Provisioner => _services.GetRequiredService<IUserProvisioner>();

    public void Dispose()
    {
        _services.Dispose();
        _host.Dispose();
    }

    private Contact Member(string first, string last, string email)
    {
        var contact = _civi.AddContact(first, last, email);
        _civi.AddToGroup("members", contact.Id);
        return contact;
    }

    [Fact(Timeout = 30_000)]
    public async Task A_name_that_matches_only_as_the_database_compares_is_another_person()
    {
        var existing = _host.Server.AddUser("josé.müller", "jose.old@example.org");
        var contact = Member("Jose", "Muller", "jose.new@example.org");

        var outcome = await Provisioner.ProvisionAsync(contact.Id);

        outcome.Kind.Should().Be(OutcomeKind.Created);
        outcome.CmsUserId.Should().NotBe(existing.Id);
        outcome.Username.Should().Be("jose.muller2", "the site treats jose.muller as taken by josé.müller");
        _host.Server.FindUser(outcome.CmsUserId!.Value)!.Email.Should().Be("jose.new@example.org");
    }

    [Fact(Timeout = 30_000)]
    public async Task An_email_that_matches_only_as_the_database_compares_is_not_linked()
    {
        var existing = _host.Server.AddUser("imported", "aná@example.org");
        var contact = Member("Ana", "Lima", "ana@example.org");

        var outcome = await Provisioner.ProvisionAsync(contact.Id);

        outcome.Kind.Should().NotBe(OutcomeKind.Linked);
        outcome.CmsUserId.Should().NotBe(existing.Id);
        outcome.Error!.Code.Should().Be(CmsUserErrorCodes.DuplicateEmail, "the site refuses the address as taken, and it is not this contact's");
        _civi.Links.Should().BeEmpty();
    }

    [Fact(Timeout = 30_000)]
    public async Task The_same_email_in_other_case_is_the_same_person_and_is_linked()
    {
        var existing = _host.Server.AddUser("ana.lima.old", "Ana.Lima@Example.org");
        var contact = Member("Ana", "Lima", "ana.lima@example.org");

        var outcome = await Provisioner.ProvisionAsync(contact.Id);

        outcome.Kind.Should().Be(OutcomeKind.Linked);
        outcome.CmsUserId.Should().Be(existing.Id);
    }

    [Fact(Timeout = 30_000)]
    public async Task Provider_email_lookup_returns_only_the_same_address()
    {
        _host.Server.AddUser("a", "zoë@example.org");
        _host.Server.AddUser("b", "bob@example.org  ");

        (await _host.Provider.FindByEmailAsync("zoe@example.org")).Should().BeNull();
        (await _host.Provider.FindByEmailAsync("BOB@example.org"))!.Username.Should().Be("b");
    }

    [Fact]
    public void Provider_email_lookup_finds_case_variants_and_never_accent_variants()
    {
        var local = Gen.String[Gen.Char["abcdefghijklmnopqrstuvwxyz0123456789"], 1, 20];
        var n = 0;
        Gen.Select(local, Gen.Bool).Sample((name, upper) =>
        {
            var stored = $"{name}{++n}é@example.org";
            _host.Server.AddUser($"gen{n}", stored);
            var sameInOtherCase = upper ? stored.ToUpperInvariant() : stored;
            var withoutAccent = stored.Replace('é', 'e');
            return _host.Provider.FindByEmailAsync(sameInOtherCase).GetAwaiter().GetResult()?.Email == stored
                && _host.Provider.FindByEmailAsync(withoutAccent).GetAwaiter().GetResult() is null;
        }, iter: 40, threads: 1);
    }

    [Fact(Timeout = 30_000)]
    public async Task Provider_name_lookup_reports_a_name_the_site_considers_taken()
    {
        _host.Server.AddUser("José Müller", "jose@example.org");

        (await _host.Provider.FindByUsernameAsync("jose muller"))!.Username.Should().Be("José Müller");
    }
}
