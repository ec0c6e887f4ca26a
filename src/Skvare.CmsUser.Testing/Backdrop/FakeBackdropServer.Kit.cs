namespace Skvare.CmsUser.Testing.Backdrop;

/// <summary>The shape every CMS fake shares (<see cref="IFakeCmsServer"/>).</summary>
public sealed partial class FakeBackdropServer : IFakeCmsServer
{
    /// <inheritdoc />
    public IReadOnlyList<FakeCmsUser> Accounts => [.. Users.Select(u => new FakeCmsUser(u.Uid, u.Name, u.Mail, u.Status == 1, u.Roles))];

    /// <inheritdoc />
    int IFakeCmsServer.RequestCount => Requests.Count;

    /// <inheritdoc />
    IReadOnlyList<string> IFakeCmsServer.RequestLogText => [.. Requests.Select(r => r.ToString())];

    /// <inheritdoc />
    FakeCmsUser IFakeCmsServer.AddAccount(string username, string email)
    {
        var u = AddUser(username, email);
        return new FakeCmsUser(u.Uid, u.Name, u.Mail, u.Status == 1, u.Roles);
    }

    /// <inheritdoc />
    void IFakeCmsServer.FailNext(int count, int statusCode) => FailNext(count, statusCode);
}
