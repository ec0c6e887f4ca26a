using Skvare.CmsUser.CiviCrm.Triggers;

namespace Skvare.CmsUser.CiviCrm.Tests;

/// <summary>
/// <see cref="ITriggerSource.FindPendingAmongAsync"/> on CiviCRM: many contacts' membership in one request per
/// <see cref="CiviCrmTriggerSource.FindPageSize"/> contacts (found in trial19: <c>cmsuser failures</c> asked 614 contacts
/// one request each), each found as the single look-up finds it.
/// </summary>
public sealed class FindPendingAmongTests : IDisposable
{
    private readonly CiviHarness _h = new();

    public void Dispose() => _h.Dispose();

    private static CancellationToken Token() => new CancellationTokenSource(TimeSpan.FromSeconds(50)).Token;

    private async Task<List<Contact>> OneByOneAsync(ITriggerSource source, IEnumerable<long> ids, CancellationToken ct)
    {
        var found = new List<Contact>();
        foreach (var id in ids.Distinct())
        {
            if (await source.FindPendingAsync(id, ct) is { } contact)
            {
                found.Add(contact);
            }
        }

        return found;
    }

    [Theory(Timeout = 120_000)]
    [InlineData("Group", 1_201)]
    [InlineData("Tag", 500)]
    [InlineData("Group", 3)]
    public async Task Many_contacts_are_asked_a_page_a_request_with_their_links_and_join_dates(string kind, int count)
    {
        var ct = Token();
        var members = kind == "Group" ? _h.Fake.AddGroup("members") : _h.Fake.AddTag("members");
        var ids = Enumerable.Range(0, count).Select(i => _h.Fake.AddContact("M", "N" + i, $"m{i}@example.org")).ToArray();
        var pending = ids.Where((_, i) => i % 3 != 1).ToArray();
        if (kind == "Group")
        {
            _h.Fake.AddToGroup(members, pending);
        }
        else
        {
            _h.Fake.TagContacts(members, pending);
        }

        _h.Fake.AddLink(pending[^1], 88, "elsewhere@example.org", domainId: 2);
        var source = _h.Triggers.Create(new TriggerSourceContext { Trigger = kind == "Group" ? TriggerDefinition.Group("members") : TriggerDefinition.Tag("members") });
        await _h.Triggers.PrepareAsync([source.Trigger], ct);
        await _h.Client.GetIdentityAsync(ct);
        await _h.Client.GetSiteTimeZoneAsync(ct);
        var before = _h.Fake.Requests.Count;

        var found = await source.FindPendingAmongAsync([.. ids, .. ids.Take(5), 9_999_999], ct);

        var asked = ids.Length + 1;
        (_h.Fake.Requests.Count - before).Should().Be((asked + CiviCrmTriggerSource.FindPageSize - 1) / CiviCrmTriggerSource.FindPageSize,
            "each page of contacts is one request: the membership read with the links in other domains and the join dates beside it");
        found.Select(c => c.Id).Should().BeEquivalentTo(pending, "the members are found, each once; the others and an unknown id are not");
        found.Single(c => c.Id == pending[^1]).Links.Should().ContainSingle().Which.Should().Be(new AccountLink(pending[^1], 88, "elsewhere@example.org", IsCurrentDomain: false));
        if (kind == "Group")
        {
            found.Should().OnlyContain(c => c.TriggeredAt != null, "a group trigger's contacts come with the date they joined it");
        }

        var sample = pending.Take(3).Append(pending[^1]).ToArray();
        found.Where(c => sample.Contains(c.Id)).Should().BeEquivalentTo(await OneByOneAsync(source, sample, ct), "each is found as the single look-up finds it");
    }

    [Fact(Timeout = 60_000)]
    public async Task No_ids_ask_nothing()
    {
        var ct = Token();
        _h.Fake.AddGroup("members");
        var source = _h.Triggers.Create(new TriggerSourceContext { Trigger = TriggerDefinition.Group("members") });
        var before = _h.Fake.Requests.Count;

        var found = await source.FindPendingAmongAsync([], ct);
        var negative = await source.FindPendingAmongAsync([0, -4], ct);

        found.Should().BeEmpty();
        negative.Should().BeEmpty();
        _h.Fake.Requests.Count.Should().Be(before);
        await FluentActions.Awaiting(() => source.FindPendingAmongAsync(null!, ct)).Should().ThrowAsync<ArgumentNullException>();
    }

    [Fact(Timeout = 60_000)]
    public async Task A_saved_search_whose_condition_holds_a_dollar_text_is_not_read_on_a_chain()
    {
        // A chain would read "$id" as the carrier row's id (CiviCRM replaces such texts in a chained call).
        var ct = Token();
        var dollar = _h.Fake.AddContact("Dollar", "Nick", "d@example.org", r => r["nick_name"] = "$id");
        _h.Fake.AddContact("Other", "Nick", "o@example.org", r => r["nick_name"] = "other");
        _h.Fake.AddLink(dollar, 91, "d@example.org", domainId: 2);
        _h.Fake.AddSavedSearch("dollar", """[["nick_name","=","$id"]]""");
        var source = _h.Triggers.Create(new TriggerSourceContext { Trigger = TriggerDefinition.SavedSearch("dollar") });
        var ids = new[] { dollar, _h.Fake.ApiContactId, dollar + 1 };

        var found = await source.FindPendingAmongAsync(ids, ct);

        found.Should().BeEquivalentTo(await OneByOneAsync(source, ids, ct));
        found.Should().ContainSingle().Which.Id.Should().Be(dollar);
        found[0].Links.Should().ContainSingle().Which.CmsUserId.Should().Be(91);
    }

    [Fact(Timeout = 60_000)]
    public async Task A_saved_search_whose_join_repeats_contacts_still_finds_every_one()
    {
        // Each contact in two groups: the search's own join gives it two rows, so the page's limit fills before every
        // contact came; the rest is read on by id.
        var ct = Token();
        var g1 = _h.Fake.AddGroup("one");
        var g2 = _h.Fake.AddGroup("two");
        var ids = Enumerable.Range(0, 3).Select(i => _h.Fake.AddContact("J", "Joined", $"j{i}@example.org")).ToArray();
        _h.Fake.AddToGroup(g1, ids);
        _h.Fake.AddToGroup(g2, ids);
        _h.Fake.AddSavedSearch("joined", "Contact", """{"version":4,"select":["id"],"join":[["GroupContact AS gc","INNER",["gc.contact_id","=","id"]]],"where":[["last_name","=","Joined"]]}""");
        var source = _h.Triggers.Create(new TriggerSourceContext { Trigger = TriggerDefinition.SavedSearch("joined") });
        await _h.Triggers.PrepareAsync([source.Trigger], ct);
        await _h.Client.GetIdentityAsync(ct);
        var before = _h.Fake.Requests.Count;

        var found = await source.FindPendingAmongAsync(ids, ct);

        _h.Fake.Requests.Skip(before).Should().HaveCount(2, "the page (with the links beside it) filled its limit with repeated rows, and the rest was read on by id");
        found.Select(c => c.Id).Should().BeEquivalentTo(ids);
        found.Should().BeEquivalentTo(await OneByOneAsync(source, ids, ct));
    }
}
