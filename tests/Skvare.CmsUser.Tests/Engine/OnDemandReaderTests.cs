using Microsoft.Extensions.DependencyInjection;
using Skvare.CmsUser.Testing.InMemory;

namespace Skvare.CmsUser.Tests.Engine;

/// <summary>
/// The engine reads an on-demand contact through the registered <see cref="IProvisioningContactReader"/> (once per call,
/// with every rule's trigger in order, the audit records asked for and the Scheduled record to open), and through
/// <see cref="ComposedProvisioningContactReader"/> when none is registered.
/// </summary>
public sealed class OnDemandReaderTests
{
    [Fact(Timeout = 30_000)]
    public async Task A_registered_reader_is_asked_once_per_call_with_every_rule_in_order()
    {
        var civi = new FakeCiviCrm();
        var cms = new FakeCmsAccountProvider();
        var spy = new SpyReader(new ComposedProvisioningContactReader(civi, civi, civi));
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddCmsUserProvisioning(o =>
        {
            o.Rules.Add(EngineHarness.GroupRule("subscriber"));
            o.Rules.Add(new ProvisioningRule { Name = "premium", Trigger = TriggerDefinition.Tag("premium") });
        }).UseInMemory(civi, cms);
        services.AddSingleton<IProvisioningContactReader>(spy);
        using var provider = services.BuildServiceProvider();
        var ana = civi.AddContact("Ana", "Lima", "ana@example.org");
        civi.AddTag("premium", ana.Id);

        var outcome = await provider.GetRequiredService<IUserProvisioner>().ProvisionAsync(ana.Id, cancellationToken: new CancellationTokenSource(TimeSpan.FromSeconds(25)).Token);

        outcome.Kind.Should().Be(OutcomeKind.Created);
        outcome.Rule.Should().Be("premium");
        var query = spy.Queries.Should().ContainSingle().Subject;
        query.ContactId.Should().Be(ana.Id);
        query.Triggers.Select(t => t.Trigger.ToString()).Should().Equal(TriggerDefinition.Group(EngineHarness.Trigger).ToString(), TriggerDefinition.Tag("premium").ToString());
        query.ReadAudits.Should().BeTrue();
        query.Open.Should().NotBeNull();
        query.Open!.Status.Should().Be(ActivityOutcomeStatus.Scheduled);
        civi.Activities.Where(a => a.ContactId == ana.Id).Should().ContainSingle("the record the read opened is completed")
            .Which.Status.Should().Be(ActivityOutcomeStatus.Completed);
    }

    private sealed class SpyReader(IProvisioningContactReader inner) : IProvisioningContactReader
    {
        public List<ProvisioningContactQuery> Queries { get; } = [];

        public Task<ProvisioningContactRead?> ReadAsync(ProvisioningContactQuery query, CancellationToken cancellationToken = default)
        {
            Queries.Add(query);
            return inner.ReadAsync(query, cancellationToken);
        }
    }
}
