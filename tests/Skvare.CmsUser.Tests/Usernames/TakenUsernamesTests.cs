using Skvare.CmsUser.Usernames;

namespace Skvare.CmsUser.Tests.Usernames;

/// <summary>The process's set of usernames seen taken: case-insensitive as CMS usernames are, and bounded.</summary>
public sealed class TakenUsernamesTests
{
    [Fact]
    public void A_name_is_known_in_any_case_once_added()
    {
        var taken = new TakenUsernames();
        taken.Add("Ana.Lima");

        taken.Contains("ana.lima").Should().BeTrue();
        taken.Contains("ana.lima2").Should().BeFalse();
    }

    [Fact]
    public void Past_its_capacity_the_set_starts_again_so_a_long_import_keeps_at_most_capacity_names()
    {
        var taken = new TakenUsernames();
        for (var i = 0; i < TakenUsernames.Capacity; i++)
        {
            taken.Add("user" + i);
        }

        taken.Contains("user0").Should().BeTrue("the set holds up to its capacity");
        taken.Contains("user" + (TakenUsernames.Capacity - 1)).Should().BeTrue();

        taken.Add("one.more");

        taken.Contains("one.more").Should().BeTrue("the name that overflowed starts the new set");
        taken.Contains("user0").Should().BeFalse("the earlier names were let go");
        taken.Contains("user" + (TakenUsernames.Capacity - 1)).Should().BeFalse();
    }

    [Fact]
    public async Task Adds_from_many_workers_never_keep_more_than_capacity_names()
    {
        var taken = new TakenUsernames();
        const int Workers = 8;
        var perWorker = (TakenUsernames.Capacity * 3) / Workers;

        await Task.WhenAll(Enumerable.Range(0, Workers).Select(w => Task.Run(() =>
        {
            for (var i = 0; i < perWorker; i++)
            {
                taken.Add($"w{w}.{i}");
            }
        })));

        var known = Enumerable.Range(0, Workers).Sum(w => Enumerable.Range(0, perWorker).Count(i => taken.Contains($"w{w}.{i}")));
        known.Should().BeGreaterThan(0).And.BeLessThanOrEqualTo(TakenUsernames.Capacity + Workers, "a clear races at most one add per worker");
    }
}
