using Microsoft.Extensions.DependencyInjection;
using Skvare.CmsUser.Testing.Standalone;

namespace Skvare.CmsUser.Standalone.Tests;

/// <summary>The Standalone provider driven by the engine against the fake site, as a batch run would.</summary>
public sealed class EngineTests : IDisposable
{
    private readonly FakeStandaloneServer _site = new();
    private ServiceProvider? _services;

    public void Dispose()
    {
        _services?.Dispose();
        _site.Dispose();
    }

    private static CancellationToken Timeout() => new CancellationTokenSource(TimeSpan.FromSeconds(50)).Token;

    private IUserProvisioner Engine(int concurrency = 4, int pageSize = 100)
    {
        _services = StandaloneHost.Build(_site, engine: o =>
        {
            o.MaxConcurrency = concurrency;
            o.PageSize = pageSize;
        });
        return _services.GetRequiredService<IUserProvisioner>();
    }

    [Fact]
    public async Task Many_contacts_with_one_name_at_concurrency_16_get_distinct_usernames()
    {
        var group = _site.AddGroup("members");
        var contacts = Enumerable.Range(1, 40).Select(i => _site.AddContact("Maria", "Garcia", $"maria.garcia.{i}@example.org")).ToArray();
        _site.AddToGroup(group, contacts);
        _site.AddUser("maria.garcia", "someone@example.org", null);

        var summary = await Engine(concurrency: 16).RunOnceAsync(cancellationToken: Timeout());

        summary.Count(OutcomeKind.Created).Should().Be(40, string.Join("; ", summary.Failures.Select(o => o.Error!.Message)));
        var names = _site.Users.Select(u => u.Username!.ToLowerInvariant()).ToArray();
        names.Should().OnlyHaveUniqueItems();
        _site.Users.Where(u => contacts.Contains(u.ExtrasOf<FakeStandaloneUserExtras>().ContactId ?? 0)).Select(u => u.Username).Should().NotContain("maria.garcia", "that name was taken before the run");
        _site.CallCount("User", "delete").Should().Be(0, "names are reserved in the process, so no create had to be undone");
        _site.Mails.Should().HaveCount(40);
    }

    [Fact]
    public async Task A_created_contact_costs_one_request_and_look_ups_are_made_once_per_page()
    {
        var group = _site.AddGroup("members");
        _site.AddToGroup(group, Enumerable.Range(1, 25).Select(i => _site.AddContact("Person", $"Number{i}", $"p{i}@example.org")));
        _site.AddToGroup(group, [_site.AddContact("Tom", "Twin", "tom1@example.org"), _site.AddContact("Tom", "Twin", "tom2@example.org")]);

        var summary = await Engine(concurrency: 4, pageSize: 100).RunOnceAsync(cancellationToken: Timeout());

        summary.Count(OutcomeKind.Created).Should().Be(27);
        _site.CallCount("User", "create").Should().Be(27);
        _site.CallCount("User", "sendPasswordResetEmail").Should().Be(0, "the reset email is chained into the create");
        _site.Mails.Should().HaveCount(27);
        _site.CallCount("User", "get").Should().Be(1, "one look-up for the page");
        _site.CallCount("Role", "get").Should().Be(1);
        _site.Users.Select(u => u.Username).Should().Contain(["tom.twin", "tom.twin2"]);
    }

    [Fact]
    public async Task A_login_held_by_another_contact_is_never_moved_and_the_contact_fails_permanently()
    {
        var group = _site.AddGroup("members");
        var owner = _site.AddContact("Existing", "Owner", "shared@example.org");
        var held = _site.AddUser("existing.owner", "shared@example.org", owner);
        var other = _site.AddContact("Second", "Person", "shared@example.org");
        _site.AddToGroup(group, [other]);

        var summary = await Engine().RunOnceAsync(cancellationToken: Timeout());

        var outcome = summary.Failures.Single(o => o.ContactId == other);
        outcome.Kind.Should().Be(OutcomeKind.Failed);
        outcome.Error!.Kind.Should().Be(FailureKind.Permanent);
        outcome.Error.Message.Should().Contain("contact " + owner);
        _site.Users.Single(u => u.Id == held).ExtrasOf<FakeStandaloneUserExtras>().ContactId.Should().Be(owner);
        _site.CallCount("UFMatch", "save").Should().Be(0);
        _site.CallCount("UFMatch", "create").Should().Be(0);
    }

    [Fact]
    public async Task A_refused_mail_leaves_no_user_and_the_next_run_creates_it()
    {
        var group = _site.AddGroup("members");
        var jane = _site.AddContact("Jane", "Doe", "jdoe@example.org");
        _site.AddToGroup(group, [jane]);
        _site.PasswordResetTemplateActive = false;
        var engine = Engine();

        var first = await engine.RunOnceAsync(cancellationToken: Timeout());
        _site.PasswordResetTemplateActive = true;
        var second = await engine.RunOnceAsync(cancellationToken: Timeout());

        first.Count(OutcomeKind.Failed).Should().Be(1);
        second.Count(OutcomeKind.Created).Should().Be(1, string.Join("; ", second.Failures.Select(o => o.Error!.Message)));
        _site.Users.Where(u => u.ExtrasOf<FakeStandaloneUserExtras>().ContactId == jane).Select(u => u.Username).Should().Equal("jane.doe");
    }

    [Fact]
    public async Task On_demand_a_new_contact_costs_one_look_up_and_a_create_with_its_mail()
    {
        var group = _site.AddGroup("members");
        var jane = _site.AddContact("Jane", "Doe", "jdoe@example.org");
        _site.AddToGroup(group, [jane]);
        var engine = Engine();

        var outcome = await engine.ProvisionAsync(jane, cancellationToken: Timeout());

        outcome.Kind.Should().Be(OutcomeKind.Created, outcome.Error?.Message);
        _site.CallCount("User", "get").Should().Be(1);
        _site.CallCount("User", "create").Should().Be(1);
        _site.CallCount("User", "sendPasswordResetEmail").Should().Be(0);
        _site.Mails.Should().ContainSingle();
    }
}
