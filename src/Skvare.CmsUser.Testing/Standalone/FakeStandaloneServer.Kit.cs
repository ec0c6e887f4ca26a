namespace Skvare.CmsUser.Testing.Standalone;

/// <summary>
/// The shape every CMS fake shares (<see cref="IFakeCmsServer"/>). On Standalone a user belongs to a contact (its row
/// is the contact's UFMatch link), so <see cref="IFakeCmsServer.AddAccount"/> adds the contact too.
/// </summary>
public sealed partial class FakeStandaloneServer : IFakeCmsServer
{
    /// <inheritdoc />
    Uri IFakeCmsServer.BaseUrl => Url;

    /// <inheritdoc />
    TimeSpan IFakeCmsServer.ResponseDelay
    {
        get => Latency;
        set => Latency = value;
    }

    /// <inheritdoc />
    /// <remarks>The API user <c>admin</c> included; roles by name.</remarks>
    public IReadOnlyList<FakeCmsUser> Accounts
    {
        get
        {
            lock (Store)
            {
                var roles = Store.Rows("Role").ToDictionary(r => (long)r["id"]!, r => r["name"] as string ?? string.Empty);
                return [.. Users.Select(u => new FakeCmsUser(u.Id, u.Username ?? string.Empty, u.Email ?? string.Empty, u.IsActive,
                    [.. u.Roles.Select(r => roles.TryGetValue(r, out var name) ? name : r.ToString(System.Globalization.CultureInfo.InvariantCulture))]))];
            }
        }
    }

    /// <inheritdoc />
    int IFakeCmsServer.RequestCount => Requests.Count;

    /// <inheritdoc />
    IReadOnlyList<string> IFakeCmsServer.RequestLogText => [.. Requests.Select(r => r.ToString())];

    /// <inheritdoc />
    /// <remarks>
    /// Adds a contact with this primary email (no name) and an active user of it with no role (a fresh Standalone
    /// site gives new users none; <c>everyone</c> applies to all).
    /// </remarks>
    FakeCmsUser IFakeCmsServer.AddAccount(string username, string email)
    {
        var id = AddUser(username, email, AddContact(null, null, email));
        return new FakeCmsUser(id, username, email, true, []);
    }

    /// <inheritdoc />
    /// <remarks>With the web server's HTML error page, as a PHP failure outside the API answers (not CiviCRM's JSON).</remarks>
    void IFakeCmsServer.FailNext(int count, int statusCode) =>
        FailNext(statusCode, count, "<!DOCTYPE html><html><head><title>Error</title></head><body>Server error</body></html>", "text/html; charset=UTF-8");

    /// <inheritdoc />
    void IFakeCmsServer.FailNextAfterProcessing(int count, int statusCode) => FailNextAfterProcessing(statusCode, count);

    /// <inheritdoc />
    void IFakeCmsServer.HangNext(int count, TimeSpan delay) => Hang(count, delay);
}
