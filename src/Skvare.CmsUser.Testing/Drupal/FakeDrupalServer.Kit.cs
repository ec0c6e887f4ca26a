using Skvare.CmsUser.Testing.Http;
using WireMock;

namespace Skvare.CmsUser.Testing.Drupal;

/// <summary>What only Drupal 8+ stores about a user (<see cref="FakeCmsUser.Extras"/>).</summary>
/// <param name="Uuid">The user entity's UUID.</param>
public sealed record FakeDrupalUserExtras(Guid Uuid) : FakeCmsUserExtras;

/// <summary>The user directory and the shape every CMS fake shares (<see cref="IFakeCmsServer"/>).</summary>
public sealed partial class FakeDrupalServer : IFakeCmsServer
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
    /// <param name="roles">Role machine names (added to the known roles if new).</param>
    /// <returns>The user.</returns>
    public FakeCmsUser AddUser(string name, string mail, bool active = true, params string[] roles) => ToUser(AddUserRow(name, mail, active, roles));

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
            ["jsonapi", "user", "user"] when method == "GET" => FakeCmsOperation.LookUp,
            ["entity", "user"] when method == "POST" => FakeCmsOperation.Create,
            ["user", "password"] when method == "POST" => FakeCmsOperation.Notify,
            ["cmsuser", "user", _, "notify"] when method == "POST" => FakeCmsOperation.Notify,
            ["user", _] when method == "PATCH" && FakeOperations.HasKey(request.Body, "roles") => FakeCmsOperation.ChangeRoles,
            _ => FakeCmsOperation.Other,
        };
    }

    /// <inheritdoc />
    void IFakeCmsServer.FailNext(int count, int statusCode) => FailNext(count, statusCode);

    private static FakeCmsUser ToUser(DrupalUserRow row) => new(row.Uid, row.Name, row.Mail, row.Status, row.Roles)
    {
        Language = row.PreferredLangcode,
        Fields = row.Fields,
        HasPassword = row.HasPassword,
        PasswordHash = row.PasswordHash,
        Extras = new FakeDrupalUserExtras(row.Uuid),
    };
}
