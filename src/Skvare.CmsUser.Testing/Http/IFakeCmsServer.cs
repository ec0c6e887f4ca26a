namespace Skvare.CmsUser.Testing;

/// <summary>
/// An account of a CMS fake in the shape every CMS shares: id, username, email, whether it may log in, role names.
/// Each fake also has its own record with what only that CMS stores (<c>DrupalUserRow.Uuid</c>,
/// <c>Drupal7UserRow.RoleIds</c>, <c>JoomlaUserRow.Groups</c>, <c>WordPressUserRow.Meta</c>, …).
/// </summary>
/// <param name="Id">The CMS user id (Drupal's and Backdrop's <c>uid</c>).</param>
/// <param name="Username">The login name (Drupal's and Backdrop's <c>name</c>).</param>
/// <param name="Email">The email (Drupal's and Backdrop's <c>mail</c>).</param>
/// <param name="Active">Whether the account may log in (not blocked).</param>
/// <param name="Roles">Role names (Joomla: group titles).</param>
public sealed record FakeCmsUser(long Id, string Username, string Email, bool Active, IReadOnlyList<string> Roles);

/// <summary>
/// What every CMS fake (<c>FakeWordPressServer</c>, <c>FakeDrupalServer</c>, <c>FakeDrupal7Server</c>,
/// <c>FakeBackdropServer</c>, <c>FakeJoomlaServer</c>) offers alike, so tests can be written once for every CMS:
/// the base URL, one account directory view, seeding, the request log and the faults.
/// </summary>
public interface IFakeCmsServer : IDisposable
{
    /// <summary>The site's base URL, with a trailing slash.</summary>
    Uri BaseUrl { get; }

    /// <summary>A delay before every answer (a slow site).</summary>
    TimeSpan ResponseDelay { get; set; }

    /// <summary>Every account, in the shape every CMS shares.</summary>
    IReadOnlyList<FakeCmsUser> Accounts { get; }

    /// <summary>How many requests the fake has received (a request the client gave up on included).</summary>
    int RequestCount { get; }

    /// <summary>The request log as text, one line a request; never a body, password, token or session id.</summary>
    IReadOnlyList<string> RequestLogText { get; }

    /// <summary>Seeds an active account with the CMS's default role.</summary>
    /// <param name="username">The login name.</param>
    /// <param name="email">The email.</param>
    /// <returns>The account.</returns>
    FakeCmsUser AddAccount(string username, string email);

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
