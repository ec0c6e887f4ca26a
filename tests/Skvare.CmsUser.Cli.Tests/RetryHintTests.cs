namespace Skvare.CmsUser.Cli.Tests;

/// <summary>
/// The one hint line after a run or reset that exits 1: how many the next run tries again and where to see them, or, when
/// every failure gave up, that they left the trigger and how to list them (<see cref="Output.RetryLine"/>).
/// </summary>
public sealed class RetryHintTests
{
    private static RunSummary Summary(params ProvisioningOutcome[] outcomes) => new()
    {
        StartedAt = DateTimeOffset.UnixEpoch,
        Duration = TimeSpan.FromSeconds(1),
        Counts = outcomes.GroupBy(o => o.Kind).ToDictionary(g => g.Key, g => g.Count()),
        Failures = [.. outcomes.Where(o => o.Kind is OutcomeKind.Failed or OutcomeKind.GaveUp)],
    };

    private static ProvisioningOutcome Outcome(long id, OutcomeKind kind, FailureKind failure = FailureKind.Permanent) =>
        new() { ContactId = id, Kind = kind, Attempt = 1, Error = kind is OutcomeKind.Failed or OutcomeKind.GaveUp ? new ProvisioningError(failure, "x", "x") : null };

    [Fact(Timeout = 120_000)]
    public async Task A_run_with_a_failure_to_retry_and_one_that_gave_up_says_how_many_and_where_to_see_them()
    {
        using var sites = new Sites();
        sites.AddMember("Ana", "Lima", "ana@example.org");
        var refused = sites.AddMember("Uma", "Score", "u@exa_mple.org");
        sites.AddMember("No", "Email", null);
        using var folder = new TempFolder();
        folder.Write("appsettings.json", Sites.Json(sites.Settings()));

        var run = await Cli.RunAsync(folder.Path, null, "run");
        var failures = await Cli.RunAsync(folder.Path, null, "failures", "--json");

        run.ExitCode.Should().Be(ExitCodes.SomeFailed, run.ToString());
        run.Stdout.Should().Contain("1 contact failed and will be retried by the next run: 'cmsuser failures' lists it with the attempts used and the last error.")
            .And.Contain("1 contact gave up and was taken out of the trigger");
        run.Stdout.Split('\n').Count(l => l.Contains("will be retried by the next run", StringComparison.Ordinal)).Should().Be(1, "one hint line");
        failures.Json.GetProperty("contacts").EnumerateArray().Select(c => c.GetProperty("contactId").GetInt64()).Should().Equal([refused], "the hint's count is what 'cmsuser failures' lists");
    }

    [Fact(Timeout = 120_000)]
    public async Task A_run_whose_every_failure_gave_up_says_they_left_the_trigger_and_how_to_list_them()
    {
        using var sites = new Sites();
        sites.AddMember("No", "Email", null);
        sites.AddMember("Bad", "Address", "x@@y");
        using var folder = new TempFolder();
        folder.Write("appsettings.json", Sites.Json(sites.Settings()));

        var run = await Cli.RunAsync(folder.Path, null, "run");
        var json = await Cli.RunAsync(folder.Path, null, "run", "--json");

        run.ExitCode.Should().Be(ExitCodes.SomeFailed, run.ToString());
        run.Stdout.Should().Contain("2 contacts gave up and were taken out of the trigger").And.Contain("so no run retries them: 'cmsuser failures --all' lists them")
            .And.NotContain("will be retried");
        json.Stdout.Should().NotContain("'cmsuser failures", "the JSON document carries the counts, not the hint");
    }

    [Fact]
    public void The_hint_counts_the_failures_to_retry_apart_from_those_that_reached_no_server_and_none_when_nothing_failed()
    {
        var retry = new RetryPolicy();

        Output.RetryLine(Verbs.Provision, Summary(Outcome(1, OutcomeKind.Created)), retry).Should().BeNull();
        Output.RetryLine(Verbs.Provision, Summary(Outcome(1, OutcomeKind.Failed), Outcome(2, OutcomeKind.Failed, FailureKind.Transient)), retry)
            .Should().Be("2 contacts failed and will be retried by the next run: 'cmsuser failures' lists them with the attempts used and the last error (1 of them could not reach a server: no attempt counted, not in that list).");
        Output.RetryLine(Verbs.Provision, Summary(Outcome(1, OutcomeKind.GaveUp)), retry)
            .Should().Be("1 contact gave up and was taken out of the trigger (a saved search skips it until the failures age out), so no run retries it: 'cmsuser failures --all' lists it with what to fix before putting it back in the trigger.");
    }

    [Fact]
    public void A_reset_that_exits_1_says_what_the_next_reset_does_not_cmsuser_failures_which_lists_accounts_only()
    {
        var line = Output.RetryLine(Verbs.Reset, Summary(Outcome(1, OutcomeKind.Failed), Outcome(2, OutcomeKind.GaveUp)), new RetryPolicy());

        line.Should().Be("1 contact did not get the reset email and will be tried again by the next 'cmsuser reset' (the contact stays in the campaign); 1 contact gave up and left the campaign without one (no account, or the attempts are used up): the table above and their Failed \"User Account Password Reset\" activities in CiviCRM say why.");
        line.Should().NotContain("cmsuser failures");
    }
}
