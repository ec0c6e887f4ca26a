using Skvare.CmsUser.Testing.Http;
using WireMock;

namespace Skvare.CmsUser.Testing.Drupal7;

/// <summary>What only Drupal 7 stores about a user (<see cref="FakeCmsUser.Extras"/>).</summary>
/// <param name="RoleIds">Role ids (without the authenticated role 2); <see cref="FakeCmsUser.Roles"/> has their names.</param>
public sealed record FakeDrupal7UserExtras(IReadOnlyList<int> RoleIds) : FakeCmsUserExtras
{
    /// <summary>Prints the role ids.</summary>
    protected override bool PrintMembers(System.Text.StringBuilder builder)
    {
        builder.Append("RoleIds = [").Append(string.Join(", ", RoleIds)).Append(']');
        return true;
    }
}

/// <summary>The user directory and the shape every CMS fake shares (<see cref="IFakeCmsServer"/>).</summary>
public sealed partial class FakeDrupal7Server : IFakeCmsServer
{
    /// <summary>The users, by uid (snapshots).</summary>
    public IReadOnlyList<FakeCmsUser> Users => [.. UserRows.Select(ToUser)];

    /// <summary>The user with this uid, or <see langword="null"/>.</summary>
    /// <param name="uid">The user id.</param>
    /// <returns>The user.</returns>
    public FakeCmsUser? FindUser(long uid) => FindUserRow(uid) is { } row ? ToUser(row) : null;

    /// <summary>The user with this mail (case-insensitive), or <see langword="null"/>.</summary>
    /// <param name="mail">The email address.</param>
    /// <returns>The user.</returns>
    public FakeCmsUser? FindUserByMail(string mail) => FindUserRowByMail(mail) is { } row ? ToUser(row) : null;

    /// <summary>Seeds a user without any checks.</summary>
    /// <param name="name">The username.</param>
    /// <param name="mail">The email address.</param>
    /// <param name="active">Whether it is active.</param>
    /// <param name="roles">Role ids (must exist).</param>
    /// <returns>The user.</returns>
    public FakeCmsUser AddUser(string name, string mail, bool active = true, params int[] roles) => ToUser(AddUserRow(name, mail, active, roles));

    /// <inheritdoc />
    int IFakeCmsServer.RequestCount => Requests.Count;

    /// <inheritdoc />
    IReadOnlyList<string> IFakeCmsServer.RequestLogText => [.. Requests.Select(r => r.ToString())];

    /// <inheritdoc />
    FakeCmsUser IFakeCmsServer.AddAccount(string username, string email) => AddUser(username, email);


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
            [.., "user"] when method == "GET" => FakeCmsOperation.LookUp,
            [.., "user"] when method == "POST" => FakeCmsOperation.Create,
            [.., "user", _, "password_reset" or "resend_welcome_email"] when method == "POST" => FakeCmsOperation.Notify,
            [.., "user", _] when method == "PUT" && FakeOperations.HasKey(request.Body, "roles") => FakeCmsOperation.ChangeRoles,
            _ => FakeCmsOperation.Other,
        };
    }

    /// <inheritdoc />
    void IFakeCmsServer.FailNext(int count, int statusCode) => FailNext(count, statusCode);

    private FakeCmsUser ToUser(Drupal7UserRow row)
    {
        lock (_gate)
        {
            return new FakeCmsUser(row.Uid, row.Name, row.Mail, row.Status == 1,
                [.. row.RoleIds.Select(r => _roles.TryGetValue(r, out var name) ? name : r.ToString(System.Globalization.CultureInfo.InvariantCulture))])
            {
                Language = row.Language.Length > 0 ? row.Language : null,
                Fields = row.Fields,
                HasPassword = row.PasswordHash.Length > 0,
                PasswordHash = row.PasswordHash,
                Extras = new FakeDrupal7UserExtras(row.RoleIds),
            };
        }
    }
}
