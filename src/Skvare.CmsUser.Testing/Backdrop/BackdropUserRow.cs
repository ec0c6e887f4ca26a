namespace Skvare.CmsUser.Testing.Backdrop;

/// <summary>An account held by <see cref="FakeBackdropServer"/> (a snapshot; the server replaces it on change).</summary>
/// <param name="Uid">The Backdrop user id.</param>
/// <param name="Name">The username.</param>
/// <param name="Mail">The email address.</param>
internal sealed record BackdropUserRow(long Uid, string Name, string Mail)
{
    /// <summary>1 when active, 0 when blocked.</summary>
    public int Status { get; init; } = 1;

    /// <summary>Assigned role machine names (without <c>authenticated</c>).</summary>
    public IReadOnlyList<string> Roles { get; init; } = [];

    /// <summary>The language code, when one was given.</summary>
    public string? Language { get; init; }

    /// <summary>The time zone, when one was given.</summary>
    public string? Timezone { get; init; }

    /// <summary>Values of user fields, by field name.</summary>
    public IReadOnlyDictionary<string, string> Fields { get; init; } = new Dictionary<string, string>();

    /// <summary>Whether the client chose the password (otherwise the module generated one nobody knows).</summary>
    public bool PasswordChosenByClient { get; init; }

    /// <summary>SHA-256 of the password; the fake keeps no password in clear text.</summary>
    internal string PasswordHash { get; init; } = string.Empty;

    /// <summary>Whether <paramref name="password"/> is this account's password.</summary>
    /// <param name="password">The password to check.</param>
    public bool PasswordMatches(string password) => FakePassword.Matches(PasswordHash, password);

    /// <summary>Prints the account without its password hash.</summary>
    private bool PrintMembers(System.Text.StringBuilder builder) =>
        FakeUserRowText.Print(builder, Uid, Name, Mail, Status, nameof(Roles), Roles);
}
