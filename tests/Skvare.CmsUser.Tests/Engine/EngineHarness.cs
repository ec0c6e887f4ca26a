using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;
using Skvare.CmsUser.Testing.InMemory;

namespace Skvare.CmsUser.Tests.Engine;

/// <summary>Builds the engine over the in-memory CiviCRM and CMS.</summary>
internal sealed class EngineHarness : IDisposable
{
    public const string Trigger = "website_members";
    public const string History = "website_members_done";

    private ServiceProvider? _services;

    public EngineHarness(FakeCmsAccountProvider? cms = null, FakeCiviCrm? civi = null)
    {
        Cms = cms ?? new FakeCmsAccountProvider();
        Civi = civi ?? new FakeCiviCrm();
    }

    /// <summary>Another process over the same sites (a later run after this one's process stopped), with its own clock.</summary>
    public EngineHarness NextProcess(DateTimeOffset now)
    {
        var next = new EngineHarness(Cms, Civi) { Configure = Configure };
        next.Time.SetUtcNow(now);
        return next;
    }

    public FakeCiviCrm Civi { get; }

    public FakeCmsAccountProvider Cms { get; }

    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 11, 25, 10, 0, 0, TimeSpan.Zero));

    public FakeLogCollector Logs { get; private set; } = null!;

    public Action<CmsUserOptions> Configure { get; set; } = _ => { };

    /// <summary>Registrations after the in-memory stores (e.g. a store that replaces one of them).</summary>
    public Action<IServiceCollection> Services { get; set; } = _ => { };

    public IUserProvisioner Provisioner => (_services ??= Build()).GetRequiredService<IUserProvisioner>();

    public static ProvisioningRule GroupRule(params string[] roles)
    {
        var rule = new ProvisioningRule { Name = "members", Trigger = TriggerDefinition.Group(Trigger), History = TriggerDefinition.Group(History) };
        foreach (var role in roles)
        {
            rule.Roles.Add(role);
        }

        return rule;
    }

    public Contact Member(string? first, string? last, string? email, Func<Contact, Contact>? configure = null)
    {
        var contact = Civi.AddContact(first, last, email, configure);
        Civi.AddToGroup(Trigger, contact.Id);
        return contact;
    }

    public void Dispose() => _services?.Dispose();

    private ServiceProvider Build()
    {
        var services = new ServiceCollection();
        services.AddLogging(b => b.AddFakeLogging().SetMinimumLevel(LogLevel.Trace));
        services.AddSingleton<TimeProvider>(Time);
        services.AddCmsUserProvisioning(o =>
        {
            o.Rules.Add(GroupRule("subscriber"));
            o.Retry.QuarantineAfterConsecutiveTransientFailures = 3;
            Configure(o);
        }).UseInMemory(Civi, Cms);
        Services(services);
        var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        Logs = provider.GetRequiredService<FakeLogCollector>();
        return provider;
    }
}
