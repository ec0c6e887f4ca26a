using Skvare.CmsUser.CiviCrm.Api;
using Skvare.CmsUser.CiviCrm.Audit;
using Skvare.CmsUser.CiviCrm.Triggers;

namespace Skvare.CmsUser.CiviCrm.Tests;

/// <summary>
/// The batch's prepared page against a real CiviCRM, to record it (tests/recordings/civicrm-6.17.2-prepare-*): the page's
/// <c>Contact.get</c>, then one carrier <c>Contact.get</c> of the API user's own contact with <c>uf_other</c>, <c>joined</c>,
/// <c>failed</c>, <c>open</c> and <c>audits</c> chained, for every page of group <c>pp_trigger</c> (pages of 3, then the
/// whole group again as one page, whose audit read also sees the first pass's records). The data comes from the folder's
/// <c>data.sh setup</c>: Fay linked in another domain, Gus with two failed attempts, Hal linked here, Ivy and Jon fresh.
/// </summary>
public sealed class RealPreparedPageRecording
{
    [RealCiviCrmFact(Timeout = 120_000)]
    public async Task The_prepared_page_on_a_real_CiviCRM()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(110));
        var ct = timeout.Token;
        using var civi = new RealCiviCrmConnection();
        var (recorder, factory) = (civi.Recorder, civi.Triggers);
        var source = factory.Create(new TriggerSourceContext { Trigger = TriggerDefinition.Group("pp_trigger"), History = TriggerDefinition.Group("pp_done"), Purpose = ActivityKind.AccountCreation });
        var preparing = (IPreparingTriggerSource)source;
        preparing.CanPrepareFor(recorder).Should().BeTrue();
        var now = DateTimeOffset.UtcNow;
        var preparation = new PagePreparation
        {
            Kind = ActivityKind.AccountCreation,
            CountFailuresSince = at => at ?? now.AddHours(-2),
            Open = c => new ActivityEntry(c.Id, ActivityKind.AccountCreation, ActivityOutcomeStatus.Scheduled, "Creating account : " + c.DisplayName, "In progress.", now),
        };

        var first = await ReadAsync(preparing, 3, preparation, ct);
        first.Select(p => p.Contacts.Count).Should().Equal(3, 2);
        var contacts = first.SelectMany(p => p.Contacts).ToDictionary(c => c.Email!);
        contacts.Keys.Should().BeEquivalentTo(["pp.fay@example.org", "pp.gus@example.org", "pp.hal@example.org", "pp.ivy@example.org", "pp.jon@example.org"]);
        contacts["pp.fay@example.org"].Links.Should().ContainSingle(l => l.CmsUserId == 990201 && !l.IsCurrentDomain, "Fay is linked in another domain only");
        contacts["pp.hal@example.org"].CurrentDomainLink!.CmsUserId.Should().Be(990202);
        contacts.Values.Should().OnlyContain(c => c.TriggeredAt != null, "each joined the group");
        first.SelectMany(p => p.FailedAttempts).Should().ContainSingle().Which.Should().Be(new KeyValuePair<long, int>(contacts["pp.gus@example.org"].Id, 2));
        var opened = first.SelectMany(p => p.Opened).ToDictionary();
        opened.Keys.Should().BeEquivalentTo(contacts.Values.Where(c => c.CurrentDomainLink is null).Select(c => c.Id), "a Scheduled record for each contact not linked here");
        foreach (var page in first)
        {
            page.Audits!.Where(a => a.Status == ActivityOutcomeStatus.Scheduled).Select(a => a.Id).Should().BeEquivalentTo(page.Opened.Values, "the audit read runs after the records are written");
        }

        // The whole group again, as one page: new records for the four, and the audit read lists both passes' records.
        var second = await ReadAsync(preparing, 10, preparation, ct);
        second.Should().ContainSingle().Which.Contacts.Should().HaveCount(5);
        second[0].Opened.Should().HaveCount(4);
        second[0].Audits!.Select(a => a.Id).Should().BeEquivalentTo(opened.Values.Concat(second[0].Opened.Values));
    }

    private static async Task<List<PreparedContactPage>> ReadAsync(IPreparingTriggerSource source, int pageSize, PagePreparation preparation, CancellationToken ct)
    {
        var pages = new List<PreparedContactPage>();
        await foreach (var page in source.ReadPreparedAsync(pageSize, preparation, ct))
        {
            pages.Add(page);
        }

        return pages;
    }
}
