namespace Skvare.CmsUser.Cli.Tests;

/// <summary>
/// A create whose answer was lost (<c>unknown_outcome</c>) is no outage and needs nothing by hand: the CMS may have made
/// the account, and the next run finds it by email and links it. The tool says that, in the table, the summary and
/// <c>cmsuser failures</c>.
/// </summary>
public sealed class UnknownOutcomeWordingTests
{
    private static ProvisioningOutcome Failed(long id, string code, int attempt, OutcomeKind kind = OutcomeKind.Failed) => new()
    {
        ContactId = id,
        Kind = kind,
        Rule = "members",
        Attempt = attempt,
        Error = new ProvisioningError(FailureKind.Transient, code, "WordPress did not answer the account creation (TaskCanceledException)."),
    };

    private static RunSummary Summary(params ProvisioningOutcome[] failures) => new()
    {
        StartedAt = DateTimeOffset.UnixEpoch,
        Duration = TimeSpan.FromSeconds(1),
        Counts = new Dictionary<OutcomeKind, int> { [OutcomeKind.Failed] = failures.Length },
        Failures = failures,
    };

    [Fact]
    public void The_error_column_says_the_account_may_exist_and_the_next_run_links_it()
    {
        var note = Output.AttemptNote(Failed(1, CmsUserErrorCodes.UnknownOutcome, 0), new RetryPolicy());

        note.Should().StartWith(" (not counted: no attempts used; ")
            .And.Contain("the CMS may have created the account but its answer was lost")
            .And.Contain("nothing to do by hand")
            .And.Contain("the next run finds the account by email and links it")
            .And.NotContain("tried again", "the next run does not just try the create again: it looks the account up first");

        Output.AttemptNote(Failed(1, CmsUserErrorCodes.UnknownOutcome, 2), new RetryPolicy { CountTransientFailures = true })
            .Should().StartWith(" (attempt 2 of 4; ").And.Contain("the next run finds the account by email and links it");
        Output.AttemptNote(Failed(1, CmsUserErrorCodes.UnknownOutcome, 4, OutcomeKind.GaveUp), new RetryPolicy { CountTransientFailures = true })
            .Should().Contain("put it back", "a contact that gave up left the trigger: no run reaches it until someone puts it back")
            .And.NotContain("nothing to do by hand");
        Output.AttemptNote(Failed(1, CmsUserErrorCodes.CmsUnavailable, 0), new RetryPolicy())
            .Should().Be(" (not counted: no attempts used; tried again next run)", "an outage keeps its words");
    }

    [Fact]
    public void A_run_that_only_lost_create_answers_does_not_blame_an_unreachable_server()
    {
        var lost = Output.StoppedShortLine(Summary(Failed(1, CmsUserErrorCodes.UnknownOutcome, 0)));
        var both = Output.StoppedShortLine(Summary(Failed(1, CmsUserErrorCodes.UnknownOutcome, 0), Failed(2, CmsUserErrorCodes.CmsUnavailable, 0), Failed(3, CmsUserErrorCodes.Throttled, 0)));

        lost.Should().Contain("1 contact got no readable answer to the account creation (unknown_outcome)")
            .And.Contain("the next run finds it by email and links it")
            .And.NotContain("could not be reached").And.NotContain("BaseUrl", "an answer was lost: the URL is right");
        both.Should().Contain("2 contacts could not be done because a server could not be reached or was unavailable")
            .And.Contain("1 contact got no readable answer")
            .And.EndWith("If it has never worked, check the BaseUrl ('cmsuser check'): a mistyped host name or port looks the same.");
        Output.ExitCode(Summary(Failed(1, CmsUserErrorCodes.UnknownOutcome, 0)), new RetryPolicy()).Should().Be(ExitCodes.Stopped, "nothing was counted: the next run does the work");
    }

    [Theory]
    [InlineData(true, "the next run of members finds the account by email and links it")]
    [InlineData(false, "add the contact to the trigger again and the next run finds it by email and links it")]
    public void Failures_says_what_the_next_run_does_after_a_lost_answer(bool waiting, string expected)
    {
        var next = waiting ? FailureNext.Retry : FailureNext.NotWaiting;
        var record = new FailureRecord(7, 2, DateTimeOffset.UnixEpoch, "unknown_outcome: WordPress did not answer the account creation (TaskCanceledException).", next, next == FailureNext.Retry ? "members" : null);

        Output.Next(record, 4).Should().Contain(expected).And.Contain(next == FailureNext.Retry ? "(attempt 3 of 4)" : "may have created the account");
        Output.Next(record with { LastError = "cms_unavailable: WordPress could not be reached." }, 4)
            .Should().NotContain("by email", "other failures keep their words");
    }
}
