namespace Skvare.CmsUser.Testing;

/// <summary>
/// A user of a CMS fake, in the one shape every CMS fake shares (<c>FakeWordPressServer</c>, <c>FakeDrupalServer</c>,
/// <c>FakeDrupal7Server</c>, <c>FakeBackdropServer</c>, <c>FakeJoomlaServer</c>, <c>FakeStandaloneServer</c>): the
/// same field names whatever the CMS calls them, and what only one CMS stores in <see cref="Extras"/>. A snapshot:
/// the fake replaces its own record on change, so read the user again after a call. It prints without password
/// material.
/// </summary>
/// <param name="Id">The CMS user id (Drupal's and Backdrop's <c>uid</c>).</param>
/// <param name="Username">The login name (Drupal's and Backdrop's <c>name</c>).</param>
/// <param name="Email">The email (Drupal's and Backdrop's <c>mail</c>; Standalone's <c>uf_name</c>).</param>
/// <param name="Active">Whether the user may log in (Drupal's <c>status</c>; not blocked on WordPress and Joomla; Standalone's <c>is_active</c>).</param>
/// <param name="Roles">Role names: WordPress role slugs, Drupal and Backdrop role machine names and Drupal 7 role names (without <c>authenticated</c>), Joomla group titles, Standalone role names.</param>
public sealed record FakeCmsUser(long Id, string Username, string Email, bool Active, IReadOnlyList<string> Roles)
{
    /// <summary>
    /// The user's language code, or <see langword="null"/> for the site default (WordPress <c>locale</c>, Drupal
    /// <c>preferred_langcode</c>, Drupal 7 and Backdrop <c>language</c>, Joomla <c>params.language</c>, Standalone
    /// <c>language</c>).
    /// </summary>
    public string? Language { get; init; }

    /// <summary>
    /// Values of the CMS's own user fields, by name: Drupal, Drupal 7 and Backdrop <c>field_*</c> (Drupal 7: the first
    /// <c>und</c> item), WordPress registered user meta, Joomla custom fields.
    /// </summary>
    public IReadOnlyDictionary<string, string> Fields { get; init; } = new Dictionary<string, string>();

    /// <summary>
    /// Whether the client chose the password (on create or later). Otherwise the user has none anyone knows until a
    /// reset: Drupal keeps none, Backdrop and Joomla generate one nobody is told (Joomla mails it).
    /// </summary>
    public bool HasPassword { get; init; }

    /// <summary>What only this CMS stores: a <see cref="FakeCmsUserExtras"/> of the fake's own kind (see <see cref="ExtrasOf{TExtras}"/>).</summary>
    public FakeCmsUserExtras? Extras { get; init; }

    /// <summary>SHA-256 of the password when the fake keeps one (never the password itself).</summary>
    internal string PasswordHash { get; init; } = string.Empty;

    /// <summary>
    /// Whether <paramref name="password"/> is this user's password. Always <see langword="false"/> where the fake
    /// keeps no password (Joomla, Standalone).
    /// </summary>
    /// <param name="password">The password to check.</param>
    public bool PasswordMatches(string password) =>
        FakePassword.Matches(PasswordHash, password);

    /// <summary>The CMS's extras as their own type, e.g. <c>user.ExtrasOf&lt;FakeDrupalUserExtras&gt;().Uuid</c>.</summary>
    /// <typeparam name="TExtras">The extras type of the fake the user came from.</typeparam>
    /// <returns>The extras.</returns>
    /// <exception cref="InvalidOperationException">The user came from another CMS fake.</exception>
    public TExtras ExtrasOf<TExtras>()
        where TExtras : FakeCmsUserExtras =>
        Extras as TExtras ?? throw new InvalidOperationException($"User {Id} has {Extras?.GetType().Name ?? "no extras"}, not {typeof(TExtras).Name}.");

    /// <summary>Prints the user without password material.</summary>
    private bool PrintMembers(System.Text.StringBuilder builder)
    {
        builder.Append("Id = ").Append(Id)
            .Append(", Username = ").Append(Username)
            .Append(", Email = ").Append(Email)
            .Append(", Active = ").Append(Active)
            .Append(", Roles = [").Append(string.Join(", ", Roles)).Append(']')
            .Append(", Language = ").Append(Language)
            .Append(", HasPassword = ").Append(HasPassword)
            .Append(", Extras = ").Append(Extras);
        return true;
    }
}

/// <summary>
/// What only one CMS stores about a user (<see cref="FakeCmsUser.Extras"/>): <c>FakeWordPressUserExtras</c>,
/// <c>FakeDrupalUserExtras</c>, <c>FakeDrupal7UserExtras</c>, <c>FakeBackdropUserExtras</c>,
/// <c>FakeJoomlaUserExtras</c>, <c>FakeStandaloneUserExtras</c>.
/// </summary>
public abstract record FakeCmsUserExtras;

/// <summary>The one password hash of the kit's fakes (they keep no password in clear text).</summary>
internal static class FakePassword
{
    /// <summary>SHA-256 of the password, lower-case hex.</summary>
    public static string Hash(string password) =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(password)));

    /// <summary>Whether <paramref name="password"/> hashes to <paramref name="hash"/>; an empty hash (no password kept) matches nothing.</summary>
    public static bool Matches(string hash, string password) => hash.Length > 0 && hash == Hash(password);
}

/// <summary>
/// The printed form of a Drupal, Drupal 7 or Backdrop fake's stored user row: id, name, mail, status and roles, never
/// the password hash (the rows' <c>PrintMembers</c> call it, so a row in a failed assertion shows no password material).
/// </summary>
internal static class FakeUserRowText
{
    /// <summary>Appends <c>Uid = …, Name = …, Mail = …, Status = …, ROLESNAME = [..]</c>.</summary>
    /// <typeparam name="TStatus">How the CMS stores the status (<c>bool</c> or <c>int</c>).</typeparam>
    /// <typeparam name="TRole">How the row holds roles (machine names or ids).</typeparam>
    public static bool Print<TStatus, TRole>(System.Text.StringBuilder builder, long uid, string name, string mail, TStatus status, string rolesName, IEnumerable<TRole> roles)
    {
        builder.Append("Uid = ").Append(uid)
            .Append(", Name = ").Append(name)
            .Append(", Mail = ").Append(mail)
            .Append(", Status = ").Append(status)
            .Append(", ").Append(rolesName).Append(" = [").Append(string.Join(", ", roles)).Append(']');
        return true;
    }
}
