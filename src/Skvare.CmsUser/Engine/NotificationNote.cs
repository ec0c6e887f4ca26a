using System.Text;

namespace Skvare.CmsUser.Engine;

/// <summary>
/// The sentence the "User Account Creation" activity of a created account carries about its new-account email, so an
/// admin looking at the contact in CiviCRM sees whether the person was told (the subject stays the spec's).
/// </summary>
internal static class NotificationNote
{
    /// <summary>The longest failure reason kept, in characters (a mail system can answer pages of SMTP dialogue).</summary>
    internal const int MaxReasonLength = 300;

    /// <summary>The reason kept when the site's text quoted a secret that could not be cut out.</summary>
    internal const string SecretQuoted = "the site's reason quoted the account's password and was left out";

    /// <summary>
    /// The status the engine records: a provider that says nothing about a create that asked for no email sent none
    /// (<see cref="ICmsAccountProvider.CreateAsync"/> promises it), so <see cref="CmsNotification.Unknown"/> becomes
    /// <see cref="CmsNotification.NotRequested"/> then; everything else is what the provider reported.
    /// </summary>
    public static CmsNotification Status(CmsAccount created, bool requested) =>
        created.Notification == CmsNotification.Unknown && !requested ? CmsNotification.NotRequested : created.Notification;

    /// <summary>
    /// The sentence for <paramref name="status"/>; <paramref name="reason"/> is already <see cref="Clean"/>ed, and
    /// <paramref name="kind"/> says what the admin waits for before sending a reset (the site's mail, or the site itself).
    /// </summary>
    public static string Sentence(CmsNotification status, CmsNotificationFailure? kind, string? reason) => (status, kind) switch
    {
        (CmsNotification.Sent, _) => "The website reported the new-account email as sent.",
        (CmsNotification.NotRequested, _) => "No new-account email was sent (notification is off for this rule).",
        (CmsNotification.Failed, CmsNotificationFailure.MailRefused) =>
            $"The new-account email could not be sent by the website: {reason ?? "it gave no reason"}. The account exists; "
            + "send a password reset (a reset campaign, cmsuser reset) once the site's mail works.",
        // The reason says what happened to the request, in the provider's words: "could not be reached" only when it was
        // never sent; after a timeout or a closed connection the site may have sent the email, so the admin checks first.
        (CmsNotification.Failed, CmsNotificationFailure.SiteUnreachable) =>
            $"The account was created, but then the request to send the new-account email failed: {reason ?? "the website gave no answer"}. "
            + "Unless the person got the email after all, send a password reset (a reset campaign, cmsuser reset) once the site answers again.",
        (CmsNotification.Failed, _) =>
            $"The new-account email could not be sent: {reason ?? "the website gave no reason"}. The account exists; "
            + "send a password reset (a reset campaign, cmsuser reset) once the site answers and its mail works.",
        _ => "Whether the website sent the new-account email is unknown (it did not say).",
    };

    /// <summary>
    /// The sentence for the new-account email of an account an earlier attempt created (<see cref="RecoveredCreation"/>):
    /// <see cref="CmsNotification.Sent"/> and <see cref="CmsNotification.Failed"/> are the email this run sent because the
    /// earlier attempt may have ended before its own; <see cref="CmsNotification.Unknown"/> is a create that sent it or not.
    /// </summary>
    public static string Recovered(CmsNotification status, CmsNotificationFailure? kind, string? reason) => status switch
    {
        CmsNotification.Sent => "This run sent the new-account email (the earlier attempt may have ended before sending it).",
        CmsNotification.Unknown => "Whether the new-account email was sent is unknown: the earlier attempt's create may have sent it, and this run sent none.",
        _ => Sentence(status, kind, reason),
    };

    /// <summary>
    /// The kind of a failed email from the failure of the request that sent it: the site's mail refused it
    /// (<see cref="CmsErrorReason.MailFailed"/>), the site could not be reached, did not answer or failed (transient), or unknown.
    /// </summary>
    public static CmsNotificationFailure KindOf(Exception failure) => failure switch
    {
        CmsProviderException { Reason: CmsErrorReason.MailFailed } => CmsNotificationFailure.MailRefused,
        CmsUserException { Kind: FailureKind.Transient } => CmsNotificationFailure.SiteUnreachable,
        _ => CmsNotificationFailure.Unknown,
    };

    /// <summary>
    /// A failure reason fit for an activity and a log: one line (control characters and runs of white space become one
    /// space, a lone surrogate becomes U+FFFD), at most <see cref="MaxReasonLength"/> characters, the full stop at the end
    /// dropped (the sentence adds its own), with each of <paramref name="secrets"/> (the password the create sent)
    /// replaced by <c>***</c>. <see langword="null"/> when nothing readable is left.
    /// </summary>
    public static string? Clean(string? reason, params ReadOnlySpan<string?> secrets)
    {
        if (string.IsNullOrWhiteSpace(reason))
        {
            return null;
        }

        foreach (var secret in secrets)
        {
            if (!string.IsNullOrEmpty(secret))
            {
                reason = reason.Replace(secret, "***", StringComparison.Ordinal);
                if (reason.Contains(secret, StringComparison.Ordinal))
                {
                    // The replacement made the secret again (it ends or starts with '*'): keep none of the text.
                    return SecretQuoted;
                }
            }
        }

        var text = new StringBuilder(Math.Min(reason.Length, MaxReasonLength + 1));
        var space = false;
        var i = 0;
        for (; i < reason.Length && text.Length < MaxReasonLength; i++)
        {
            var c = reason[i];
            if (char.IsWhiteSpace(c) || char.IsControl(c))
            {
                space = text.Length > 0;
                continue;
            }

            if (space)
            {
                text.Append(' ');
                space = false;
            }

            if (char.IsHighSurrogate(c) && i + 1 < reason.Length && char.IsLowSurrogate(reason[i + 1]))
            {
                if (text.Length + 2 > MaxReasonLength)
                {
                    break;
                }

                text.Append(c).Append(reason[++i]);
            }
            else
            {
                text.Append(char.IsSurrogate(c) ? '\uFFFD' : c);
            }
        }

        var cut = !reason.AsSpan(i).IsWhiteSpace();
        var clean = text.ToString().TrimEnd().TrimEnd('.').TrimEnd();
        return clean.Length == 0 ? null : cut ? clean + "…" : clean;
    }
}
