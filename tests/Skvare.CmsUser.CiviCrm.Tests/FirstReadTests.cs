using Microsoft.Extensions.DependencyInjection;

namespace Skvare.CmsUser.CiviCrm.Tests;

/// <summary>
/// A cold batch's first read goes with the set-up: the first page is chained onto the trigger's own look-up
/// (<c>$id</c>, the link join on <c>'current_domain'</c>) and used only once the set-up resolved the trigger to the same
/// row. These hold it to the read by id (the same contacts, links and pages), show when it is not used (a settled
/// trigger, a read that needs another group), and that a page read for a row the set-up did not resolve is read again.
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
            // A new process: a new factory over the same site, its set-up's look-up in flight when the read starts.
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
    public async Task A_read_that_needs_another_group_waits_for_the_set_up_instead()
    {
        var ct = Token();
        using var h = new CiviHarness();
        var access = h.Fake.AddGroup("access");
        h.Fake.AddGroup("access_done");
        h.Fake.AddToGroup(access, [h.Fake.AddContact("A", "B", "a@example.org")]);
        var context = new TriggerSourceContext { Trigger = TriggerDefinition.Group("access"), History = TriggerDefinition.Group("access_done"), KeepMembers = true };

        var pages = await ReadAsync(h, context, 10, setUp: true, ct);

        pages.SelectMany(p => p).Should().ContainSingle();
        h.Fake.Requests.Should().NotContain(r => r.ParamsJson != null && r.ParamsJson.Contains("\"page\":[", StringComparison.Ordinal), "the pending test needs the history group's id too");
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
        var ready = setUp ? h.Triggers.PrepareAsync(new[] { context.Trigger, context.History }.OfType<TriggerDefinition>().ToArray(), ct) : Task.CompletedTask;
        var preparation = new PagePreparation { Kind = ActivityKind.AccountCreation, CountFailuresSince = _ => DateTimeOffset.UtcNow.AddDays(-1), Ready = _ => ready };
        var pages = new List<IReadOnlyList<Contact>>();
        await foreach (var page in source.ReadPreparedAsync(pageSize, preparation, ct))
        {
            pages.Add(page.Contacts);
        }

        return pages;
    }

    private static async Task<List<IReadOnlyList<Contact>>> ReadByIdAsync(CiviHarness h, TriggerDefinition trigger, int pageSize, CancellationToken ct)
    {
        var source = h.Services.GetRequiredService<ITriggerSourceFactory>().Create(new TriggerSourceContext { Trigger = trigger });
        var pages = new List<IReadOnlyList<Contact>>();
        await foreach (var page in source.ReadPendingAsync(pageSize, ct))
        {
            pages.Add(page);
        }

        return pages;
    }
}
