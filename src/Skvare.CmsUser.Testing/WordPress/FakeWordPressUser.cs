namespace Skvare.CmsUser.Testing.WordPress;

/// <summary>A user held by <see cref="FakeWordPressServer"/>. Read it after a call to assert what the site now holds.</summary>
public sealed class FakeWordPressUser
{
    internal FakeWordPressUser(long id, string username, string email)
    {
        Id = id;
        Username = username;
        Email = email;
    }

    /// <summary>The user id.</summary>
    public long Id { get; }

    /// <summary>The login name.</summary>
    public string Username { get; }

    /// <summary>The email address.</summary>
    public string Email { get; internal set; }

    /// <summary>When the user was registered (<c>registered_date</c>).</summary>
    public DateTimeOffset Registered { get; internal set; } = DateTimeOffset.UtcNow;

    /// <summary>Whether a password was set (the value itself is not kept).</summary>
    public bool HasPassword { get; internal set; }

    /// <summary>First name.</summary>
    public string FirstName { get; internal set; } = string.Empty;

    /// <summary>Last name.</summary>
    public string LastName { get; internal set; } = string.Empty;

    /// <summary>Display name (the REST <c>name</c>).</summary>
    public string DisplayName { get; internal set; } = string.Empty;

    /// <summary>Nickname.</summary>
    public string Nickname { get; internal set; } = string.Empty;

    /// <summary>User locale (empty = site default).</summary>
    public string Locale { get; internal set; } = string.Empty;

    /// <summary>The roles, in order.</summary>
    public IReadOnlyList<string> Roles { get; internal set; } = [];

    /// <summary>Registered user meta that was written.</summary>
    public IReadOnlyDictionary<string, string> Meta { get; internal set; } = new Dictionary<string, string>();

    /// <summary>Whether the companion plugin blocked the account.</summary>
    public bool Blocked { get; internal set; }

    /// <summary>The roles the account held when the companion plugin blocked it (the user meta <c>skvare_cmsuser_blocked_roles</c>).</summary>
    public IReadOnlyList<string> BlockedRoles { get; internal set; } = [];

    /// <summary>The application password that authenticates this user, if one was seeded.</summary>
    internal string? ApplicationPassword { get; set; }

    internal string? Password { get; set; }

    /// <summary>The latest password reset key issued (by the reset form, a notification or a login link).</summary>
    public string? ResetKey { get; internal set; }
}

/// <summary>An email the fake WordPress "sent".</summary>
/// <param name="To">Recipient.</param>
/// <param name="Kind"><c>password-reset</c> or <c>new-account</c>.</param>
/// <param name="UserId">The account it is about.</param>
public sealed record FakeWordPressMail(string To, string Kind, long UserId);

/// <summary>A request the fake WordPress received.</summary>
/// <param name="Method">HTTP method.</param>
/// <param name="Path">Path without query.</param>
/// <param name="Query">Query string without <c>?</c>, or <see langword="null"/>.</param>
/// <param name="Body">Request body, or <see langword="null"/>.</param>
/// <param name="AuthenticatedAs">The user the application password authenticated, or <see langword="null"/> (anonymous).</param>
/// <param name="StatusCode">Status of the answer.</param>
public sealed record FakeWordPressRequest(string Method, string Path, string? Query, string? Body, string? AuthenticatedAs, int StatusCode)
{
    /// <summary>Prints the request without its body (a create carries the account's password).</summary>
    private bool PrintMembers(System.Text.StringBuilder builder)
    {
        builder.Append("Method = ").Append(Method)
            .Append(", Path = ").Append(Path)
            .Append(", Query = ").Append(Query)
            .Append(", AuthenticatedAs = ").Append(AuthenticatedAs)
            .Append(", StatusCode = ").Append(StatusCode);
        return true;
    }
}
