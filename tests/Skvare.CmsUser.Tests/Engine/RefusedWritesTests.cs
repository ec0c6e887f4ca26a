using System.Collections.Concurrent;
using CsCheck;
using Skvare.CmsUser.Engine;

namespace Skvare.CmsUser.Tests.Engine;

/// <summary>
/// <see cref="RefusedWrites"/>: a refused write of several audit records is written again one record per call without
/// writing any record twice, over a store that behaves as CiviCRM 6.17.2 does (no transaction: a call's records are
/// written in order until the refused one, and the call then fails).
/// </summary>
public sealed class RefusedWritesTests
{
    private static readonly DateTimeOffset At = new(2026, 12, 1, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task A_refused_new_record_fails_its_contact_alone_and_the_records_written_before_it_are_not_written_again()
    {
        var store = new PrefixStore(refused: [2]);
        var entries = new[] { New(1), New(2), New(3) };
        var refused = new ConcurrentDictionary<long, CmsUserException>();

        await RefusedWrites.RecordsAsync(entries, store.WriteAsync, store.FindUnwrittenAsync, refused);

        refused.Keys.Should().Equal(2);
        store.Written.Select(e => e.ContactId).Should().Equal([1, 3], "contact 1's record was written by the refused call and is not written again");
        store.Calls.Should().Equal(["1,2,3", "2", "3"], "one call for all, then one per record not found written");
        store.Reads.Should().Be(1);
    }

    [Fact]
    public async Task Updates_by_id_are_written_again_one_per_call_without_a_read()
    {
        var store = new PrefixStore(refused: [1]);
        var entries = new[] { Update(1, 11), Update(2, 12) };
        var refused = new ConcurrentDictionary<long, CmsUserException>();

        await RefusedWrites.RecordsAsync(entries, store.WriteAsync, unwritten: null, refused);

        refused.Keys.Should().Equal(1);
        store.Written.Select(e => e.ContactId).Should().Equal(2);
        store.Reads.Should().Be(0, "an update by id may be written twice: nothing to read back");
    }

    [Fact]
    public async Task Without_a_read_back_each_new_record_goes_in_a_call_of_its_own_and_the_updates_in_one()
    {
        var store = new PrefixStore(refused: [2]);
        var entries = new[] { Update(4, 14), New(1), Update(5, 15), New(2), New(3) };
        var refused = new ConcurrentDictionary<long, CmsUserException>();

        await RefusedWrites.RecordsAsync(entries, store.WriteAsync, unwritten: null, refused);

        refused.Keys.Should().Equal(2);
        store.Calls.Should().Equal(["4,5", "1", "2", "3"], "nothing tells which new records a refused call kept, so a new record never shares a call");
        store.Written.Select(e => e.ContactId).Should().Equal([4, 5, 1, 3]);
        store.Reads.Should().Be(0);
    }

    [Theory]
    [InlineData(FailureKind.Transient)]
    [InlineData(FailureKind.Configuration)]
    public async Task A_failure_that_is_not_a_refusal_is_thrown_without_a_second_call(FailureKind kind)
    {
        var store = new PrefixStore(refused: [2]) { FailWith = kind };
        var entries = new[] { New(1), New(2) };

        var act = () => RefusedWrites.RecordsAsync(entries, store.WriteAsync, store.FindUnwrittenAsync, new ConcurrentDictionary<long, CmsUserException>());

        (await act.Should().ThrowAsync<CmsUserException>()).Which.Kind.Should().Be(kind);
        store.Calls.Should().ContainSingle();
    }

    [Fact]
    public async Task A_single_refused_new_record_is_not_written_again()
    {
        var store = new PrefixStore(refused: [7]);
        var refused = new ConcurrentDictionary<long, CmsUserException>();

        await RefusedWrites.RecordsAsync([New(7)], store.WriteAsync, store.FindUnwrittenAsync, refused);

        refused.Keys.Should().Equal(7);
        store.Calls.Should().ContainSingle();
        store.Reads.Should().Be(0);
    }

    [Fact]
    public void Any_set_of_refused_contacts_gives_exactly_one_record_per_other_contact_and_none_twice() =>
        Gen.Select(Gen.Int[1, 12], Gen.Int[0, 12].HashSet[0, 12], Gen.Bool.Array[12], Gen.Bool).Sample((count, refusedSet, isUpdate, readBack) =>
        {
            var entries = Enumerable.Range(0, count).Select(i => isUpdate[i] ? Update(i, 100 + i) : New(i)).ToArray();
            var store = new PrefixStore(refusedSet);
            var refused = new ConcurrentDictionary<long, CmsUserException>();

            // With the store's read-back, or without one (a recorder alone: new records one per call from the start).
            RefusedWrites.RecordsAsync(entries, store.WriteAsync, readBack ? store.FindUnwrittenAsync : null, refused).GetAwaiter().GetResult();

            var expected = entries.Select(e => e.ContactId).Where(c => !refusedSet.Contains((int)c)).ToArray();
            store.Written.Where(e => e.Id is null).GroupBy(e => e.ContactId).Should().NotContain(g => g.Count() > 1, "no new record is written twice");
            store.Written.Select(e => e.ContactId).Distinct().Should().BeEquivalentTo(expected, "every contact not refused gets its record");
            refused.Keys.Should().BeEquivalentTo(entries.Select(e => e.ContactId).Where(c => refusedSet.Contains((int)c)), "each refused contact is told, alone");
            store.Calls.Count(c => !c.Contains(',', StringComparison.Ordinal) && refusedSet.Contains(int.Parse(c, System.Globalization.CultureInfo.InvariantCulture)))
                .Should().BeLessThanOrEqualTo(refusedSet.Count, "a refused record gets one call of its own at most");
        }, iter: 500);

    private static ActivityEntry New(long contact) =>
        new(contact, ActivityKind.PasswordReset, ActivityOutcomeStatus.Completed, $"Password reset email sent : c{contact} ({contact})", null, At);

    private static ActivityEntry Update(long contact, long id) => New(contact) with { Kind = ActivityKind.AccountCreation, Id = id };

    /// <summary>Writes a call's records in order until one it refuses, as CiviCRM 6.17.2 does; tells which new records are written.</summary>
    private sealed class PrefixStore(IReadOnlyCollection<int> refused)
    {
        public List<ActivityEntry> Written { get; } = [];

        public List<string> Calls { get; } = [];

        public int Reads { get; private set; }

        public FailureKind FailWith { get; init; } = FailureKind.Permanent;

        public Task WriteAsync(ActivityEntry[] part, CancellationToken cancellationToken)
        {
            Calls.Add(string.Join(',', part.Select(e => e.ContactId)));
            foreach (var entry in part)
            {
                if (refused.Contains((int)entry.ContactId))
                {
                    throw new Refusal(FailWith);
                }

                // An update by id writes the same record again; a new record is one more record.
                Written.RemoveAll(e => e.Id is not null && e.Id == entry.Id);
                Written.Add(entry);
            }

            return Task.CompletedTask;
        }

        public Task<IReadOnlyCollection<ActivityEntry>> FindUnwrittenAsync(IReadOnlyList<ActivityEntry> created)
        {
            Reads++;
            return Task.FromResult<IReadOnlyCollection<ActivityEntry>>(created.Where(e => !Written.Contains(e)).ToArray());
        }
    }

    private sealed class Refusal(FailureKind kind) : CmsUserException("DB Error: constraint violation")
    {
        public override FailureKind Kind => kind;
    }
}
