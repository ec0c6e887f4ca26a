namespace Skvare.CmsUser;

/// <summary>
/// A CiviCRM contact as the provisioning engine sees it: identity, names, primary email,
/// preferred language and any links it already has to CMS accounts.
/// </summary>
public sealed record Contact
{
    /// <summary>The CiviCRM contact id.</summary>
    public required long Id { get; init; }

    /// <summary>First name, if any.</summary>
    public string? FirstName { get; init; }

    /// <summary>Middle name, if any.</summary>
    public string? MiddleName { get; init; }

    /// <summary>Last name, if any.</summary>
    public string? LastName { get; init; }

    /// <summary>Nick name, if any.</summary>
    public string? NickName { get; init; }

    /// <summary>Display name as CiviCRM computes it.</summary>
    public string? DisplayName { get; init; }

    /// <summary>The primary email address, or <see langword="null"/> when the contact has none.</summary>
    public string? Email { get; init; }

    /// <summary><see langword="true"/> when the primary email is on hold (bounce or opt-out).</summary>
    public bool EmailOnHold { get; init; }

    /// <summary>External identifier, if any.</summary>
    public string? ExternalIdentifier { get; init; }

    /// <summary>Preferred language as CiviCRM stores it (for example <c>en_US</c>).</summary>
    public string? PreferredLanguage { get; init; }

    /// <summary>
    /// When the contact last entered the trigger (for example the group subscription history date),
    /// where the trigger source knows it. Failed attempts older than this do not count.
    /// </summary>
    public DateTimeOffset? TriggeredAt { get; init; }

    /// <summary>Links between this contact and CMS accounts, in this domain and in others.</summary>
    public IReadOnlyList<AccountLink> Links { get; init; } = [];

    /// <summary>
    /// Extra contact fields requested through <see cref="TriggerSourceContext.ExtraFields"/>
    /// (for example <c>custom_12</c>), keyed by field name. A date token's field carries its filter
    /// (<c>birth_date</c>, <c>birth_date|crmDate</c>, <c>birth_date|crmDate:"%Y"</c>): its value is the date as
    /// CiviCRM's token processor prints it, not the ISO text.
    /// </summary>
    public IReadOnlyDictionary<string, string?> Fields { get; init; } = EmptyFields;

    /// <summary>
    /// Why some of this contact's data could not be read (a field of the wrong type, text that is not valid
    /// Unicode), or <see langword="null"/>. The engine fails such a contact with <c>invalid_contact_data</c>
    /// (a counted attempt) and goes on with the others.
    /// </summary>
    public string? DataError { get; init; }

    /// <summary>
    /// Why some of <see cref="Fields"/> could not be read because the request that reads them failed (CiviCRM's website
    /// read, for <c>{contact.url}</c>, got no answer, was refused, or answered what cannot be read), or
    /// <see langword="null"/>. Those fields are then empty in <see cref="Fields"/>, so the engine does not make this
    /// contact's username or CMS fields from them: it fails the contact with this failure's kind and code (a transient
    /// one records nothing and leaves the contact in the trigger for the next run) and goes on with the others.
    /// </summary>
    public CmsUserException? FieldsFailure { get; init; }

    /// <summary>The link in the current CiviCRM domain, if any.</summary>
    public AccountLink? CurrentDomainLink => Links.FirstOrDefault(l => l.IsCurrentDomain);

    private static readonly IReadOnlyDictionary<string, string?> EmptyFields = new Dictionary<string, string?>();
}
