namespace Skvare.CmsUser.Shared;

/// <summary>How a CMS provider turns a request that got no answer into a <see cref="CmsProviderException"/>.</summary>
internal static partial class TransportFailures
{
    /// <summary>
    /// The failure for a request that got no answer, in words that say what happened: "could not be reached" only when the
    /// request was never sent (<see cref="TransportFailureKind.NotSent"/>), "did not answer in time" after a timeout, "ended
    /// the connection without an answer" when the connection closed first, "answer was cut short" when it ended mid-answer.
    /// A write that may have reached the site says so ("may have reached the site and been carried out"), so an admin checks
    /// before repeating it. One that never reached the site is <see cref="CmsErrorReason.Unavailable"/>; anything else may
    /// have reached it, and for an account creation that means <see cref="CmsErrorReason.UnknownOutcome"/>: the account may
    /// exist now and is looked up by email before another try. Every other call is <see cref="CmsErrorReason.Unavailable"/>.
    /// </summary>
    /// <param name="cms">The provider's <see cref="ICmsAccountProvider.Name"/>.</param>
    /// <param name="site">The CMS as people name it in messages ("Drupal 7").</param>
    /// <param name="what">The call, for the message ("user/{uid}", "send the new-account email").</param>
    /// <param name="call">The call: whether it creates an account (<see cref="HttpCall.IsCreate"/>), only reads (<see cref="HttpCall.IsRead"/>) or may be repeated (<see cref="HttpCall.RetrySafe"/>).</param>
    /// <param name="ex">The transport exception (kept as the inner exception).</param>
    /// <param name="failure">What became of the request, and the runtime's words without secrets.</param>
    public static CmsProviderException ToException(string cms, string site, string what, HttpCall call, Exception ex, TransportFailure failure)
    {
        var reason = call.IsCreate && !failure.NeverSent ? CmsErrorReason.UnknownOutcome : CmsErrorReason.Unavailable;
        var message = failure.Kind == TransportFailureKind.AnswerCut
            ? call.IsRead
                ? $"{site}'s answer to {what} was cut short on its way, on every try ({failure.Detail}); the contact is tried again on a later run."
                : $"{site}'s answer to {what} was cut short on its way ({failure.Detail}); the request reached the site and may have been carried out, so it is not sent again; the contact is tried again on a later run."
            : $"{TransportWords.What(site, failure.Kind)} (call: {what}; {failure.Detail}){TransportWords.Consequence(call, failure.Kind, "the site")}";
        return new CmsProviderException(cms, reason, message, ex);
    }
}
