namespace Skvare.CmsUser.Shared;

/// <summary>
/// The words every package uses for a request that got no answer (<see cref="TransportFailureKind"/>), so a message says
/// precisely what happened: "could not be reached" only for a request that was never sent.
/// </summary>
internal static class TransportWords
{
    /// <summary>What happened to a request that got no answer ("WordPress did not answer in time"); not for a cut answer.</summary>
    /// <param name="server">The server as messages name it.</param>
    /// <param name="kind">What became of the request.</param>
    public static string What(string server, TransportFailureKind kind) => kind switch
    {
        TransportFailureKind.NotSent => $"{server} could not be reached",
        TransportFailureKind.TimedOut => $"{server} did not answer in time",
        TransportFailureKind.ConnectionEnded => $"{server} ended the connection without an answer",
        _ => $"{server} gave no usable answer",
    };

    /// <summary>
    /// What a request that got no answer means for the data, with the closing full stop: nothing was done (never sent); a
    /// read is simply asked again later; a write "may have reached the site and been carried out", and the words say whether
    /// repeating it is harmless or waits for a check (a create is looked up by email before any new try).
    /// </summary>
    /// <param name="call">The call.</param>
    /// <param name="kind">What became of the request.</param>
    /// <param name="where">The server as the sentence names it ("the site", "CiviCRM").</param>
    public static string Consequence(HttpCall call, TransportFailureKind kind, string where) => (kind, call) switch
    {
        (TransportFailureKind.NotSent, _) => ": the request was never sent, so nothing was done.",
        _ when call.IsRead || HttpResilienceSetup.IsSafeMethod(call.Method) => ".",
        (_, { IsCreate: true }) => $"; the request may have reached {where} and been carried out: the account may exist now, and it is looked up by email before any new try.",
        (_, { RetrySafe: true }) => $"; the request may have reached {where} and been carried out (repeating it does no harm: it leaves the same state).",
        _ => $"; the request may have reached {where} and been carried out, so it was not sent again: check {where} before repeating it.",
    };
}
