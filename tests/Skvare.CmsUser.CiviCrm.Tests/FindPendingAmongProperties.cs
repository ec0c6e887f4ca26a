using CsCheck;
using Microsoft.Extensions.Time.Testing;

namespace Skvare.CmsUser.CiviCrm.Tests;

/// <summary>
/// CiviCRM's many-contact look-up (<see cref="ITriggerSource.FindPendingAmongAsync"/>, one request a page) finds exactly
/// what the single look-up (<see cref="ITriggerSource.FindPendingAsync"/>) finds contact by contact, over generated worlds:
/// memberships of a group (none, Added, Removed, re-added), a history group, a tag, a history tag, a smart group and a
/// saved search; links here and in another domain; deleted and deceased contacts; ids asked twice or unknown; triggers
/// that keep members, require a set or exclude one.
/// </summary>
public sealed class FindPendingAmongProperties : IDisposable
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 12, 2, 9, 0, 0, TimeSpan.Zero));
    // Many calls one after another on a busy machine: a generous attempt timeout (a slow answer is not what is tested).
    private readonly CiviHarness _h = new(o => o.Http.AttemptTimeout = TimeSpan.FromSeconds(30));
    private int _world;

    public FindPendingAmongProperties() => _h.Fake.Clock = _clock;

    public void Dispose() => _h.Dispose();

    private sealed record Person(int GroupStatus, bool History, bool Tagged, bool TagHistory, int LastName, bool LinkedHere, bool LinkedElsewhere, int Gone);

    private static readonly Gen<Person> People = Gen.Select(Gen.Int[0, 3], Gen.Bool, Gen.Bool, Gen.Bool, Gen.Int[0, 2], Gen.Bool, Gen.Bool, Gen.Frequency((6, Gen.Const(0)), (1, Gen.Const(1)), (1, Gen.Const(2))))
        .Select(t => new Person(t.Item1, t.Item2, t.Item3, t.Item4, t.Item5, t.Item6, t.Item7, t.Item8));

    [Fact(Timeout = 240_000)]
    public Task The_many_contact_look_up_finds_what_the_single_look_up_finds() =>
        Gen.Select(People.Array[1, 7], Gen.Int[0, 3]).SampleAsync(w => CheckAsync(w.Item1, w.Item2), iter: 15, threads: 1);

    private async Task CheckAsync(Person[] people, int repeats)
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
            ids[i] = _h.Fake.AddContact("P" + i, lastNames[p.LastName], $"p{n}.{i}@example.org", p.Gone switch
            {
                1 => r => r["is_deleted"] = true,
                2 => r => r["is_deceased"] = true,
                _ => null,
            });
            if (p.LinkedHere)
            {
                _h.Fake.AddLink(ids[i], 10_000 + (n * 10) + i, $"p{n}.{i}@example.org");
            }

            if (p.LinkedElsewhere)
            {
                _h.Fake.AddLink(ids[i], 20_000 + (n * 10) + i, $"p{n}.{i}@example.org", domainId: 2);
            }

            if (p.GroupStatus > 0)
            {
                _h.Fake.AddToGroup(group, [ids[i]]);
            }

            if (p.GroupStatus >= 2)
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

        // Re-added a minute later: the join date is the latest one.
        _clock.Advance(TimeSpan.FromMinutes(1));
        for (var i = 0; i < people.Length; i++)
        {
            if (people[i].GroupStatus == 3)
            {
                _h.Fake.AddToGroup(group, [ids[i]]);
            }
        }

        var g = TriggerDefinition.Group($"g{n}");
        var gd = TriggerDefinition.Group($"gd{n}");
        var t = TriggerDefinition.Tag($"t{n}");
        var td = TriggerDefinition.Tag($"td{n}");
        TriggerSourceContext[] contexts =
        [
            new() { Trigger = g, History = gd },
            new() { Trigger = t, History = td },
            new() { Trigger = g, History = gd, KeepMembers = true },
            new() { Trigger = t, History = td, KeepMembers = true },
            new() { Trigger = t, RequireIn = gd },
            new() { Trigger = g, RequireNotIn = t },
            new() { Trigger = TriggerDefinition.SavedSearch($"ss{n}") },
            new() { Trigger = TriggerDefinition.Group($"s{n}"), History = gd },
            new() { Trigger = g, RequireIn = gd, Purpose = ActivityKind.AccountBlocked },
        ];

        // Ids asked more than once, and one no contact has.
        long[] asked = [.. ids, .. ids.Take(repeats), 9_000_000 + n];
        foreach (var context in contexts)
        {
            var source = _h.Triggers.Create(context);
            var expected = new List<Contact>();
            foreach (var id in asked.Distinct())
            {
                if (await source.FindPendingAsync(id, ct) is { } contact)
                {
                    expected.Add(contact);
                }
            }

            var actual = await source.FindPendingAmongAsync(asked, ct);

            var because = $"[{string.Join(", ", people.Select(p => p.ToString()))}] with trigger {context.Trigger} history {context.History} keep {context.KeepMembers} in {context.RequireIn} not in {context.RequireNotIn}";
            actual.Select(c => c.Id).Should().OnlyHaveUniqueItems(because);
            actual.Should().BeEquivalentTo(expected, because);
        }
    }
}
