using System.Text.Json.Serialization;

namespace Skvare.CmsUser;

/// <summary>
/// A link between a CiviCRM contact and a CMS user (CiviCRM's UFMatch record).
/// </summary>
/// <param name="ContactId">The CiviCRM contact id.</param>
/// <param name="CmsUserId">The CMS user id (UFMatch <c>uf_id</c>).</param>
/// <param name="UfName">The CMS-side name stored with the link; by convention the email.</param>
/// <param name="IsCurrentDomain"><see langword="true"/> when the link belongs to the CiviCRM domain this SDK talks to.</param>
public sealed record AccountLink(long ContactId, long CmsUserId, string? UfName, bool IsCurrentDomain = true);

/// <summary>A link the engine wants to exist after an account was created or found.</summary>
/// <param name="ContactId">The contact to link.</param>
/// <param name="CmsUserId">The CMS user id.</param>
/// <param name="UfName">The name to store with the link (the account's email).</param>
/// <param name="AccountCreatedNow">
/// Whether the engine created this CMS account in this run. Only then may a link of the CMS user to another
/// contact (made by the CMS's CiviCRM plugin, to a duplicate contact it created) be pointed at this contact.
/// A link of an existing account to another contact is never taken from it:
/// the result is <see cref="AccountLinkResultKind.HeldByOtherContact"/>.
/// </param>
public sealed record AccountLinkRequest(long ContactId, long CmsUserId, string UfName, bool AccountCreatedNow = false);

/// <summary>What the link store did for one <see cref="AccountLinkRequest"/>.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<AccountLinkResultKind>))]
public enum AccountLinkResultKind
{
    /// <summary>A link to the intended contact already existed (for example written by the CMS's CiviCRM plugin).</summary>
    AlreadyExisted,

    /// <summary>No link existed; one was created.</summary>
    Created,

    /// <summary>The CMS user was linked to another contact; the link now points at the intended contact.</summary>
    Repaired,

    /// <summary>The link could not be written; see <see cref="AccountLinkResult.Error"/>.</summary>
    Failed,

    /// <summary>
    /// The CMS user is linked to another contact in this domain (<see cref="AccountLinkResult.PreviousContactId"/>),
    /// or another request of the same batch claims it; the link was left as it is.
    /// </summary>
    HeldByOtherContact,
}

/// <summary>The result of ensuring one link.</summary>
/// <param name="Request">The request this answers.</param>
/// <param name="Kind">What happened.</param>
/// <param name="Error">Why it failed, when <paramref name="Kind"/> is <see cref="AccountLinkResultKind.Failed"/>.</param>
/// <param name="PreviousContactId">
/// The contact the CMS user was linked to before a repair, or the contact that holds it when
/// <paramref name="Kind"/> is <see cref="AccountLinkResultKind.HeldByOtherContact"/>.
/// </param>
public sealed record AccountLinkResult(
    AccountLinkRequest Request,
    AccountLinkResultKind Kind,
    string? Error = null,
    long? PreviousContactId = null);
