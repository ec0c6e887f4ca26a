using Microsoft.Extensions.DependencyInjection;
using Skvare.CmsUser.Testing.InMemory;

namespace Skvare.CmsUser.Tests.Shared;

/// <summary>
/// A CMS companion that serialises creates of one email (Backdrop's module, Drupal's and Joomla's companions) answers
/// "busy" when another request held the email's create lock past its wait, and creates nothing. The provider must
/// report that as <see cref="CmsErrorReason.Unavailable"/> (transient, never an unknown outcome), and the engine must
/// leave the contact for a later run without spending one of its attempts. Each provider's tests derive from this
/// once and hand over the provider wired to its fake site, how the fake holds a lock, and how to count accounts.
/// </summary>
public abstract class BusyCreateContract : OwnedTestResources
{
    private const string Email = "bea.busy@example.org";
    private ICmsAccountProvider? _provider;
    private Func<string, IDisposable> _holdEmailLock = _ => throw new InvalidOperationException("Call Use(...) in the constructor.");
    private Func<string, int> _accountsWithEmail = _ => 0;

    /// <summary>The <see cref="CmsUserException.ErrorCode"/> the provider reports for the busy answer, if it reports one.</summary>
    protected abstract string? BusyErrorCode { get; }

    /// <summary>Sets the provider under test, how its fake site holds an email's create lock, and how many accounts have an email.</summary>
    protected void Use(ICmsAccountProvider provider, Func<string, IDisposable> holdEmailLock, Func<string, int> accountsWithEmail)
    {
        _provider = provider;
        _holdEmailLock = holdEmailLock;
        _accountsWithEmail = accountsWithEmail;
    }

    private ICmsAccountProvider Provider => _provider ?? throw new InvalidOperationException("Call Use(...) in the constructor.");

    [Fact(Timeout = 30_000)]
    public async Task A_busy_create_is_Unavailable_creates_nothing_and_the_next_attempt_creates()
    {
        var account = new NewCmsAccount { Username = "bea.busy", Email = Email, FirstName = "Bea", LastName = "Busy", Password = "S3cret-pass!" };
        var held = _holdEmailLock(Email.ToUpperInvariant());

        var act = () => Provider.CreateAsync(account);

        var ex = (await act.Should().ThrowAsync<CmsProviderException>()).Which;
        ex.Reason.Should().Be(CmsErrorReason.Unavailable, "the lock was not taken, so nothing can have been created");
        ex.Kind.Should().Be(FailureKind.Transient);
        ex.StatusCode.Should().Be(503);
        if (BusyErrorCode is not null)
        {
            ex.ErrorCode.Should().Be(BusyErrorCode);
        }

        _accountsWithEmail(Email).Should().Be(0);

        held.Dispose();
        (await Provider.CreateAsync(account)).Email.Should().Be(Email);
        _accountsWithEmail(Email).Should().Be(1);
    }

    [Fact(Timeout = 30_000)]
    public async Task The_engine_leaves_a_busy_contact_for_a_later_run_without_spending_an_attempt()
    {
        var civi = new FakeCiviCrm();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddCmsUserProvisioning(o => o.Rules.Add(new ProvisioningRule { Name = "members", Trigger = TriggerDefinition.Group("members") }))
            .UseInMemory(civi, Provider);
        await using var built = services.BuildServiceProvider();
        var contact = civi.AddContact("Bea", "Busy", Email);
        civi.AddToGroup("members", contact.Id);
        var provisioner = built.GetRequiredService<IUserProvisioner>();

        ProvisioningOutcome busy;
        using (_holdEmailLock(Email))
        {
            busy = await provisioner.ProvisionAsync(contact.Id);
        }

        busy.Kind.Should().Be(OutcomeKind.Failed);
        busy.Error!.Kind.Should().Be(FailureKind.Transient);
        var attempts = await civi.CountFailedAttemptsAsync([new AttemptCountRequest(contact.Id, DateTimeOffset.MinValue)], ActivityKind.AccountCreation);
        attempts[contact.Id].Should().Be(0, "a busy lock is transient and does not use up an attempt");
        _accountsWithEmail(Email).Should().Be(0);

        (await provisioner.ProvisionAsync(contact.Id)).Kind.Should().Be(OutcomeKind.Created);
        _accountsWithEmail(Email).Should().Be(1);
    }
}
