namespace Skvare.CmsUser.CiviCrm.Audit;

/// <summary>
/// The mark a page's Scheduled records carry while they are Scheduled: after CiviCRM refused the request that opened them,
/// the records it kept are found by it (CiviCRM 6.17.2 runs no transaction, so a refused <c>save</c> keeps the records
/// before the refused one). It is kept in the activity's <c>result</c> field, which CiviCRM's activity screens show only for
/// survey activities (and its activity report only as "Survey Result" with CiviCampaign, off by default), not in the
/// details an admin reads; completing or failing the record clears it.
/// </summary>
internal static class Marked
{
    /// <summary>The activity field that holds the mark.</summary>
    public const string Field = "result";

    /// <summary>A new mark: 12 random hexadecimal digits.</summary>
    public static string New() => Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(6));
}
