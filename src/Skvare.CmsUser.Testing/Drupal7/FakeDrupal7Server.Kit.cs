namespace Skvare.CmsUser.Testing.Drupal7;

/// <summary>The shape every CMS fake shares (<see cref="IFakeCmsServer"/>).</summary>
public sealed partial class FakeDrupal7Server : IFakeCmsServer
{
    /// <inheritdoc />
    public IReadOnlyList<FakeCmsUser> Accounts => [.. Users.Select(ToAccount)];

    /// <inheritdoc />
    int IFakeCmsServer.RequestCount => Requests.Count;

    /// <inheritdoc />
    IReadOnlyList<string> IFakeCmsServer.RequestLogText => [.. Requests.Select(r => r.ToString())];

    /// <inheritdoc />
    FakeCmsUser IFakeCmsServer.AddAccount(string username, string email) => ToAccount(AddUser(username, email));

    /// <inheritdoc />
    void IFakeCmsServer.FailNext(int count, int statusCode) => FailNext(count, statusCode);

    private FakeCmsUser ToAccount(Drupal7UserRow u)
    {
        lock (_gate)
        {
            return new FakeCmsUser(u.Uid, u.Name, u.Mail, u.Status == 1, [.. u.RoleIds.Select(r => _roles.TryGetValue(r, out var name) ? name : r.ToString(System.Globalization.CultureInfo.InvariantCulture))]);
        }
    }
}
