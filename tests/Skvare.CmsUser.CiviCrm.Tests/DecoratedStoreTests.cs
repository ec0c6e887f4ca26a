using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Skvare.CmsUser.Testing.InMemory;

namespace Skvare.CmsUser.CiviCrm.Tests;

/// <summary>
/// docs/public-api.md, "Your own store, or CiviCRM's with something added": a host wraps CiviCRM's internal recorder by
/// taking its registration out and building it inside its own. The registration in the guide must work as written, and
/// CiviCRM must still get every record (the engine's composed path, since the recorder is no longer CiviCRM's own).
/// </summary>
public sealed class DecoratedStoreTests : IDisposable
{
    private readonly FakeCmsAccountProvider _cms = new();
    private readonly ConcurrentQueue<ActivityEntry> _copied = new();
    private readonly CiviHarness _h;
    private readonly long _members;

    public DecoratedStoreTests()
    {
        _h = new CiviHarness(
            engine: o => o.Rules.Add(new ProvisioningRule { Name = "members", Trigger = TriggerDefinition.Group("members"), History = TriggerDefinition.Group("members_done") }),
            cms: _cms,
            more: services =>
            {
                // As docs/public-api.md shows it, after AddCiviCrm().
                var civicrm = services.Last(d => d.ServiceType == typeof(IActivityRecorder));
                services.Remove(civicrm);
                services.AddSingleton<IActivityRecorder>(sp =>
                    new AuditCopy((IActivityRecorder)ActivatorUtilities.CreateInstance(sp, civicrm.ImplementationType!), _copied));
            });
        _members = _h.Fake.AddGroup("members");
        _h.Fake.AddGroup("members_done");
    }

    public void Dispose() => _h.Dispose();

    [Fact(Timeout = 60_000)]
    public async Task A_wrapped_CiviCRM_recorder_sees_every_final_record_and_CiviCRM_still_holds_them()
    {
        var ana = Member("Ana", "Lima", "ana@example.org");
        var twin = Member("Twin", "One", "twin@example.org");
        var other = Member("Twin", "Two", "twin@example.org");

        _h.Services.GetRequiredService<IActivityRecorder>().Should().BeOfType<AuditCopy>();
        var summary = await _h.Provisioner.RunOnceAsync(cancellationToken: Timeout());
        var onDemand = await _h.Provisioner.ProvisionAsync(ana, cancellationToken: Timeout());

        summary.Count(OutcomeKind.Created).Should().Be(2);
        summary.Count(OutcomeKind.Failed).Should().Be(1, "two contacts share one email: the second finds the first's account");
        onDemand.Kind.Should().Be(OutcomeKind.AlreadyLinked);
        var held = _h.Fake.Activities.Where(a => a.Status is "Completed" or "Failed").ToArray();
        held.Should().HaveCount(3);
        held.Should().OnlyContain(a => a.Type == "User Account Creation");
        _h.Fake.Activities.Should().NotContain(a => a.Status == "Scheduled", "the wrapper forwards OpenAsync and the completions");
        _copied.Where(e => e.Status != ActivityOutcomeStatus.Scheduled).Select(e => (e.ContactId, e.Status)).Should().BeEquivalentTo(
            held.Select(a => (a.Targets.Single(), a.Status == "Completed" ? ActivityOutcomeStatus.Completed : ActivityOutcomeStatus.Failed)));
        _h.Fake.GroupStatus(_members, ana).Should().Be("Removed");
        _h.Fake.GroupStatus(_members, new[] { twin, other }.Single(id => _h.Fake.Links.Any(l => l.ContactId == id))).Should().Be("Removed");
    }

    private long Member(string first, string last, string email)
    {
        var id = _h.Fake.AddContact(first, last, email);
        _h.Fake.AddToGroup(_members, [id]);
        return id;
    }

    private static CancellationToken Timeout() => new CancellationTokenSource(TimeSpan.FromSeconds(50)).Token;

    /// <summary>The guide's wrapper: forwards every member, copies the final records.</summary>
    private sealed class AuditCopy(IActivityRecorder inner, ConcurrentQueue<ActivityEntry> copied) : IActivityRecorder
    {
        public async Task RecordAsync(IReadOnlyList<ActivityEntry> entries, CancellationToken cancellationToken = default)
        {
            await inner.RecordAsync(entries, cancellationToken);
            foreach (var entry in entries)
            {
                copied.Enqueue(entry);
            }
        }

        public Task EnsureReadyAsync(CancellationToken cancellationToken = default) => inner.EnsureReadyAsync(cancellationToken);

        public Task<IReadOnlyDictionary<long, int>> CountFailedAttemptsAsync(IReadOnlyList<AttemptCountRequest> requests, ActivityKind kind, CancellationToken cancellationToken = default) =>
            inner.CountFailedAttemptsAsync(requests, kind, cancellationToken);

        public Task<IReadOnlyList<long>?> OpenAsync(IReadOnlyList<ActivityEntry> entries, CancellationToken cancellationToken = default) =>
            inner.OpenAsync(entries, cancellationToken);

        public Task<IReadOnlyList<AuditRecord>> FindAuditsAsync(IReadOnlyCollection<long> contactIds, ActivityKind kind, CancellationToken cancellationToken = default) =>
            inner.FindAuditsAsync(contactIds, kind, cancellationToken);

        public Task DiscardAsync(IReadOnlyCollection<long> ids, CancellationToken cancellationToken = default) => inner.DiscardAsync(ids, cancellationToken);
    }
}
