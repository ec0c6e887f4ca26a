using CsCheck;

namespace Skvare.CmsUser.Cli.Tests;

/// <summary>
/// The numbers of <c>cmsuser failures</c> over generated activity sets: a Scheduled or Cancelled record is no attempt, and
/// the listed and the not listed add up to what <c>--all</c> lists, whatever the scope (docs/cli.md, "What each count means").
/// </summary>
public sealed class FailureCountProperties
{
    private static readonly string[] Statuses = ["Failed", "Completed", "Scheduled", "Cancelled"];
    private static readonly DateTimeOffset Start = new(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);

    // Records of up to six contacts, interleaved, in date order (as the read returns them).
    private static readonly Gen<List<FailureReader.AttemptRow>> Rows =
        Gen.Select(Gen.Long[1, 6], Gen.Int[0, 3], Gen.Int[0, 10_000]).Array[0, 40].Select(rows => rows
            .OrderBy(r => r.Item3)
            .Select((r, i) => new FailureReader.AttemptRow(r.Item1, Start.AddMinutes(r.Item3), Statuses[r.Item2], $"error {i}", $"Contact {r.Item1}"))
            .ToList());

    private static bool IsAttempt(FailureReader.AttemptRow row) => row.Status is "Failed" or "Completed";

    [Fact]
    public void Scheduled_and_cancelled_records_count_as_no_attempt()
    {
        Rows.Sample(rows =>
        {
            var tally = FailureReader.Tally(rows);
            var attemptsOnly = FailureReader.Tally(rows.Where(IsAttempt));

            foreach (var (id, contact) in tally)
            {
                var attempts = rows.Where(r => r.ContactId == id && IsAttempt(r)).ToList();
                contact.Failed.Should().Be(attempts.Count(r => r.Status == "Failed"), "only Failed records are failed attempts");
                contact.LastFailed.Should().Be(attempts.Count > 0 && attempts[^1].Status == "Failed", "the latest attempt decides");
                if (attemptsOnly.TryGetValue(id, out var same))
                {
                    (contact.Failed, contact.LastFailed, contact.Error, contact.Last).Should().Be((same.Failed, same.LastFailed, same.Error, same.Last), "a record that is no attempt changes nothing");
                }
                else
                {
                    contact.LastFailed.Should().BeFalse("a contact with only open or cancelled records never failed");
                }
            }
        });
    }

    [Fact]
    public void Listed_and_not_listed_add_up_to_what_all_lists_and_the_next_runs_add_up_to_the_listed()
    {
        // Where each contact waits: in no trigger, in rule a's, or in rule b's (a trigger it cannot leave or not).
        var placements = Gen.Int[0, 4].Array[6];
        Gen.Select(Rows, placements, Gen.Int[0, 2], Gen.Int[1, 4]).Sample((rows, placed, scope, max) =>
        {
            var failures = FailureReader.Tally(rows).Where(p => p.Value.LastFailed).Select(p =>
            {
                var where = placed[p.Key - 1];
                var rule = where switch { 0 => null, 1 or 2 => "a", _ => "b" };
                var next = rule is null ? FailureNext.NotWaiting : p.Value.Failed >= max && where % 2 == 0 ? FailureNext.AttemptsUsedUp : FailureNext.Retry;
                return new FailureRecord(p.Key, p.Value.Failed, p.Value.Last, p.Value.Error, next, rule, p.Value.Name);
            }).ToList();
            var all = scope == 0;
            var rule = scope == 2 ? "a" : null;

            var listed = FailureCounts.InScope(failures, all, rule);
            var counts = FailureCounts.Of(failures, listed);
            var everything = FailureCounts.InScope(failures, all: true, rule: null);

            counts.Total.Should().Be(everything.Count, "the total is what --all lists");
            (counts.Listed + counts.NotListed).Should().Be(counts.Total);
            counts.Listed.Should().Be(listed.Count);
            (counts.Retry + counts.AttemptsUsedUp + counts.NotWaiting).Should().Be(counts.Listed);
            counts.NotListedNoTrigger.Should().Be(all ? 0 : failures.Count(f => f.Rule is null));
            counts.NotListedOtherRules.Should().Be(rule is null ? 0 : failures.Count(f => f.Rule is not null && f.Rule != rule));
            if (!all)
            {
                counts.NotWaiting.Should().Be(0, "a list of waiting contacts holds none that waits in no trigger");
            }
        });
    }

    [Fact]
    public void The_lines_print_the_counts_that_add_up()
    {
        var counts = new FailureCounts(Total: 7, Listed: 4, NotListedNoTrigger: 2, NotListedOtherRules: 1, Retry: 3, AttemptsUsedUp: 1, NotWaiting: 0);

        Output.ListedLine(counts, " waiting in the trigger of a", "30 days").Should().Be("4 contacts waiting in the trigger of a with failed attempts in the last 30 days; 3 will be retried, 1 skipped until its failures age out (attempts used up).");
        Output.NotListedLine(counts, "a").Should().StartWith("Not listed: 3 contacts whose last attempt failed: 2 that no trigger holds").And.EndWith("lists all 7.");
    }
}
