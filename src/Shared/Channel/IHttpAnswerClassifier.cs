namespace Skvare.CmsUser.Shared;

/// <summary>
/// What one site's failures mean: the only part of error handling a package writes itself. The channel decides
/// <em>when</em> a call failed; the classifier says <em>why</em>, as the package's exception type.
/// </summary>
internal interface IHttpAnswerClassifier
{
    /// <summary>The site answered with an error status (not 429).</summary>
    CmsUserException FromAnswer(HttpCall call, HttpAnswer answer);

    /// <summary>The site asked us to slow down (HTTP 429, after the resilience pipeline's own retries).</summary>
    CmsUserException FromThrottled(HttpCall call, HttpAnswer answer);

    /// <summary>A successful status whose body is not the JSON expected (an HTML page where the API should be).</summary>
    /// <param name="call">The call.</param>
    /// <param name="answer">The answer.</param>
    /// <param name="parseError">Why the body did not parse.</param>
    CmsUserException FromUnreadable(HttpCall call, HttpAnswer answer, Exception parseError);

    /// <summary>No answer: a network error, a timeout or an open circuit.</summary>
    /// <param name="call">The call.</param>
    /// <param name="exception">What <see cref="HttpClient"/> threw (the failure's cause; its message is not quoted, <paramref name="failure"/>'s detail is).</param>
    /// <param name="failure">
    /// What became of the request (never sent, timed out, the connection ended, the answer cut) and the runtime's words with
    /// the package's and the call's secrets taken out.
    /// </param>
    CmsUserException FromTransport(HttpCall call, Exception exception, TransportFailure failure);

    /// <summary>Whether an error answer means "there is no such resource" (for <see cref="HttpCall.NullWhenNotFound"/>).</summary>
    bool IsNotFound(HttpCall call, HttpAnswer answer);
}
