using Skvare.CmsUser.Testing.Http;
using WireMock;

namespace Skvare.CmsUser.Testing.Joomla;

/// <summary>What only Joomla stores about a user (<see cref="FakeCmsUser.Extras"/>).</summary>
/// <param name="Name">The display name (Joomla requires one).</param>
/// <param name="GroupIds">Group ids; <see cref="FakeCmsUser.Roles"/> has their titles.</param>
/// <param name="RequireReset">Whether the user must change the password at the next login.</param>
/// <param name="ResetCount">How many password resets were requested (<c>resetCount</c>).</param>
public sealed record FakeJoomlaUserExtras(string Name, IReadOnlyList<long> GroupIds, bool RequireReset, int ResetCount) : FakeCmsUserExtras
{
    /// <summary>Prints the extras.</summary>
    protected override bool PrintMembers(System.Text.StringBuilder builder)
    {
        builder.Append("Name = ").Append(Name)
            .Append(", GroupIds = [").Append(string.Join(", ", GroupIds)).Append(']')
            .Append(", RequireReset = ").Append(RequireReset)
            .Append(", ResetCount = ").Append(ResetCount);
        return true;
    }
}

/// <summary>The user directory and the shape every CMS fake shares (<see cref="IFakeCmsServer"/>).</summary>
public sealed partial class FakeJoomlaServer : IFakeCmsServer
{
    /// <summary>The users (snapshots).</summary>
    public IReadOnlyList<FakeCmsUser> Users => [.. UserRows.Select(ToUser)];

    /// <summary>Seeds a user without any checks.</summary>
    /// <param name="username">The username.</param>
    /// <param name="email">The email.</param>
    /// <param name="name">The display name (the username when null).</param>
    /// <param name="groups">Group ids (Registered, 2, when none).</param>
    /// <returns>The user.</returns>
    public FakeCmsUser AddUser(string username, string email, string? name = null, params long[] groups) => ToUser(AddUserRow(username, email, name, groups));

    /// <summary>Blocks (<paramref name="active"/> false) or unblocks a user, as an administrator does in the back end.</summary>
    /// <param name="id">The user id.</param>
    /// <param name="active">Whether the user may log in.</param>
    /// <exception cref="KeyNotFoundException">No such user.</exception>
    public void SetActive(long id, bool active)
    {
        lock (_gate)
        {
            (_users.Find(u => u.Id == id) ?? throw new KeyNotFoundException($"No user {id}.")).Block = !active;
        }
    }

    /// <inheritdoc />
    int IFakeCmsServer.RequestCount => Requests.Count;

    /// <inheritdoc />
    IReadOnlyList<string> IFakeCmsServer.RequestLogText => [.. Requests.Select(r => r.ToString())];

    /// <inheritdoc />
    /// <remarks>In the group Registered (id 2), Joomla's default group for new users; the display name is the username.</remarks>
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
            [.., "v1", "users"] when method == "GET" => FakeCmsOperation.LookUp,
            [.., "v1", "users"] when method == "POST" => FakeCmsOperation.Create,
            [.., "cmsuser", "users", _, "reset"] when method == "POST" => FakeCmsOperation.Notify,
            [.., "v1", "users", _] when method == "PATCH" && FakeOperations.HasKey(request.Body, "groups") => FakeCmsOperation.ChangeRoles,
            _ => FakeCmsOperation.Other,
        };
    }

    private FakeCmsUser ToUser(JoomlaUserRow row)
    {
        lock (_gate)
        {
            return new FakeCmsUser(row.Id, row.Username, row.Email, !row.Block,
                [.. row.Groups.Select(g => Groups.TryGetValue(g, out var title) ? title : g.ToString(System.Globalization.CultureInfo.InvariantCulture))])
            {
                Language = row.Language,
                Fields = row.Fields,
                HasPassword = row.HasGivenPassword,
                Extras = new FakeJoomlaUserExtras(row.Name, [.. row.Groups], row.RequireReset, row.ResetCount),
            };
        }
    }
}
