using System.Text.RegularExpressions;
using CsCheck;

namespace Skvare.CmsUser.Cli.Tests;

/// <summary>
/// Regression (admin trial): a contact with more failures than Retry:MaxAttempts (the limit lowered after they failed)
/// read "attempt 4 of 2" in run/reset, "5 of 4" in failures and plan. Past the limit the count names the limit instead.
/// </summary>
public sealed class AttemptCountWordingTests
{
    private static ProvisioningOutcome Outcome(OutcomeKind kind, int attempt, FailureKind failure = FailureKind.Permanent, string code = "duplicate_username") =>
        new() { ContactId = 7, Kind = kind, Attempt = attempt, Error = new ProvisioningError(failure, code, "x") };

    [Fact]
    public void A_count_past_the_limit_names_the_limit_in_run_reset_and_failures()
    {
        var limit2 = new RetryPolicy { MaxAttempts = 2 };
        var limit4 = new RetryPolicy { MaxAttempts = 4 };

        Output.AttemptNote(Outcome(OutcomeKind.GaveUp, 4), limit2).Should().Be(" (attempt 4, limit 2)");
        Output.AttemptNote(Outcome(OutcomeKind.Failed, 2), limit2).Should().Be(" (attempt 2 of 2)", "within the limit the words stay");
        Output.AttemptNote(Outcome(OutcomeKind.Failed, 5, FailureKind.Transient, "cms_unavailable"), limit4)
            .Should().Be(" (not counted: 5 attempts used, limit 4; tried again next run)");
        Output.AttemptNote(Outcome(OutcomeKind.Failed, 5, FailureKind.Transient, CmsUserErrorCodes.UnknownOutcome), new RetryPolicy { MaxAttempts = 4, CountTransientFailures = true })
            .Should().StartWith(" (attempt 5, limit 4; ");
        Output.AttemptCount(5, 4).Should().Be("5, limit 4");
        Output.AttemptCount(3, 4).Should().Be("3 of 4");
        var unknown = new FailureRecord(7, 4, DateTimeOffset.UnixEpoch, CmsUserErrorCodes.UnknownOutcome + ": lost", FailureNext.Retry, "members");
        Output.Next(unknown, 4).Should().Contain("(attempt 5, limit 4)").And.NotContain("5 of 4");
        Output.Next(unknown with { Attempts = 1 }, 4).Should().Contain("(attempt 2 of 4)");
    }

    [Fact]
    public void No_attempt_wording_says_more_of_the_limit_than_the_limit()
    {
        var pastTheLimit = new Regex(@"(\d+) of (\d+)");
        Gen.Select(Gen.Int[0, 30], Gen.Int[1, 10], Gen.Bool, Gen.Bool).Sample((attempt, max, transient, gaveUp) =>
        {
            var outcome = Outcome(gaveUp ? OutcomeKind.GaveUp : OutcomeKind.Failed, attempt, transient ? FailureKind.Transient : FailureKind.Permanent, transient ? "cms_unavailable" : "duplicate_username");
            var record = new FailureRecord(7, attempt, DateTimeOffset.UnixEpoch, "duplicate_username: x", FailureNext.Retry, "members");
            foreach (var text in new[] { Output.AttemptNote(outcome, new RetryPolicy { MaxAttempts = max }), Output.AttemptCount(attempt, max), Output.Next(record, max), Output.AttemptsUsed(attempt, max) })
            {
                foreach (Match m in pastTheLimit.Matches(text))
                {
                    int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture).Should().BeLessThanOrEqualTo(int.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture), text);
                }
            }
        });
    }
}
