namespace Skvare.CmsUser.Shared;

/// <summary>How a CMS provider turns a request that got no answer into a <see cref="CmsProviderException"/>.</summary>
internal static partial class TransportFailures
{
    /// <summary>
    /// The failure for a request that got no answer. One that never reached the site is
    /// <see cref="CmsErrorReason.Unavailable"/>; anything else may have reached it, and for an account creation that
    /// means <see cref="CmsErrorReason.UnknownOutcome"/>: the account may exist now and must be looked up by email
    /// before another try. An answer that ended early (<see cref="CutAnswerException"/>) is
    /// <see cref="CmsErrorReason.Unavailable"/> too, in words that say what happened: a read's was cut on every try (the
    /// retries spent); any other call's request reached the site and may have been carried out, so its cut answer is not
    /// asked for again.
    /// </summary>
    /// <param name="cms">The provider's <see cref="ICmsAccountProvider.Name"/>.</param>
    /// <param name="site">The CMS as people name it in messages ("Drupal 7").</param>
    /// <param name="what">The call, for the message ("user/{uid}").</param>
    /// <param name="call">The call: whether it creates an account (<see cref="HttpCall.IsCreate"/>) and whether it only reads (<see cref="HttpCall.IsRead"/>).</param>
    /// <param name="ex">The transport exception.</param>
    public static CmsProviderException ToException(string cms, string site, string what, HttpCall call, Exception ex)
    {
        var reason = call.IsCreate && !NeverSent(ex) ? CmsErrorReason.UnknownOutcome : CmsErrorReason.Unavailable;
        var message = reason == CmsErrorReason.UnknownOutcome
            ? $"{site} did not answer the account creation ({ex.GetType().Name}); the account may exist now, and it is looked up by email before any new try."
            : ex is CutAnswerException && call.IsRead
            ? $"{site}'s answer to {what} was cut short on its way, on every try ({ex.Message}); the contact is tried again on a later run."
            : ex is CutAnswerException
            ? $"{site}'s answer to {what} was cut short on its way ({ex.Message}); the request reached the site and may have been carried out, so it is not sent again; the contact is tried again on a later run."
            : $"{site} could not be reached (call: {what}; {ex.GetType().Name}: {ex.Message}).";
        return new CmsProviderException(cms, reason, message, ex);
    }
}
