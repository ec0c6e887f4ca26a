namespace Skvare.CmsUser.CiviCrm;

/// <summary>
/// The names of the CiviCRM activity types (and the one activity status) this package writes for every attempt.
/// Reports, saved searches and tools that read the audit trail match on these names (<c>activity_type_id:name</c>,
/// <c>status_id:name</c>); the package creates any that are missing when it starts.
/// </summary>
public static class CiviCrmActivityTypes
{
    /// <summary>The activity type of account creation attempts.</summary>
    public const string AccountCreation = "User Account Creation";

    /// <summary>The activity type of password reset attempts.</summary>
    public const string PasswordReset = "User Account Password Reset";

    /// <summary>The activity type of deprovisioning that blocks the account.</summary>
    public const string AccountBlocked = "User Account Blocked";

    /// <summary>The activity type of deprovisioning that removes the rule's roles.</summary>
    public const string RolesRemoved = "User Account Roles Removed";

    /// <summary>The activity type of giving access back to a deprovisioned contact that is provisioned again.</summary>
    public const string AccessRestored = "User Account Restored";

    /// <summary>The activity status of failed attempts (an activity status, not a type: CiviCRM core has none, so it is created).</summary>
    public const string FailedStatus = "Failed";
}
