namespace Skvare.CmsUser.CiviCrm.Api;

/// <summary>
/// A CiviCRM API v4 call failed. Carries the HTTP status, CiviCRM's <c>error_code</c>, <c>error_message</c>
/// and Error ID, whatever the body type (JSON, the <c>text/plain</c> authx refusal, or an HTML error page).
/// </summary>
public sealed class CiviCrmApiException : CmsUserException
{
    private readonly FailureKind _kind;

    /// <summary>Creates the exception.</summary>
    /// <param name="kind">How the failure affects a run.</param>
    /// <param name="message">What went wrong and how to fix it; never a secret.</param>
    /// <param name="innerException">The cause.</param>
    public CiviCrmApiException(FailureKind kind, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        _kind = kind;
    }

    /// <inheritdoc />
    public override FailureKind Kind => _kind;

    /// <summary>The entity called, e.g. <c>Contact</c>.</summary>
    public string? Entity { get; init; }

    /// <summary>The action called, e.g. <c>get</c>.</summary>
    public string? Action { get; init; }

    /// <summary>CiviCRM's readable message (<c>error_message</c>, or the text of an HTML or plain-text error).</summary>
    public string? ServerMessage { get; init; }

    /// <summary>CiviCRM's Error ID (<c>error_id</c>, or the one inside a generic message), to find the full error in the server log.</summary>
    public string? ErrorId { get; init; }

    /// <summary>Whether the server hid the real message because the API user lacks "view debug output".</summary>
    public bool IsGenericMessage { get; init; }

    /// <summary>
    /// Whether the request cannot have reached CiviCRM: the connection was refused, the host name did not resolve, or
    /// the client's circuit breaker was open. Nothing the call asked for can have happened.
    /// </summary>
    public bool NeverSent { get; init; }

    /// <summary>Whether this is CiviCRM's unique-key violation ("DB Error: already exists").</summary>
    public bool IsDuplicate => ServerMessage?.Contains("already exists", StringComparison.OrdinalIgnoreCase) == true;
}
