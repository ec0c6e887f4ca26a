namespace Skvare.CmsUser;

/// <summary>
/// The closed set of error codes the SDK puts on a <see cref="ProvisioningError"/>, an activity, a log event and a
/// webhook answer. Every code is snake_case and documented in docs/errors.md with its cause and its fix. A CMS's or
/// CiviCRM's own code is not one of these: it stays on <see cref="CmsUserException.ErrorCode"/> and in the message.
/// </summary>
public static class CmsUserErrorCodes
{
    // The contact's data.

    /// <summary>The contact has no primary email address.</summary>
    public const string NoEmail = "no_email";

    /// <summary>The contact's primary email address is on hold.</summary>
    public const string EmailOnHold = "email_on_hold";

    /// <summary>The contact's primary email address is not a valid address.</summary>
    public const string InvalidEmail = "invalid_email";

    /// <summary>CiviCRM sent the contact's data in a form that cannot be read.</summary>
    public const string InvalidContactData = "invalid_contact_data";

    /// <summary>The contact does not exist or is deleted.</summary>
    public const string ContactNotFound = "contact_not_found";

    /// <summary>A password reset was asked for a contact without a linked CMS account.</summary>
    public const string NoLinkedAccount = "no_linked_account";

    /// <summary>A password reset was skipped: deprovisioning blocked the contact's CMS account and its access was not restored.</summary>
    public const string AccountBlocked = "account_blocked";

    /// <summary>The contact has used its attempts within the attempt window and is skipped.</summary>
    public const string AttemptsUsedUp = "attempts_used_up";

    // The CMS (one per CmsErrorReason).

    /// <summary>The CMS refused the username as taken (<see cref="CmsErrorReason.DuplicateUsername"/>).</summary>
    public const string DuplicateUsername = "duplicate_username";

    /// <summary>The email address belongs to another CMS account (<see cref="CmsErrorReason.DuplicateEmail"/>).</summary>
    public const string DuplicateEmail = "duplicate_email";

    /// <summary>The CMS refused the username (<see cref="CmsErrorReason.InvalidUsername"/>).</summary>
    public const string InvalidUsername = "invalid_username";

    /// <summary>The CMS refused the email address (<see cref="CmsErrorReason.InvalidEmail"/>).</summary>
    public const string CmsInvalidEmail = "cms_invalid_email";

    /// <summary>The CMS refused another value of the account, or its record of the account holds an unreadable value (<see cref="CmsErrorReason.InvalidData"/>).</summary>
    public const string InvalidData = "invalid_data";

    /// <summary>
    /// The CMS refused only the account's language (<see cref="CmsErrorReason.UnknownLanguage"/>). The engine creates the
    /// account again without one, so a contact ends with this code only when that create is refused the same way.
    /// </summary>
    public const string UnknownLanguage = "unknown_language";

    /// <summary>A configured role does not exist on the site (<see cref="CmsErrorReason.UnknownRole"/>).</summary>
    public const string UnknownRole = "unknown_role";

    /// <summary>The CMS account does not exist (<see cref="CmsErrorReason.NotFound"/>).</summary>
    public const string AccountNotFound = "account_not_found";

    /// <summary>The CMS refused the credentials (<see cref="CmsErrorReason.Authentication"/>).</summary>
    public const string CmsAuthentication = "cms_authentication";

    /// <summary>The CMS user lacks a permission (<see cref="CmsErrorReason.Permission"/>).</summary>
    public const string CmsPermission = "cms_permission";

    /// <summary>The CMS's answer as a whole is not its API's (an HTML page, another shape): the run stops (<see cref="CmsErrorReason.UnexpectedResponse"/>).</summary>
    public const string UnexpectedResponse = "unexpected_response";

    /// <summary>The CMS could not be reached or failed (<see cref="CmsErrorReason.Unavailable"/>).</summary>
    public const string CmsUnavailable = "cms_unavailable";

    /// <summary>The CMS asked us to slow down (<see cref="CmsErrorReason.Throttled"/>).</summary>
    public const string Throttled = "throttled";

    /// <summary>An account creation got no answer: the account may exist (<see cref="CmsErrorReason.UnknownOutcome"/>).</summary>
    public const string UnknownOutcome = "unknown_outcome";

    /// <summary>The CMS answered but could not send a password reset email (<see cref="CmsErrorReason.MailFailed"/>).</summary>
    public const string MailFailed = "mail_failed";

    /// <summary>The CMS account (a Standalone user) is already linked to another contact, so the provider refused it.</summary>
    public const string AccountHeldByAnotherContact = "account_held_by_another_contact";

    // Linking and writing back.

    /// <summary>The CMS account found by email is linked to another contact in CiviCRM.</summary>
    public const string AccountLinkedToOtherContact = "account_linked_to_other_contact";

    /// <summary>The CMS account exists but CiviCRM refused the link (UFMatch).</summary>
    public const string LinkFailed = "link_failed";

    /// <summary>The page's results could not be written to CiviCRM (links, activities, trigger changes).</summary>
    public const string WriteBackFailed = "write_back_failed";

    // CiviCRM.

    /// <summary>CiviCRM could not be reached or failed for a while (a transient CiviCRM failure).</summary>
    public const string CiviCrmUnavailable = "civicrm_unavailable";

    /// <summary>CiviCRM refused the SDK's credentials, permissions or a setting (a CiviCRM configuration failure).</summary>
    public const string CiviCrmConfiguration = "civicrm_configuration";

    /// <summary>CiviCRM refused a request for another reason (a permanent CiviCRM failure).</summary>
    public const string CiviCrmError = "civicrm_error";

    /// <summary>
    /// The "User Account Creation" activity type or its settings could not be prepared (the set-up of a process's first
    /// on-demand call). A CiviCRM that could not be reached is <see cref="CiviCrmUnavailable"/> and a refused API key
    /// <see cref="CiviCrmConfiguration"/> instead.
    /// </summary>
    public const string ActivitySetupFailed = "activity_setup_failed";

    // The SDK.

    /// <summary>The SDK's settings are wrong (<see cref="CmsUserConfigurationException"/>).</summary>
    public const string ConfigurationError = "configuration_error";

    /// <summary>An unexpected exception: a defect in the data or in the code; the log has the details.</summary>
    public const string InternalError = "internal_error";

    // The webhook (refused before the provisioner runs).

    /// <summary>The site webhook route names no site that receives webhooks (<c>MapCmsUserSiteWebhooks</c>).</summary>
    public const string UnknownSite = "unknown_site";

    /// <summary>The webhook body is larger than the limit.</summary>
    public const string BodyTooLarge = "body_too_large";

    /// <summary>The webhook request has no timestamp header.</summary>
    public const string MissingTimestamp = "missing_timestamp";

    /// <summary>The webhook timestamp is too far from the server clock.</summary>
    public const string StaleTimestamp = "stale_timestamp";

    /// <summary>The webhook signature is missing or wrong.</summary>
    public const string InvalidSignature = "invalid_signature";

    /// <summary>The webhook replay store cannot be reached.</summary>
    public const string ReplayStoreUnavailable = "replay_store_unavailable";

    /// <summary>The same signed webhook request (timestamp and body) was already accepted.</summary>
    public const string Replayed = "replayed";

    /// <summary>The webhook body is not a valid request (not JSON, no contact id, an unknown rule).</summary>
    public const string InvalidBody = "invalid_body";

    /// <summary>A login link was asked for but login links are turned off.</summary>
    public const string LoginLinksDisabled = "login_links_disabled";

    /// <summary>No provisioning rule is configured.</summary>
    public const string NoRules = "no_rules";

    /// <summary>CiviCRM or the CMS could not be reached in time, and nothing says which.</summary>
    public const string Unavailable = "unavailable";

    /// <summary>The code of a failure the SDK threw: what it means for the contact, never the server's own code.</summary>
    /// <param name="exception">The failure.</param>
    /// <returns>One of this class's codes.</returns>
    public static string For(CmsUserException exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return exception switch
        {
            CmsProviderException { ErrorCode: AccountHeldByAnotherContact } => AccountHeldByAnotherContact,
            CmsProviderException p => For(p.Reason),
            CmsUserConfigurationException => ConfigurationError,
            _ => exception.Kind switch
            {
                FailureKind.Transient => CiviCrmUnavailable,
                FailureKind.Configuration => CiviCrmConfiguration,
                _ => CiviCrmError,
            },
        };
    }

    /// <summary>The code of a CMS failure's reason.</summary>
    /// <param name="reason">Why the CMS call failed.</param>
    /// <returns>One of this class's codes.</returns>
    public static string For(CmsErrorReason reason) => reason switch
    {
        CmsErrorReason.DuplicateUsername => DuplicateUsername,
        CmsErrorReason.DuplicateEmail => DuplicateEmail,
        CmsErrorReason.InvalidUsername => InvalidUsername,
        CmsErrorReason.InvalidEmail => CmsInvalidEmail,
        CmsErrorReason.InvalidData => InvalidData,
        CmsErrorReason.UnknownLanguage => UnknownLanguage,
        CmsErrorReason.UnknownRole => UnknownRole,
        CmsErrorReason.NotFound => AccountNotFound,
        CmsErrorReason.Authentication => CmsAuthentication,
        CmsErrorReason.Permission => CmsPermission,
        CmsErrorReason.Unavailable => CmsUnavailable,
        CmsErrorReason.Throttled => Throttled,
        CmsErrorReason.UnknownOutcome => UnknownOutcome,
        CmsErrorReason.UnexpectedResponse => UnexpectedResponse,
        CmsErrorReason.MailFailed => MailFailed,
        _ => UnexpectedResponse,
    };
}
