using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http;
using Skvare.CmsUser.Tests.Shared.Sites;

namespace Skvare.CmsUser.WordPress.Tests;

/// <summary>
/// Request budgets: how many HTTP requests the SDK (CiviCRM package + WordPress package with the companion plugin, real HTTP) sends to the fakes
/// for new contacts, counted in the fakes' own request logs. Counts, never time: a change that adds a request per
/// contact, per page or per call fails here. docs/benchmarks.md has the measured figures; when a change lowers
/// them, lower the budget here in the same change. Round trips are counted in lock step by <see cref="RoundTrips"/>
/// (held requests released round by round, docs/testing.md), never from latency; the class runs alone for it.
/// </summary>
[Collection(nameof(RoundTripsCollection))]
public sealed class RequestBudgetTests : IDisposable
{
    /// <summary>WordPress requests per new contact in a batch (companion plugin): the create, which also sends the new-account email.</summary>
    private const int WordPressPerNewContact = 1;

    /// <summary>
    /// WordPress requests per page of a batch of new contacts (companion plugin): none. Create first: the page look-up
    /// only answers refused creates, so it waits for the first refusal.
    /// </summary>
    private const int WordPressPerPage = 0;

    /// <summary>
    /// WordPress requests per page of a re-import (every contact's account exists already): one look-up of the page's
    /// emails and usernames, started by the page's first refused create (or planned with the page once creates are
    /// being refused); it answers every refusal of the page.
    /// </summary>
    private const int WordPressPerReimportPage = 1;

    /// <summary>WordPress requests per re-imported contact: its create, refused (taken username, then email).</summary>
    private const int WordPressPerReimportedContact = 1;

    /// <summary>
    /// WordPress requests of one <c>ProvisionAsync</c> for a new contact: the create with its email (create first: no
    /// look-up for one contact, the create's refusal of a duplicate asks instead).
    /// </summary>
    private const int WordPressOnDemand = 1;

    /// <summary>
    /// CiviCRM requests per page of new contacts in a batch: the page read; one request with the page's follow-ups chained
    /// (other-domain links, join dates of a group trigger, failed attempts, the Scheduled audit records, then the page's
    /// audit records read after them); and the write-back in one request (links, audit records completed, trigger removal
    /// with the history add, chained). A page that links existing accounts reads its links first: one more.
    /// </summary>
    private const int CiviCrmPerPage = 3;

    /// <summary>
    /// CiviCRM requests once per run (set-up, once per process: identity with the domain chained, the activity types read
    /// and, on a new site, written, the trigger and history groups in one read; the read that finds no more pending
    /// contacts) and once per process the site's time zone (API v3 <c>System.get</c>, when <c>CmsUser:CiviCrm:TimeZone</c>
    /// is not set).
    /// </summary>
    private const int CiviCrmPerRun = 6;

    /// <summary>
    /// CiviCRM requests per page of a re-import: a page of new accounts plus the write-back's read, which a page that
    /// links accounts existing before the run needs (docs/architecture.md, "The write-back").
    /// </summary>
    private const int CiviCrmPerReimportPage = CiviCrmPerPage + 1;

    /// <summary>
    /// Requests of one <c>ProvisionAsync</c> for a new contact once the process is set up (warm): CiviCRM's one contact
    /// read (links, every rule's pending test, join date, failed attempts, the Scheduled record and the audit records read
    /// after it, chained onto the contact's row); WordPress's create; CiviCRM's write-back in one request (link, audit
    /// record completed, trigger change, chained).
    /// </summary>
    private const int OnDemandWarm = 3;

    /// <summary>
    /// Requests of the first <c>ProvisionAsync</c> in a process (cold): the warm ones plus the set-up (identity, the
    /// activity types read and, on this new site, written in the same request, the trigger groups, the site's time zone).
    /// </summary>
    private const int OnDemandCold = 7;

    /// <summary>
    /// Sequential round trips of a warm <c>ProvisionAsync</c>: the contact read, the create, the write-back.
    /// </summary>
    private const int OnDemandWarmRoundTrips = 3;

    /// <summary>
    /// Sequential round trips of a cold batch before its first create on a site the SDK has set up before (a restarted
    /// process: the activity types exist): the set-up's reads with the first page read among them (chained onto the
    /// trigger's own look-up), then the page prepared in one request (links in other domains, join dates, failed
    /// attempts, the Scheduled records with their audit read, chained). The same for a warm batch: the page, its preparation.
    /// </summary>
    private const int BatchRoundTripsBeforeFirstCreate = 2;

    /// <summary>
    /// The same on a new site: the activity types are written in the set-up's own request (conditional writes chained
    /// with the read), so they cost no round trip before the page's preparation, whose Scheduled records need them.
    /// </summary>
    private const int NewSiteBatchRoundTripsBeforeFirstCreate = 2;

    /// <summary>
    /// The same for an access rule (its trigger keeps its members: pending are those not in the history group, which is
    /// joined onto the trigger's look-up so the first page goes with the set-up) and for a saved-search trigger (the first
    /// page chained onto the search's own look-up, its conditions taken from the row): as for a group trigger.
    /// </summary>
    private const int AccessRuleAndSearchBatchRoundTripsBeforeFirstCreate = 2;

    /// <summary>
    /// Sequential round trips of a cold <c>ProvisionAsync</c>: the warm ones plus the set-up, whose requests go at once (one
    /// round trip, the activity types' write on this new site included).
    /// </summary>
    private const int OnDemandColdRoundTrips = 4;

    /// <summary>Sequential round trips of a cold <c>ProvisionAsync</c> before its CMS create: the set-up, the contact read.</summary>
    private const int OnDemandColdRoundTripsBeforeCreate = 2;

    private FakeSite? _site;

    public void Dispose() => _site?.Dispose();

    [Theory(Timeout = 120_000)]
    [InlineData(1, 100)]
    [InlineData(4, 250)]
    public async Task A_batch_of_new_contacts_stays_within_the_request_budget(int concurrency, int contacts)
    {
        var site = Site(concurrency);
        var ids = site.AddMembers(contacts);
        var pages = (contacts + 99) / 100;

        var summary = await site.Provisioner.RunOnceAsync(cancellationToken: Timeout());

        summary.Count(OutcomeKind.Created).Should().Be(contacts);
        site.Civi.Links.Select(l => l.ContactId).Should().BeEquivalentTo(ids);
        site.WordPress.Requests.Should().HaveCountLessThanOrEqualTo((WordPressPerNewContact * contacts) + (WordPressPerPage * pages), Calls(site.WordPress.Requests.Select(r => r.Method + " " + r.Path)));
        site.WordPress.Requests.Should().NotContain(r => r.Path.EndsWith("/users/lookup", StringComparison.Ordinal), "no create was refused, so no page was looked up");
        site.WordPress.Requests.Count(r => r.Method == "POST" && r.Path == "/wp-json/skvare-cmsuser/v1/users").Should().Be(contacts, "one create (with its email) per new contact, no retried creates");
        site.WordPress.Mails.Should().HaveCount(contacts, "one new-account email per new contact, sent by the create");
        site.Civi.Requests.Should().HaveCountLessThanOrEqualTo((CiviCrmPerPage * pages) + CiviCrmPerRun, Calls(site.Civi.Requests.Select(r => $"{r.Entity}.{r.Action}")));
    }

    [Theory(Timeout = 120_000)]
    [InlineData(1, 100)]
    [InlineData(4, 250)]
    public async Task A_reimport_of_existing_accounts_costs_one_look_up_per_page_and_no_search(int concurrency, int contacts)
    {
        var site = Site(concurrency);
        var existing = Enumerable.Range(0, contacts).Select(i => site.WordPress.AddUser($"first{i}.last{i}", $"member{i}@example.org", "subscriber").Id).ToList();
        var users = site.WordPress.Users.Count;
        site.AddMembers(contacts);
        var pages = (contacts + 99) / 100;

        var summary = await site.Provisioner.RunOnceAsync(cancellationToken: Timeout());

        summary.Count(OutcomeKind.Linked).Should().Be(contacts);
        site.Civi.Links.Select(l => l.UfId).Should().BeEquivalentTo(existing, "every contact is linked to its existing account");
        site.WordPress.Users.Should().HaveCount(users, "no account is created");
        site.WordPress.Mails.Should().BeEmpty();
        var calls = Calls(site.WordPress.Requests.Select(r => r.Method + " " + r.Path));
        site.WordPress.Requests.Should().HaveCountLessThanOrEqualTo((WordPressPerReimportedContact * contacts) + (WordPressPerReimportPage * pages), calls);
        site.WordPress.Requests.Should().NotContain(r => r.Method == "GET", "the page look-up answers every refusal: no search per contact; " + calls);
        site.WordPress.Requests.Count(r => r.Path.EndsWith("/users/lookup", StringComparison.Ordinal)).Should().Be(pages, "every page is looked up once");
        site.Civi.Requests.Should().HaveCountLessThanOrEqualTo((CiviCrmPerReimportPage * pages) + CiviCrmPerRun, Calls(site.Civi.Requests.Select(r => $"{r.Entity}.{r.Action}")));
    }

    [Fact(Timeout = 120_000)]
    public async Task Page_look_ups_stop_once_creates_are_no_longer_refused()
    {
        var site = Site(4);
        for (var i = 0; i < 100; i++)
        {
            site.WordPress.AddUser($"first{i}.last{i}", $"member{i}@example.org", "subscriber");
        }

        site.AddMembers(100);
        var fresh = site.AddMembers(500, "n");

        var summary = await site.Provisioner.RunOnceAsync(cancellationToken: Timeout());

        summary.Count(OutcomeKind.Linked).Should().Be(100);
        summary.Count(OutcomeKind.Created).Should().Be(fresh.Count);
        var lookups = site.WordPress.Requests.Where(r => r.Path.EndsWith("/users/lookup", StringComparison.Ordinal)).ToList();
        var calls = Calls(site.WordPress.Requests.Select(r => r.Method + " " + r.Path));

        // The refused page, the page launched right after the refusals, the page planned while refusals were the last
        // news, and at most the one planned before the first clean page was done; never the last pages.
        lookups.Should().HaveCountGreaterThanOrEqualTo(1).And.HaveCountLessThanOrEqualTo(4, calls);
        lookups.Should().NotContain(r => r.Body!.Contains("membern499@example.org", StringComparison.Ordinal), "the last page comes after a clean look-up");
        site.WordPress.Requests.Should().NotContain(r => r.Method == "GET", calls);
        site.WordPress.Requests.Should().HaveCountLessThanOrEqualTo(600 + lookups.Count, "one create per contact, refused or not, and the look-ups; " + calls);
    }

    [Fact(Timeout = 60_000)]
    public async Task On_demand_provisioning_stays_within_the_request_budget_cold_and_warm()
    {
        var site = Site(1);
        var ids = site.AddMembers(3);
        var provisioner = site.Provisioner;

        var cold = await Measure(site, () => provisioner.ProvisionAsync(ids[0], cancellationToken: Timeout()));
        var wordPressBefore = site.WordPress.Requests.Count;
        var warm = await Measure(site, () => provisioner.ProvisionAsync(ids[1], cancellationToken: Timeout()));
        var wordPressWarm = site.WordPress.Requests.Count - wordPressBefore;

        cold.Outcome.Kind.Should().Be(OutcomeKind.Created);
        warm.Outcome.Kind.Should().Be(OutcomeKind.Created);
        cold.Requests.Should().BeLessThanOrEqualTo(OnDemandCold);
        warm.Requests.Should().BeLessThanOrEqualTo(OnDemandWarm);
        wordPressWarm.Should().BeLessThanOrEqualTo(WordPressOnDemand);
        warm.Requests.Should().BeLessThan(cold.Requests, "set-up is read once per process, not per call");
    }

    [Fact(Timeout = 600_000)]
    public async Task On_demand_provisioning_stays_within_the_round_trip_budget_cold_and_warm()
    {
        var rounds = new RoundTrips();
        var site = TrackedSite(rounds, 1);
        var ids = site.AddMembers(2);

        var cold = await rounds.RunAsync(() => site.Provisioner.ProvisionAsync(ids[0], cancellationToken: Timeout()));
        var warm = await rounds.RunAsync(() => site.Provisioner.ProvisionAsync(ids[1], cancellationToken: Timeout()));

        cold.Result.Kind.Should().Be(OutcomeKind.Created);
        warm.Result.Kind.Should().Be(OutcomeKind.Created);
        warm.DepthBefore(IsCreate).Should().Be(1, "a warm call reads CiviCRM once before the create; " + warm.Describe());
        warm.Depth.Should().BeLessThanOrEqualTo(OnDemandWarmRoundTrips, warm.Describe());
        cold.DepthBefore(IsCreate).Should().BeLessThanOrEqualTo(OnDemandColdRoundTripsBeforeCreate, cold.Describe());
        cold.Depth.Should().BeLessThanOrEqualTo(OnDemandColdRoundTrips, cold.Describe());
    }

    [Fact(Timeout = 600_000)]
    public async Task A_cold_batch_reaches_its_first_create_within_the_round_trip_budget()
    {
        var rounds = new RoundTrips();
        var site = TrackedSite(rounds, 4);
        site.AddMembers(20);

        var run = await rounds.RunAsync(() => site.Provisioner.RunOnceAsync(cancellationToken: Timeout()));

        run.Result.Count(OutcomeKind.Created).Should().Be(20);
        run.DepthBefore(IsCreate).Should().BeLessThanOrEqualTo(NewSiteBatchRoundTripsBeforeFirstCreate, run.Describe());
    }

    [Theory(Timeout = 600_000)]
    [InlineData("access rule")]
    [InlineData("saved search")]
    public async Task A_cold_batch_over_an_access_rule_or_a_saved_search_reaches_its_first_create_within_the_round_trip_budget(string kind)
    {
        var rounds = new RoundTrips();
        var site = TrackedSite(rounds, 4, services => services.Configure<CmsUserOptions>(o =>
        {
            if (kind == "access rule")
            {
                // Members stay in the access group; leaving it blocks the account (a second pass, after this one).
                o.Rules[0].Deprovision = new DeprovisionOptions { When = DeprovisionWhen.LeftTrigger, Action = DeprovisionAction.Block };
            }
            else
            {
                o.Rules[0].Trigger = TriggerDefinition.SavedSearch("members_search");
            }
        }));
        site.Civi.AddSavedSearch("members_search", """[["last_name","LIKE","Last%"]]""");
        site.AddMembers(20);

        var run = await rounds.RunAsync(() => site.Provisioner.RunOnceAsync(cancellationToken: Timeout()));

        run.Result.Count(OutcomeKind.Created).Should().Be(20);
        site.Civi.Links.Should().HaveCount(20);
        run.DepthBefore(IsCreate).Should().BeLessThanOrEqualTo(AccessRuleAndSearchBatchRoundTripsBeforeFirstCreate, run.Describe());
    }

    [Fact(Timeout = 600_000)]
    public async Task A_restarted_process_reads_its_first_page_with_the_set_up_cold_and_warm()
    {
        var rounds = new RoundTrips();
        var site = TrackedSite(rounds, 4);

        // An earlier process set the site up (the activity types exist): its own container, registered as a host
        // registers the package, and its recorder as the engine sees it. Its requests are not counted.
        var earlier = new ServiceCollection();
        earlier.AddCmsUserProvisioning().AddCiviCrm(o =>
        {
            o.BaseUrl = site.Civi.Url;
            o.ApiKey = site.Civi.ApiKey;
        });
        await using (var process = earlier.BuildServiceProvider())
        {
            await process.GetRequiredService<IActivityRecorder>().EnsureReadyAsync(Timeout());
        }

        site.AddMembers(20);
        var cold = await rounds.RunAsync(() => site.Provisioner.RunOnceAsync(cancellationToken: Timeout()));
        site.AddMembers(20, "w");
        var warm = await rounds.RunAsync(() => site.Provisioner.RunOnceAsync(cancellationToken: Timeout()));

        cold.Result.Count(OutcomeKind.Created).Should().Be(20);
        warm.Result.Count(OutcomeKind.Created).Should().Be(20);
        cold.DepthBefore(IsCreate).Should().BeLessThanOrEqualTo(BatchRoundTripsBeforeFirstCreate, cold.Describe());
        warm.DepthBefore(IsCreate).Should().BeLessThanOrEqualTo(BatchRoundTripsBeforeFirstCreate, warm.Describe());
    }

    /// <summary>
    /// CiviCRM requests a website token (<c>{contact.url}</c>) adds: one <c>Website.get</c> per page of a batch and per
    /// on-demand call, sent beside the page's follow-ups (or the contact's read), so no round trip more; none without one.
    /// </summary>
    private const int CiviCrmPerPageForWebsites = 1;

    [Fact(Timeout = 120_000)]
    public async Task A_website_token_costs_one_Website_get_per_page_and_a_run_without_one_sends_none()
    {
        var plain = Site(4);
        plain.AddMembers(150);
        (await plain.Provisioner.RunOnceAsync(cancellationToken: Timeout())).Count(OutcomeKind.Created).Should().Be(150);
        plain.Civi.CallCount("Website", "get").Should().Be(0, "no pattern uses a website token");
        plain.Civi.Requests.Should().HaveCountLessThanOrEqualTo((CiviCrmPerPage * 2) + CiviCrmPerRun);
        plain.Dispose();

        var site = _site = FakeSite.Start(0, 4, configure: services => services.AddLogging().Configure<CmsUserOptions>(o => o.FieldMappings["url"] = "{contact.url}"));
        var ids = site.AddMembers(150);
        site.Civi.AddWebsite(ids[0], "https://first.example.org/");

        var summary = await site.Provisioner.RunOnceAsync(cancellationToken: Timeout());

        summary.Count(OutcomeKind.Created).Should().Be(150);
        site.Civi.CallCount("Website", "get").Should().Be(2 * CiviCrmPerPageForWebsites, "one per page of 100");
        site.Civi.Requests.Should().HaveCountLessThanOrEqualTo(((CiviCrmPerPage + CiviCrmPerPageForWebsites) * 2) + CiviCrmPerRun, Calls(site.Civi.Requests.Select(r => $"{r.Entity}.{r.Action}")));
    }

    [Fact(Timeout = 600_000)]
    public async Task On_demand_a_website_token_adds_one_request_and_no_round_trip()
    {
        var rounds = new RoundTrips();
        var site = TrackedSite(rounds, 1, services => services.Configure<CmsUserOptions>(o => o.FieldMappings["url"] = "{contact.website_first.url}"));
        var ids = site.AddMembers(2);
        site.Civi.AddWebsite(ids[1], "https://ana.example.org/");

        var cold = await rounds.RunAsync(() => site.Provisioner.ProvisionAsync(ids[0], cancellationToken: Timeout()));
        var before = site.Civi.Requests.Count + site.WordPress.Requests.Count;
        var warm = await rounds.RunAsync(() => site.Provisioner.ProvisionAsync(ids[1], cancellationToken: Timeout()));
        var warmRequests = site.Civi.Requests.Count + site.WordPress.Requests.Count - before;

        cold.Result.Kind.Should().Be(OutcomeKind.Created);
        warm.Result.Kind.Should().Be(OutcomeKind.Created);
        warmRequests.Should().BeLessThanOrEqualTo(OnDemandWarm + CiviCrmPerPageForWebsites);
        site.Civi.CallCount("Website", "get").Should().Be(2);
        warm.DepthBefore(IsCreate).Should().Be(1, "the website is read beside the contact; " + warm.Describe());
        warm.Depth.Should().BeLessThanOrEqualTo(OnDemandWarmRoundTrips, warm.Describe());
        cold.Depth.Should().BeLessThanOrEqualTo(OnDemandColdRoundTrips, cold.Describe());
    }

    private static CancellationToken Timeout() => new CancellationTokenSource(TimeSpan.FromSeconds(600)).Token;

    private static string Calls(IEnumerable<string> calls) =>
        "requests by call: " + string.Join(", ", calls.GroupBy(c => c).Select(g => $"{g.Key} ×{g.Count()}"));

    private static async Task<(ProvisioningOutcome Outcome, int Requests)> Measure(FakeSite site, Func<Task<ProvisioningOutcome>> call)
    {
        var before = site.Civi.Requests.Count + site.WordPress.Requests.Count;
        var outcome = await call();
        return (outcome, site.Civi.Requests.Count + site.WordPress.Requests.Count - before);
    }

    /// <summary>A WordPress create (the companion plugin's route).</summary>
    private static bool IsCreate(HttpRequestMessage r) => r.Method == HttpMethod.Post && r.RequestUri!.AbsolutePath.EndsWith("/skvare-cmsuser/v1/users", StringComparison.Ordinal);

    /// <summary>The benchmark's site (no latency), each request of an operation run under <paramref name="rounds"/> held until its round.</summary>
    private FakeSite TrackedSite(RoundTrips rounds, int concurrency, Action<IServiceCollection>? configure = null) => _site = FakeSite.Start(0, concurrency, configure: services =>
    {
        services.AddLogging().ConfigureAll<HttpClientFactoryOptions>(o => o.HttpMessageHandlerBuilderActions.Add(b => b.AdditionalHandlers.Add(rounds.NewHandler())));
        configure?.Invoke(services);
    });

    /// <summary>The site as the provisioning benchmark wires it (companion plugin, pages of 100), with logging.</summary>
    private FakeSite Site(int concurrency) => _site = FakeSite.Start(0, concurrency, configure: services => services.AddLogging());
}
