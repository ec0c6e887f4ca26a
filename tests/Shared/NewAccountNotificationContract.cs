using Microsoft.Extensions.DependencyInjection;
using Skvare.CmsUser.Testing.InMemory;

namespace Skvare.CmsUser.Tests.Shared;

/// <summary>
/// One default for new accounts on every CMS: with the engine's default options a new account leads to
/// exactly one email from the CMS telling the person (its new-account or set-password email, no password
/// in it), and a rule with <c>Notify: false</c> leads to none. Each provider's tests derive from this once,
/// hand over the provider wired to its fake site and say how to read the emails the fake recorded.
/// </summary>
public abstract class NewAccountNotificationContract : OwnedTestResources
{
    private const string Email = "nora.notify@example.org";
    private ICmsAccountProvider? _provider;
    private Func<string, IReadOnlyList<string>> _mailsTo = _ => [];

    /// <summary>The email kinds the CMS's "you have an account" email may have (its template or route name).</summary>
    protected abstract IReadOnlyCollection<string> NotificationKinds { get; }

    /// <summary>Sets the provider under test and how to read the kinds of the emails its fake site sent to an address.</summary>
    protected void Use(ICmsAccountProvider provider, Func<string, IReadOnlyList<string>> mailsTo)
    {
        _provider = provider;
        _mailsTo = mailsTo;
    }

    [Fact(Timeout = 30_000)]
    public async Task A_default_create_tells_the_person_with_exactly_one_email()
    {
        var outcome = await ProvisionOneAsync(ruleNotify: null);

        outcome.Kind.Should().Be(OutcomeKind.Created, outcome.Error?.Message);
        _mailsTo(Email).Should().ContainSingle().Which.Should().BeOneOf(NotificationKinds);
    }

    [Fact(Timeout = 30_000)]
    public async Task A_rule_with_notify_off_creates_the_account_silently()
    {
        var outcome = await ProvisionOneAsync(ruleNotify: false);

        outcome.Kind.Should().Be(OutcomeKind.Created, outcome.Error?.Message);
        _mailsTo(Email).Should().BeEmpty();
    }

    // The engine with its default options and one rule, over an in-memory CiviCRM and the provider under test.
    private async Task<ProvisioningOutcome> ProvisionOneAsync(bool? ruleNotify)
    {
        var cms = _provider ?? throw new InvalidOperationException("Call Use(...) in the constructor.");
        var civi = new FakeCiviCrm();
        var contact = civi.AddContact("Nora", "Notify", Email);
        civi.AddToGroup("members", contact.Id);
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddCmsUserProvisioning(o => o.Rules.Add(new ProvisioningRule
        {
            Name = "members",
            Trigger = TriggerDefinition.Group("members"),
            Notify = ruleNotify,
        })).UseInMemory(civi, cms);
        using var built = services.BuildServiceProvider();
        return await built.GetRequiredService<IUserProvisioner>().ProvisionAsync(contact.Id);
    }
}
