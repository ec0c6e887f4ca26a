using Skvare.CmsUser.CiviCrm.Api;

namespace Skvare.CmsUser.CiviCrm.Tests;

public sealed class TriggerTests : IDisposable
{
    private readonly CiviHarness _h = new();

    public void Dispose() => _h.Dispose();

    private async Task<List<Contact>> ReadAllAsync(ITriggerSource source, int pageSize = 100)
    {
        var all = new List<Contact>();
        await foreach (var page in source.ReadPendingAsync(pageSize))
        {
            all.AddRange(page);
        }

        return all;
    }

    [Fact]
    public async Task Group_members_come_with_names_email_language_and_links_in_one_call_per_page()
    {
        var group = _h.Fake.AddGroup("members");
        var ana = _h.Fake.AddContact("Ana", "Lima", "ana@example.org", r => r["preferred_language"] = "pt_BR");
        var bea = _h.Fake.AddContact("Bea", "Costa", "bea@example.org", emailOnHold: true);
        var none = _h.Fake.AddContact("No", "Email", null);
        var gone = _h.Fake.AddContact("Gone", "Away", "gone@example.org", r => r["is_deleted"] = true);
        var dead = _h.Fake.AddContact("Late", "Member", "late@example.org", r => r["is_deceased"] = true);
        _h.Fake.AddToGroup(group, [ana, bea, none, gone, dead]);
        _h.Fake.AddLink(bea, 77, "bea@example.org");
        _h.Fake.AddLink(ana, 88, "ana@example.org", domainId: 2);

        var contacts = await ReadAllAsync(_h.Triggers.Create(new TriggerSourceContext { Trigger = TriggerDefinition.Group("members") }));

        contacts.Select(c => c.Id).Should().Equal(ana, bea, none);
        var a = contacts[0];
        a.FirstName.Should().Be("Ana");
        a.Email.Should().Be("ana@example.org");
        a.PreferredLanguage.Should().Be("pt_BR");
        a.CurrentDomainLink.Should().BeNull();
        a.Links.Should().ContainSingle().Which.Should().Be(new AccountLink(ana, 88, "ana@example.org", IsCurrentDomain: false));
        contacts[1].EmailOnHold.Should().BeTrue();
        contacts[1].CurrentDomainLink.Should().Be(new AccountLink(bea, 77, "bea@example.org"));
        contacts[2].Email.Should().BeNull();
        _h.Fake.CallCount("Contact", "get").Should().Be(2, "one identity check and one page");
        _h.Fake.CallCount("UFMatch", "get").Should().Be(1, "other-domain links: one call per page");
    }

    [Fact]
    public async Task One_pending_contact_comes_with_its_other_domain_links_and_join_date_in_one_request()
    {
        var group = _h.Fake.AddGroup("members");
        var ana = _h.Fake.AddContact("Ana", "Lima", "ana@example.org");
        var bea = _h.Fake.AddContact("Bea", "Costa", "bea@example.org");
        _h.Fake.AddToGroup(group, [ana, bea]);
        _h.Fake.AddLink(ana, 88, "ana@example.org", domainId: 2);
        var source = _h.Triggers.Create(new TriggerSourceContext { Trigger = TriggerDefinition.Group("members") });
        var paged = (await ReadAllAsync(source)).Single(c => c.Id == ana);
        await _h.Client.GetIdentityAsync();
        var before = _h.Fake.Requests.Count;

        var found = await source.FindPendingAsync(ana);

        _h.Fake.Requests.Count.Should().Be(before + 1);
        found.Should().NotBeNull();
        found!.Links.Should().ContainSingle().Which.Should().Be(new AccountLink(ana, 88, "ana@example.org", IsCurrentDomain: false));
        found.TriggeredAt.Should().NotBeNull().And.Be(paged.TriggeredAt, "the chained join date is the one the page read finds");
        (await source.FindPendingAsync(bea))!.Links.Should().BeEmpty();
    }

    [Fact]
    public async Task Groups_and_tags_can_be_named_by_id_or_name()
    {
        var group = _h.Fake.AddGroup("members", "Website members");
        var tag = _h.Fake.AddTag("needs_login");
        var ana = _h.Fake.AddContact("Ana", "Lima", "ana@example.org");
        _h.Fake.AddToGroup(group, [ana]);
        _h.Fake.TagContacts(tag, [ana]);

        foreach (var trigger in new[] { TriggerDefinition.Group(group.ToString(System.Globalization.CultureInfo.InvariantCulture)), TriggerDefinition.Group("Website members"), TriggerDefinition.Tag("needs_login"), TriggerDefinition.Tag(tag.ToString(System.Globalization.CultureInfo.InvariantCulture)) })
        {
            (await ReadAllAsync(_h.Triggers.Create(new TriggerSourceContext { Trigger = trigger }))).Should().ContainSingle().Which.Id.Should().Be(ana, trigger.ToString());
        }
    }

    [Fact]
    public async Task Unknown_group_is_a_configuration_error_naming_the_reference()
    {
        var act = () => ReadAllAsync(_h.Triggers.Create(new TriggerSourceContext { Trigger = TriggerDefinition.Group("nope") }));

        var ex = (await act.Should().ThrowAsync<CiviCrmApiException>()).Which;
        ex.Kind.Should().Be(FailureKind.Configuration);
        ex.Message.Should().Contain("'nope'");
    }

    [Fact]
    public async Task Keyset_paging_loses_no_contact_while_each_page_leaves_the_group()
    {
        var group = _h.Fake.AddGroup("members");
        var ids = Enumerable.Range(0, 1000).Select(i => _h.Fake.AddContact("P", "N" + i, $"p{i}@example.org")).ToArray();
        _h.Fake.AddToGroup(group, ids);
        var source = _h.Triggers.Create(new TriggerSourceContext { Trigger = TriggerDefinition.Group("members"), History = TriggerDefinition.Group("members") });

        var seen = new List<long>();
        await foreach (var page in source.ReadPendingAsync(100))
        {
            seen.AddRange(page.Select(c => c.Id));
            await source.AcknowledgeAsync(page.Select(c => new TriggerAcknowledgement(c.Id, TriggerDisposition.GaveUp)).ToArray());
        }

        seen.Should().Equal(ids);
        ids.Should().OnlyContain(id => _h.Fake.GroupStatus(group, id) == "Removed");
        _h.Fake.CallCount("GroupContact", "save").Should().Be(10);
    }

    [Fact]
    public async Task Smart_group_member_set_to_Removed_is_excluded_even_while_the_cache_still_lists_it()
    {
        _h.Fake.SmartGroupCacheLag = true;
        _h.Fake.AddSmartGroup("volunteers", c => (c["last_name"] as string)?.StartsWith('V') == true);
        var val = _h.Fake.AddContact("Val", "Vega", "val@example.org");
        var vic = _h.Fake.AddContact("Vic", "Vale", "vic@example.org");
        _h.Fake.AddContact("Ana", "Lima", "ana@example.org");
        var source = _h.Triggers.Create(new TriggerSourceContext { Trigger = TriggerDefinition.Group("volunteers") });

        (await ReadAllAsync(source)).Select(c => c.Id).Should().Equal(val, vic);
        await source.AcknowledgeAsync([new TriggerAcknowledgement(val, TriggerDisposition.Completed)]);

        var groupId = _h.Fake.Store.Rows("Group").Single(g => (string?)g["name"] == "volunteers")["id"];
        _h.Fake.GroupStatus((long)groupId!, val).Should().Be("Removed", "a Removed row is the only way to take a contact out of a smart group");
        (await ReadAllAsync(source)).Select(c => c.Id).Should().Equal(vic);
    }

    [Fact]
    public async Task Tag_trigger_removes_the_tag_and_adds_the_history_tag_in_bulk()
    {
        var tag = _h.Fake.AddTag("needs_login");
        var history = _h.Fake.AddTag("has_login");
        var ids = Enumerable.Range(0, 5).Select(i => _h.Fake.AddContact("P", "N" + i, $"p{i}@example.org")).ToArray();
        _h.Fake.TagContacts(tag, ids);
        var source = _h.Triggers.Create(new TriggerSourceContext { Trigger = TriggerDefinition.Tag("needs_login"), History = TriggerDefinition.Tag("has_login") });

        await source.AcknowledgeAsync([.. ids.Take(3).Select(i => new TriggerAcknowledgement(i, TriggerDisposition.Completed)), new TriggerAcknowledgement(ids[3], TriggerDisposition.GaveUp)]);

        ids.Take(4).Should().OnlyContain(i => !_h.Fake.HasTag(tag, i));
        _h.Fake.HasTag(tag, ids[4]).Should().BeTrue();
        ids.Take(3).Should().OnlyContain(i => _h.Fake.HasTag(history, i));
        _h.Fake.HasTag(history, ids[3]).Should().BeFalse("gave-up contacts get no history");
        _h.Fake.Requests.Where(r => r.Entity is "EntityTag" or "GroupContact").Should().BeEmpty("both writes ride on one request");
        _h.Fake.Requests.Count(r => r.Entity == "Contact" && r.Action == "get").Should().Be(1, "one request carries both writes");
    }

    [Fact]
    public async Task Group_trigger_removal_and_history_add_are_one_save()
    {
        var group = _h.Fake.AddGroup("members");
        var done = _h.Fake.AddGroup("done");
        var ids = Enumerable.Range(0, 4).Select(i => _h.Fake.AddContact("P", "N" + i, $"p{i}@example.org")).ToArray();
        _h.Fake.AddToGroup(group, ids);
        var source = _h.Triggers.Create(new TriggerSourceContext { Trigger = TriggerDefinition.Group("members"), History = TriggerDefinition.Group("done") });

        await source.AcknowledgeAsync([.. ids.Take(2).Select(i => new TriggerAcknowledgement(i, TriggerDisposition.Completed)), new TriggerAcknowledgement(ids[2], TriggerDisposition.GaveUp)]);

        ids.Take(3).Should().OnlyContain(i => _h.Fake.GroupStatus(group, i) == "Removed");
        _h.Fake.GroupStatus(group, ids[3]).Should().Be("Added");
        ids.Take(2).Should().OnlyContain(i => _h.Fake.GroupStatus(done, i) == "Added");
        _h.Fake.GroupStatus(done, ids[2]).Should().BeNull();
        _h.Fake.CallCount("GroupContact", "save").Should().Be(1);
    }

    [Fact]
    public async Task History_group_join_is_idempotent()
    {
        var group = _h.Fake.AddGroup("members");
        var done = _h.Fake.AddGroup("done");
        var ana = _h.Fake.AddContact("Ana", "Lima", "ana@example.org");
        _h.Fake.AddToGroup(group, [ana]);
        _h.Fake.AddToGroup(done, [ana], "Removed");
        var source = _h.Triggers.Create(new TriggerSourceContext { Trigger = TriggerDefinition.Group("members"), History = TriggerDefinition.Group("done") });

        await source.AcknowledgeAsync([new TriggerAcknowledgement(ana, TriggerDisposition.Completed)]);
        await source.AcknowledgeAsync([new TriggerAcknowledgement(ana, TriggerDisposition.Completed)]);

        _h.Fake.GroupStatus(done, ana).Should().Be("Added");
        _h.Fake.Store.Rows("GroupContact").Count(r => Equals(r["group_id"], done)).Should().Be(1);
    }

    [Fact]
    public async Task Saved_search_trigger_runs_its_where_and_skips_contacts_already_linked()
    {
        _h.Fake.AddSavedSearch("new_members", "[[\"last_name\",\"LIKE\",\"L%\"]]");
        var ana = _h.Fake.AddContact("Ana", "Lima", "ana@example.org");
        var leo = _h.Fake.AddContact("Leo", "Lopes", "leo@example.org");
        _h.Fake.AddContact("Bea", "Costa", "bea@example.org");
        _h.Fake.AddLink(leo, 5, "leo@example.org");

        var contacts = await ReadAllAsync(_h.Triggers.Create(new TriggerSourceContext { Trigger = TriggerDefinition.SavedSearch("new_members") }));

        contacts.Select(c => c.Id).Should().Equal(ana);
    }

    [Fact]
    public async Task A_vanished_UFMatch_join_is_detected_instead_of_treating_links_as_absent()
    {
        var group = _h.Fake.AddGroup("members");
        var ana = _h.Fake.AddContact("Ana", "Lima", "ana@example.org");
        _h.Fake.AddToGroup(group, [ana]);
        _h.Fake.AddLink(ana, 5, "ana@example.org");
        await _h.Client.GetIdentityAsync();
        _h.Fake.AdministerCiviCrm = false;

        var act = () => ReadAllAsync(_h.Triggers.Create(new TriggerSourceContext { Trigger = TriggerDefinition.Group("members") }));

        (await act.Should().ThrowAsync<CiviCrmApiException>()).Which.Message.Should().Contain("administer CiviCRM");
    }

    [Fact]
    public async Task FindPending_finds_a_member_and_not_a_stranger()
    {
        var group = _h.Fake.AddGroup("members");
        var ana = _h.Fake.AddContact("Ana", "Lima", "ana@example.org");
        var bea = _h.Fake.AddContact("Bea", "Costa", "bea@example.org");
        _h.Fake.AddToGroup(group, [ana]);
        var source = _h.Triggers.Create(new TriggerSourceContext { Trigger = TriggerDefinition.Group("members") });

        (await source.FindPendingAsync(ana))!.Email.Should().Be("ana@example.org");
        (await source.FindPendingAsync(bea)).Should().BeNull();
        var directory = (IContactDirectory)_h.Triggers;
        (await directory.GetContactsAsync([bea], [])).Should().ContainSingle().Which.LastName.Should().Be("Costa");
    }

    [Fact]
    public async Task Extra_custom_fields_are_read_into_Fields()
    {
        var group = _h.Fake.AddGroup("members");
        var ana = _h.Fake.AddContact("Ana", "Lima", "ana@example.org", r => r["external_identifier"] = "EXT-9");
        _h.Fake.AddToGroup(group, [ana]);

        var contact = (await ReadAllAsync(_h.Triggers.Create(new TriggerSourceContext { Trigger = TriggerDefinition.Group("members"), ExtraFields = ["external_identifier"] }))).Single();

        contact.Fields["external_identifier"].Should().Be("EXT-9");
        contact.ExternalIdentifier.Should().Be("EXT-9");
    }
}
