namespace Skvare.CmsUser.Testing.WordPress;

/// <summary>The shape every CMS fake shares (<see cref="IFakeCmsServer"/>).</summary>
public sealed partial class FakeWordPressServer : IFakeCmsServer
{
    /// <inheritdoc />
    public IReadOnlyList<FakeCmsUser> Accounts => [.. Users.Select(ToAccount)];

    /// <inheritdoc />
    int IFakeCmsServer.RequestCount => Requests.Count;

    /// <inheritdoc />
    IReadOnlyList<string> IFakeCmsServer.RequestLogText => [.. Requests.Select(r => r.ToString())];

    /// <inheritdoc />
    /// <remarks>With the role <c>subscriber</c>, WordPress's default role for new users.</remarks>
    FakeCmsUser IFakeCmsServer.AddAccount(string username, string email) => ToAccount(AddUser(username, email, "subscriber"));

    /// <inheritdoc />
    void IFakeCmsServer.FailNext(int count, int statusCode) => FailNext(count, statusCode);

    private static FakeCmsUser ToAccount(WordPressUserRow u) => new(u.Id, u.Username, u.Email, !u.Blocked, [.. u.Roles]);
}
