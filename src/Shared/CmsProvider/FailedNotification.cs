namespace Skvare.CmsUser.Shared;

/// <summary>The account a provider's create returns when the new-account email failed after the account was made.</summary>
internal static class FailedNotification
{
    /// <summary>
    /// <paramref name="account"/> with its email failed for <paramref name="error"/>, the separate request that was to send
    /// it: <see cref="CmsNotificationFailure.MailRefused"/> when the site answered that its mail failed,
    /// <see cref="CmsNotificationFailure.SiteUnreachable"/> when the site could not be reached, did not answer or failed (transient),
    /// otherwise <see cref="CmsNotificationFailure.Unknown"/>; the error's message is the reason.
    /// </summary>
    public static CmsAccount Of(CmsAccount account, CmsProviderException error) => account with
    {
        Notification = CmsNotification.Failed,
        NotificationFailure = error.Message,
        NotificationFailureReason = error switch
        {
            { Reason: CmsErrorReason.MailFailed } => CmsNotificationFailure.MailRefused,
            { Kind: FailureKind.Transient } => CmsNotificationFailure.SiteUnreachable,
            _ => CmsNotificationFailure.Unknown,
        },
    };

    /// <summary><paramref name="account"/> with its email refused by the site's mail system, which the create's answer said.</summary>
    public static CmsAccount MailRefused(CmsAccount account, string reason) => account with
    {
        Notification = CmsNotification.Failed,
        NotificationFailure = reason,
        NotificationFailureReason = CmsNotificationFailure.MailRefused,
    };
}
