using Skvare.CmsUser.Testing.Http;
using WireMock;

namespace Skvare.CmsUser.Testing.Backdrop;

/// <summary>What only Backdrop stores about a user (<see cref="FakeCmsUser.Extras"/>).</summary>
/// <param name="Timezone">The time zone, when one was given.</param>
public sealed record FakeBackdropUserExtras(string? Timezone) : FakeCmsUserExtras;

/// <summary>The user directory and the shape every CMS fake shares (<see cref="IFakeCmsServer"/>).</summary>
public sealed partial class FakeBackdropServer : IFakeCmsServer
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
            [.., "users"] when method == "GET" => FakeCmsOperation.LookUp,
            [.., "users"] when method == "POST" => FakeCmsOperation.Create,
            [.., "users", _, "roles" or "remove-roles"] when method == "POST" => FakeCmsOperation.ChangeRoles,
            [.., "users", _, "mail"] when method == "POST" => FakeCmsOperation.Notify,
            _ => FakeCmsOperation.Other,
        };
    }

    /// <inheritdoc />
    void IFakeCmsServer.FailNext(int count, int statusCode) => FailNext(count, statusCode);

    private static FakeCmsUser ToUser(BackdropUserRow row) => new(row.Uid, row.Name, row.Mail, row.Status == 1, row.Roles)
    {
        Language = row.Language,
        Fields = row.Fields,
        HasPassword = row.PasswordChosenByClient,
        PasswordHash = row.PasswordHash,
        Extras = new FakeBackdropUserExtras(row.Timezone),
    };
}
