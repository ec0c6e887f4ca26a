using Microsoft.Extensions.DependencyInjection;

namespace Skvare.CmsUser.CiviCrm.Tests;

/// <summary>
/// A cold batch's first read goes with the set-up: the first page is chained onto the trigger's own look-up
/// (<c>$id</c>, the link join on <c>'current_domain'</c>) and used only once the set-up resolved the trigger to the same
/// row (and rows: an access rule's history target, a deprovisioning pass's sets, joined onto the look-up; a saved search's
/// own conditions). These hold it to the read by id (the same contacts, links and pages), show when it is not used (a
/// settled trigger, a read that needs another saved search, a search with joins), and that a page read for a row the
/// set-up did not resolve is read again.
/// </summary>
public sealed class FirstReadTests
{
    private static CancellationToken Token() => new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token;

    [Fact(Timeout = 60_000)]
    public async Task The_early_first_page_lists_what_the_read_by_id_lists_for_groups_smart_groups_and_tags()
    {
        var ct = Token();
        using var h = new CiviHarness();
        var group = h.Fake.AddGroup("members");
        var smart = h.Fake.AddSmartGroup("smart", c => Equals(c.GetValueOrDefault("last_name"), "Smart"));
        var tag = h.Fake.AddTag("premium");
        var ids = Enumerable.Range(0, 7).Select(i => h.Fake.AddContact("C" + i, i < 5 ? "Group" : "Smart", $"c{i}@example.org", c => c["is_deleted"] = i == 3)).ToArray();
        h.Fake.AddToGroup(group, [ids[0], ids[1], ids[3], ids[4]]);
        h.Fake.AddToGroup(group, [ids[2]], "Removed");
        h.Fake.AddToGroup(smart, [ids[6]], "Removed");
        h.Fake.TagContacts(tag, [ids[0], ids[5]]);
        h.Fake.AddLink(ids[1], 901, "c1@example.org");
        h.Fake.AddLink(ids[4], 902, "c4@example.org", domainId: 7);

        foreach (var (trigger, pageSize) in new[] { (TriggerDefinition.Group("members"), 2), (TriggerDefinition.Group("smart"), 10), (TriggerDefinition.Tag("premium"), 1) })
        {
            var early = await ReadColdAsync(trigger, pageSize, ct);
            var byId = await ReadByIdAsync(h, trigger, pageSize, ct);
            early.Select(Describe).Should().Equal(byId.Select(Describe), trigger.ToString());
        }

        (await ReadColdAsync(TriggerDefinition.Group("members"), 2, ct)).Select(p => string.Join(",", p.Select(c => c.Id))).Should().Equal(
            [$"{ids[0]},{ids[1]}", $"{ids[4]}"], "Removed and deleted members are not read; the second page is read by id after the first");
        (await ReadColdAsync(TriggerDefinition.Group("smart"), 10, ct)).SelectMany(p => p).Select(c => c.Id).Should().Equal([ids[5]], "a smart-group member taken out by hand is not read");

        async Task<List<IReadOnlyList<Contact>>> ReadColdAsync(TriggerDefinition trigger, int pageSize, CancellationToken token)
        {
            // A new process: a new factory over the same site, its set-up not settled when the read starts.
            using var cold = new CiviHarness(o => { o.BaseUrl = h.Fake.Url; o.ApiKey = h.Fake.ApiKey; });
            var before = h.Fake.Requests.Count;
            var pages = await ReadPreparedAsync(cold, trigger, pageSize, setUp: true, token);
            var sent = h.Fake.Requests.Skip(before).ToArray();
            sent.Should().Contain(r => r.Entity == (trigger.Kind == TriggerKind.Tag ? "Tag" : "Group") && r.ParamsJson!.Contains("\"page\":[\"Contact\",\"get\"", StringComparison.Ordinal),
                "the first page goes chained onto the trigger's look-up");
            sent.Count(r => r.Entity == "Contact" && r.Action == "get" && (r.ParamsJson!.Contains("\"groups\"", StringComparison.Ordinal) || r.ParamsJson.Contains("\"tags\"", StringComparison.Ordinal)))
                .Should().Be(pages.Count - 1 + (pages.Count > 0 && pages[^1].Count == pageSize ? 1 : 0), "only the pages after the first are read on their own");
            return pages;
        }
    }

    [Fact(Timeout = 60_000)]
    public async Task A_settled_trigger_is_read_by_id_without_a_look_up()
    {
        var ct = Token();
        using var h = new CiviHarness();
        var group = h.Fake.AddGroup("members");
        h.Fake.AddToGroup(group, [h.Fake.AddContact("A", "B", "a@example.org")]);
        await h.Triggers.PrepareAsync([TriggerDefinition.Group("members")], ct);
        var before = h.Fake.Requests.Count;

        var pages = await ReadPreparedAsync(h, TriggerDefinition.Group("members"), 10, setUp: false, ct);

        pages.SelectMany(p => p).Should().ContainSingle();
        h.Fake.Requests.Skip(before).Should().NotContain(r => r.Entity == "Group", "the trigger is resolved: no look-up, the page is read by id");
    }

    [Fact(Timeout = 60_000)]
    public async Task Access_rules_and_deprovisioning_passes_read_their_first_page_with_the_other_sets_joined_onto_the_look_up()
    {
        var ct = Token();
        using var h = new CiviHarness();
        var access = h.Fake.AddGroup("access");
        var done = h.Fake.AddGroup("access_done", "Access done");
        var doneTag = h.Fake.AddTag("access_done_tag");
        var lapsed = h.Fake.AddGroup("lapsed");
        var ids = Enumerable.Range(0, 6).Select(i => h.Fake.AddContact("C" + i, "Access", $"c{i}@example.org")).ToArray();
        h.Fake.AddToGroup(access, [ids[0], ids[1], ids[2], ids[3]]);
        h.Fake.AddToGroup(done, [ids[1], ids[4], ids[5]]);
        h.Fake.AddToGroup(access, [ids[4]], "Removed");
        h.Fake.TagContacts(doneTag, [ids[2]]);
        h.Fake.AddToGroup(lapsed, [ids[5]]);
        h.Fake.AddLink(ids[5], 905, "c5@example.org");

        var cases = new (string Name, TriggerSourceContext Context, long[] Pending)[]
        {
            // An access rule keeps its members: pending are those not in the history target (named by title, or a tag by id).
            ("access rule", new() { Trigger = TriggerDefinition.Group("access"), History = TriggerDefinition.Group("Access done"), KeepMembers = true }, [ids[0], ids[2], ids[3]]),
            ("access rule, tag history", new() { Trigger = TriggerDefinition.Group("access"), History = TriggerDefinition.Tag(doneTag.ToString(System.Globalization.CultureInfo.InvariantCulture)), KeepMembers = true }, [ids[0], ids[1], ids[3]]),
            // Deprovisioning: members of the history target that left the trigger, or that are in the revoked set.
            ("left the trigger", new() { Trigger = TriggerDefinition.Group("access_done"), RequireNotIn = TriggerDefinition.Group("access"), Purpose = ActivityKind.AccountBlocked }, [ids[4], ids[5]]),
            ("revoked", new() { Trigger = TriggerDefinition.Group("access_done"), RequireIn = TriggerDefinition.Group("lapsed"), Purpose = ActivityKind.AccountBlocked }, [ids[5]]),
        };
        foreach (var (name, context, pending) in cases)
        {
            // A new process: a new factory over the same site, its set-up not settled when the read starts.
            using var cold = new CiviHarness(o => { o.BaseUrl = h.Fake.Url; o.ApiKey = h.Fake.ApiKey; });
            var before = h.Fake.Requests.Count;
            var early = await ReadAsync(cold, context, 2, setUp: true, ct);
            var sent = h.Fake.Requests.Skip(before).ToArray();
            var byId = await ReadByIdAsync(h, context, 2, ct);

            early.Select(Describe).Should().Equal(byId.Select(Describe), name);
            early.SelectMany(p => p).Select(c => c.Id).Should().BeEquivalentTo(pending, name);
            sent.Should().Contain(r => r.Entity == "Group" && r.ParamsJson!.Contains("\"page\":[\"Contact\",\"get\"", StringComparison.Ordinal) && r.ParamsJson.Contains("\"set0.id\"", StringComparison.Ordinal),
                name + ": the first page goes chained onto the trigger's look-up, with the other set joined");
            sent.Count(r => r.Entity == "Contact" && r.Action == "get" && r.ParamsJson!.Contains("\"groups\"", StringComparison.Ordinal))
                .Should().Be(early.Count - 1 + (early.Count > 0 && early[^1].Count == 2 ? 1 : 0), name + ": only the pages after the first are read on their own");
        }
    }

    [Fact(Timeout = 60_000)]
    public async Task A_saved_search_trigger_reads_its_first_page_chained_onto_the_search_with_its_own_conditions()
    {
        var ct = Token();
        using var h = new CiviHarness();
        var ids = Enumerable.Range(0, 5).Select(i => h.Fake.AddContact("C" + i, i < 4 ? "Searched" : "Other", $"c{i}@example.org", c => c["contact_type"] = i == 3 ? "Household" : "Individual")).ToArray();
        h.Fake.AddLink(ids[1], 901, "c1@example.org");
        h.Fake.AddSavedSearch("searched", """[["last_name","=","Searched"]]""");
        h.Fake.AddSavedSearch("searched_people", "Individual", """{"version":4,"select":["id"],"where":[["last_name","=","Searched"]]}""");
        h.Fake.AddSavedSearch("everyone", "[]");

        var cases = new (string Search, long[] Pending)[]
        {
            ("searched", [ids[0], ids[2], ids[3]]),
            // A search on Individuals: the household it would find on Contact is not read.
            ("searched_people", [ids[0], ids[2]]),
            // No conditions: every contact not linked here (the API user's own contact too).
            ("everyone", [h.Fake.ApiContactId, ids[0], ids[2], ids[3], ids[4]]),
        };
        foreach (var (search, pending) in cases)
        {
            var context = new TriggerSourceContext { Trigger = TriggerDefinition.SavedSearch(search) };
            using var cold = new CiviHarness(o => { o.BaseUrl = h.Fake.Url; o.ApiKey = h.Fake.ApiKey; });
            var before = h.Fake.Requests.Count;
            var early = await ReadAsync(cold, context, 2, setUp: true, ct);
            var sent = h.Fake.Requests.Skip(before).ToArray();
            var byId = await ReadByIdAsync(h, context, 2, ct);

            early.Select(Describe).Should().Equal(byId.Select(Describe), search);
            early.SelectMany(p => p).Select(c => c.Id).Should().BeEquivalentTo(pending, search);
            sent.Should().Contain(r => r.Entity == "SavedSearch" && r.ParamsJson!.Contains("$api_params.where", StringComparison.Ordinal) && r.Status == 200, search + ": the first page goes chained onto the search's look-up");
            sent.Count(r => r.Entity == "Contact" && r.Action == "get" && r.ParamsJson!.Contains("uf.uf_id\",\"IS NULL", StringComparison.Ordinal))
                .Should().Be(early.Count - 1 + (early.Count > 0 && early[^1].Count == 2 ? 1 : 0), search + ": only the pages after the first are read on their own");
        }
    }

    [Fact(Timeout = 60_000)]
    public async Task A_saved_search_the_early_page_cannot_run_as_it_is_is_read_after_the_set_up()
    {
        var ct = Token();
        using var h = new CiviHarness();
        var a = h.Fake.AddContact("A", "Searched", "a@example.org");
        h.Fake.AddContact("B", "Other", "b@example.org");
        // A search with a join of its own (the early page does not carry joins): read again once the set-up resolved it.
        h.Fake.AddSavedSearch("joined", "Contact", """{"version":4,"select":["id"],"join":[["Email AS e","LEFT",["e.contact_id","=","id"]]],"where":[["last_name","=","Searched"]]}""");
        // A search on another entity: the early look-up fails, and the set-up's resolution reports it as before.
        h.Fake.AddSavedSearch("activities", "Activity", """{"version":4,"select":["id"],"where":[["subject","=","x"]]}""");

        var pages = await ReadAsync(h, new TriggerSourceContext { Trigger = TriggerDefinition.SavedSearch("joined") }, 10, setUp: true, ct);
        var wrong = () => ReadAsync(h, new TriggerSourceContext { Trigger = TriggerDefinition.SavedSearch("activities") }, 10, setUp: true, ct);

        pages.SelectMany(p => p).Select(c => c.Id).Should().Equal(a);
        h.Fake.Requests.Count(r => r.Entity == "Contact" && r.Action == "get" && r.ParamsJson!.Contains("\"last_name\",\"=\",\"Searched\"", StringComparison.Ordinal))
            .Should().Be(1, "the page is read again with the search's joins once the set-up resolved it");
        (await wrong.Should().ThrowAsync<Skvare.CmsUser.CiviCrm.Api.CiviCrmApiException>()).Which.Kind.Should().Be(FailureKind.Configuration);
    }

    [Fact(Timeout = 60_000)]
    public async Task A_read_that_needs_a_saved_search_besides_the_trigger_waits_for_the_set_up_instead()
    {
        var ct = Token();
        using var h = new CiviHarness();
        var done = h.Fake.AddGroup("done");
        h.Fake.AddSavedSearch("revoked_search", """[["last_name","=","Gone"]]""");
        var gone = h.Fake.AddContact("A", "Gone", "a@example.org");
        h.Fake.AddToGroup(done, [gone, h.Fake.AddContact("B", "Here", "b@example.org")]);
        var context = new TriggerSourceContext { Trigger = TriggerDefinition.Group("done"), RequireIn = TriggerDefinition.SavedSearch("revoked_search"), Purpose = ActivityKind.AccountBlocked };

        var pages = await ReadAsync(h, context, 10, setUp: true, ct);

        pages.SelectMany(p => p).Select(c => c.Id).Should().Equal(gone);
        h.Fake.Requests.Should().NotContain(r => r.ParamsJson != null && r.ParamsJson.Contains("\"page\":[", StringComparison.Ordinal), "the pending test needs the saved search's conditions");
    }

    [Fact(Timeout = 60_000)]
    public async Task A_page_read_for_another_history_group_than_the_set_up_resolved_is_read_again_by_id()
    {
        var ct = Token();
        using var h = new CiviHarness();
        var access = h.Fake.AddGroup("access");
        var oldDone = h.Fake.AddGroup("done");
        var (a, b) = (h.Fake.AddContact("A", "Access", "a@example.org"), h.Fake.AddContact("B", "Access", "b@example.org"));
        h.Fake.AddToGroup(access, [a, b]);
        h.Fake.AddToGroup(oldDone, [a]);
        var context = new TriggerSourceContext { Trigger = TriggerDefinition.Group("access"), History = TriggerDefinition.Group("done"), KeepMembers = true };
        var source = (IPreparingTriggerSource)h.Triggers.Create(context);
        var preparation = new PagePreparation
        {
            Kind = ActivityKind.AccountCreation,
            CountFailuresSince = _ => DateTimeOffset.UtcNow.AddDays(-1),
            Ready = async token =>
            {
                // Between the early look-up and the set-up's: the history group is renamed and another one takes its name.
                var rename = new Skvare.CmsUser.CiviCrm.Api.Api4Params();
                rename.Records.Add(new Dictionary<string, object?> { ["id"] = oldDone, ["name"] = "done_old", ["title"] = "done_old" });
                await h.Client.CallAsync("Group", "save", rename, token);
                h.Fake.AddToGroup(h.Fake.AddGroup("done"), [b]);
                await h.Triggers.PrepareAsync([context.Trigger, context.History!], token);
            },
        };

        var pages = new List<PreparedContactPage>();
        await foreach (var page in source.ReadPreparedAsync(10, preparation, ct))
        {
            pages.Add(page);
        }

        pages.SelectMany(p => p.Contacts).Select(c => c.Id).Should().Equal([a], "pending against the history group the set-up resolved, not the one joined early");
        h.Fake.Requests.Should().Contain(r => r.ParamsJson != null && r.ParamsJson.Contains("\"set0.id\"", StringComparison.Ordinal), "the first page was read early");
    }

    [Fact(Timeout = 60_000)]
    public async Task A_page_read_for_another_row_than_the_set_up_resolved_is_read_again_by_id()
    {
        var ct = Token();
        using var h = new CiviHarness();
        var old = h.Fake.AddGroup("members");
        var oldMember = h.Fake.AddContact("Old", "Member", "old@example.org");
        h.Fake.AddToGroup(old, [oldMember]);
        var newMember = h.Fake.AddContact("New", "Member", "new@example.org");
        var source = (IPreparingTriggerSource)h.Triggers.Create(new TriggerSourceContext { Trigger = TriggerDefinition.Group("members") });
        var preparation = new PagePreparation
        {
            Kind = ActivityKind.AccountCreation,
            CountFailuresSince = _ => DateTimeOffset.UtcNow.AddDays(-1),
            Ready = async token =>
            {
                // Between the early look-up and the set-up's: the group is renamed and another one takes its name.
                var rename = new Skvare.CmsUser.CiviCrm.Api.Api4Params();
                rename.Records.Add(new Dictionary<string, object?> { ["id"] = old, ["name"] = "members_old", ["title"] = "members_old" });
                await h.Client.CallAsync("Group", "save", rename, token);
                h.Fake.AddToGroup(h.Fake.AddGroup("members"), [newMember]);
                await h.Triggers.PrepareAsync([TriggerDefinition.Group("members")], token);
            },
        };

        var pages = new List<PreparedContactPage>();
        await foreach (var page in source.ReadPreparedAsync(10, preparation, ct))
        {
            pages.Add(page);
        }

        pages.SelectMany(p => p.Contacts).Select(c => c.Id).Should().Equal([newMember], "the page of the group the set-up resolved, not the one read early");
    }

    private static string Describe(IReadOnlyList<Contact> page) =>
        string.Join(";", page.Select(c => $"{c.Id}:{c.Email}:{string.Join("/", c.Links.Select(l => $"{l.CmsUserId}{(l.IsCurrentDomain ? "here" : "other")}"))}"));

    private static Task<List<IReadOnlyList<Contact>>> ReadPreparedAsync(CiviHarness h, TriggerDefinition trigger, int pageSize, bool setUp, CancellationToken ct) =>
        ReadAsync(h, new TriggerSourceContext { Trigger = trigger }, pageSize, setUp, ct);

    /// <summary>Reads the prepared pages; with <paramref name="setUp"/>, as the engine does: the set-up's look-up is sent, then the read starts.</summary>
    private static async Task<List<IReadOnlyList<Contact>>> ReadAsync(CiviHarness h, TriggerSourceContext context, int pageSize, bool setUp, CancellationToken ct)
    {
        var source = (IPreparingTriggerSource)h.Triggers.Create(context);
        // The set-up is not settled when the read starts: it starts when the read first waits for it. (Started before the
        // read, as the engine starts it, a loaded machine could finish it before the read looked, and the read would then
        // rightly read by id, which is not what these tests are about.)
        var ready = new Lazy<Task>(() => setUp ? h.Triggers.PrepareAsync(new[] { context.Trigger, context.History, context.RequireIn, context.RequireNotIn }.OfType<TriggerDefinition>().ToArray(), ct) : Task.CompletedTask);
        var preparation = new PagePreparation { Kind = ActivityKind.AccountCreation, CountFailuresSince = _ => DateTimeOffset.UtcNow.AddDays(-1), Ready = _ => ready.Value };
        var pages = new List<IReadOnlyList<Contact>>();
        await foreach (var page in source.ReadPreparedAsync(pageSize, preparation, ct))
        {
            pages.Add(page.Contacts);
        }

        return pages;
    }

    private static Task<List<IReadOnlyList<Contact>>> ReadByIdAsync(CiviHarness h, TriggerDefinition trigger, int pageSize, CancellationToken ct) =>
        ReadByIdAsync(h, new TriggerSourceContext { Trigger = trigger }, pageSize, ct);

    private static async Task<List<IReadOnlyList<Contact>>> ReadByIdAsync(CiviHarness h, TriggerSourceContext context, int pageSize, CancellationToken ct)
    {
        var source = h.Services.GetRequiredService<ITriggerSourceFactory>().Create(context);
        var pages = new List<IReadOnlyList<Contact>>();
        await foreach (var page in source.ReadPendingAsync(pageSize, ct))
        {
            pages.Add(page);
        }

        return pages;
    }
}
