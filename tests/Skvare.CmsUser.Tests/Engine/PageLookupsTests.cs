using Skvare.CmsUser.Engine;

namespace Skvare.CmsUser.Tests.Engine;

/// <summary>
/// The page look-up policy of a creation pass (<see cref="PageLookups"/>): no look-up while creates are not refused,
/// one per page once they are, started by the first refusal of a page not planned with it, and none again after a
/// looked-up page met no refusal.
/// </summary>
public sealed class PageLookupsTests
{
    private readonly List<IReadOnlyList<Contact>> _lookedUp = [];

    private PageLookups Policy(bool always = false) => new((page, _) =>
    {
        lock (_lookedUp)
        {
            _lookedUp.Add(page);
        }

        return Task.CompletedTask;
    }, always);

    private static IReadOnlyList<Contact> Page(int number) => [new Contact { Id = number, Email = $"c{number}@example.org" }];

    [Fact]
    public void New_contacts_are_never_looked_up()
    {
        var policy = Policy();

        for (var n = 1; n <= 5; n++)
        {
            var page = policy.Plan(Page(n));
            page.Planned.Should().BeFalse();
            policy.CatchUp(page).Should().BeFalse();
            policy.Finished(page);
        }

        _lookedUp.Should().BeEmpty();
    }

    [Fact]
    public void A_cms_that_cannot_refuse_duplicates_looks_every_page_up()
    {
        var policy = Policy(always: true);

        var pages = Enumerable.Range(1, 3).Select(n => policy.Plan(Page(n))).ToList();
        pages.ForEach(policy.Finished);

        pages.Should().OnlyContain(p => p.Planned);
    }

    [Fact(Timeout = 60_000)]
    public async Task The_first_refusal_looks_its_page_up_once_and_later_pages_are_planned_with_it()
    {
        var policy = Policy();
        var first = policy.Plan(Page(1));
        var second = policy.Plan(Page(2)); // prepared ahead, before any refusal

        await first.RefusedAsync(CancellationToken.None);
        await first.RefusedAsync(CancellationToken.None);
        policy.CatchUp(second).Should().BeTrue("refusals appeared after the page was planned");
        await second.LookUpAsync(CancellationToken.None);
        var third = policy.Plan(Page(3));

        _lookedUp.Select(p => p[0].Id).Should().Equal(1, 2);
        first.Refusals.Should().Be(2);
        third.Planned.Should().BeTrue();
    }

    [Fact(Timeout = 60_000)]
    public async Task A_looked_up_page_without_refusals_ends_the_look_ups_unless_a_later_page_is_refusing()
    {
        var policy = Policy();
        var refused = policy.Plan(Page(1));
        await refused.RefusedAsync(CancellationToken.None);
        var clean = policy.Plan(Page(2));
        await clean.LookUpAsync(CancellationToken.None); // planned: looked up with its preparation
        var later = policy.Plan(Page(3));
        await later.LookUpAsync(CancellationToken.None);
        await later.RefusedAsync(CancellationToken.None);

        policy.Finished(refused);
        policy.Finished(clean);
        policy.Plan(Page(4)).Planned.Should().BeTrue("page 3, after the clean page, was refused");

        var cleanAgain = policy.Plan(Page(5));
        await cleanAgain.LookUpAsync(CancellationToken.None);
        policy.Finished(later);
        policy.Finished(cleanAgain);
        policy.Plan(Page(6)).Planned.Should().BeFalse("the newest looked-up page met no refusal");
        _lookedUp.Should().HaveCount(4, "each page once, however many of its creates were refused");
    }
}
