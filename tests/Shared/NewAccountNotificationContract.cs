using Microsoft.Extensions.DependencyInjection;
using Skvare.CmsUser.Testing;
using Skvare.CmsUser.Testing.InMemory;

namespace Skvare.CmsUser.Tests.Shared;

/// <summary>
/// One default for new accounts on every CMS: with the engine's default options a new account leads to
/// exactly one email from the CMS telling the person (its new-account or set-password email, no password
/// in it), and a rule with <c>Notify: false</c> leads to none. Each provider's tests derive from this once,
/// hand over the provider wired to its fake site and say how to read the emails the fake recorded.
/// What the CMS reports about the email (sent, failed, or unknown where its API cannot tell) reaches the outcome and
/// the Completed "User Account Creation" activity, and a failed email never fails the contact: the account is linked, the
/// contact leaves the trigger, and no later run retries it (no second account, no second email).
/// </summary>
public abstract class NewAccountNotificationContract : OwnedTestResources
{
    private const string Email = "nora.notify@example.org";
    private ICmsAccountProvider? _provider;
    private Func<string, IReadOnlyList<string>> _mailsTo = _ => [];

    /// <summary>The email kinds the CMS's "you have an account" email may have (its template or route name).</summary>
    protected abstract IReadOnlyCollection<string> NotificationKinds { get; }

    /// <summary>What the CMS reports for an email it sent: <see cref="CmsNotification.Sent"/>, or Unknown where its API does not say.</summary>
    protected virtual CmsNotification ReportedWhenSent => CmsNotification.Sent;

    /// <summary>What the CMS reports when its mail system fails: <see cref="CmsNotification.Failed"/>, or Unknown where its API does not say.</summary>
    protected virtual CmsNotification ReportedWhenMailFails => CmsNotification.Failed;

    /// <summary>Makes the fake site's mail system fail (its <c>MailFails</c>).</summary>
    protected abstract void MakeMailFail();

    /// <summary>
    /// Makes the fake site fail every request that sends an email, as a site gone away after the create answered (set its
    /// <c>FaultWhere</c> to <see cref="EmailRequestsFail"/>).
    /// </summary>
    protected abstract void MakeEmailRequestsFail();

    /// <summary>
    /// Whether the new-account email is a request of its own after the create (which a site gone away fails); otherwise it
    /// rides in the create, and what became of it is the create's answer.
    /// </summary>
    protected virtual bool EmailIsARequestOfItsOwn => true;

    /// <summary>The fault rule of <see cref="MakeEmailRequestsFail"/>: a 502 from a proxy whose site went away, for every email request.</summary>
    protected static FakeFault? EmailRequestsFail(FakeFaultRequest request) =>
        request.Operation == FakeCmsOperation.Notify ? FakeFault.Status(502) : null;

    /// <summary>Sets the provider under test and how to read the kinds of the emails its fake site sent to an address.</summary>
    protected void Use(ICmsAccountProvider provider, Func<string, IReadOnlyList<string>> mailsTo)
    {
        _provider = provider;
        _mailsTo = mailsTo;
    }

    [Fact(Timeout = 30_000)]
    public async Task A_default_create_tells_the_person_with_exactly_one_email()
    {
        var (outcome, details) = await ProvisionOneAsync(ruleNotify: null);

        outcome.Kind.Should().Be(OutcomeKind.Created, outcome.Error?.Message);
        _mailsTo(Email).Should().ContainSingle().Which.Should().BeOneOf(NotificationKinds);
        outcome.Notification.Should().Be(ReportedWhenSent);
        details.Should().Contain(ReportedWhenSent == CmsNotification.Sent ? "reported the new-account email as sent" : "new-account email is unknown");
    }

    [Fact(Timeout = 30_000)]
    public async Task A_rule_with_notify_off_creates_the_account_silently()
    {
        var (outcome, details) = await ProvisionOneAsync(ruleNotify: false);

        outcome.Kind.Should().Be(OutcomeKind.Created, outcome.Error?.Message);
        _mailsTo(Email).Should().BeEmpty();
        outcome.Notification.Should().Be(CmsNotification.NotRequested);
        details.Should().Contain("No new-account email was sent");
    }

    [Fact(Timeout = 30_000)]
    public async Task A_failed_email_shows_in_the_completed_activity_and_the_account_is_linked()
    {
        MakeMailFail();

        var (outcome, details) = await ProvisionOneAsync(ruleNotify: null);

        outcome.Kind.Should().Be(OutcomeKind.Created, outcome.Error?.Message);
        _mailsTo(Email).Should().BeEmpty();
        outcome.Notification.Should().Be(ReportedWhenMailFails);
        details.Should().NotContain("reported the new-account email as sent");
        if (ReportedWhenMailFails == CmsNotification.Failed)
        {
            details.Should().Contain("The new-account email could not be sent by the website: ").And.Contain("once the site's mail works");
            outcome.NotificationFailure.Should().NotBeNullOrWhiteSpace();
            outcome.NotificationFailureReason.Should().Be(CmsNotificationFailure.MailRefused, "the site answered that its mail failed");
        }
        else
        {
            details.Should().Contain("new-account email is unknown");
            outcome.NotificationFailureReason.Should().BeNull();
        }
    }

    [Fact(Timeout = 60_000)]
    public async Task A_site_gone_after_the_create_gives_the_unreachable_reason_not_the_mail_one()
    {
        // Found in trial17 (real WordPress behind a proxy stopped mid-run): an email the run could not ask for because the
        // site went away was recorded as mail the site could not send, sending the admin to a mail setup that works.
        MakeEmailRequestsFail();

        var (outcome, details) = await ProvisionOneAsync(ruleNotify: null);

        outcome.Kind.Should().Be(OutcomeKind.Created, outcome.Error?.Message);
        if (!EmailIsARequestOfItsOwn)
        {
            outcome.Notification.Should().Be(ReportedWhenSent, "the email rides in the create, which was answered");
            _mailsTo(Email).Should().ContainSingle();
            return;
        }

        _mailsTo(Email).Should().BeEmpty();
        outcome.Notification.Should().Be(CmsNotification.Failed);
        outcome.NotificationFailureReason.Should().Be(CmsNotificationFailure.SiteUnreachable);
        outcome.NotificationFailure.Should().NotBeNullOrWhiteSpace();
        details.Should().Contain("The account was created, but then the request to send the new-account email failed: ")
            .And.Contain("once the site answers again").And.NotContain("mail works").And.NotContain("could not be sent by the website");
    }

    // The engine with its default options and one rule, over an in-memory CiviCRM and the provider under test; the
    // outcome and the details of the contact's Completed creation activity (whose account is linked).
    private async Task<(ProvisioningOutcome Outcome, string Details)> ProvisionOneAsync(bool? ruleNotify)
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
        var provisioner = built.GetRequiredService<IUserProvisioner>();
        var outcome = await provisioner.ProvisionAsync(contact.Id);
        if (outcome.Kind != OutcomeKind.Created)
        {
            return (outcome, "");
        }

        civi.Links.Should().ContainSingle(l => l.ContactId == contact.Id).Which.CmsUserId.Should().Be(outcome.CmsUserId!.Value);
        var activity = civi.Activities.Should().ContainSingle(a => a.ContactId == contact.Id && a.Kind == ActivityKind.AccountCreation).Which;
        activity.Status.Should().Be(ActivityOutcomeStatus.Completed);
        activity.Subject.Should().StartWith("Created : ");

        // Done, whatever became of the email: the contact left the trigger, so a later run neither retries it (no second
        // account, no second email) nor records anything more.
        civi.GroupStatus("members", contact.Id).Should().Be("Removed");
        var mails = _mailsTo(Email).Count;
        var again = await provisioner.RunOnceAsync();
        again.Counts.Values.Sum().Should().Be(0, "nobody waits in the trigger");
        _mailsTo(Email).Should().HaveCount(mails);
        (await cms.FindByEmailAsync(Email))!.UserId.Should().Be(outcome.CmsUserId.Value);
        civi.Activities.Where(a => a.ContactId == contact.Id).Should().ContainSingle();
        return (outcome, activity.Details ?? "");
    }
}
