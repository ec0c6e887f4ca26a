
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
        new CmsProviderException(Cms, CmsErrorReason.Throttled, $"{Site} asked us to slow down (HTTP 429) on {Describe(call)}.") { StatusCode = answer.Status };

    /// <inheritdoc />
    public CmsUserException FromUnreadable(HttpCall call, HttpAnswer answer, Exception parseError) =>
        new CmsProviderException(
            Cms,
            CmsErrorReason.UnexpectedResponse,
            $"{Site} answered {Describe(call)} (HTTP {answer.Status}) with {(parseError is System.Text.Json.JsonException ? $"a {answer.MediaType ?? "untyped"} body that is not JSON" : "JSON this provider does not understand")} ({HttpEndpointGuard.Excerpt(answer.Body, 120)}); {UnreadableHint}",
            parseError)
        {
            StatusCode = answer.Status,
        };

    /// <inheritdoc />
    public CmsUserException FromTransport(HttpCall call, Exception exception, bool neverSent) =>
        TransportFailures.ToException(Cms, Site, Describe(call), call.IsCreate, exception);

    /// <inheritdoc />
    public virtual bool IsNotFound(HttpCall call, HttpAnswer answer) =>
        FromAnswer(call, answer) is CmsProviderException { Reason: CmsErrorReason.NotFound };
}
