using Skvare.CmsUser.CiviCrm.Api;
using Skvare.CmsUser.CiviCrm.Triggers;

namespace Skvare.CmsUser.CiviCrm.Tests;

/// <summary>
/// A cold batch's first read against a real CiviCRM, to record it (tests/recordings/civicrm-6.17.2-firstread-*): each
/// trigger read by a new factory (nothing resolved yet) while its set-up look-up is in flight, as the engine does, so the
/// first page goes chained onto the trigger's own <c>Group.get</c>/<c>Tag.get</c> (<c>$id</c>, the link join on
/// <c>current_domain</c>). The data comes from the folder's <c>data.sh setup</c>: static group <c>fr_trigger</c> (Ann;
/// Ben linked here; Cal Removed; Dan deleted; Eve linked in another domain only), smart group <c>fr_smart</c> (Sam; Sue
/// taken out by hand), tag <c>fr_tag</c> (Ann, Tom), group <c>fr_titled</c> named by its title "FR Titled" (Ann). First, the
/// set-up's activity types in one request (nothing written on this site) and the same shape for two options the site lacks
/// (written once, then not; removed afterwards).
/// </summary>
public sealed class RealFirstReadRecording
{
    [RealCiviCrmFact(Timeout = 120_000)]
    public async Task The_first_read_with_the_set_up_on_a_real_CiviCRM()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(110));
        var ct = timeout.Token;

        // The set-up's activity types: one request of conditional writes; on this set-up site it writes nothing.
        using (var civi = new RealCiviCrmConnection())
        {
            await civi.Recorder.EnsureReadyAsync(ct);

            // The same shape for a type and a status the site lacks: written the first time, not the second; then removed.
            IReadOnlyList<(string Key, Api4Chain Call)> probe =
            [
                ("ensure0", new Api4Chain("OptionGroup", "get", Audit.CiviCrmActivityRecorder.EnsureQuery("activity_type", "fr_probe_type"))),
                ("ensure1", new Api4Chain("OptionGroup", "get", Audit.CiviCrmActivityRecorder.EnsureQuery("activity_status", "fr_probe_status"))),
            ];
            var first = await Api4Carrier.SendAsync(civi.Client, probe, ct);
            var second = await Api4Carrier.SendAsync(civi.Client, probe, ct);
            first.Values.Should().OnlyContain(rows => rows.Length == 1, "each missing option's group row comes back, with its save");
            second.Values.Should().OnlyContain(rows => rows.Length == 0, "nothing is missing any more: nothing is written");
            var written = first.Values.SelectMany(rows => rows[0].GetProperty("save").EnumerateArray()).Select(r => r.GetInt64("id")!.Value).ToArray();
            written.Should().HaveCount(2);
            await civi.Client.CallAsync("OptionValue", "delete", new Api4Params().WithWhere(Api4Condition.In("id", written)), ct);
        }

        // Pages of 2: the first chained onto the group's look-up (Ann, Ben), the second by id after it (Eve, a short page).
        var members = await ReadAsync(TriggerDefinition.Group("fr_trigger"), 2, ct);
        members.Select(p => p.Contacts.Select(c => c.Email).ToArray()).Should().BeEquivalentTo(
            new[] { new[] { "fr.ann@example.org", "fr.ben@example.org" }, ["fr.eve@example.org"] }, o => o.WithStrictOrdering());
        var all = members.SelectMany(p => p.Contacts).ToDictionary(c => c.Email!);
        all["fr.ben@example.org"].CurrentDomainLink!.CmsUserId.Should().Be(990301, "Ben is linked in this domain (current_domain)");
        all["fr.eve@example.org"].CurrentDomainLink.Should().BeNull("Eve is linked in another domain only");
        all["fr.eve@example.org"].Links.Should().ContainSingle(l => l.CmsUserId == 990302 && !l.IsCurrentDomain);

        // The whole group as one chained page: the link join on current_domain finds Ben's link here, not Eve's in domain 4.
        var whole = (await ReadAsync(TriggerDefinition.Group("fr_trigger"), 10, ct)).Should().ContainSingle().Which.Contacts.ToDictionary(c => c.Email!);
        whole.Keys.Should().BeEquivalentTo(["fr.ann@example.org", "fr.ben@example.org", "fr.eve@example.org"]);
        whole["fr.ben@example.org"].CurrentDomainLink!.CmsUserId.Should().Be(990301);
        whole["fr.eve@example.org"].CurrentDomainLink.Should().BeNull();

        var smart = await ReadAsync(TriggerDefinition.Group("fr_smart"), 10, ct);
        smart.SelectMany(p => p.Contacts).Select(c => c.Email).Should().Equal(["fr.sam@example.org"], "Sue was taken out of the smart group by hand");

        var tagged = await ReadAsync(TriggerDefinition.Tag("fr_tag"), 10, ct);
        tagged.SelectMany(p => p.Contacts).Select(c => c.Email).Should().Equal("fr.ann@example.org", "fr.tom@example.org");

        var titled = await ReadAsync(TriggerDefinition.Group("FR Titled"), 10, ct);
        titled.SelectMany(p => p.Contacts).Select(c => c.Email).Should().Equal("fr.ann@example.org");

        // A group that does not exist: the chained look-up finds no row, and the set-up's resolution reports it as before.
        var missing = () => ReadAsync(TriggerDefinition.Group("fr_nope"), 10, ct);
        (await missing.Should().ThrowAsync<CiviCrmApiException>()).Which.Kind.Should().Be(FailureKind.Configuration);
    }

    private static async Task<List<PreparedContactPage>> ReadAsync(TriggerDefinition trigger, int pageSize, CancellationToken ct)
    {
        using var civi = new RealCiviCrmConnection();
        var source = (IPreparingTriggerSource)civi.Triggers.Create(new TriggerSourceContext { Trigger = trigger, Purpose = ActivityKind.AccountCreation });
        var now = DateTimeOffset.UtcNow;
        Task? setUp = null;
        var preparation = new PagePreparation
        {
            Kind = ActivityKind.AccountCreation,
            CountFailuresSince = at => at ?? now.AddHours(-2),
            Ready = _ => setUp!,
        };

        // As the engine: the set-up's look-up is sent, then the read starts while it is in flight.
        setUp = civi.Triggers.PrepareAsync([trigger], ct);
        var pages = new List<PreparedContactPage>();
        await foreach (var page in source.ReadPreparedAsync(pageSize, preparation, ct))
        {
            pages.Add(page);
        }

        return pages;
    }
}
