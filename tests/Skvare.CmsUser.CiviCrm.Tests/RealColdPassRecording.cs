namespace Skvare.CmsUser.CiviCrm.Tests;

/// <summary>
/// A cold batch's first read for access rules, deprovisioning passes and saved-search triggers against a real CiviCRM, to
/// record it (tests/recordings/civicrm-6.17.2-coldpass-*): each read by a new trigger-source factory (nothing resolved)
/// while its set-up look-ups are in flight, as the engine does, so the first page goes chained onto the trigger's own
/// look-up, with the other groups and tags joined onto it (<c>"$setN.id"</c>) or a saved search's conditions taken from its
/// row (<c>"$api_params.where"</c>). The data comes from the folder's <c>data.sh setup</c>: Ann, Ben, Cal and Dan (last name
/// Coldpass) in group <c>cp_trigger</c>, Dan Removed from it, linked here and in <c>cp_lapsed</c>; Ben and Dan in
/// <c>cp_done</c> (title "CP Done"); Cal tagged <c>cp_tag_done</c>; household "Hal House" (last name Coldpass); saved searches
/// <c>cp_search</c> (Contact), <c>cp_search_people</c> (Individual) and <c>cp_search_joined</c> (a join of its own).
/// </summary>
public sealed class RealColdPassRecording
{
    [RealCiviCrmFact(Timeout = 120_000)]
    public async Task The_first_read_of_access_rules_deprovisioning_passes_and_saved_searches_with_the_set_up_on_a_real_CiviCRM()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(110));
        var ct = timeout.Token;

        // An access rule: members stay in the trigger, pending are those not in the history group (named by its title).
        (await ReadAsync(new() { Trigger = TriggerDefinition.Group("cp_trigger"), History = TriggerDefinition.Group("CP Done"), KeepMembers = true }, 10, ct))
            .Should().Equal("cp.ann@example.org", "cp.cal@example.org");

        // The same with a history tag (a Tag joined onto a Group's look-up).
        (await ReadAsync(new() { Trigger = TriggerDefinition.Group("cp_trigger"), History = TriggerDefinition.Tag("cp_tag_done"), KeepMembers = true }, 10, ct))
            .Should().Equal("cp.ann@example.org", "cp.ben@example.org");

        // Deprovisioning passes over the history group: who left the trigger, who is in the revoked group.
        (await ReadAsync(new() { Trigger = TriggerDefinition.Group("cp_done"), RequireNotIn = TriggerDefinition.Group("cp_trigger"), Purpose = ActivityKind.AccountBlocked }, 10, ct))
            .Should().Equal("cp.dan@example.org");
        (await ReadAsync(new() { Trigger = TriggerDefinition.Group("cp_done"), RequireIn = TriggerDefinition.Group("cp_lapsed"), Purpose = ActivityKind.AccountBlocked }, 10, ct))
            .Should().Equal("cp.dan@example.org");

        // Saved searches, pages of 2: on Contact (the household too; Dan is linked here), on Individual (no household).
        (await ReadAsync(new() { Trigger = TriggerDefinition.SavedSearch("cp_search") }, 2, ct))
            .Should().Equal("cp.ann@example.org", "cp.ben@example.org", "cp.cal@example.org", "cp.halhouse@example.org");
        (await ReadAsync(new() { Trigger = TriggerDefinition.SavedSearch("cp_search_people") }, 10, ct))
            .Should().Equal("cp.ann@example.org", "cp.ben@example.org", "cp.cal@example.org");

        // A search with a join of its own: its early page is not used, the read starts again once the set-up resolved it.
        (await ReadAsync(new() { Trigger = TriggerDefinition.SavedSearch("cp_search_joined") }, 10, ct))
            .Should().Equal("cp.ann@example.org", "cp.ben@example.org", "cp.cal@example.org", "cp.halhouse@example.org");
    }

    private static async Task<List<string?>> ReadAsync(TriggerSourceContext context, int pageSize, CancellationToken ct)
    {
        using var civi = new RealCiviCrmConnection();
        var source = (IPreparingTriggerSource)civi.Triggers.Create(context);
        var now = DateTimeOffset.UtcNow;
        Task? setUp = null;
        var preparation = new PagePreparation
        {
            Kind = context.Purpose,
            CountFailuresSince = at => at ?? now.AddHours(-2),
            Ready = _ => setUp!,
        };

        // As the engine: the set-up's look-ups are sent, then the read starts while they are in flight.
        setUp = civi.Triggers.PrepareAsync(new[] { context.Trigger, context.History, context.RequireIn, context.RequireNotIn }.OfType<TriggerDefinition>().ToArray(), ct);
        var emails = new List<string?>();
        await foreach (var page in source.ReadPreparedAsync(pageSize, preparation, ct))
        {
            emails.AddRange(page.Contacts.Select(c => c.Email));
        }

        return emails;
    }
}
