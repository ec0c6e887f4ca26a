namespace Skvare.CmsUser.Testing.Standalone;

/// <summary>What only CiviCRM Standalone stores about a user (<see cref="FakeCmsUser.Extras"/>).</summary>
/// <param name="ContactId">The contact the user belongs to (its row is that contact's UFMatch link), or <see langword="null"/>.</param>
/// <param name="RoleIds">Role ids; <see cref="FakeCmsUser.Roles"/> has their names.</param>
public sealed record FakeStandaloneUserExtras(long? ContactId, IReadOnlyList<long> RoleIds) : FakeCmsUserExtras
{
    /// <summary>Prints the extras.</summary>
    protected override bool PrintMembers(System.Text.StringBuilder builder)
    {
        builder.Append("ContactId = ").Append(ContactId)
            .Append(", RoleIds = [").Append(string.Join(", ", RoleIds)).Append(']');
        return true;
    }
}

/// <summary>
/// The user directory and the shape every CMS fake shares (<see cref="IFakeCmsServer"/>). On Standalone a user belongs
/// to a contact (its row is the contact's UFMatch link), so <see cref="IFakeCmsServer.AddAccount"/> adds the contact too.
/// </summary>
public sealed partial class FakeStandaloneServer : IFakeCmsServer
{
    /// <summary>The users (snapshots), the API user <c>admin</c> included; roles by name, ids and contact in <see cref="FakeStandaloneUserExtras"/>.</summary>
    public IReadOnlyList<FakeCmsUser> Users
    {
        get
        {
            lock (Store)
            {
                var roles = Store.Rows("Role").ToDictionary(r => (long)r["id"]!, r => r["name"] as string ?? string.Empty);
                return [.. Store.Rows("User").Where(r => r.ContainsKey("username")).Select(r => ToUser(r, roles))];
            }
        }
    }

    /// <inheritdoc />
    Uri IFakeCmsServer.BaseUrl => BaseUrl;

    /// <inheritdoc />
    TimeSpan IFakeCmsServer.ResponseDelay
    {
        get => Latency;
        set => Latency = value;
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
        return Users.Single(u => u.Id == id);
    }

    /// <inheritdoc />
    /// <remarks>With the web server's HTML error page, as a PHP failure outside the API answers (not CiviCRM's JSON).</remarks>
    void IFakeCmsServer.FailNext(int count, int statusCode) =>
        FailNext(statusCode, count, "<!DOCTYPE html><html><head><title>Error</title></head><body>Server error</body></html>", "text/html; charset=UTF-8");

    /// <inheritdoc />
    void IFakeCmsServer.FailNextAfterProcessing(int count, int statusCode) => FailNextAfterProcessing(statusCode, count);

    /// <inheritdoc />
    void IFakeCmsServer.HangNext(int count, TimeSpan delay) => Hang(count, delay);

    private static FakeCmsUser ToUser(IReadOnlyDictionary<string, object?> row, Dictionary<long, string> roleNames)
    {
        var roleIds = (row.GetValueOrDefault("roles") as List<object?> ?? []).Select(v => Convert.ToInt64(v, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        return new FakeCmsUser(
            (long)row["id"]!,
            row["username"] as string ?? string.Empty,
            row.GetValueOrDefault("uf_name") as string ?? string.Empty,
            row.GetValueOrDefault("is_active") is true,
            [.. roleIds.Select(r => roleNames.TryGetValue(r, out var name) ? name : r.ToString(System.Globalization.CultureInfo.InvariantCulture))])
        {
            Language = row.GetValueOrDefault("language") as string,
            HasPassword = row.GetValueOrDefault("hashed_password") is string { Length: > 0 },
            Extras = new FakeStandaloneUserExtras(row.GetValueOrDefault("contact_id") as long?, roleIds),
        };
    }
}
