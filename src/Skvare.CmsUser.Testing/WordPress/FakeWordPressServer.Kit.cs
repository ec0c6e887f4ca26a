using Skvare.CmsUser.Testing.Http;
using WireMock;

namespace Skvare.CmsUser.Testing.WordPress;

/// <summary>What only WordPress stores about a user (<see cref="FakeCmsUser.Extras"/>).</summary>
/// <param name="Registered">When the user was registered (<c>registered_date</c>).</param>
/// <param name="FirstName">First name.</param>
/// <param name="LastName">Last name.</param>
/// <param name="DisplayName">Display name (the REST <c>name</c>).</param>
/// <param name="Nickname">Nickname.</param>
/// <param name="ResetKey">The latest password reset key issued (by the reset form, a notification or a login link).</param>
public sealed record FakeWordPressUserExtras(DateTimeOffset Registered, string FirstName, string LastName, string DisplayName, string Nickname, string? ResetKey) : FakeCmsUserExtras
{
    /// <summary>Prints the extras without the reset key.</summary>
    protected override bool PrintMembers(System.Text.StringBuilder builder)
    {
        builder.Append("Registered = ").Append(Registered.ToString("O", System.Globalization.CultureInfo.InvariantCulture))
            .Append(", FirstName = ").Append(FirstName)
            .Append(", LastName = ").Append(LastName)
            .Append(", DisplayName = ").Append(DisplayName)
            .Append(", Nickname = ").Append(Nickname);
        return true;
    }
}

/// <summary>The user directory and the shape every CMS fake shares (<see cref="IFakeCmsServer"/>).</summary>
public sealed partial class FakeWordPressServer : IFakeCmsServer
{
    /// <summary>The users, by id (snapshots). <see cref="FakeCmsUser.Fields"/> holds the registered meta that was written; <see cref="FakeCmsUser.Active"/> is false once the companion plugin blocked the user.</summary>
    public IReadOnlyList<FakeCmsUser> Users => [.. UserRows.Select(ToUser)];

    /// <summary>Finds a user by login (case-insensitive), or <see langword="null"/>.</summary>
    /// <param name="username">The login name.</param>
    /// <returns>The user.</returns>
    public FakeCmsUser? FindUser(string username) => FindUserRow(username) is { } row ? ToUser(row) : null;

    /// <summary>Seeds a user.</summary>
    /// <param name="username">Login name.</param>
    /// <param name="email">Email.</param>
    /// <param name="roles">Roles (none = no role).</param>
    /// <returns>The user.</returns>
    public FakeCmsUser AddUser(string username, string email, params string[] roles) => ToUser(AddUserRow(username, email, roles));

    /// <inheritdoc />
    int IFakeCmsServer.RequestCount => Requests.Count;

    /// <inheritdoc />
    IReadOnlyList<string> IFakeCmsServer.RequestLogText => [.. Requests.Select(r => r.ToString())];

    /// <inheritdoc />
    /// <remarks>With the role <c>subscriber</c>, WordPress's default role for new users.</remarks>
    FakeCmsUser IFakeCmsServer.AddAccount(string username, string email) => AddUser(username, email, "subscriber");


    /// <inheritdoc cref="IFakeCmsServer.FaultWhere" />
    public Func<FakeFaultRequest, FakeFault?>? FaultWhere
    {
        get => _host.FaultWhere;
        set => _host.FaultWhere = value;
    }

    private static FakeCmsOperation Operation(IRequestMessage request)
    {
        var method = request.Method.ToUpperInvariant();
        return FakeOperations.Segments(request.Path) switch
        {
            ["wp-login.php"] when method == "POST" => FakeCmsOperation.Notify,
            [.., "skvare-cmsuser", "v1", "users", "lookup"] when method == "POST" => FakeCmsOperation.LookUp,
            [.., "skvare-cmsuser", "v1", "users"] when method == "POST" => FakeCmsOperation.Create,
            [.., "skvare-cmsuser", "v1", "users", _, "notify" or "reset"] when method == "POST" => FakeCmsOperation.Notify,
            [.., "wp", "v2", "users"] when method == "GET" => FakeCmsOperation.LookUp,
            [.., "wp", "v2", "users"] when method == "POST" => FakeCmsOperation.Create,
            [.., "wp", "v2", "users", _] when method is "POST" or "PUT" or "PATCH" && FakeOperations.HasKey(request.Body, "roles") => FakeCmsOperation.ChangeRoles,
            _ => FakeCmsOperation.Other,
        };
    }

    /// <inheritdoc />
    void IFakeCmsServer.FailNext(int count, int statusCode) => FailNext(count, statusCode);

    private FakeCmsUser ToUser(WordPressUserRow row)
    {
        lock (_gate)
        {
            return new FakeCmsUser(row.Id, row.Username, row.Email, !row.Blocked, [.. row.Roles])
            {
                Language = row.Locale.Length > 0 ? row.Locale : null,
                Fields = row.Meta,
                HasPassword = row.HasPassword,
                PasswordHash = row.Password is { } password ? FakePassword.Hash(password) : string.Empty,
                Extras = new FakeWordPressUserExtras(row.Registered, row.FirstName, row.LastName, row.DisplayName, row.Nickname, row.ResetKey),
            };
        }
    }
}
