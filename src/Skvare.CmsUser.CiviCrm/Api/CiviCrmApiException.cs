namespace Skvare.CmsUser.CiviCrm.Api;

/// <summary>
/// A CiviCRM API v4 call failed. Carries the HTTP status, CiviCRM's <c>error_code</c>, <c>error_message</c>
/// and Error ID, whatever the body type (JSON, the <c>text/plain</c> authx refusal, or an HTML error page).
/// </summary>
/// <remarks>
/// Every value comes through the constructor and is read-only afterwards, as with Azure's <c>RequestFailedException</c>:
/// a catch block sees what the client saw. A test double of <see cref="CiviCrmApiClient"/> constructs one with the
/// named arguments it needs, e.g. <c>new CiviCrmApiException(FailureKind.Transient, "down", "Contact", "get", neverSent: true)</c>.
/// </remarks>
public sealed class CiviCrmApiException : CmsUserException
{
    private readonly FailureKind _kind;

    /// <summary>Creates the exception.</summary>
    /// <param name="kind">How the failure affects a run.</param>
    /// <param name="message">What went wrong and how to fix it; never a secret.</param>
    /// <param name="entity">The entity called, e.g. <c>Contact</c>.</param>
    /// <param name="action">The action called, e.g. <c>get</c>.</param>
    /// <param name="statusCode">The HTTP status of the answer, when there was one.</param>
    /// <param name="errorCode">CiviCRM's <c>error_code</c>, when it sent one.</param>
    /// <param name="serverMessage">CiviCRM's readable message (<c>error_message</c>, or the text of an HTML or plain-text error).</param>
    /// <param name="errorId">CiviCRM's Error ID, to find the full error in the server log.</param>
    /// <param name="neverSent">Whether the request cannot have reached CiviCRM (see <see cref="NeverSent"/>).</param>
    /// <param name="innerException">The cause.</param>
    public CiviCrmApiException(
        FailureKind kind,
        string message,
        string? entity = null,
        string? action = null,
        int? statusCode = null,
        string? errorCode = null,
        string? serverMessage = null,
        string? errorId = null,
        bool neverSent = false,
        Exception? innerException = null)
        : base(message, statusCode, errorCode, innerException)
    {
        _kind = kind;
        Entity = entity;
        Action = action;
        ServerMessage = serverMessage;
        ErrorId = errorId;
        NeverSent = neverSent;
    }

    /// <inheritdoc />
    public override FailureKind Kind => _kind;

    /// <summary>The entity called, e.g. <c>Contact</c>.</summary>
    public string? Entity { get; }

    /// <summary>The action called, e.g. <c>get</c>.</summary>
    public string? Action { get; }

    /// <summary>CiviCRM's readable message (<c>error_message</c>, or the text of an HTML or plain-text error).</summary>
    public string? ServerMessage { get; }

    /// <summary>CiviCRM's Error ID (<c>error_id</c>, or the one inside a generic message), to find the full error in the server log.</summary>
    public string? ErrorId { get; }

    /// <summary>
    /// Whether the server hid the real message because the API user lacks "view debug output" (CiviCRM's generic
    /// "Sorry an error occurred" in <see cref="ServerMessage"/>).
    /// </summary>
    public bool IsGenericMessage => ServerMessage?.Contains("Sorry an error occurred", StringComparison.Ordinal) == true;

    /// <summary>
    /// Whether the request cannot have reached CiviCRM: the connection was refused, the host name did not resolve, the TLS
    /// handshake failed, or the client's circuit breaker was open. Nothing the call asked for can have happened.
    /// </summary>
    public bool NeverSent { get; }

    /// <summary>Whether this is CiviCRM's unique-key violation ("DB Error: already exists").</summary>
    public bool IsDuplicate => ServerMessage?.Contains("already exists", StringComparison.OrdinalIgnoreCase) == true;
}
