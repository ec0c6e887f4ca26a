using CsCheck;
using Skvare.CmsUser.Retry;

namespace Skvare.CmsUser.Tests.Retry;

/// <summary>The one rule for what a failure does to a contact and to a run.</summary>
public sealed class AttemptPolicyTests
{
    private static AttemptPolicy Policy(int max = 4, bool countTransient = false, int quarantineAfter = 5) =>
        new(new RetryPolicy { MaxAttempts = max, CountTransientFailures = countTransient, QuarantineAfterConsecutiveTransientFailures = quarantineAfter });

    [Theory]
    //          kind                     prior  giveUpNow countTransient  outcome              attempt  gives up  records
    [InlineData(FailureKind.Permanent, 0, false, false, OutcomeKind.Failed, 1, false, true)]
    [InlineData(FailureKind.Permanent, 2, false, false, OutcomeKind.Failed, 3, false, true)]
    [InlineData(FailureKind.Permanent, 3, false, false, OutcomeKind.GaveUp, 4, true, true)]
    [InlineData(FailureKind.Permanent, 9, false, false, OutcomeKind.GaveUp, 10, true, true)]
    [InlineData(FailureKind.Permanent, 0, true, false, OutcomeKind.GaveUp, 1, true, true)]
    [InlineData(FailureKind.Transient, 3, false, false, OutcomeKind.Failed, 3, false, false)]
    [InlineData(FailureKind.Transient, 3, true, false, OutcomeKind.GaveUp, 3, true, false)]
    [InlineData(FailureKind.Transient, 2, false, true, OutcomeKind.Failed, 3, false, true)]
    [InlineData(FailureKind.Transient, 3, false, true, OutcomeKind.GaveUp, 4, true, true)]
    [InlineData(FailureKind.Configuration, 3, false, true, OutcomeKind.Failed, null, false, false)]
    [InlineData(FailureKind.Configuration, 3, true, false, OutcomeKind.Failed, null, false, false)]
    public void Decide_follows_the_table(FailureKind kind, int prior, bool giveUpNow, bool countTransient, OutcomeKind outcome, int? attempt, bool givesUp, bool records)
    {
        var verdict = Policy(countTransient: countTransient).Decide(kind, prior, giveUpNow);

        verdict.Should().Be(new AttemptVerdict(outcome, attempt, givesUp ? TriggerDisposition.GaveUp : null, records));
    }

    [Fact]
    public void Write_back_failure_counts_nothing_and_keeps_the_contact() =>
        AttemptPolicy.NotWritten(2).Should().Be(new AttemptVerdict(OutcomeKind.Failed, 2, null, false));

    [Theory]
    [InlineData(3, false)]
    [InlineData(4, true)]
    [InlineData(5, true)]
    public void A_kept_trigger_skips_a_contact_whose_attempts_are_used_up(int prior, bool usedUp) =>
        Policy().UsedUp(prior).Should().Be(usedUp);

    [Fact]
    public void Transient_streak_grows_on_transient_resets_on_success_or_permanent_and_quarantines_at_the_limit()
    {
        var policy = Policy(quarantineAfter: 3);
        var streak = 0;
        foreach (var failure in new FailureKind?[] { FailureKind.Transient, FailureKind.Transient, null, FailureKind.Transient, FailureKind.Configuration, FailureKind.Transient })
        {
            streak = AttemptPolicy.NextTransientStreak(streak, failure);
        }

        streak.Should().Be(2, "the success reset it, the configuration failure left it");
        policy.Quarantines(streak).Should().BeFalse();
        policy.Quarantines(AttemptPolicy.NextTransientStreak(streak, FailureKind.Transient)).Should().BeTrue();
        AttemptPolicy.NextTransientStreak(7, FailureKind.Permanent).Should().Be(0);
    }

    private static readonly Gen<(int Max, bool CountTransient, FailureKind Kind, int Prior, bool GiveUpNow)> Cases =
        Gen.Select(Gen.Int[1, 100], Gen.Bool, Gen.Enum<FailureKind>(), Gen.Int[0, 200], Gen.Bool);

    [Fact]
    public void A_counted_failure_never_gives_up_before_the_limit_and_always_by_it() =>
        Cases.Sample(c =>
        {
            var policy = Policy(c.Max, c.CountTransient);
            var verdict = policy.Decide(c.Kind, c.Prior, c.GiveUpNow);
            var counts = c.Kind == FailureKind.Permanent || (c.Kind == FailureKind.Transient && c.CountTransient);

            if (c.Kind == FailureKind.Configuration)
            {
                // Nobody's attempt: never recorded, never gives up, the contact stays.
                verdict.Should().Be(new AttemptVerdict(OutcomeKind.Failed, null, null, false));
                return;
            }

            verdict.RecordActivity.Should().Be(counts, "a failure is recorded exactly when it counts");
            verdict.Attempt.Should().Be(c.Prior + (counts ? 1 : 0));
            var givesUp = verdict.Kind == OutcomeKind.GaveUp;
            (verdict.Disposition == TriggerDisposition.GaveUp).Should().Be(givesUp, "a contact that gives up leaves the trigger, and only then");
            if (!c.GiveUpNow)
            {
                givesUp.Should().Be(counts && c.Prior + 1 >= c.Max, "the MaxAttempts-th counted failure gives up, no earlier one does");
            }
            else
            {
                givesUp.Should().BeTrue();
            }

            policy.Predict(c.Kind, c.Prior, c.GiveUpNow).Should().Be(givesUp ? PlannedAction.GiveUp : PlannedAction.Fail, "the dry run predicts what the run does");
        });

    [Fact]
    public void Repeated_counted_failures_give_up_exactly_at_the_limit() =>
        Gen.Int[1, 50].Sample(max =>
        {
            var policy = Policy(max);
            var prior = 0;
            var runs = 0;
            AttemptVerdict verdict;
            do
            {
                verdict = policy.Decide(FailureKind.Permanent, prior);
                prior = verdict.Attempt!.Value;
                runs++;
            }
            while (verdict.Kind != OutcomeKind.GaveUp && runs <= max + 1);

            runs.Should().Be(max);
            policy.UsedUp(prior).Should().BeTrue("a kept trigger skips the contact from the next run on");
        });
}
