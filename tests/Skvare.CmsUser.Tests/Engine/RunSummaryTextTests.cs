using System.Text.RegularExpressions;
using CsCheck;

namespace Skvare.CmsUser.Tests.Engine;

/// <summary>
/// <see cref="RunSummary.ToString"/> as a log line reads it: the counts per outcome and the failures' codes, where the
/// compiler's text printed the collections' type names (<c>Counts = System.Collections.Generic.Dictionary`2[…]</c>).
/// </summary>
public sealed partial class RunSummaryTextTests
{
    private static readonly DateTimeOffset Start = new(2026, 12, 1, 23, 0, 0, TimeSpan.Zero);

    [Fact]
    public void A_summary_prints_its_counts_per_outcome_and_its_failures_by_code()
    {
        var summary = new RunSummary
        {
            StartedAt = Start,
            Duration = TimeSpan.FromSeconds(1.5),
            Counts = new Dictionary<OutcomeKind, int> { [OutcomeKind.GaveUp] = 1, [OutcomeKind.Created] = 2, [OutcomeKind.Failed] = 2, [OutcomeKind.Skipped] = 0 },
            Failures = [Failure(OutcomeKind.Failed, "duplicate_email"), Failure(OutcomeKind.GaveUp, "no_email"), Failure(OutcomeKind.Failed, "no_email")],
        };

        var text = summary.ToString();

        text.Should().StartWith("RunSummary { StartedAt = 2026-12-01T23:00:00.0000000+00:00, Duration = 00:00:01.5000000, ")
            .And.Contain("Counts = { Created = 2, Failed = 2, GaveUp = 1 }, Total = 5, ")
            .And.Contain("Failures = 3 { no_email = 2, duplicate_email = 1 }, Quarantined = False, ")
            .And.NotContain("System.");
    }

    [Fact]
    public void An_empty_run_prints_empty_counts_and_no_failures() =>
        new RunSummary { StartedAt = Start, Duration = TimeSpan.Zero, Counts = new Dictionary<OutcomeKind, int>(), Failures = [] }.ToString()
            .Should().Contain("Counts = {  }, Total = 0, Failures = 0 {  }, ");

    [Fact]
    public void Any_summary_prints_every_count_it_has_and_codes_that_add_up_to_its_failures() =>
        Gen.Select(Gen.Int[0, 50].Array[8], Gen.OneOf("no_email", "duplicate_email", "unknown_role", "transient").Array[0, 12]).Sample((numbers, codes) =>
        {
            var counts = Enum.GetValues<OutcomeKind>().Zip(numbers).ToDictionary(p => p.First, p => p.Second);
            var summary = new RunSummary
            {
                StartedAt = Start,
                Duration = TimeSpan.FromMinutes(2),
                Counts = counts,
                Failures = codes.Select(c => Failure(OutcomeKind.Failed, c)).ToList(),
            };

            var text = summary.ToString();

            text.Should().NotContain("System.").And.Contain($"Total = {counts.Values.Sum()}");
            var printed = CountsPart().Match(text).Groups[1].Value;
            foreach (var (kind, n) in counts)
            {
                if (n == 0)
                {
                    Regex.IsMatch(printed, $@"\b{kind} = ").Should().BeFalse(text);
                }
                else
                {
                    Regex.IsMatch(printed, $@"\b{kind} = {n}\b").Should().BeTrue(text);
                }
            }

            var failures = FailuresPart().Match(text);
            int.Parse(failures.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture).Should().Be(codes.Length, text);
            CodeCount().Matches(failures.Groups[2].Value).Sum(m => int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)).Should().Be(codes.Length, text);
        });

    private static ProvisioningOutcome Failure(OutcomeKind kind, string code) =>
        new() { ContactId = 1, Kind = kind, Error = new ProvisioningError(FailureKind.Permanent, code, "message") };

    [GeneratedRegex(@"Counts = \{ (.*?) \}, Total")]
    private static partial Regex CountsPart();

    [GeneratedRegex(@"Failures = (\d+) \{ (.*?) \}, Quarantined")]
    private static partial Regex FailuresPart();

    [GeneratedRegex(@"= (\d+)")]
    private static partial Regex CodeCount();
}
