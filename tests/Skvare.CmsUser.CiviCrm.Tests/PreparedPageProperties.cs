using CsCheck;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Skvare.CmsUser.CiviCrm.Tests;

/// <summary>
/// A page read with its follow-ups chained (<see cref="IPreparingTriggerSource"/>, one request after the page's own read)
/// answers exactly as the composed calls (<see cref="ITriggerSource.ReadPendingAsync"/>, then
/// <see cref="IActivityRecorder.CountFailedAttemptsAsync"/>): over generated contacts with links here and in other domains,
/// join dates and failed attempts at generated times, and page sizes, both give the same pages, contacts, links, join
/// dates and failure counts; the Scheduled records are opened for exactly the contacts not linked here, and the audit
/// records read after them include them.
/// </summary>
public sealed class PreparedPageProperties
{
    private sealed record Member(bool LinkedHere, int OtherDomainLinks, int JoinedMinutesAgo, int[] FailedMinutesAgo);

    private static readonly Gen<Member> Members = Gen.Select(Gen.Bool, Gen.Int[0, 2], Gen.Int[0, 400], Gen.Int[0, 300].Array[0, 3])
        .Select((here, others, joined, failed) => new Member(here, others, joined, failed));

    [Fact(Timeout = 240_000)]
    public Task A_prepared_page_answers_as_the_composed_calls() => Task.Run(() =>
        Gen.Select(Members.Array[1, 7], Gen.Int[1, 4]).Sample((members, pageSize) =>
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            CheckAsync(members, pageSize, timeout.Token).GetAwaiter().GetResult();
        }, iter: 20, threads: 1));

    private static async Task CheckAsync(Member[] members, int pageSize, CancellationToken ct)
    {
        using var h = new CiviHarness();
        var now = DateTimeOffset.UtcNow;
        var group = h.Fake.AddGroup("members");
        var recorder = h.Services.GetRequiredService<IActivityRecorder>();
        await recorder.EnsureReadyAsync(ct);
        var uid = 1000L;
        for (var i = 0; i < members.Length; i++)
        {
            var m = members[i];
            var id = h.Fake.AddContact("C", "N" + i, $"c{i}@example.org");
            if (m.LinkedHere)
            {
                h.Fake.AddLink(id, ++uid, $"c{i}@example.org");
            }

            for (var d = 0; d < m.OtherDomainLinks; d++)
            {
                h.Fake.AddLink(id, ++uid, $"c{i}.{d}@example.org", domainId: 100 + d);
            }

            h.Fake.Clock = new FakeTimeProvider(now.AddMinutes(-m.JoinedMinutesAgo));
            h.Fake.AddToGroup(group, [id]);
            foreach (var ago in m.FailedMinutesAgo)
            {
                // CiviCRM dates a new activity itself, by its own clock.
                h.Fake.Clock = new FakeTimeProvider(now.AddMinutes(-ago));
                await recorder.RecordAsync([new ActivityEntry(id, ActivityKind.AccountCreation, ActivityOutcomeStatus.Failed, "Failed to create User c" + i, "Refused.", now.AddMinutes(-ago))], ct);
            }
        }

        h.Fake.Clock = new FakeTimeProvider(now);
        var source = h.Services.GetRequiredService<ITriggerSourceFactory>().Create(new TriggerSourceContext { Trigger = TriggerDefinition.Group("members"), Purpose = ActivityKind.AccountCreation });
        DateTimeOffset Since(DateTimeOffset? at) => at ?? now.AddHours(-2);

        var composed = new List<string>();
        await foreach (var page in source.ReadPendingAsync(pageSize, ct))
        {
            var counts = await recorder.CountFailedAttemptsAsync(page.Select(c => new AttemptCountRequest(c.Id, Since(c.TriggeredAt))).ToArray(), ActivityKind.AccountCreation, ct);
            composed.Add(Describe(page, counts));
        }

        var prepared = new List<string>();
        var preparing = (IPreparingTriggerSource)source;
        preparing.CanPrepareFor(recorder).Should().BeTrue();
        var preparation = new PagePreparation
        {
            Kind = ActivityKind.AccountCreation,
            CountFailuresSince = Since,
            Open = c => new ActivityEntry(c.Id, ActivityKind.AccountCreation, ActivityOutcomeStatus.Scheduled, "Creating account : " + c.DisplayName, "In progress.", now),
        };
        await foreach (var page in preparing.ReadPreparedAsync(pageSize, preparation, ct))
        {
            prepared.Add(Describe(page.Contacts, page.FailedAttempts));
            var unlinked = page.Contacts.Where(c => c.CurrentDomainLink is null).Select(c => c.Id).ToArray();
            page.Opened.Keys.Should().BeEquivalentTo(unlinked, "a Scheduled record for each contact not linked here");
            if (unlinked.Length > 0)
            {
                page.Audits.Should().NotBeNull();
                page.Audits!.Where(a => a.Status == ActivityOutcomeStatus.Scheduled).Select(a => a.Id).Should().BeEquivalentTo(page.Opened.Values, "the audit records are read after the records are written");
            }
        }

        prepared.Should().Equal(composed);
        composed.Sum(p => p.Split(';').Length).Should().Be(members.Length);
    }

    private static string Describe(IReadOnlyList<Contact> page, IReadOnlyDictionary<long, int> failures) => string.Join(";", page.Select(c =>
        $"{c.Id}|{c.TriggeredAt:O}|{string.Join(",", c.Links.Select(l => $"{l.CmsUserId}:{l.UfName}:{l.IsCurrentDomain}").Order(StringComparer.Ordinal))}|{failures.GetValueOrDefault(c.Id)}"));
}
