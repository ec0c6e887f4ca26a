using Microsoft.Extensions.DependencyInjection;
using Skvare.CmsUser.Tests.Shared.Sites;

namespace Skvare.CmsUser.WordPress.Tests;

/// <summary>
/// The requests a plan sends to WordPress with the companion plugin, counted in the fake's own request log: each page of
/// contacts is looked up once (the plugin's <c>users/lookup</c>), and no contact costs a search of its own. Before, a
/// plan searched every new contact's email and username one by one: two requests per contact, which made a plan of a
/// few thousand contacts take many minutes on a real site.
/// </summary>
public sealed class PlanRequestBudgetTests : IDisposable
{
    private FakeSite? _site;

    public void Dispose() => _site?.Dispose();

    [Theory(Timeout = 120_000)]
    [InlineData(1)]
    [InlineData(250)]
    public async Task A_plan_looks_each_page_up_once_and_searches_no_contact(int contacts)
    {
        var site = _site = FakeSite.Start(0, 4, configure: services => services.AddLogging());
        var existing = site.WordPress.AddUser("someone.else", "member0@example.org", "subscriber").Id;
        site.WordPress.AddUser($"first{contacts - 1}.last{contacts - 1}", "other@example.org", "subscriber");
        site.AddMembers(contacts);
        var pages = (contacts + 99) / 100;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));

        var plan = new List<PlanEntry>();
        await foreach (var entry in site.Provisioner.PlanAsync(timeout.Token))
        {
            plan.Add(entry);
        }

        plan.Should().HaveCount(contacts);
        plan[0].Should().Match<PlanEntry>(e => e.Action == PlannedAction.LinkExisting && e.CmsUserId == existing, "the look-up finds the account with the first contact's email");
        if (contacts > 1)
        {
            plan[^1].Username.Should().Be($"first{contacts - 1}.last{contacts - 1}2", "the look-up knows the last contact's username is taken");
            plan.Skip(1).Should().OnlyContain(e => e.Action == PlannedAction.Create);
        }

        var calls = "requests: " + string.Join(", ", site.WordPress.Requests.GroupBy(r => r.Method + " " + r.Path).Select(g => $"{g.Key} ×{g.Count()}"));
        site.WordPress.Requests.Count(r => r.Path.EndsWith("/users/lookup", StringComparison.Ordinal)).Should().Be(pages, "one look-up per page; " + calls);
        site.WordPress.Requests.Should().NotContain(r => r.Method == "GET" && r.Path.StartsWith("/wp-json/wp/v2/users", StringComparison.Ordinal), "no search per contact; " + calls);
        site.WordPress.Requests.Should().NotContain(r => r.Method == "POST" && r.Path == "/wp-json/skvare-cmsuser/v1/users", "a plan creates nothing");
    }
}
