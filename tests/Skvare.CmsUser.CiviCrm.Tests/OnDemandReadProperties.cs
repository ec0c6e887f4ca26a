using CsCheck;
using Microsoft.Extensions.Time.Testing;

namespace Skvare.CmsUser.CiviCrm.Tests;

/// <summary>
/// The CiviCRM package's one-request on-demand read agrees with the default composition (the trigger sources' own
/// <see cref="ITriggerSource.FindPendingAsync"/> rule after rule, the directory, the recorder) over generated worlds:
/// memberships of a group (Added, Removed), a history group, a tag, a history tag, a smart group and a saved search,
/// links here and in another domain, deleted contacts, failed attempts before and after the join; rules that keep
/// members, require a set or exclude one, in several orders. Both find the same contact (links, join date), the same
/// first pending rule, the same failure count and latest record, and open a Scheduled record for the same contacts.
/// </summary>
public sealed class OnDemandReadProperties : IDisposable
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 11, 30, 9, 0, 0, TimeSpan.Zero));
    // Many calls one after another on a busy machine: a generous attempt timeout (a slow answer is not what is tested).
    private readonly CiviHarness _h = new(o => o.Http.AttemptTimeout = TimeSpan.FromSeconds(30));
    private int _world;

    public OnDemandReadProperties()
    {
        _h.Fake.Clock = _clock;
        _h.Fake.AddOptionValue("activity_type", "User Account Creation");
        _h.Fake.AddOptionValue("activity_status", "Failed", label: "Failed");
    }

    public void Dispose() => _h.Dispose();

    private sealed record Person(int GroupStatus, bool History, bool Tagged, bool TagHistory, int LastName, bool LinkedHere, bool LinkedElsewhere, bool Deleted, int FailedBefore, int FailedAfter);

    private static readonly Gen<Person> People = Gen.Select(Gen.Int[0, 2], Gen.Bool, Gen.Bool, Gen.Bool, Gen.Int[0, 2], Gen.Bool, Gen.Bool, Gen.Frequency((5, Gen.Const(false)), (1, Gen.Const(true))))
        .Select(Gen.Int[0, 2], Gen.Int[0, 4], (t, before, after) => new Person(t.Item1, t.Item2, t.Item3, t.Item4, t.Item5, t.Item6, t.Item7, t.Item8, before, after));

    [Fact(Timeout = 240_000)]
    public Task The_one_request_read_agrees_with_the_composed_read() =>
        People.Array[1, 4].SampleAsync(CheckAsync, iter: 12, threads: 1);

    private async Task CheckAsync(Person[] people)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var ct = timeout.Token;
        var n = ++_world;
        var group = _h.Fake.AddGroup($"g{n}");
        var history = _h.Fake.AddGroup($"gd{n}");
        var tag = _h.Fake.AddTag($"t{n}");
        var tagHistory = _h.Fake.AddTag($"td{n}");
        var lastNames = new[] { "S" + n, "T" + n, "U" + n };
        _h.Fake.AddSmartGroup($"s{n}", c => Equals(c.GetValueOrDefault("last_name"), lastNames[0]));
        _h.Fake.AddSavedSearch($"ss{n}", $"[[\"last_name\",\"=\",\"{lastNames[1]}\"]]");

        var ids = new long[people.Length];
        for (var i = 0; i < people.Length; i++)
        {
            var p = people[i];
            ids[i] = _h.Fake.AddContact("P" + i, lastNames[p.LastName], $"p{n}.{i}@example.org", p.Deleted ? r => r["is_deleted"] = true : null);
            if (p.LinkedHere)
            {
                _h.Fake.AddLink(ids[i], 10_000 + (n * 10) + i, $"p{n}.{i}@example.org");
            }

            if (p.LinkedElsewhere)
            {
                _h.Fake.AddLink(ids[i], 20_000 + (n * 10) + i, $"p{n}.{i}@example.org", domainId: 2);
            }

            await FailedAsync(ids[i], p.FailedBefore, ct);
        }

        _clock.Advance(TimeSpan.FromHours(1));
        for (var i = 0; i < people.Length; i++)
        {
            var p = people[i];
            if (p.GroupStatus > 0)
            {
                _h.Fake.AddToGroup(group, [ids[i]]);
            }

            if (p.GroupStatus == 2)
            {
                _h.Fake.AddToGroup(group, [ids[i]], "Removed");
            }

            if (p.History)
            {
                _h.Fake.AddToGroup(history, [ids[i]]);
            }

            if (p.Tagged)
            {
                _h.Fake.TagContacts(tag, [ids[i]]);
            }

            if (p.TagHistory)
            {
                _h.Fake.TagContacts(tagHistory, [ids[i]]);
            }
        }

        _clock.Advance(TimeSpan.FromHours(1));
        for (var i = 0; i < people.Length; i++)
        {
            await FailedAsync(ids[i], people[i].FailedAfter, ct);
        }

        _clock.Advance(TimeSpan.FromMinutes(5));
        var g = TriggerDefinition.Group($"g{n}");
        var gd = TriggerDefinition.Group($"gd{n}");
        var t = TriggerDefinition.Tag($"t{n}");
        var td = TriggerDefinition.Tag($"td{n}");
        var plain = new TriggerSourceContext { Trigger = g, History = gd };
        var tagged = new TriggerSourceContext { Trigger = t, History = td };
        var keep = new TriggerSourceContext { Trigger = g, History = gd, KeepMembers = true };
        var keepTag = new TriggerSourceContext { Trigger = t, History = td, KeepMembers = true };
        var requireIn = new TriggerSourceContext { Trigger = t, RequireIn = gd };
        var requireNotIn = new TriggerSourceContext { Trigger = g, RequireNotIn = t };
        var saved = new TriggerSourceContext { Trigger = TriggerDefinition.SavedSearch($"ss{n}") };
        var smart = new TriggerSourceContext { Trigger = TriggerDefinition.Group($"s{n}"), History = gd };
        TriggerSourceContext[][] configurations =
        [
            [plain, tagged],
            [tagged, plain],
            [keep, keepTag],
            [requireIn, requireNotIn],
            [saved, smart, plain],
            [smart, requireNotIn, saved],
        ];

        var now = _clock.GetUtcNow();
        var oneRequest = (IProvisioningContactReader)_h.Triggers;
        var composed = new ComposedProvisioningContactReader(_h.Triggers, (IContactDirectory)_h.Triggers, _h.Recorder);
        foreach (var contactId in ids.Append(9_000_000 + n))
        {
            foreach (var configuration in configurations)
            {
                var query = new ProvisioningContactQuery
                {
                    ContactId = contactId,
                    Triggers = configuration,
                    CountFailuresSince = at => at ?? now - TimeSpan.FromDays(30),
                };
                var expected = await composed.ReadAsync(query, ct);
                var actual = await oneRequest.ReadAsync(new ProvisioningContactQuery
                {
                    ContactId = contactId,
                    Triggers = configuration,
                    CountFailuresSince = query.CountFailuresSince,
                    ReadAudits = true,
                }, ct);

                var because = $"contact {contactId} of [{string.Join(", ", people.Select(p => p.ToString()))}] with rules [{string.Join("; ", configuration.Select(Describe))}]";
                if (expected is null)
                {
                    actual.Should().BeNull(because);
                    continue;
                }

                actual.Should().NotBeNull(because);
                actual!.PendingIn.Should().Be(expected.PendingIn, because);
                actual.FailedAttempts.Should().Be(expected.FailedAttempts, because);
                actual.Contact.Should().BeEquivalentTo(expected.Contact, because);
                actual.Audits.Should().BeEquivalentTo(await _h.Recorder.FindAuditsAsync([contactId], ActivityKind.AccountCreation, ct), because);
                actual.LatestRecord.Should().BeEquivalentTo(expected.LatestRecord, because);
            }

            // Both open a Scheduled record for the same contacts (found, not linked here).
            var open = new ActivityEntry(contactId, ActivityKind.AccountCreation, ActivityOutcomeStatus.Scheduled, "Creating account : property", null, now);
            var composedOpen = await composed.ReadAsync(new ProvisioningContactQuery { ContactId = contactId, Triggers = configurations[0], CountFailuresSince = _ => now, Open = open }, ct);
            var oneOpen = await oneRequest.ReadAsync(new ProvisioningContactQuery { ContactId = contactId, Triggers = configurations[0], CountFailuresSince = _ => now, Open = open }, ct);
            (oneOpen?.OpenedRecord is not null).Should().Be(composedOpen?.OpenedRecord is not null, $"contact {contactId}");
            await _h.Recorder.DiscardAsync(new[] { composedOpen?.OpenedRecord, oneOpen?.OpenedRecord }.OfType<long>().ToArray(), ct);
        }
    }

    private async Task FailedAsync(long contactId, int count, CancellationToken ct)
    {
        for (var i = 0; i < count; i++)
        {
            await _h.Recorder.RecordAsync([new ActivityEntry(contactId, ActivityKind.AccountCreation, ActivityOutcomeStatus.Failed, "Failed to create User p", "refused", _clock.GetUtcNow())], ct);
        }
    }

    private static string Describe(TriggerSourceContext c) =>
        $"{c.Trigger} history {c.History} keep {c.KeepMembers} in {c.RequireIn} not in {c.RequireNotIn}";
}
