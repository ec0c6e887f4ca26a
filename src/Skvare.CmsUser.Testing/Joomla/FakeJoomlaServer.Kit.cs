namespace Skvare.CmsUser.Testing.Joomla;

/// <summary>The shape every CMS fake shares (<see cref="IFakeCmsServer"/>).</summary>
public sealed partial class FakeJoomlaServer : IFakeCmsServer
{
    /// <inheritdoc />
    public IReadOnlyList<FakeCmsUser> Accounts => [.. Users.Select(ToAccount)];

    /// <inheritdoc />
    int IFakeCmsServer.RequestCount => Requests.Count;

    /// <inheritdoc />
    IReadOnlyList<string> IFakeCmsServer.RequestLogText => [.. Requests.Select(r => r.ToString())];

    /// <inheritdoc />
    /// <remarks>In the group Registered (id 2), Joomla's default group for new users; the display name is the username.</remarks>
    FakeCmsUser IFakeCmsServer.AddAccount(string username, string email) => ToAccount(AddUser(username, email));

    private FakeCmsUser ToAccount(JoomlaUserRow u)
    {
        lock (_gate)
        {
            return new FakeCmsUser(u.Id, u.Username, u.Email, !u.Block, [.. u.Groups.Select(g => Groups.TryGetValue(g, out var title) ? title : g.ToString(System.Globalization.CultureInfo.InvariantCulture))]);
        }
    }
}
