namespace Skvare.CmsUser.Standalone;

/// <summary>
/// The Standalone user with this email already belongs to another contact. On Standalone the user row is the
/// contact's UFMatch link, so linking it to this contact would move the other person's login away from them:
/// the provider refuses instead. Permanent for the contact that asked (<see cref="CmsErrorReason.DuplicateEmail"/>).
/// </summary>
public sealed class StandaloneAccountHeldException : CmsProviderException
{
    /// <summary>The error code of this failure.</summary>
    public const string Code = CmsUserErrorCodes.AccountHeldByAnotherContact;

    /// <summary>Creates the exception.</summary>
    /// <param name="userId">The Standalone user.</param>
    /// <param name="holderContactId">The contact that holds it.</param>
    /// <param name="message">What happened; never a secret.</param>
    public StandaloneAccountHeldException(long userId, long holderContactId, string message)
        : base("CiviCRM Standalone", CmsErrorReason.DuplicateEmail, message, errorCode: Code)
    {
        UserId = userId;
        HolderContactId = holderContactId;
    }

    /// <summary>The Standalone user.</summary>
    public long UserId { get; }

    /// <summary>The contact that holds the user.</summary>
    public long HolderContactId { get; }
}
