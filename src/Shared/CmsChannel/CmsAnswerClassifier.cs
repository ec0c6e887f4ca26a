
namespace Skvare.CmsUser.Shared;

/// <summary>
/// The part of a CMS provider's error classifier that is the same for every CMS: no answer, 429, an unreadable
/// success and "not found" become <see cref="CmsProviderException"/>s; the provider writes only
/// <see cref="FromAnswer"/> (what its error statuses and bodies mean) and the hint for an unreadable answer.
/// </summary>
internal abstract class CmsAnswerClassifier : IHttpAnswerClassifier
{
    /// <summary>Creates the classifier.</summary>
    /// <param name="cms">The provider's <see cref="ICmsAccountProvider.Name"/>.</param>
    /// <param name="site">The CMS as messages name it.</param>
    protected CmsAnswerClassifier(string cms, string site)
    {
        Cms = cms;
        Site = site;
    }

    /// <summary>The provider's name, for <see cref="CmsProviderException.Cms"/>.</summary>
    protected string Cms { get; }

    /// <summary>The CMS as messages name it.</summary>
    protected string Site { get; }

    /// <summary>What to check when a successful answer is not JSON (the base URL, the module that serves the API).</summary>
    protected abstract string UnreadableHint { get; }

    /// <summary>How messages name a call; the route unless the provider says more ("create an account").</summary>
    protected virtual string Describe(HttpCall call) => call.Route;

    /// <inheritdoc />
    public abstract CmsUserException FromAnswer(HttpCall call, HttpAnswer answer);

    /// <inheritdoc />
    public CmsUserException FromThrottled(HttpCall call, HttpAnswer answer) =>
        new CmsProviderException(Cms, CmsErrorReason.Throttled, $"{Site} asked us to slow down (HTTP 429) on {Describe(call)}.", statusCode: answer.Status);

    /// <inheritdoc />
    /// <remarks>
    /// A create the site accepted (2xx) and answered in JSON it then garbled (cut short, wrong shape) did reach the
    /// API: the account may exist, so the contact fails with <see cref="CmsErrorReason.UnknownOutcome"/> (transient; the
    /// next attempt finds the account) instead of stopping the whole run as a configuration error would. A page that is
    /// not JSON (a wrong base URL's HTML) stays <see cref="CmsErrorReason.UnexpectedResponse"/>.
    /// <para>
    /// Any other call (a look-up, a role change, an email) answered 2xx with a JSON body that starts as JSON but is not
    /// well-formed was cut short on its way (a proxy or the site dropped the tail): that is one request's damage, not the
    /// site's set-up, so the contact fails with <see cref="CmsErrorReason.Unavailable"/> (transient) and the run goes on;
    /// a site that keeps doing it trips the quarantine of consecutive transient failures.
    /// </para>
    /// </remarks>
    public CmsUserException FromUnreadable(HttpCall call, HttpAnswer answer, Exception parseError) =>
        call.IsCreate && answer.Status is >= 200 and < 300 && IsJson(answer.MediaType)
            ? UnreadableCreate(Cms, Site, Describe(call), answer.Status, answer.Body, parseError)
            : answer.Status is >= 200 and < 300 && IsJson(answer.MediaType) && HttpEndpointGuard.IsCutShortJson(answer.Body)
            ? new CmsProviderException(
                Cms,
                CmsErrorReason.Unavailable,
                $"{Site} answered {Describe(call)} (HTTP {answer.Status}) with JSON cut short ({HttpEndpointGuard.Excerpt(answer.Body, 120)}); the answer was damaged on its way, so the contact is tried again on a later run.",
                statusCode: answer.Status,
                innerException: parseError)
            : new CmsProviderException(
                Cms,
                CmsErrorReason.UnexpectedResponse,
                $"{Site} answered {Describe(call)} (HTTP {answer.Status}) with {(parseError is System.Text.Json.JsonException ? $"a {answer.MediaType ?? "untyped"} body that is not JSON" : "JSON this provider does not understand")} ({HttpEndpointGuard.Excerpt(answer.Body, 120)}); {UnreadableHint}",
                statusCode: answer.Status,
                innerException: parseError);

    /// <summary>
    /// The failure for a create the site accepted but answered with JSON this provider cannot read (malformed, the wrong
    /// shape, a value of the wrong kind): the account may exist, so it is <see cref="CmsErrorReason.UnknownOutcome"/>.
    /// </summary>
    /// <param name="cms">The provider's name.</param>
    /// <param name="site">The CMS as messages name it.</param>
    /// <param name="what">The call as messages name it.</param>
    /// <param name="status">The HTTP status, when known.</param>
    /// <param name="body">The body (an excerpt is quoted).</param>
    /// <param name="cause">The parse error, if any.</param>
    /// <returns>The exception.</returns>
    public static CmsProviderException UnreadableCreate(string cms, string site, string what, int? status, string? body, Exception? cause = null) =>
        new(cms, CmsErrorReason.UnknownOutcome, $"{site} accepted {what}{(status is int code ? $" (HTTP {code})" : "")} but answered with JSON this provider cannot read ({HttpEndpointGuard.Excerpt(body, 120)}); the account may exist, so it is looked up before the next attempt.", statusCode: status, innerException: cause);

    private static bool IsJson(string? mediaType) =>
        mediaType is not null && mediaType.Contains("json", StringComparison.OrdinalIgnoreCase);

    /// <inheritdoc />
    public CmsUserException FromTransport(HttpCall call, Exception exception, TransportFailure failure) =>
        TransportFailures.ToException(Cms, Site, Describe(call), call, exception, failure);

    /// <inheritdoc />
    public virtual bool IsNotFound(HttpCall call, HttpAnswer answer) =>
        FromAnswer(call, answer) is CmsProviderException { Reason: CmsErrorReason.NotFound };
}
