namespace Skvare.CmsUser.Testing;

/// <summary>
/// What every CMS fake (<c>FakeWordPressServer</c>, <c>FakeDrupalServer</c>, <c>FakeDrupal7Server</c>,
/// <c>FakeBackdropServer</c>, <c>FakeJoomlaServer</c>, <c>FakeStandaloneServer</c>) offers alike, so tests can be
/// written once for every CMS: the base URL, one user directory (<see cref="FakeCmsUser"/>), seeding, the request log
/// and the faults.
/// </summary>
public interface IFakeCmsServer : IDisposable
{
    /// <summary>The site's base URL, with a trailing slash.</summary>
    Uri BaseUrl { get; }

    /// <summary>How long after it arrives every request is answered (a slow site); the fake's own work counts towards it.</summary>
    TimeSpan ResponseDelay { get; set; }

    /// <summary>Every user, in the record shape every CMS fake shares (a snapshot: read it again after a change).</summary>
    IReadOnlyList<FakeCmsUser> Users { get; }

    /// <summary>How many requests the fake has received (a request the client gave up on included).</summary>
    int RequestCount { get; }

    /// <summary>The request log as text, one line a request; never a body, password, token or session id.</summary>
    IReadOnlyList<string> RequestLogText { get; }

    /// <summary>Seeds an active account with the CMS's default role.</summary>
    /// <param name="username">The login name.</param>
    /// <param name="email">The email.</param>
    /// <returns>The user.</returns>
    FakeCmsUser AddAccount(string username, string email);

    /// <summary>
    /// When set, asked about every request on arrival, with the CMS-level operation the fake recognises in it
    /// (<see cref="FakeCmsOperation"/>); the <see cref="FakeFault"/> it returns is what that request meets, and
    /// <see langword="null"/> lets it through. A rule picks its requests by what they are, so a retry or a parallel
    /// request never takes a fault meant for another (the queued <see cref="FailNext"/> faults can be taken by any
    /// request). It wins over the queued faults, runs on the server's threads (keep it thread-safe) and must not throw.
    /// </summary>
    Func<FakeFaultRequest, FakeFault?>? FaultWhere { get; set; }

    /// <summary>The next <paramref name="count"/> requests are answered with <paramref name="statusCode"/> (the site's own error page), unhandled.</summary>
    /// <param name="count">How many requests.</param>
    /// <param name="statusCode">The status.</param>
    void FailNext(int count, int statusCode);

    /// <summary>The next <paramref name="count"/> requests are carried out, then answered with <paramref name="statusCode"/> (the reply is lost).</summary>
    /// <param name="count">How many requests.</param>
    /// <param name="statusCode">The status.</param>
    void FailNextAfterProcessing(int count, int statusCode);

    /// <summary>The next <paramref name="count"/> requests wait <paramref name="delay"/> before being answered normally.</summary>
    /// <param name="count">How many requests.</param>
    /// <param name="delay">How long to wait.</param>
    void HangNext(int count, TimeSpan delay);
}
