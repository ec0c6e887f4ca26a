using Skvare.CmsUser.Testing.CiviCrm;

namespace Skvare.CmsUser.Testing.Standalone;

/// <summary>
/// A fake CiviCRM Standalone site: the fake CiviCRM with the roles a fresh install has
/// (<c>everyone</c>, <c>admin</c>, <c>staff</c>) and the API contact as user <c>admin</c>.
/// Users are the UFMatch rows, as on a real Standalone site.
/// </summary>
public sealed partial class FakeStandaloneServer : FakeCiviCrmServer
{
    /// <summary>Starts the fake.</summary>
    /// <param name="apiKey">The API key (random when null).</param>
    public FakeStandaloneServer(string? apiKey = null)
        : base(apiKey)
    {
        EveryoneRole = AddRole("everyone", "Everyone, including anonymous users");
        AdminRole = AddRole("admin", "Administrator");
        StaffRole = AddRole("staff", "Staff");
        ApiUserId = AddUser("admin", "api@example.org", ApiContactId, true, AdminRole);
    }

    /// <summary>The <c>everyone</c> role id.</summary>
    public long EveryoneRole { get; }

    /// <summary>The <c>admin</c> role id.</summary>
    public long AdminRole { get; }

    /// <summary>The <c>staff</c> role id.</summary>
    public long StaffRole { get; }

    /// <summary>The API user's own user id.</summary>
    public long ApiUserId { get; }

    /// <summary>
    /// Whether the default <c>password_reset</c> message template is active (default true). When it is not,
    /// <c>sendPasswordResetEmail</c> answers <c>is_error</c> "No password reset message template available", as
    /// it does for an address the mailer refuses.
    /// </summary>
    public bool PasswordResetTemplateActive { get; set; } = true;
}
