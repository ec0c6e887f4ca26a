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

    private static PageAccountIndex<StandaloneUser> Index(TimeProvider time) => new(time, u => u.Id, u => u.Email, u => u.Username);
}
