namespace Skvare.CmsUser.Cli;

/// <summary>
/// The numbers <c>cmsuser failures</c> prints, which add up (docs/cli.md, "What each count means"):
/// <see cref="Listed"/> + <see cref="NotListed"/> = <see cref="Total"/>, what <c>--all</c> lists; and the listed contacts
/// split by what the next run does, <see cref="Retry"/> + <see cref="AttemptsUsedUp"/> + <see cref="NotWaiting"/> =
/// <see cref="Listed"/>. A contact counts once, by its latest attempt (a Failed or Completed record; a Scheduled or
/// Cancelled record is no attempt).
/// </summary>
/// <param name="Total">Contacts whose latest attempt in the attempt window failed, waiting in a trigger or not.</param>
/// <param name="Listed">Those in the list (the scope: waiting in a rule's trigger, in the trigger of the <c>--rule</c>, or all with <c>--all</c>).</param>
/// <param name="NotListedNoTrigger">Left out because no rule's trigger holds them (gave up, removed, given an account another way).</param>
/// <param name="NotListedOtherRules">Left out by <c>--rule</c> because they wait in another rule's trigger (that rule's work).</param>
/// <param name="Retry">Listed contacts the next run tries again.</param>
/// <param name="AttemptsUsedUp">Listed contacts the next run skips until their failures age out (a trigger they cannot leave).</param>
/// <param name="NotWaiting">Listed contacts (with <c>--all</c>) no trigger holds: the next run does not see them.</param>
internal sealed record FailureCounts(int Total, int Listed, int NotListedNoTrigger, int NotListedOtherRules, int Retry, int AttemptsUsedUp, int NotWaiting)
{
    /// <summary>Contacts whose latest attempt failed that the list leaves out: <see cref="Total"/> − <see cref="Listed"/>.</summary>
    public int NotListed => NotListedNoTrigger + NotListedOtherRules;

    /// <summary>
    /// The contacts a <c>failures</c> list shows: with <paramref name="all"/> every one; otherwise those waiting in a rule's
    /// trigger, or with <paramref name="rule"/> (a rule's display name) in that rule's.
    /// </summary>
    public static IReadOnlyList<FailureRecord> InScope(IReadOnlyList<FailureRecord> failures, bool all, string? rule) =>
        all ? failures
        : rule is null ? failures.Where(f => f.Rule is not null).ToList()
        : failures.Where(f => f.Rule is not null && f.Rule == rule).ToList();

    /// <summary>The counts of <paramref name="listed"/>, chosen from <paramref name="failures"/> (every contact whose latest attempt failed).</summary>
    public static FailureCounts Of(IReadOnlyCollection<FailureRecord> failures, IReadOnlyCollection<FailureRecord> listed)
    {
        var shown = listed.Select(f => f.ContactId).ToHashSet();
        var left = failures.Where(f => !shown.Contains(f.ContactId)).ToList();
        return new FailureCounts(
            failures.Count,
            listed.Count,
            left.Count(f => f.Rule is null),
            left.Count(f => f.Rule is not null),
            listed.Count(f => f.Next == FailureNext.Retry),
            listed.Count(f => f.Next == FailureNext.AttemptsUsedUp),
            listed.Count(f => f.Next == FailureNext.NotWaiting));
    }
}
