using Skvare.CmsUser.Testing;
using Skvare.CmsUser.Testing.InMemory;

namespace Skvare.CmsUser.CiviCrm.Tests;

/// <summary>
/// <c>{contact.url}</c> and <c>{contact.website_first.url}</c> end to end through the CiviCRM package and the fake CiviCRM
/// (which answers <c>Website.get</c> as CiviCRM 6.17.2 does: recording <c>civicrm-6.17.2-websites-*</c>): each contact's
/// website with the lowest id, as CiviCRM's token processor prints it, read with one <c>Website.get</c> per page; and a
/// <c>Website.get</c> that fails gives no one a name made without the website.
/// </summary>
public sealed class WebsiteTokenTests : IDisposable
{
    private const string Unicode = "https://例え.jp/😀?q=ü&x=<b>";

    private readonly FakeCmsAccountProvider _cms = new();
    private readonly CiviHarness _h;
    private readonly long _members;

    public WebsiteTokenTests()
    {
        _h = new CiviHarness(engine: o =>
        {
            o.Rules.Add(new ProvisioningRule { Name = "members", Trigger = TriggerDefinition.Group("members") });
            o.UsernamePattern = "{contact.first_name}.{contact.url}";
            o.FallbackUsernamePattern = "{contact.first_name}.{contact.last_name}";
            o.FieldMappings["field_site"] = "{contact.website_first.url}";
            o.FieldMappings["field_site_or"] = "{contact.primary_website.url|default:\"none\"}";
        }, cms: _cms);
        _members = _h.Fake.AddGroup("members");
    }

    public void Dispose() => _h.Dispose();

    [Fact]
    public async Task Each_contact_gets_the_URL_of_its_website_with_the_lowest_id_read_with_one_Website_get_per_page()
    {
        var ana = _h.Fake.AddContact("Ana", "Lima", "ana@example.org");
        _h.Fake.AddWebsite(ana, "https://zz.example.org/work", websiteTypeId: 1);
        var bea = _h.Fake.AddContact("Bea", "Souza", "bea@example.org");
        var cy = _h.Fake.AddContact("Cy", "Uni", "cy@example.org");
        _h.Fake.AddWebsite(cy, Unicode, websiteTypeId: 2);
        var dee = _h.Fake.AddContact("Dee", "Null", "dee@example.org");
        _h.Fake.AddWebsite(dee, null, websiteTypeId: 1);
        _h.Fake.AddWebsite(dee, "https://dee.example.org/", websiteTypeId: 2);

        // Added after the others: a higher id, so not Ana's first website though its type is Main.
        _h.Fake.AddWebsite(ana, "https://aa.example.org/main", websiteTypeId: 2);
        _h.Fake.AddToGroup(_members, [ana, bea, cy, dee]);

        (await _h.Provisioner.RunOnceAsync()).Count(OutcomeKind.Created).Should().Be(4);

        var accounts = _cms.Accounts.ToDictionary(a => a.Email);
        accounts["ana@example.org"].Fields.Should().BeEquivalentTo(new Dictionary<string, string> { ["field_site"] = "https://zz.example.org/work", ["field_site_or"] = "https://zz.example.org/work" },
            "CiviCRM prints the website with the lowest id, whatever its type");
        accounts["ana@example.org"].Username.Should().StartWith("ana.").And.Contain("zz");
        accounts["bea@example.org"].Fields.Should().BeEquivalentTo(new Dictionary<string, string> { ["field_site_or"] = "none" }, "a contact without a website reads as empty");
        accounts["bea@example.org"].Username.Should().Be("bea.souza", "an empty token sends the contact to the fallback pattern");
        accounts["cy@example.org"].Fields["field_site"].Should().Be(Unicode, "the URL is sent as CiviCRM stores it");
        accounts["dee@example.org"].Fields.Should().BeEquivalentTo(new Dictionary<string, string> { ["field_site_or"] = "none" }, "Dee's first website has no URL, and CiviCRM prints nothing for it");
        _h.Fake.CallCount("Website", "get").Should().Be(1, "one read of the page's websites, not one per contact");
        _h.Fake.Requests.Where(r => r.Entity == "Contact").Should().NotContain(r => r.ParamsJson!.Contains("website_first", StringComparison.Ordinal),
            "API v4 drops website_first.url from a Contact.get");
    }

    [Fact]
    public async Task On_demand_the_website_is_read_beside_the_contact()
    {
        var ana = _h.Fake.AddContact("Ana", "Lima", "ana@example.org");
        _h.Fake.AddWebsite(ana, "https://ana.example.org/", websiteTypeId: 2);
        _h.Fake.AddToGroup(_members, [ana]);

        var outcome = await _h.Provisioner.ProvisionAsync(ana);

        outcome.Kind.Should().Be(OutcomeKind.Created);
        _cms.Accounts.Should().ContainSingle().Which.Fields["field_site"].Should().Be("https://ana.example.org/");
        _h.Fake.CallCount("Website", "get").Should().Be(1);
    }

    /// <summary>
    /// CiviCRM requests of a warm <c>ProvisionAsync</c> whose rule is a saved search asked on its own (a condition with a
    /// <c>$</c> text cannot ride on the chain): the contact's read with its websites' read beside it (2), the saved
    /// search's own pending test, without the contact's fields or websites (1), the write-back (1).
    /// </summary>
    private const int SavedSearchOnDemandWarm = 4;

    [Fact(Timeout = 60_000)]
    public async Task A_saved_search_asked_on_its_own_reads_the_contacts_websites_once()
    {
        using var h = new CiviHarness(engine: o =>
        {
            o.Rules.Add(new ProvisioningRule { Name = "dollars", Trigger = TriggerDefinition.SavedSearch("dollars") });
            o.UsernamePattern = "{contact.first_name}.{contact.url}";
            o.FallbackUsernamePattern = "{contact.first_name}.{contact.last_name}";
        }, cms: _cms);
        h.Fake.AddSavedSearch("dollars", """[["last_name","=","$mith"]]""");
        var warm = h.Fake.AddContact("Warm", "$mith", "warm@example.org");
        using (var setUp = new CancellationTokenSource(TimeSpan.FromSeconds(50)))
        {
            (await h.Provisioner.ProvisionAsync(warm, cancellationToken: setUp.Token)).Rule.Should().Be("dollars");
        }

        var ana = h.Fake.AddContact("Ana", "$mith", "ana@example.org");
        h.Fake.AddWebsite(ana, "https://ana.example.org/", websiteTypeId: 2);
        var before = h.Fake.Requests.Count;
        var websitesBefore = h.Fake.CallCount("Website", "get");

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(50));
        var outcome = await h.Provisioner.ProvisionAsync(ana, cancellationToken: timeout.Token);

        outcome.Kind.Should().Be(OutcomeKind.Created);
        outcome.Rule.Should().Be("dollars");
        _cms.Accounts.Should().Contain(a => a.Email == "ana@example.org").Which.Username.Should().StartWith("ana.").And.Contain("example", "the username is made with the website");
        (h.Fake.CallCount("Website", "get") - websitesBefore).Should().Be(1, "the saved search's own test needs no websites: the read beside the contact's brought them");
        (h.Fake.Requests.Count - before).Should().Be(SavedSearchOnDemandWarm, string.Join(", ", h.Fake.Requests.Skip(before).Select(r => r.Entity + "." + r.Action)));
    }

    [Fact]
    public async Task A_run_whose_patterns_use_no_website_token_sends_no_Website_get()
    {
        using var h = new CiviHarness(engine: o => o.Rules.Add(new ProvisioningRule { Name = "members", Trigger = TriggerDefinition.Group("members") }), cms: new FakeCmsAccountProvider());
        var members = h.Fake.AddGroup("members");
        var ana = h.Fake.AddContact("Ana", "Lima", "ana@example.org");
        h.Fake.AddWebsite(ana, "https://ana.example.org/");
        h.Fake.AddToGroup(members, [ana]);

        (await h.Provisioner.RunOnceAsync()).Count(OutcomeKind.Created).Should().Be(1);

        h.Fake.CallCount("Website", "get").Should().Be(0);
    }

    public static TheoryData<string, int, string?, string?, FailureKind, string> Failures() => new()
    {
        { "CiviCRM refuses the read (500, error_message)", 500, """{"error_code":0,"error_message":"Invalid value for contact_id","status":500}""", "application/json", FailureKind.Permanent, CmsUserErrorCodes.CiviCrmError },
        { "CiviCRM is unavailable (503)", 503, null, null, FailureKind.Transient, CmsUserErrorCodes.CiviCrmUnavailable },
        // The same URL answered the page's Contact.get a moment before: the page is the site failing for a moment.
        { "an HTML page with status 200", 200, "<!DOCTYPE html><html><body>Hello</body></html>", "text/html; charset=UTF-8", FailureKind.Transient, CmsUserErrorCodes.CiviCrmUnavailable },
        { "a row without its contact", 200, """{"values":[{"id":3,"url":"https://x.example.org/"}],"entity":"Website","action":"get","version":4,"count":1,"countFetched":1}""", "application/json; charset=UTF-8", FailureKind.Permanent, CmsUserErrorCodes.CiviCrmError },
        { "JSON cut short", 0, null, null, FailureKind.Transient, CmsUserErrorCodes.CiviCrmUnavailable },
    };

    [Theory]
    [MemberData(nameof(Failures))]
    public async Task A_failed_Website_get_fails_its_page_contacts_with_a_typed_error_and_the_run_goes_on(string why, int status, string? body, string? contentType, FailureKind kind, string code)
    {
        var ana = _h.Fake.AddContact("Ana", "Lima", "ana@example.org");
        _h.Fake.AddWebsite(ana, "https://ana.example.org/");
        var bea = _h.Fake.AddContact("Bea", "Souza", "bea@example.org");
        _h.Fake.AddToGroup(_members, [ana, bea]);
        _h.Fake.FaultWhere = r => r.Mentions("Website/get") ? status == 0 ? FakeFault.MalformedBody : FakeFault.Status(status, body, contentType) : null;

        var summary = await _h.Provisioner.RunOnceAsync();

        summary.StopKind.Should().Be(RunStopKind.None, why);
        summary.Count(OutcomeKind.Created).Should().Be(0);
        summary.Failures.Should().HaveCount(2).And.OnlyContain(o => o.Error!.Kind == kind && o.Error.Code == code, why);
        _cms.Accounts.Should().BeEmpty("no username is made without the website");
        _h.Fake.GroupStatus(_members, ana).Should().Be("Added", "the contact stays for the next run");
        var failed = _h.Fake.Activities.Where(a => a.Status == "Failed").ToArray();
        if (kind == FailureKind.Transient)
        {
            failed.Should().BeEmpty("a transient failure records nothing");
        }
        else
        {
            failed.Should().HaveCount(2, "a permanent failure is a counted attempt");
        }

        // Healed: the next run reads the websites and creates both accounts.
        _h.Fake.FaultWhere = null;
        (await _h.Provisioner.RunOnceAsync()).Count(OutcomeKind.Created).Should().Be(2, why);
        _cms.Accounts.Single(a => a.Email == "ana@example.org").Fields["field_site"].Should().Be("https://ana.example.org/");
    }

    [Fact]
    public async Task A_contact_the_run_would_not_name_anyway_is_not_held_up_by_a_failed_Website_get()
    {
        var noEmail = _h.Fake.AddContact("Nil", "Mail", null);
        var linked = _h.Fake.AddContact("Lin", "Ked", "lin@example.org");
        _h.Fake.AddLink(linked, _cms.AddAccount("lin", "lin@example.org").Id, "lin@example.org");
        _h.Fake.AddToGroup(_members, [noEmail, linked]);
        _h.Fake.FaultWhere = r => r.Mentions("Website/get") ? FakeFault.Status(503) : null;

        var summary = await _h.Provisioner.RunOnceAsync();

        summary.Count(OutcomeKind.GaveUp).Should().Be(1, "a contact without an email gives up whatever its website");
        summary.Count(OutcomeKind.AlreadyLinked).Should().Be(1, "a linked contact needs no username");
        summary.Failures.Should().ContainSingle().Which.Error!.Code.Should().Be(CmsUserErrorCodes.NoEmail);
    }

    [Fact]
    public async Task A_Website_get_the_API_user_may_not_run_stops_the_run_as_a_configuration_error()
    {
        var ana = _h.Fake.AddContact("Ana", "Lima", "ana@example.org");
        _h.Fake.AddToGroup(_members, [ana]);
        _h.Fake.FaultWhere = r => r.Mentions("Website/get") ? FakeFault.Status(403, """{"error_code":0,"error_message":"Authorization failed: CiviCRM APIv4 (Website::get)","status":403}""") : null;

        var summary = await _h.Provisioner.RunOnceAsync();

        summary.StopKind.Should().Be(RunStopKind.Configuration);
        _cms.Accounts.Should().BeEmpty();
        _h.Fake.Activities.Should().NotContain(a => a.Status == "Failed");
    }

    [Fact]
    public async Task A_plan_says_why_a_contact_cannot_be_named_when_the_Website_get_fails()
    {
        var ana = _h.Fake.AddContact("Ana", "Lima", "ana@example.org");
        _h.Fake.AddToGroup(_members, [ana]);
        _h.Fake.FaultWhere = r => r.Mentions("Website/get") ? FakeFault.Status(503) : null;

        var plan = new List<PlanEntry>();
        await foreach (var planned in _h.Provisioner.PlanAsync())
        {
            plan.Add(planned);
        }

        var entry = plan.Should().ContainSingle().Which;
        entry.Conflict.Should().StartWith(CmsUserErrorCodes.CiviCrmUnavailable);
        entry.Username.Should().BeNull();
        _cms.Accounts.Should().BeEmpty();
    }
}
