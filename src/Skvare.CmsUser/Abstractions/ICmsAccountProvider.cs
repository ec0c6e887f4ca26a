using System.Text.Json.Serialization;

namespace Skvare.CmsUser;

/// <summary>
/// Speaks one CMS's HTTP API to find, create and manage website accounts.
/// Every failure is thrown as a <see cref="CmsProviderException"/> whose
/// <see cref="CmsProviderException.Reason"/> says whether it is the contact's data
/// (permanent), the server (transient) or the setup (configuration).
/// </summary>
public interface ICmsAccountProvider
{
    /// <summary>Short name of the CMS, e.g. <c>WordPress</c>.</summary>
    string Name { get; }

    /// <summary>What usernames this CMS accepts; the engine makes usernames fit these rules.</summary>
    UsernameRules UsernameRules { get; }

    /// <summary>What this provider can do.</summary>
    CmsCapabilities Capabilities { get; }

    /// <summary>Finds an account by email (exact, case-insensitive), or <see langword="null"/>.</summary>
    /// <param name="email">The email address.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    Task<CmsAccount?> FindByEmailAsync(string email, CancellationToken cancellationToken = default);

    /// <summary>Finds an account by username (exact match, case-insensitive), or <see langword="null"/>.</summary>
    /// <param name="username">The username.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    Task<CmsAccount?> FindByUsernameAsync(string username, CancellationToken cancellationToken = default);

    /// <summary>Reads an account by its CMS user id, or <see langword="null"/> when it does not exist.</summary>
    /// <param name="userId">The CMS user id.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    Task<CmsAccount?> GetByIdAsync(long userId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Creates an account. Throws <see cref="CmsProviderException"/> with
    /// <see cref="CmsErrorReason.DuplicateUsername"/> or <see cref="CmsErrorReason.DuplicateEmail"/>
    /// when the CMS says so, and <see cref="CmsErrorReason.UnknownOutcome"/> when the request may
    /// have created the account although it failed (the engine then looks it up by email).
    /// When <see cref="NewCmsAccount.Notify"/> is set the provider has the CMS send exactly
    /// one email telling the person the account exists (its new-account or set-password email, without
    /// the password); when it is not set, none. A failure of that email does not fail the create.
    /// </summary>
    /// <param name="account">What to create.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    Task<CmsAccount> CreateAsync(NewCmsAccount account, CancellationToken cancellationToken = default);

    /// <summary>Gives the account these roles in addition to the ones it has.</summary>
    /// <param name="account">The account (at least <see cref="CmsAccount.UserId"/>).</param>
    /// <param name="roles">CMS role names (or ids where the CMS uses ids).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    Task AddRolesAsync(CmsAccount account, IReadOnlyCollection<string> roles, CancellationToken cancellationToken = default);

    /// <summary>
    /// Takes these roles away from the account and leaves its other roles as they are (deprovisioning).
    /// Roles the account does not hold are ignored. A provider whose CMS cannot do it (no
    /// <see cref="CmsCapabilities.RemoveRoles"/>) throws a configuration error.
    /// </summary>
    /// <param name="account">The account (at least <see cref="CmsAccount.UserId"/>).</param>
    /// <param name="roles">CMS role names (or ids where the CMS uses ids).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    Task RemoveRolesAsync(CmsAccount account, IReadOnlyCollection<string> roles, CancellationToken cancellationToken = default) =>
        throw new CmsUserConfigurationException($"The {Name} provider cannot remove roles; use Deprovision:Action Block for this CMS.");

    /// <summary>Asks the CMS to send its own password reset (set-password) email.</summary>
    /// <param name="account">The account (at least <see cref="CmsAccount.UserId"/>).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    Task SendPasswordResetAsync(CmsAccount account, CancellationToken cancellationToken = default);

    /// <summary>Blocks the account (never deletes it).</summary>
    /// <param name="account">The account (at least <see cref="CmsAccount.UserId"/>).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    Task BlockAsync(CmsAccount account, CancellationToken cancellationToken = default);

    /// <summary>
    /// Lifts a block (<see cref="BlockAsync"/>), so the account can log in again; an account that is not blocked
    /// is left as it is. Used when a deprovisioned contact is provisioned again. A provider whose CMS cannot do it
    /// (no <see cref="CmsCapabilities.Unblock"/>) throws a configuration error.
    /// </summary>
    /// <param name="account">The account (at least <see cref="CmsAccount.UserId"/>).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    Task UnblockAsync(CmsAccount account, CancellationToken cancellationToken = default) =>
        throw new CmsUserConfigurationException($"The {Name} provider cannot unblock accounts.");

    /// <summary>
    /// Returns a one-time login or set-password link for the account, or <see langword="null"/>
    /// when the CMS (or its configuration) offers none.
    /// </summary>
    /// <param name="account">The account.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    Task<Uri?> CreateOneTimeLoginLinkAsync(CmsAccount account, CancellationToken cancellationToken = default);

    /// <summary>Checks that the CMS answers and that the credentials have the permissions needed.</summary>
    /// <param name="cancellationToken">Cancels the check.</param>
    Task<ConnectivityReport> CheckConnectivityAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Checks that the CMS accepts the configured credentials, with one cheap authenticated request where the CMS allows
    /// it (the first item of <see cref="CheckConnectivityAsync"/>). A batch run or a dry run calls it when no contact
    /// reached the CMS (<see cref="CmsUserOptions.CheckCmsCredentials"/>), so wrong credentials are reported by the
    /// first scheduled run, not by the first contact that needs an account weeks later. Failures are returned, not thrown.
    /// </summary>
    /// <param name="cancellationToken">Cancels the check.</param>
    /// <returns>
    /// A passed check; or a failed one whose <see cref="ConnectivityCheck.Failure"/> is <see cref="FailureKind.Configuration"/>
    /// (the credentials or their permissions were refused; <see langword="null"/> is read the same way) or
    /// <see cref="FailureKind.Transient"/> (the CMS could not be reached or was unavailable). Its detail names the setting
    /// to fix and never holds a secret.
    /// </returns>
    /// <remarks>
    /// The default sums up <see cref="CheckConnectivityAsync"/> (every check of it, so possibly several requests): passed
    /// when the report is healthy, else its first failed check (one that is not transient first). Providers override it
    /// with a single request.
    /// </remarks>
    Task<ConnectivityCheck> CheckCredentialsAsync(CancellationToken cancellationToken = default) =>
        CredentialsCheck.FromConnectivityAsync(this, cancellationToken);
}

/// <summary>What a CMS provider supports.</summary>
[Flags]
[JsonConverter(typeof(JsonStringEnumConverter<CmsCapabilities>))]
public enum CmsCapabilities
{
    /// <summary>Nothing beyond find and create.</summary>
    None = 0,

    /// <summary>Accounts can be created without a password (the person sets one from an email).</summary>
    CreateWithoutPassword = 1,

    /// <summary>Accounts can be blocked.</summary>
    Block = 2,

    /// <summary>One-time login or set-password links can be issued.</summary>
    OneTimeLoginLink = 4,

    /// <summary>Roles can be taken away from an account (<see cref="ICmsAccountProvider.RemoveRolesAsync"/>).</summary>
    RemoveRoles = 8,

    /// <summary>Blocked accounts can be unblocked (<see cref="ICmsAccountProvider.UnblockAsync"/>).</summary>
    Unblock = 16,

    /// <summary>
    /// <see cref="ICmsAccountProvider.CreateAsync"/> refuses a taken username and a taken email itself (throwing
    /// <see cref="CmsErrorReason.DuplicateUsername"/> or <see cref="CmsErrorReason.DuplicateEmail"/>), so the engine
    /// creates without looking the email and the username up first and looks up only after a refusal ("create first").
    /// Without it the engine looks up before every create. A provider may report either refusal first when both apply.
    /// </summary>
    CreateRefusesDuplicates = 32,

    /// <summary>
    /// <see cref="ICmsAccountProvider.CreateAsync"/> sends the CMS's new-account email (when
    /// <see cref="NewCmsAccount.Notify"/> asks for it) in the same request that creates the account, so an account that
    /// exists was told about. A contact recovered from a run that stopped after the create (found linked, its audit
    /// record still open) then gets no second email. Without it the engine cannot tell whether the separate
    /// notification request went out and sends the notification again through
    /// <see cref="ICmsAccountProvider.SendPasswordResetAsync"/>.
    /// </summary>
    NotifiesInCreate = 64,
}

/// <summary>An account in the CMS.</summary>
/// <param name="UserId">The CMS user id (what UFMatch stores as <c>uf_id</c>).</param>
/// <param name="Username">The login name, when known.</param>
/// <param name="Email">The email, when known.</param>
public sealed record CmsAccount(long UserId, string? Username, string? Email)
{
    /// <summary>Whether the account is active (not blocked), when known.</summary>
    public bool? IsActive { get; init; }

    /// <summary>The account's roles, when known.</summary>
    public IReadOnlyList<string> Roles { get; init; } = [];

    /// <summary>
    /// When the CMS created the account, as its answer says (WordPress <c>registered_date</c>, Drupal <c>created</c>, Joomla
    /// <c>registerDate</c>, …), or <see langword="null"/> when the answer does not say. A provider fills it only from what a
    /// request it sends anyway returns. The engine uses it to tell an account an interrupted run of its own created (made at
    /// or after that attempt's open audit record) from one that existed before.
    /// </summary>
    public DateTimeOffset? CreatedAt { get; init; }

    /// <summary>
    /// What became of the new-account email, on the account <see cref="ICmsAccountProvider.CreateAsync"/> returns: the
    /// provider says <see cref="CmsNotification.Sent"/> or <see cref="CmsNotification.Failed"/> only when the CMS said so,
    /// and <see cref="CmsNotification.Unknown"/> (the default) when it cannot tell. Meaningless on a found account.
    /// </summary>
    public CmsNotification Notification { get; init; }

    /// <summary>
    /// Why the new-account email could not be sent, in the CMS's words, when <see cref="Notification"/> is
    /// <see cref="CmsNotification.Failed"/>; otherwise <see langword="null"/>. Never a secret.
    /// </summary>
    public string? NotificationFailure { get; init; }

    /// <summary>
    /// What kind of failure <see cref="NotificationFailure"/> is, when <see cref="Notification"/> is
    /// <see cref="CmsNotification.Failed"/>: the site's mail refused the email, or the request to send it after the create
    /// failed (the site could not be reached, did not answer, or failed). <see cref="CmsNotificationFailure.Unknown"/> (the default) when the provider does not say; read
    /// only on a failed email.
    /// </summary>
    public CmsNotificationFailure NotificationFailureReason { get; init; }
}

/// <summary>
/// Why the new-account email of a created account could not be sent (<see cref="CmsNotification.Failed"/>), as the
/// provider knows it: what the admin fixes before sending a password reset.
/// </summary>
[JsonConverter(typeof(JsonStringEnumConverter<CmsNotificationFailure>))]
public enum CmsNotificationFailure
{
    /// <summary>The provider did not say (its text, <see cref="CmsAccount.NotificationFailure"/>, may).</summary>
    Unknown = 0,

    /// <summary>
    /// The site answered that its mail system could not send the email (<see cref="CmsErrorReason.MailFailed"/>): fix the
    /// site's mail setup.
    /// </summary>
    MailRefused,

    /// <summary>
    /// The account was created, then the request to send the email failed: the site could not be reached, did not answer
    /// in time, ended the connection without an answer, failed with a server error or a throttling answer
    /// (<see cref="CmsErrorReason.Unavailable"/> or <see cref="CmsErrorReason.Throttled"/>; <see cref="CmsAccount.NotificationFailure"/>
    /// says which). Nothing says its mail is broken: wait until the site answers again. A request that got no answer may
    /// have reached the site, and the email may have gone out.
    /// </summary>
    SiteUnreachable,
}

/// <summary>
/// What became of the new-account email a create asked for (<see cref="NewCmsAccount.Notify"/>), as the CMS reported it.
/// The engine writes it into the "User Account Creation" activity.
/// </summary>
[JsonConverter(typeof(JsonStringEnumConverter<CmsNotification>))]
public enum CmsNotification
{
    /// <summary>The CMS did not say whether the email went out (the default: never read as sent).</summary>
    Unknown = 0,

    /// <summary>No email was sent because none was asked for.</summary>
    NotRequested,

    /// <summary>The CMS reported the email as handed to its mail system.</summary>
    Sent,

    /// <summary>
    /// The email could not be sent: the CMS reported that its mail system failed, or the request to send it after the create
    /// failed (see <see cref="CmsAccount.NotificationFailureReason"/> and <see cref="CmsAccount.NotificationFailure"/>).
    /// The account exists; a password reset sends the person a set-password email once the site answers and its mail works.
    /// </summary>
    Failed,
}

/// <summary>What to create. Its string form never shows the password.</summary>
public sealed record NewCmsAccount
{
    /// <summary>The login name, already valid for the CMS.</summary>
    public required string Username { get; init; }

    /// <summary>The email address.</summary>
    public required string Email { get; init; }

    /// <summary>The password, or <see langword="null"/> to let the CMS send a set-password email.</summary>
    public string? Password { get; init; }

    /// <summary>The CiviCRM contact this account is for (used by CMSs whose user row is the link).</summary>
    public long? ContactId { get; init; }

    /// <summary>First name, where the CMS stores it.</summary>
    public string? FirstName { get; init; }

    /// <summary>Last name, where the CMS stores it.</summary>
    public string? LastName { get; init; }

    /// <summary>Display name, where the CMS stores it.</summary>
    public string? DisplayName { get; init; }

    /// <summary>Preferred language as a CiviCRM locale (<c>de_DE</c>) or as mapped by configuration; the provider converts it to the CMS's form.</summary>
    public string? Language { get; init; }

    /// <summary>Roles to give (CMS role names, or ids where the CMS uses ids).</summary>
    public IReadOnlyList<string> Roles { get; init; } = [];

    /// <summary>Whether the account is active (not blocked). Default <see langword="true"/>.</summary>
    public bool Active { get; init; } = true;

    /// <summary>
    /// Whether the person is told the account exists: after creating the account the provider has the CMS
    /// send exactly one email of its own (its new-account or set-password email, never containing the
    /// password); when <see langword="false"/> the provider sends none. The engine sets it from
    /// <see cref="CmsUserOptions.Notify"/> (default <see langword="true"/>) or the rule's override.
    /// </summary>
    public bool Notify { get; init; }

    /// <summary>Extra CMS fields from the field mapping, by CMS field name.</summary>
    public IReadOnlyDictionary<string, string> Fields { get; init; } = System.Collections.ObjectModel.ReadOnlyDictionary<string, string>.Empty;

    /// <summary>Prints the members without the password.</summary>
    private bool PrintMembers(System.Text.StringBuilder builder)
    {
        builder.Append("Username = ").Append(Username)
            .Append(", Email = ").Append(Email)
            .Append(", Password = ").Append(Password is null ? "(none)" : "***")
            .Append(", ContactId = ").Append(ContactId)
            .Append(", Roles = [").Append(string.Join(", ", Roles)).Append(']')
            .Append(", Active = ").Append(Active)
            .Append(", Notify = ").Append(Notify);
        return true;
    }
}

/// <summary>The username rules of a CMS.</summary>
public sealed record UsernameRules
{
    /// <summary>Longest accepted username.</summary>
    public int MaxLength { get; init; } = 60;

    /// <summary>Shortest accepted username.</summary>
    public int MinLength { get; init; } = 1;

    /// <summary>
    /// Punctuation allowed besides ASCII letters and digits (for example <c>._-@</c>).
    /// A space is allowed only if listed here.
    /// </summary>
    public string AllowedPunctuation { get; init; } = "._-";

    /// <summary>When <see langword="false"/>, non-ASCII letters are accepted as they are; otherwise they are transliterated.</summary>
    public bool AsciiOnly { get; init; } = true;

    /// <summary>Whether the engine should lower-case usernames.</summary>
    public bool Lowercase { get; init; } = true;

    /// <summary>Rules that suit every supported CMS: <c>[a-z0-9._-]</c>, 2 to 60 characters.</summary>
    public static UsernameRules Default { get; } = new() { MinLength = 2 };
}

/// <summary>The result of a connectivity and permission check.</summary>
/// <param name="Target">What was checked (e.g. <c>WordPress https://site</c>).</param>
/// <param name="Healthy">Whether everything needed works.</param>
/// <param name="Checks">Individual checks with their results.</param>
public sealed record ConnectivityReport(string Target, bool Healthy, IReadOnlyList<ConnectivityCheck> Checks);

/// <summary>One item of a <see cref="ConnectivityReport"/>.</summary>
/// <param name="Name">What was checked.</param>
/// <param name="Passed">Whether it passed.</param>
/// <param name="Detail">What was found, and how to fix it when it failed. Never a secret.</param>
public sealed record ConnectivityCheck(string Name, bool Passed, string Detail)
{
    /// <summary>
    /// Why a failed check failed, when a call failed: <see cref="FailureKind.Transient"/> when the server could not be
    /// reached or was unavailable (try again later), <see cref="FailureKind.Configuration"/> for credentials,
    /// permissions or settings. <see langword="null"/> for a check that passed, or that failed on what the server
    /// answered (a missing permission or module), which is a setup problem.
    /// </summary>
    public FailureKind? Failure { get; init; }

    /// <summary>
    /// A failed check for a call that threw: its <see cref="Detail"/> is <paramref name="error"/>'s message as it is (the
    /// SDK's exception messages name the fix and never hold a secret) and its <see cref="Failure"/> is
    /// <paramref name="error"/>'s <see cref="CmsUserException.Kind"/>, so a caller tells a server to wait for from a
    /// setting to fix.
    /// </summary>
    /// <param name="name">What was checked.</param>
    /// <param name="error">Why the call failed.</param>
    /// <returns>The failed check.</returns>
    /// <example><c>catch (CmsProviderException ex) { checks.Add(ConnectivityCheck.Failed("Authentication", ex)); }</c></example>
    public static ConnectivityCheck Failed(string name, CmsUserException error)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(error);
        return new ConnectivityCheck(name, false, error.Message) { Failure = error.Kind };
    }
}
