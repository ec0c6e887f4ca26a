using Skvare.CmsUser.Testing.InMemory;

namespace Skvare.CmsUser.Tests.Engine;

public sealed class BatchTests : IDisposable
{
    private readonly EngineHarness _h = new();

    public void Dispose() => _h.Dispose();

    [Fact]
    public async Task Each_page_is_written_back_in_one_call_per_kind()
    {
        _h.Configure = o => o.PageSize = 10;
        for (var i = 0; i < 25; i++)
        {
            _h.Member("P", $"N{i}", $"p{i}@example.org");
        }

        var summary = await _h.Provisioner.RunOnceAsync();

        summary.Count(OutcomeKind.Created).Should().Be(25);
        _h.Civi.Calls["ReadPage"].Should().Be(3);
        _h.Civi.Calls["CountFailures"].Should().Be(3);
        _h.Civi.Calls["EnsureLinks"].Should().Be(3);
        _h.Civi.Calls["RecordActivities"].Should().Be(3);
        _h.Civi.Calls["Acknowledge"].Should().Be(3);
        _h.Civi.Calls["EnsureReady"].Should().Be(1);
    }

    [Fact]
    public async Task Keyset_paging_loses_no_contact_while_contacts_leave_the_group()
    {
        _h.Configure = o => o.PageSize = 7;
        var members = Enumerable.Range(0, 50).Select(i => _h.Member("P", $"N{i}", $"p{i}@example.org")).ToArray();

        await _h.Provisioner.RunOnceAsync();

        _h.Cms.Accounts.Should().HaveCount(50);
        members.Should().OnlyContain(m => _h.Civi.GroupStatus(EngineHarness.Trigger, m.Id) == "Removed");
    }

    [Fact]
    public async Task Concurrency_is_bounded_by_MaxConcurrency()
    {
        _h.Configure = o => o.MaxConcurrency = 3;
        for (var i = 0; i < 12; i++)
        {
            _h.Member("P", $"N{i}", $"p{i}@example.org");
        }

        var active = 0;
        var max = 0;
        var threeInside = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _h.Cms.BeforeCreate = async _ =>
        {
            var now = Interlocked.Increment(ref active);
            InterlockedMax(ref max, now);
            if (now >= 3)
            {
                threeInside.TrySetResult();
            }

            await threeInside.Task.WaitAsync(TimeSpan.FromSeconds(30));
            Interlocked.Decrement(ref active);
        };

        var summary = await _h.Provisioner.RunOnceAsync();

        summary.Count(OutcomeKind.Created).Should().Be(12);
        threeInside.Task.IsCompletedSuccessfully.Should().BeTrue("three creates ran at the same time");
        max.Should().Be(3);
    }

    [Fact]
    public async Task Cancelling_while_every_worker_is_busy_starts_no_other_contact_and_writes_the_busy_one()
    {
        _h.Configure = o => o.MaxConcurrency = 1;
        var members = Enumerable.Range(0, 3).Select(i => _h.Member("P", $"N{i}", $"p{i}@example.org")).ToArray();
        using var cts = new CancellationTokenSource();
        var firstEntered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var firstAnswered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _h.Cms.BeforeCreate = account =>
        {
            firstEntered.TrySetResult();
            return firstAnswered.Task;
        };

        var run = _h.Provisioner.RunOnceAsync(cancellationToken: cts.Token);
        await firstEntered.Task.WaitAsync(TimeSpan.FromSeconds(30));

        // The launcher waits for the only worker (or is about to): cancelling ends that wait with no place taken.
        await cts.CancelAsync();
        firstAnswered.SetResult();
        var summary = await run.WaitAsync(TimeSpan.FromSeconds(30));

        summary.Cancelled.Should().BeTrue();
        _h.Cms.Calls["Create"].Should().Be(1, "no contact starts once the run is cancelled");
        _h.Civi.Links.Should().ContainSingle(l => l.ContactId == members[0].Id, "the contact that was busy is written back");
        members.Skip(1).Should().OnlyContain(m => _h.Civi.GroupStatus(EngineHarness.Trigger, m.Id) == "Added");
    }

    [Fact]
    public async Task Cancellation_stops_between_contacts_and_links_what_was_created()
    {
        _h.Configure = o => o.MaxConcurrency = 1;
        var members = Enumerable.Range(0, 10).Select(i => _h.Member("P", $"N{i}", $"p{i}@example.org")).ToArray();
        using var cts = new CancellationTokenSource();
        _h.Cms.BeforeCreate = _ =>
        {
            if (_h.Cms.Calls["Create"] == 2)
            {
                cts.Cancel();
            }

            return Task.CompletedTask;
        };

        var summary = await _h.Provisioner.RunOnceAsync(cancellationToken: cts.Token);

        summary.Cancelled.Should().BeTrue();
        _h.Cms.Accounts.Should().HaveCount(2);
        _h.Civi.Links.Should().HaveCount(2, "every created account gets its link even after cancellation");
        _h.Civi.Activities.Should().HaveCount(2);
        members.Count(m => _h.Civi.GroupStatus(EngineHarness.Trigger, m.Id) == "Added").Should().Be(8);
    }

    [Fact]
    public async Task Progress_is_reported_for_every_contact()
    {
        for (var i = 0; i < 5; i++)
        {
            _h.Member("P", $"N{i}", $"p{i}@example.org");
        }

        var reports = new List<ProvisioningProgress>();
        var progress = new SynchronousProgress<ProvisioningProgress>(reports.Add);

        await _h.Provisioner.RunOnceAsync(progress);

        reports.Select(r => r.Processed).Should().Equal(1, 2, 3, 4, 5);
        reports.Should().OnlyContain(r => r.Rule == "members" && r.Last.Kind == OutcomeKind.Created);
    }

    [Fact]
    public async Task Progress_counts_each_pass_apart_from_the_run_total()
    {
        const string Second = "volunteers";
        _h.Configure = o =>
        {
            o.PageSize = 2;
            o.Rules.Add(new ProvisioningRule { Name = "second", Trigger = TriggerDefinition.Group(Second) });
            o.Rules[0].Deprovision = new DeprovisionOptions { When = DeprovisionWhen.LeftTrigger, Action = DeprovisionAction.Block };
        };
        for (var i = 0; i < 3; i++)
        {
            _h.Member("P", $"N{i}", $"p{i}@example.org");
        }

        for (var i = 0; i < 2; i++)
        {
            _h.Civi.AddToGroup(Second, _h.Civi.AddContact("V", $"N{i}", $"v{i}@example.org").Id);
        }

        var reports = new List<ProvisioningProgress>();
        await _h.Provisioner.RunOnceAsync(new SynchronousProgress<ProvisioningProgress>(reports.Add)).WaitAsync(TimeSpan.FromSeconds(30));

        reports.Select(r => r.Processed).Should().Equal(1, 2, 3, 4, 5);
        reports.Select(r => (r.Pass, r.PassProcessed, r.PassNumber, r.PassCount)).Should().Equal(
            ("members", 1, 1, 3), ("members", 2, 1, 3), ("members", 3, 1, 3),
            ("second", 1, 3, 3), ("second", 2, 3, 3));
        reports.Should().OnlyContain(r => r.Rule == r.Pass, "provisioning passes are named after their rule");

        // The first rule's members leave their access group: its deprovisioning pass (pass 2 of 3) counts from one again.
        foreach (var link in _h.Civi.Links.Where(l => reports.Any(r => r.Pass == "members" && r.Last.ContactId == l.ContactId)).ToList())
        {
            _h.Civi.RemoveFromGroup(EngineHarness.Trigger, link.ContactId);
        }

        reports.Clear();
        await _h.Provisioner.RunOnceAsync(new SynchronousProgress<ProvisioningProgress>(reports.Add)).WaitAsync(TimeSpan.FromSeconds(30));

        reports.Select(r => (r.Rule, r.Pass, r.Processed, r.PassProcessed, r.PassNumber, r.Last.Kind)).Should().Equal(
            ("members", "members (deprovision)", 1, 1, 2, OutcomeKind.Blocked),
            ("members", "members (deprovision)", 2, 2, 2, OutcomeKind.Blocked),
            ("members", "members (deprovision)", 3, 3, 2, OutcomeKind.Blocked));
    }

    [Fact]
    public void Progress_built_by_hand_is_one_pass_of_its_rule()
    {
        var progress = new ProvisioningProgress("members", 7, new ProvisioningOutcome { ContactId = 1, Kind = OutcomeKind.Created });

        (progress.Pass, progress.PassProcessed, progress.PassNumber, progress.PassCount).Should().Be(("members", 7, 1, 1));
    }

    [Fact]
    public async Task Summary_counts_every_outcome()
    {
        var linked = _h.Member("Lin", "Ked", "linked@example.org");
        _h.Civi.AddLink(new AccountLink(linked.Id, 5, "linked@example.org"));
        _h.Member("No", "Email", null);
        _h.Member("New", "Person", "new@example.org");
        _h.Cms.AddAccount("exists", "exists@example.org");
        _h.Member("Ex", "Ists", "exists@example.org");
        _h.Member("Bad", "Data", "bad@example.org");
        _h.Cms.FailCreateFor("bad@example.org", () => FakeCmsAccountProvider.Permanent());

        var summary = await _h.Provisioner.RunOnceAsync();

        summary.Count(OutcomeKind.AlreadyLinked).Should().Be(1);
        summary.Count(OutcomeKind.GaveUp).Should().Be(1);
        summary.Count(OutcomeKind.Created).Should().Be(1);
        summary.Count(OutcomeKind.Linked).Should().Be(1);
        summary.Count(OutcomeKind.Failed).Should().Be(1);
        summary.Total.Should().Be(5);
        summary.Failures.Should().HaveCount(2);
        summary.Duration.Should().BeGreaterThanOrEqualTo(TimeSpan.Zero);
    }

    [Fact]
    public async Task A_link_that_cannot_be_written_turns_the_outcome_into_a_counted_failure()
    {
        var ana = _h.Member("Ana", "Lima", "ana@example.org");
        // While the account is created, another CMS user gets linked to the contact: the link store refuses ours.
        _h.Cms.BeforeCreate = _ =>
        {
            _h.Civi.AddLink(new AccountLink(ana.Id, 998, "stale@example.org"));
            return Task.CompletedTask;
        };

        var summary = await _h.Provisioner.RunOnceAsync();

        var failure = summary.Failures.Should().ContainSingle().Subject;
        failure.Kind.Should().Be(OutcomeKind.Failed);
        failure.Error!.Code.Should().Be("link_failed");
        failure.CmsUserId.Should().Be(_h.Cms.Accounts.Single().Id);
        _h.Civi.Activities.Should().ContainSingle().Which.Status.Should().Be(ActivityOutcomeStatus.Failed);
        _h.Civi.GroupStatus(EngineHarness.Trigger, ana.Id).Should().Be("Added");
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int current;
        while ((current = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, current) != current)
        {
        }
    }

    private sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
