using CsCheck;
using Microsoft.Extensions.Time.Testing;
using Skvare.CmsUser.Shared;

namespace Skvare.CmsUser.Standalone.Tests;

public sealed class UserIndexTests
{
    private static readonly Gen<string> Name = Gen.String[Gen.Char["abcABC.-12"], 1, 8];

    [Fact]
    public void A_covered_question_gets_the_answer_a_case_insensitive_search_would_give() =>
        Gen.Select(Name.Array[0, 12], Name.Array[1, 3], Name).Sample((names, prefixes, query) =>
        {
            var index = Index(new FakeTimeProvider());
            var users = names.Select((n, i) => new StandaloneUser(i + 1, n, $"{n}@example.org", null, true, [])).ToArray();
            index.Load([], prefixes, users);

            var covered = index.TryFindByUsername(query, out var found);

            covered.Should().Be(prefixes.Any(p => query.StartsWith(p, StringComparison.OrdinalIgnoreCase)));
            if (covered)
            {
                var expected = users.Where(u => string.Equals(u.Username, query, StringComparison.OrdinalIgnoreCase)).MinBy(u => u.Id);
                found.Should().Be(expected);
            }
        });

    [Fact]
    public void Answers_expire_and_own_creates_and_removals_are_seen()
    {
        var time = new FakeTimeProvider();
        var index = Index(time);
        index.Load(["a@example.org"], ["maria"], []);
        index.Add(new StandaloneUser(7, "maria.garcia", "a@example.org", 3, true, []));

        index.TryFindByUsername("MARIA.GARCIA", out var user).Should().BeTrue();
        user!.Id.Should().Be(7);
        index.TryFindByEmail("A@example.org", out var byEmail).Should().BeTrue();
        byEmail!.Id.Should().Be(7);

        index.Remove(7);
        index.TryFindByUsername("maria.garcia", out user).Should().BeTrue();
        user.Should().BeNull();

        index.ForgetEmail("a@example.org");
        index.TryFindByEmail("a@example.org", out _).Should().BeFalse();

        time.Advance(PageAccountIndex<StandaloneUser>.Lifetime);
        index.TryFindByUsername("maria.garcia", out _).Should().BeFalse("a page look-up answers for a bounded time only");
    }

    [Fact]
    public void The_last_three_look_ups_answer_and_the_fourth_back_is_dropped()
    {
        var index = Index(new FakeTimeProvider());
        foreach (var (id, name) in new[] { (1L, "ann"), (2L, "bob"), (3L, "cy"), (4L, "dee") })
        {
            index.Load([$"{name}@example.org"], [name], [new StandaloneUser(id, name, $"{name}@example.org", null, true, [])]);
        }

        index.TryFindByEmail("bob@example.org", out var bob).Should().BeTrue();
        bob!.Id.Should().Be(2);
        index.TryFindByUsername("dee", out var dee).Should().BeTrue();
        dee!.Id.Should().Be(4);
        index.TryFindByEmail("ann@example.org", out _).Should().BeFalse("the fourth look-up back is gone");
    }

    [Fact]
    public void A_refusal_the_index_explains_keeps_it_and_one_it_contradicts_drops_it()
    {
        var index = Index(new FakeTimeProvider());
        index.Load(["taken@example.org", "free@example.org"], ["taken", "free"], [new StandaloneUser(5, "taken", "taken@example.org", null, true, [])]);

        index.Refused("TAKEN@example.org", "Taken");
        index.TryFindByEmail("taken@example.org", out var kept).Should().BeTrue("it knew the account that took them");
        kept!.Id.Should().Be(5);

        index.Refused(null, "free");
        index.TryFindByEmail("taken@example.org", out _).Should().BeFalse("it said 'free' was free: out of date, dropped");
    }

    [Fact]
    public void An_own_create_wins_over_a_look_up_that_ran_alongside_it()
    {
        var index = Index(new FakeTimeProvider());
        index.Load(["ana@example.org"], ["ana"], []);
        var created = new StandaloneUser(9, "ana", "ana@example.org", 3, true, ["staff"]);
        index.Add(created);

        // The next page's look-up saw the account before its roles were written, and its answer arrived after the create's.
        index.Load(["ana@example.org"], ["ana"], [created with { Roles = [] }]);

        index.TryFindByEmail("ana@example.org", out var found).Should().BeTrue();
        found.Should().Be(created);
        index.TryFindByUsername("ana", out var byName).Should().BeTrue();
        byName.Should().Be(created);
    }

    private static PageAccountIndex<StandaloneUser> Index(TimeProvider time) => new(time, u => u.Id, u => u.Email, u => u.Username);
}
