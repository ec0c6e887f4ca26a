using System.Text.Json.Serialization;

namespace Skvare.CmsUser;

/// <summary>How a failure affects a contact and a run.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<FailureKind>))]
public enum FailureKind
{
    /// <summary>The contact's data is the problem (username or email taken, invalid data): counts as an attempt.</summary>
    Permanent,

    /// <summary>The server or network is the problem (timeout, 5xx, 429): does not count; retried next run.</summary>
    Transient,

    /// <summary>The setup is wrong (credentials, permissions, missing plugin): the run stops with a message naming the fix.</summary>
    Configuration,
}

/// <summary>The base of every exception thrown by Skvare.CmsUser packages. Messages never carry secrets.</summary>
/// <remarks>
/// Every value comes through a constructor and is read-only afterwards: a catch block sees what the thrower saw. The
/// constructors never add to the message: <see cref="StatusCode"/> and <see cref="ErrorCode"/> are kept beside it, so
/// what a caller passes as the message is exactly what logs, activities and webhook answers show.
/// </remarks>
public abstract class CmsUserException : Exception
{
    /// <summary>Creates the exception with the runtime's default message.</summary>
    protected CmsUserException()
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">What went wrong and, where possible, how to fix it; never a secret.</param>
    protected CmsUserException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">What went wrong and, where possible, how to fix it; never a secret.</param>
    /// <param name="innerException">The cause.</param>
    protected CmsUserException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception with the answer that failed.</summary>
    /// <param name="message">What went wrong and, where possible, how to fix it; never a secret.</param>
    /// <param name="statusCode">The HTTP status of the response that failed, when there was one.</param>
    /// <param name="errorCode">The server's own error code, when it sent one (a short machine code, never a secret).</param>
    /// <param name="innerException">The cause.</param>
    protected CmsUserException(string message, int? statusCode, string? errorCode, Exception? innerException = null)
        : base(message, innerException)
    {
        StatusCode = statusCode;
        ErrorCode = errorCode;
    }

    /// <summary>How this failure affects a contact and a run.</summary>
    public abstract FailureKind Kind { get; }

    /// <summary>The HTTP status of the response that failed, when there was one.</summary>
    public int? StatusCode { get; }

    /// <summary>The server's own error code, when it sent one.</summary>
    public string? ErrorCode { get; }
}

/// <summary>Why a CMS call failed.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<CmsErrorReason>))]
public enum CmsErrorReason
{
    /// <summary>The username is taken.</summary>
    DuplicateUsername,

    /// <summary>The email is used by another account.</summary>
    DuplicateEmail,

    /// <summary>The CMS refused the username.</summary>
    InvalidUsername,

    /// <summary>The CMS refused the email address.</summary>
    InvalidEmail,

    /// <summary>
    /// One account's data is the problem, on either side: the CMS refused some other value of it (language, a field,
    /// password rules), or the CMS's record of this one account holds a value the provider cannot read (e.g. a role or
    /// group id that is not a whole number) while the rest of the answer has the API's shape. Permanent: the account
    /// fails (counted as an attempt), nothing of it is changed, and the run goes on with the next contact.
    /// </summary>
    InvalidData,

    /// <summary>
    /// A role does not exist or cannot be assigned. A configuration failure (<see cref="FailureKind.Configuration"/>): the
    /// roles come from the rule, so the run stops before every contact of the rule spends an attempt on it.
    /// </summary>
    UnknownRole,

    /// <summary>The account does not exist.</summary>
    NotFound,

    /// <summary>The credentials were refused.</summary>
    Authentication,

    /// <summary>The credentials lack a permission, or a needed API/plugin is not enabled.</summary>
    Permission,

    /// <summary>
    /// The answer as a whole is not the API's: an HTML page or other non-JSON where the API should be (wrong URL, a
    /// module or plugin not enabled, a security page), or JSON of another shape (another API or version). A
    /// configuration failure: the run stops, since every contact would meet the same answer. Compare
    /// <see cref="InvalidData"/>, where one account's record has an unreadable value inside an answer of the right shape.
    /// </summary>
    UnexpectedResponse,

    /// <summary>The server failed or could not be reached (5xx, timeout, connection refused, circuit open).</summary>
    Unavailable,

    /// <summary>The server asked us to slow down (429).</summary>
    Throttled,

    /// <summary>The request may have created the account although it failed; look it up before retrying.</summary>
    UnknownOutcome,

    /// <summary>
    /// The CMS answered but could not send the email asked for (a password reset): its mail system failed, or a site
    /// setting or plugin refused it. Not an outage (the site answered), so it is permanent: counted as an attempt, and a
    /// reset campaign's contact leaves the campaign after <see cref="RetryPolicy.MaxAttempts"/> of them.
    /// </summary>
    MailFailed,

    /// <summary>
    /// The CMS refused only the account's language: the site does not have it (not installed or not enabled). Permanent,
    /// but for the language alone: the engine creates the account again without one, so it gets the site's default
    /// language (as the reference extension did when the site lacked the contact's language), and notes it in the audit.
    /// </summary>
    UnknownLanguage,
}

/// <summary>A CMS call failed. <see cref="Reason"/> tells why; <see cref="CmsUserException.Kind"/> follows from it.</summary>
/// <remarks>
/// Every value comes through the constructor, e.g.
/// <c>new CmsProviderException("WordPress", CmsErrorReason.NotFound, "There is no user 7.", statusCode: 404)</c>.
/// There is no parameterless or message-only constructor: <see cref="Reason"/> decides how the engine treats the
/// failure, so a CMS failure without one would be read as whatever reason the default happened to be.
/// </remarks>
public class CmsProviderException : CmsUserException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="cms">The CMS name, e.g. <c>WordPress</c>.</param>
    /// <param name="reason">Why it failed.</param>
    /// <param name="message">What went wrong; never a secret.</param>
    public CmsProviderException(string cms, CmsErrorReason reason, string message)
        : this(cms, reason, message, null, null, null)
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="cms">The CMS name, e.g. <c>WordPress</c>.</param>
    /// <param name="reason">Why it failed.</param>
    /// <param name="message">What went wrong; never a secret.</param>
    /// <param name="innerException">The cause.</param>
    public CmsProviderException(string cms, CmsErrorReason reason, string message, Exception? innerException)
        : this(cms, reason, message, null, null, innerException)
    {
    }

    /// <summary>Creates the exception with the answer that failed.</summary>
    /// <param name="cms">The CMS name, e.g. <c>WordPress</c>.</param>
    /// <param name="reason">Why it failed.</param>
    /// <param name="message">What went wrong; never a secret.</param>
    /// <param name="statusCode">The HTTP status of the CMS's answer, when there was one.</param>
    /// <param name="errorCode">The CMS's own error code, when it sent one (e.g. WordPress's <c>existing_user_login</c>).</param>
    /// <param name="innerException">The cause.</param>
    public CmsProviderException(string cms, CmsErrorReason reason, string message, int? statusCode = null, string? errorCode = null, Exception? innerException = null)
        : base(message, statusCode, errorCode, innerException)
    {
        Cms = cms;
        Reason = reason;
    }

    /// <summary>The CMS name.</summary>
    public string Cms { get; }

    /// <summary>Why the call failed.</summary>
    public CmsErrorReason Reason { get; }

    /// <inheritdoc />
    public override FailureKind Kind => Reason switch
    {
        // A role comes from the rule, not from the contact: every contact of the rule would meet it (docs/errors.md).
        CmsErrorReason.Authentication or CmsErrorReason.Permission or CmsErrorReason.UnexpectedResponse or CmsErrorReason.UnknownRole => FailureKind.Configuration,
        CmsErrorReason.Unavailable or CmsErrorReason.Throttled or CmsErrorReason.UnknownOutcome => FailureKind.Transient,
        _ => FailureKind.Permanent,
    };
}

/// <summary>The configuration is invalid; thrown at start-up with a message naming the setting.</summary>
public class CmsUserConfigurationException : CmsUserException
{
    /// <summary>Creates the exception with the runtime's default message.</summary>
    public CmsUserConfigurationException()
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">Which setting is wrong and why; never a secret.</param>
    public CmsUserConfigurationException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">Which setting is wrong and why; never a secret.</param>
    /// <param name="innerException">The cause.</param>
    public CmsUserConfigurationException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <inheritdoc />
    public override FailureKind Kind => FailureKind.Configuration;
}
