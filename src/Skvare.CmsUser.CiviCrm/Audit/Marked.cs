namespace Skvare.CmsUser.CiviCrm.Audit;

/// <summary>
/// The mark a page's Scheduled records carry in their details while they are Scheduled (completing or failing a record
/// rewrites its details): after CiviCRM refused the request that opened them, the records it kept are found by it
/// (CiviCRM 6.17.2 runs no transaction, so a refused <c>save</c> keeps the records before the refused one).
/// </summary>
internal static class Marked
{
    /// <summary>A new mark: 12 random hexadecimal digits (no <c>LIKE</c> wildcard in it).</summary>
    public static string New() => Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(6));

    /// <summary>The entry with the mark at the end of its details.</summary>
    public static ActivityEntry With(ActivityEntry entry, string mark) => entry with { Details = $"{entry.Details} (mark {mark})".TrimStart() };
}
