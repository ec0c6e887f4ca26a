namespace Skvare.CmsUser.Engine;

/// <summary>What processing one contact produced, before the page's bulk write-back.</summary>
internal sealed class ContactWork
{
    public ContactWork(Contact contact, string rule, ActivityKind activityKind, int priorFailures)
    {
        Contact = contact;
        Rule = rule;
        ActivityKind = activityKind;
        PriorFailures = priorFailures;
    }

    public Contact Contact { get; }

    public string Rule { get; }

    public ActivityKind ActivityKind { get; }

    public int PriorFailures { get; }

    public OutcomeKind Kind { get; set; } = OutcomeKind.Skipped;

    public string? Username { get; set; }

    public long? CmsUserId { get; set; }

    public ProvisioningError? Error { get; set; }

    public int? Attempt { get; set; }

    public AccountLinkRequest? Link { get; set; }

    /// <summary>Whether an activity is written for this contact.</summary>
    public bool RecordActivity { get; set; }

    public string? ActivityDetails { get; set; }

    public TriggerDisposition? Disposition { get; set; }

    /// <summary>
    /// Set for a contact found already linked when the rule asks for a notification: if an open Scheduled record
    /// shows that a stopped run created the account, the notification may never have been sent, so it is sent then.
    /// </summary>
    public CmsAccount? NotifyIfRecovered { get; set; }

    public Uri? LoginLink { get; set; }

    public string? LoginLinkWithheld { get; set; }

    /// <summary>Set when the run must stop after this contact (configuration error).</summary>
    public CmsUserException? StopError { get; set; }

    public string NameForSubject => Username ?? Contact.DisplayName ?? Contact.Email ?? $"contact {Contact.Id}";

    public ProvisioningOutcome ToOutcome() => new()
    {
        ContactId = Contact.Id,
        Kind = Kind,
        Rule = Rule,
        Username = Username,
        CmsUserId = CmsUserId,
        Error = Error,
        Attempt = Attempt,
        LoginLink = LoginLink,
        LoginLinkWithheld = LoginLinkWithheld,
    };
}
