using Skvare.CmsUser.Testing.InMemory;

namespace Skvare.CmsUser.CiviCrm.Tests;

/// <summary>The engine, the CiviCRM package over HTTP against the fake CiviCRM, and an in-memory CMS whose CiviCRM plugin links new users by itself.</summary>
public sealed class EndToEndTests : IDisposable
{
    private readonly FakeCmsAccountProvider _cms = new();
    private readonly CiviHarness _h;
    private readonly long _members;
    private readonly long _done;
    private readonly long _tag;
    private readonly long _tagDone;

    public EndToEndTests()
    {
        _h = new CiviHarness(engine: o =>
        {
            var members = new ProvisioningRule { Name = "members", Trigger = TriggerDefinition.Group("members"), History = TriggerDefinition.Group("members_done") };
            members.Roles.Add("subscriber");
            var volunteers = new ProvisioningRule { Name = "volunteers", Trigger = TriggerDefinition.Tag("volunteer"), History = TriggerDefinition.Tag("volunteer_done") };
            volunteers.Roles.Add("volunteer");
            o.Rules.Add(members);
            o.Rules.Add(volunteers);
            o.PageSize = 100;
        }, configure: o => o.Http.AttemptTimeout = TimeSpan.FromSeconds(60), cms: _cms);
        _members = _h.Fake.AddGroup("members");
        _done = _h.Fake.AddGroup("members_done");
        _tag = _h.Fake.AddTag("volunteer");
        _tagDone = _h.Fake.AddTag("volunteer_done");
        // Like the CiviCRM plugin inside WordPress: a new CMS user is linked at once.
        _cms.AfterCreate = account => _h.Fake.LinkNewCmsUser(account.Id, account.Email);
    }

    public void Dispose() => _h.Dispose();

    [Fact]
    public async Task A_batch_over_a_group_and_a_tag_leaves_CiviCRM_in_the_expected_state_with_bulk_calls()
    {
        var group = Enumerable.Range(0, 1000).Select(i => _h.Fake.AddContact("Member", $"N{i:D4}", i % 50 == 7 ? null : $"m{i}@example.org")).ToArray();
        var tagged = Enumerable.Range(0, 300).Select(i => _h.Fake.AddContact("Vol", $"T{i:D3}", $"v{i}@example.org")).ToArray();
        _h.Fake.AddToGroup(_members, group);
        _h.Fake.TagContacts(_tag, tagged);
        var noEmail = group.Where((_, i) => i % 50 == 7).ToArray();
        var alreadyLinked = group.Where((_, i) => i % 100 == 3).ToArray();
        foreach (var (id, n) in alreadyLinked.Select((id, n) => (id, n)))
        {
            _h.Fake.AddLink(id, 900_000 + n, $"m{Array.IndexOf(group, id)}@example.org");
        }

        var failing = tagged.Take(5).ToArray();
        foreach (var id in failing)
        {
            _cms.FailCreateFor($"v{Array.IndexOf(tagged, id)}@example.org", () => FakeCmsAccountProvider.Permanent("The CMS refused the data."));
        }

        var first = await _h.Provisioner.RunOnceAsync();

        first.StopReason.Should().BeNull();
        first.Count(OutcomeKind.Created).Should().Be(1000 - noEmail.Length - alreadyLinked.Length + 300 - failing.Length);
        first.Count(OutcomeKind.AlreadyLinked).Should().Be(alreadyLinked.Length);
        first.Count(OutcomeKind.GaveUp).Should().Be(noEmail.Length);
        first.Count(OutcomeKind.Failed).Should().Be(failing.Length);

        // Links: every created account is linked to its contact, none twice (the plugin's links were accepted).
        var links = _h.Fake.Links;
        links.Should().HaveCount(1300 - noEmail.Length - failing.Length);
        links.Select(l => l.ContactId).Should().OnlyHaveUniqueItems();
        foreach (var account in _cms.Accounts)
        {
            links.Should().Contain(l => l.UfId == account.Id && l.UfName == account.Email);
        }

        // Activities: one Completed per created account, one Failed per failure, none for already-linked.
        var activities = _h.Fake.Activities;
        activities.Count(a => a.Status == "Completed").Should().Be(first.Count(OutcomeKind.Created));
        var ana = _cms.Accounts.Single(a => a.Email == "m0@example.org");
        activities.Should().Contain(a => a.Subject == $"Created : member.n0000 ({ana.Id})" && a.Type == "User Account Creation" && a.Targets.Single() == group[0]);
        activities.Where(a => a.Status == "Failed").Select(a => a.Targets.Single()).Should().BeEquivalentTo(noEmail.Concat(failing));

        // Groups and tags: done contacts moved to history; gave-up contacts removed without history; failures stay.
        group.Where(id => !noEmail.Contains(id)).Should().OnlyContain(id => _h.Fake.GroupStatus(_members, id) == "Removed" && _h.Fake.GroupStatus(_done, id) == "Added");
        noEmail.Should().OnlyContain(id => _h.Fake.GroupStatus(_members, id) == "Removed" && _h.Fake.GroupStatus(_done, id) == null);
        tagged.Skip(5).Should().OnlyContain(id => !_h.Fake.HasTag(_tag, id) && _h.Fake.HasTag(_tagDone, id));
        failing.Should().OnlyContain(id => _h.Fake.HasTag(_tag, id) && !_h.Fake.HasTag(_tagDone, id));
        _cms.Accounts.Where(a => a.Email.StartsWith('v')).Should().OnlyContain(a => a.Roles.SequenceEqual(new[] { "volunteer" }));

        // Bulk: a page of 100 costs a fixed handful of CiviCRM calls, never one per contact.
        var pages = 10 + 3;
        // The Scheduled records before the CMS calls with the audit records read after them, then the write-back (links, audit
        // records, trigger changes), each chained onto a one-row Contact.get (docs/architecture.md, "Audit exactly once").
        _h.Fake.CallCount("Activity", "save").Should().Be(0, "the Scheduled records ride on a request that also reads the audit records");
        _h.Fake.CallCount("ActivityContact", "get").Should().Be(0, "attempts are counted in the page's follow-up request");
        _h.Fake.Requests.Count(r => r.Entity == "Contact" && r.Action == "get" && r.ParamsJson!.Contains("\"failed\":[\"ActivityContact\",\"get\"", StringComparison.Ordinal)).Should().Be(pages, "attempts counted, one chained read a page");
        _h.Fake.CallCount("UFMatch", "save").Should().Be(0, "the plugin linked every new user: no link is written");
        _h.Fake.CallCount("GroupContact", "save").Should().Be(0, "trigger removal and history add ride on the page's one write");
        _h.Fake.CallCount("EntityTag", "delete").Should().Be(0);
        _h.Fake.Requests.Count(r => r.Entity == "Contact" && r.Action == "get" && r.ParamsJson!.Contains("\"activities\":[\"Activity\",\"save\"", StringComparison.Ordinal)).Should().Be(pages, "one chained write a page");
        _h.Fake.Requests.Count.Should().BeLessThan(pages * 7 + 20);

        // Three more runs: the failing contacts give up on their 4th counted failure and leave the tag.
        for (var run = 2; run <= 4; run++)
        {
            var summary = await _h.Provisioner.RunOnceAsync();
            summary.Total.Should().Be(failing.Length);
            summary.Count(run < 4 ? OutcomeKind.Failed : OutcomeKind.GaveUp).Should().Be(failing.Length);
        }

        failing.Should().OnlyContain(id => !_h.Fake.HasTag(_tag, id) && !_h.Fake.HasTag(_tagDone, id));
        _h.Fake.Activities.Count(a => a.Status == "Failed" && failing.Contains(a.Targets.Single())).Should().Be(4 * failing.Length);
        (await _h.Provisioner.RunOnceAsync()).Total.Should().Be(0);
    }

    [Fact]
    public async Task On_demand_provisioning_over_CiviCRM_links_the_contact_the_plugin_may_have_duplicated()
    {
        var ana = _h.Fake.AddContact("Ana", "Lima", "ana@example.org");
        _h.Fake.AddToGroup(_members, [ana]);
        // This CMS's plugin makes a new contact for every user (e.g. the dedupe rule did not match).
        _cms.AfterCreate = account => _h.Fake.LinkNewCmsUser(account.Id, "cms-" + account.Email);

        var outcome = await _h.Provisioner.ProvisionAsync(ana);

        outcome.Kind.Should().Be(OutcomeKind.Created);
        _h.Fake.Links.Should().ContainSingle().Which.ContactId.Should().Be(ana, "the link made by the plugin was repaired to point at the intended contact");
        _h.Fake.GroupStatus(_done, ana).Should().Be("Added");
    }

    [Fact]
    public async Task Dry_run_over_CiviCRM_writes_nothing()
    {
        var ana = _h.Fake.AddContact("Ana", "Lima", "ana@example.org");
        _h.Fake.AddToGroup(_members, [ana]);
        var before = _h.Fake.Requests.Count;

        var plan = new List<PlanEntry>();
        await foreach (var entry in _h.Provisioner.PlanAsync())
        {
            plan.Add(entry);
        }

        plan.Should().ContainSingle().Which.Should().Match<PlanEntry>(p => p.Action == PlannedAction.Create && p.Username == "ana.lima");
        _h.Fake.Requests.Skip(before).Should().OnlyContain(r => r.Action == "get");
        _cms.Accounts.Should().BeEmpty();
    }
}
