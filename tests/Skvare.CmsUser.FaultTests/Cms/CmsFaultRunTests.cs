using CsCheck;
using Xunit.Abstractions;

namespace Skvare.CmsUser.FaultTests.Cms;

/// <summary>
/// Whole runs (several pages, concurrency 4, the real engine and provider package) against every CMS fake
/// (<see cref="CmsTable"/>) with a fault on chosen contacts' creates: one contact's fault never stops the run, a failed contact
/// gets a typed error and (when its attempt counts) exactly one Failed audit without a secret, a transient failure
/// uses no attempt, a configuration refusal or a CMS gone away stops the run and says why, and nothing is lost.
/// </summary>
public sealed class CmsFaultRunTests(ITestOutputHelper output)
{
    private static CancellationToken Bounded() => new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token;

    /// <summary>Every fault a single contact can meet without the whole site being refused.</summary>
    private static Fault[] ContactFaults(CmsRow site) =>
    [
        AnswerFault.MalformedJson,
        AnswerFault.WrongShape,
        AnswerFault.WrongKind,
        new TimeoutFault(),
        .. site.StatusAnswers.Where(a => a.Expect != Expect.Configuration).Select(a => new StatusFault(a)),
    ];

    [Theory(Timeout = 120_000)]
    [InlineData(Cms.Joomla)]
    [InlineData(Cms.Standalone)]
    [InlineData(Cms.Drupal)]
    [InlineData(Cms.Drupal7)]
    [InlineData(Cms.Backdrop)]
    [InlineData(Cms.WordPress)]
    public async Task A_fault_on_one_contact_fails_that_contact_alone_and_loses_nothing(Cms cms)
    {
        const int Extra = 12;
        var faultCount = ContactFaults(CmsTable.Row(cms)).Length;

        // Which contacts get which fault: every fault once, some more drawn with replacement, the rest healthy; shuffled
        // over the contacts (so faults land on every page and next to each other).
        var gen = Gen.Int[0, faultCount - 1].Array[Extra].SelectMany(extra =>
            Gen.Shuffle(Enumerable.Range(0, faultCount).Concat(extra).Concat(Enumerable.Repeat(-1, 3 * CmsFaultRun.PageSize - faultCount - Extra)).ToArray()));
        await gen.SampleAsync(async assignment =>
        {
            using var run = new CmsFaultRun(cms);
            var faults = ContactFaults(run.Site.Row);
            var members = run.AddMembers(assignment.Length);
            var planned = new Dictionary<long, Fault>();
            for (var i = 0; i < members.Length; i++)
            {
                if (assignment[i] >= 0)
                {
                    planned[members[i].Id] = faults[assignment[i]];
                    run.Plan.Put(members[i].Email, faults[assignment[i]]);
                }
            }

            var summary = await run.RunAsync(cancellationToken: Bounded());
            var after = run.Read(members.Select(m => m.Id));
            output.WriteLine($"{cms}: {summary.Total} processed, created {summary.Count(OutcomeKind.Created)}, failed {summary.Count(OutcomeKind.Failed)}; "
                + string.Join(", ", summary.Failures.GroupBy(f => planned.GetValueOrDefault(f.ContactId)?.Name + " -> " + f.Error!.Kind + "/" + f.Error.Code).Select(g => $"{g.Key} x{g.Count()}")));

            summary.StopKind.Should().Be(RunStopKind.None, "no contact's fault stops the run: {0}", summary.StopReason);
            summary.Total.Should().Be(members.Length);
            foreach (var (id, state) in after)
            {
                state.Accounted.Should().BeTrue($"contact {id} is created, failed or still in the trigger");
                if (!planned.TryGetValue(id, out var fault))
                {
                    state.Done.Should().BeTrue($"healthy contact {id} is created whatever its neighbours met");
                    continue;
                }

                if (fault is AnswerFault && state.Done)
                {
                    // The site did create the account; a provider that finds it again at once (Standalone looks the
                    // user up by contact) completes the contact in this run, with its one Completed audit.
                    state.Failed.Should().BeEmpty();
                    continue;
                }

                var outcome = summary.Failures.Should().ContainSingle(f => f.ContactId == id, $"contact {id} met {fault}").Subject;
                outcome.Error!.Code.Should().MatchRegex("^[a-z0-9_]+$", "a typed error");
                state.InTrigger.Should().BeTrue($"contact {id} ({fault}) stays to be tried again");
                var expected = Expected(fault);
                outcome.Error.Kind.Should().Be(expected, $"contact {id} met {fault}: {outcome.Error.Message}");
                if (expected == FailureKind.Permanent)
                {
                    state.Failed.Should().ContainSingle($"contact {id} ({fault}) has exactly one Failed audit").Which.Should().StartWith(outcome.Error.Code + ":");
                    state.Failed[0].Should().NotContainAny(Secrets(run));
                }
                else
                {
                    state.Failed.Should().BeEmpty($"a transient failure ({fault}) uses no attempt");
                }
            }

            // The site is well again: the next run finishes every contact, and nothing is duplicated.
            run.Plan.Clear();
            var next = await run.RunAsync(cancellationToken: Bounded());
            next.StopKind.Should().Be(RunStopKind.None, next.StopReason);
            var end = run.Read(members.Select(m => m.Id));
            end.Values.Should().OnlyContain(s => s.Done, "every contact ends created and linked once");
            run.Site.Accounts.GroupBy(a => a.Email, StringComparer.OrdinalIgnoreCase).Should().OnlyContain(g => g.Count() == 1, "no account is created twice");
            end.Values.Sum(s => s.Failed.Count).Should().Be(after.Values.Sum(s => s.Failed.Count), "the healed run records no new failure");
        }, iter: 2, threads: 1);
    }

    public static TheoryData<Cms, int> ConfigurationAnswers()
    {
        var data = new TheoryData<Cms, int>();
        foreach (var row in CmsTable.Rows)
        {
            foreach (var answer in row.StatusAnswers.Where(a => a.Expect == Expect.Configuration))
            {
                data.Add(row.Cms, answer.Status);
            }
        }

        return data;
    }

    [Theory(Timeout = 60_000)]
    [MemberData(nameof(ConfigurationAnswers))]
    public async Task A_refused_create_stops_the_run_says_so_and_changes_nothing_for_the_contacts_left(Cms cms, int status)
    {
        using var run = new CmsFaultRun(cms);
        var members = run.AddMembers(3 * CmsFaultRun.PageSize);
        var answer = run.Site.StatusAnswers.Single(a => a.Status == status);
        run.Plan.Put(members[0].Email, new StatusFault(answer));

        // The engine has seen the refused contact's result before any other contact's create leaves, so the run stops
        // before its later pages whatever the load (at most Concurrency - 1 other contacts are then in flight). Waiting
        // only for the refusal's answer was not enough: on a loaded machine the refused contact's own continuation once
        // ran after the other workers had finished all 30 contacts.
        using var watch = new ContactResultWatch(OutcomeKind.Failed);
        run.Plan.HealthyWaitFor = watch.Seen;
        var summary = await run.RunAsync(cancellationToken: Bounded());

        var after = run.Read(members.Select(m => m.Id));
        output.WriteLine($"{cms} {status}: {summary.StopKind} after {summary.Total} contacts: {summary.StopReason}");
        summary.StopKind.Should().Be(RunStopKind.Configuration);
        summary.StopReason.Should().NotBeNullOrEmpty().And.NotContainAny(Secrets(run));
        var refused = summary.Failures.Should().ContainSingle(f => f.ContactId == members[0].Id).Subject;
        refused.Error!.Kind.Should().Be(FailureKind.Configuration);
        after[members[0].Id].Failed.Should().BeEmpty("the site refused the SDK, not the contact: no attempt is used");
        after.Values.Should().OnlyContain(s => s.Accounted);
        after.Values.Should().OnlyContain(s => s.Failed.Count == 0);
        var untouched = after.Where(kv => !summary.Failures.Any(f => f.ContactId == kv.Key) && !kv.Value.Done).ToArray();
        untouched.Should().NotBeEmpty("the run stopped before the later pages");
        untouched.Should().OnlyContain(kv => kv.Value.InTrigger && !kv.Value.Linked && kv.Value.Completed == 0);
    }

    [Theory(Timeout = 60_000)]
    [InlineData(Cms.Joomla)]
    [InlineData(Cms.Standalone)]
    [InlineData(Cms.Drupal)]
    [InlineData(Cms.Drupal7)]
    [InlineData(Cms.Backdrop)]
    public async Task The_cms_going_away_mid_run_trips_the_breaker_and_burns_nothing(Cms cms)
    {
        using var run = new CmsFaultRun(cms);
        var members = run.AddMembers(4 * CmsFaultRun.PageSize);
        run.Plan.GoAwayAfterCreates = CmsFaultRun.PageSize + 2;

        var summary = await run.RunAsync(quarantineAfter: 5, cancellationToken: Bounded());

        var after = run.Read(members.Select(m => m.Id));
        output.WriteLine($"{cms}: {summary.StopKind} after {summary.Total} contacts ({summary.Count(OutcomeKind.Created)} created): {summary.StopReason}");
        summary.StopKind.Should().Be(RunStopKind.Quarantined, "a site that is gone stops the run: {0}", summary.StopReason);
        summary.Quarantined.Should().BeTrue();
        after.Values.Should().OnlyContain(s => s.Accounted, "nothing is lost");
        after.Values.Should().OnlyContain(s => s.Failed.Count == 0, "an outage uses nobody's attempt");
        summary.Total.Should().BeLessThan(members.Length, "the run stopped before the last contacts");
        after.Values.Count(s => !s.Done).Should().BeGreaterThan(0);
        summary.Failures.Should().OnlyContain(f => f.Error!.Kind == FailureKind.Transient);
    }

    private static FailureKind Expected(Fault fault) => fault switch
    {
        StatusFault s => s.Answer.Expect == Expect.Permanent ? FailureKind.Permanent : FailureKind.Transient,
        TimeoutFault => FailureKind.Transient,
        // The account was made, but its answer cannot be read: the outcome is unknown, as for a lost answer.
        _ => FailureKind.Transient,
    };

    private static string[] Secrets(CmsFaultRun run) => run.Site.Secrets;
}
