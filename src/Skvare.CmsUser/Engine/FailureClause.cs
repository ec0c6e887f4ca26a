namespace Skvare.CmsUser.Engine;

/// <summary>
/// Another failure's message as a clause inside a message that states the consequence itself ("the answer to the page's
/// write-back was lost (CiviCRM did not answer in time) and …"): without the failure's own consequence and closing full
/// stop. A transport failure's message ends with what it means for its own request ("; the request may have reached
/// CiviCRM and been carried out, so it was not sent again: check CiviCRM before repeating it.", ": the request was never
/// sent, so nothing was done."); inside another message that sentence speaks of the wrong request or contradicts the outer
/// consequence, so it is cut off here.
/// </summary>
internal static class FailureClause
{
    /// <summary>
    /// Where a failure's consequence begins in the messages the packages build: the transport words (TransportWords.Consequence
    /// in src/Shared/Channel) and the cut-answer and unreadable-answer messages of the CiviCRM and CMS classifiers. Keep
    /// these in step with those messages (FailureClauseTests builds every one of them).
    /// </summary>
    internal static readonly string[] ConsequenceOpenings =
    [
        ": the request was never sent",
        "; the request may have reached",
        "; the call may have been carried out",
        "; the request reached the site and may have been carried out",
        "; the contact is tried again",
        "; the answer was damaged on its way",
        ": the site failed for a moment",
        ", so the call is tried again",
    ];

    // The call and the runtime's words a transport failure names after what happened: "CiviCRM did not answer in time (call: …)".
    private const string CallOpening = " (call: ";

    private static readonly char[] Trailing = [' ', '\t', '\r', '\n', '.', ';', ':', ','];

    /// <summary>
    /// What happened, as a clause: the exception's message (a type name for an exception that is not the SDK's, whose
    /// message may carry anything) without its consequence and closing full stop.
    /// </summary>
    /// <param name="ex">The failure.</param>
    /// <param name="detail">
    /// Whether to keep the call and the runtime's words of a transport failure ("(call: Activity.save; TimeoutRejectedException: …)"):
    /// for the logs; a result's message keeps only what happened ("CiviCRM did not answer in time").
    /// </param>
    public static string Of(Exception ex, bool detail = false) => Of(ex is CmsUserException typed ? typed.Message : ex.GetType().Name, detail);

    /// <summary>A failure's message as a clause (see <see cref="Of(Exception, bool)"/>).</summary>
    /// <param name="message">The failure's message.</param>
    /// <param name="detail">Whether to keep the call and the runtime's words of a transport failure.</param>
    public static string Of(string message, bool detail = false)
    {
        var end = message.Length;
        foreach (var opening in ConsequenceOpenings)
        {
            var at = message.IndexOf(opening, StringComparison.Ordinal);
            if (at >= 0 && at < end)
            {
                end = at;
            }
        }

        if (!detail && message.IndexOf(CallOpening, StringComparison.Ordinal) is var call and > 0 && call < end)
        {
            end = call;
        }

        // A clause goes on with the outer message's words: no closing full stop (nor a dangling ";", ":" or ",") of its own.
        var clause = message[..end].TrimEnd(Trailing);
        return clause.Length == 0 ? "a failure without a message" : clause;
    }
}
