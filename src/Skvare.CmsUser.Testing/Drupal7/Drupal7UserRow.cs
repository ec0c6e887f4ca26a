namespace Skvare.CmsUser.Testing.Drupal7;

/// <summary>An account held by <see cref="FakeDrupal7Server"/> (a snapshot; the server replaces it on change).</summary>
/// <param name="Uid">The Drupal user id.</param>
/// <param name="Name">The username.</param>
/// <param name="Mail">The email address.</param>
internal sealed record Drupal7UserRow(long Uid, string Name, string Mail)
{
    /// <summary>1 when active, 0 when blocked.</summary>
    public int Status { get; init; } = 1;

    /// <summary>When the account was created (<c>created</c>: Unix seconds, as a string in the Services answers).</summary>
    public DateTimeOffset Created { get; init; } = DateTimeOffset.UtcNow;

    /// <summary>Role ids (without the authenticated role 2).</summary>
    public IReadOnlyList<int> RoleIds { get; init; } = [];

    /// <summary>The language code ('' when none).</summary>
    public string Language { get; init; } = string.Empty;

    /// <summary>Values of <c>field_*</c> fields (first <c>und</c> item), by field name.</summary>
    public IReadOnlyDictionary<string, string> Fields { get; init; } = new Dictionary<string, string>();

    /// <summary>SHA-256 of the password; the fake keeps no password in clear text.</summary>
    internal string PasswordHash { get; init; } = string.Empty;

    /// <summary>Whether <paramref name="password"/> is this account's password.</summary>
    /// <param name="password">The password to check.</param>
    public bool PasswordMatches(string password) => FakePassword.Matches(PasswordHash, password);

    /// <summary>Prints the account without its password hash.</summary>
    private bool PrintMembers(System.Text.StringBuilder builder) =>
        FakeUserRowText.Print(builder, Uid, Name, Mail, Status, nameof(RoleIds), RoleIds);
}
