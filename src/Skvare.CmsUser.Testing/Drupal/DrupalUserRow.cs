namespace Skvare.CmsUser.Testing.Drupal;

/// <summary>An account held by <see cref="FakeDrupalServer"/> (a snapshot; the server replaces it on change).</summary>
/// <param name="Uid">The Drupal user id.</param>
/// <param name="Uuid">The entity UUID.</param>
/// <param name="Name">The username.</param>
/// <param name="Mail">The email address.</param>
internal sealed record DrupalUserRow(long Uid, Guid Uuid, string Name, string Mail)
{
    /// <summary>Whether the account is active (Drupal's <c>status</c>).</summary>
    public bool Status { get; init; } = true;

    /// <summary>When the account was created (<c>created</c>: RFC 3339 in both APIs, whole seconds).</summary>
    public DateTimeOffset Created { get; init; } = DateTimeOffset.UtcNow;

    /// <summary>Assigned role machine names (without <c>authenticated</c>).</summary>
    public IReadOnlyList<string> Roles { get; init; } = [];

    /// <summary>The preferred language code.</summary>
    public string PreferredLangcode { get; init; } = "en";

    /// <summary>Values of <c>field_*</c> fields, by field name.</summary>
    public IReadOnlyDictionary<string, string> Fields { get; init; } = new Dictionary<string, string>();

    /// <summary>Whether the client set a password (otherwise the account has none until a reset).</summary>
    public bool HasPassword { get; init; }

    /// <summary>SHA-256 of the password; the fake keeps no password in clear text.</summary>
    internal string PasswordHash { get; init; } = string.Empty;

    /// <summary>Whether <paramref name="password"/> is this account's password.</summary>
    /// <param name="password">The password to check.</param>
    public bool PasswordMatches(string password) => FakePassword.Matches(PasswordHash, password);

    /// <summary>Prints the account without its password hash.</summary>
    private bool PrintMembers(System.Text.StringBuilder builder) =>
        FakeUserRowText.Print(builder, Uid, Name, Mail, Status, nameof(Roles), Roles);
}
