using CsCheck;
using Microsoft.Extensions.DependencyInjection;
using Skvare.CmsUser.Testing.InMemory;

namespace Skvare.CmsUser.CiviCrm.Tests;

/// <summary>
/// The chained write-back (<see cref="IPageWriteBackStore"/>, two requests a page) and the composed one (link store,
/// recorder and trigger source, one call per part) make the same decisions: over generated pages of created, linked,
/// already linked, repaired, shared-email, failed and gave-up contacts, both leave CiviCRM in the same state (links,
/// audit records, group memberships) and report the same outcomes, also when one call of the chained write fails (the
/// calls before it stay written; the replay writes nothing twice).
/// </summary>
public sealed class WriteBackProperties
{
    private enum Kind
    {
        New,
        ExistingAccount,
        NoEmail,
        CmsRefuses,
        AlreadyLinked,
        PluginDuplicate,
        SharesPreviousEmail,
    }

    /// <summary>No failure, or the chained call that fails.</summary>
    private static readonly (string Entity, string Action)?[] Failures = [null, ("UFMatch", "save"), ("Activity", "save"), ("Activity", "delete"), ("GroupContact", "save")];

    [Fact(Timeout = 240_000)]
    public Task The_chained_and_the_composed_write_back_leave_CiviCRM_in_the_same_state() => Task.Run(() =>
        Gen.Select(Gen.Enum<Kind>().Array[1, 9], Gen.Int[1, 4], Gen.Int[0, Failures.Length - 1].Select(i => Failures[i])).Sample((kinds, pageSize, failing) =>
        {
            var chained = Run(kinds, pageSize, composed: false, failing);
            var composed = Run(kinds, pageSize, composed: true, null);
            chained.Should().BeEquivalentTo(composed, o => o.WithStrictOrdering());
        }, iter: 25, threads: 1));

    /// <summary>
    /// A write whose answer is lost after CiviCRM carried out all of it, or the calls before the one that failed (which
    /// parts of the page are applied), leaves CiviCRM and the outcomes as the composed write-back does: the page is read
    /// back and only what is missing is written again, nothing twice.
    /// </summary>
    [Fact(Timeout = 240_000)]
    public Task A_write_whose_answer_is_lost_leaves_CiviCRM_and_the_outcomes_as_an_answered_write() => Task.Run(() =>
        Gen.Select(Gen.Enum<Kind>().Array[1, 9], Gen.Int[1, 4], Gen.Int[0, Failures.Length - 1].Select(i => Failures[i])).Sample((kinds, pageSize, failing) =>
        {
            var lost = Run(kinds, pageSize, composed: false, failing, loseAnswers: true);
            var composed = Run(kinds, pageSize, composed: true, null);
            lost.Should().BeEquivalentTo(composed, o => o.WithStrictOrdering());
        }, iter: 25, threads: 1));

    private static State Run(Kind[] kinds, int pageSize, bool composed, (string Entity, string Action)? failing, bool loseAnswers = false)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var cms = new FakeCmsAccountProvider();
        using var h = new CiviHarness(engine: o =>
        {
            o.Rules.Add(new ProvisioningRule { Name = "members", Trigger = TriggerDefinition.Group("members"), History = TriggerDefinition.Group("members_done") });
            o.PageSize = pageSize;
            o.MaxConcurrency = 1;
        }, cms: cms, extraHandler: loseAnswers ? () => new DroppedAnswers(DroppedAnswers.IsPageWrite) : null, more: composed ? s => s.AddSingleton<IPageWriteBackStore>(_ => null!) : null);
        var members = h.Fake.AddGroup("members");
        var done = h.Fake.AddGroup("members_done");
        var duplicates = new HashSet<string>(StringComparer.Ordinal);
        cms.AfterCreate = account =>
        {
            // The CMS's plugin links a new user by itself: to a duplicate contact it makes for some, to ours for the rest.
            h.Fake.LinkNewCmsUser(account.Id, duplicates.Contains(account.Email) ? "dup-" + account.Email : account.Email);
        };

        var ids = new List<long>();
        for (var i = 0; i < kinds.Length; i++)
        {
            var email = kinds[i] switch
            {
                Kind.NoEmail => null,
                Kind.SharesPreviousEmail when i > 0 => $"c{i - 1}@example.org",
                _ => $"c{i}@example.org",
            };
            var id = h.Fake.AddContact("C", "N" + i, email);
            ids.Add(id);
            switch (kinds[i])
            {
                case Kind.ExistingAccount:
                    cms.AddAccount("existing" + i, email!);
                    break;
                case Kind.CmsRefuses:
                    cms.FailCreateFor(email!, () => FakeCmsAccountProvider.Permanent("The CMS refused the data."));
                    break;
                case Kind.AlreadyLinked:
                    h.Fake.AddLink(id, cms.AddAccount("linked" + i, email!).Id, email!);
                    break;
                case Kind.PluginDuplicate:
                    duplicates.Add(email!);
                    break;
            }
        }

        h.Fake.AddToGroup(members, ids);
        if (failing is { } call)
        {
            h.Fake.RefuseWhere = c => c.Chained && c.Entity == call.Entity && c.Action == call.Action && !WriteBackTests.IsOpen(c) && !c.ParamsJson.Contains("\"open\"", StringComparison.Ordinal) ? "DB Error: deadlock found" : null;
        }

        var summary = h.Provisioner.RunOnceAsync(cancellationToken: timeout.Token).GetAwaiter().GetResult();

        summary.StopReason.Should().BeNull();
        summary.Failures.Should().NotContain(f => f.Error!.Code == CmsUserErrorCodes.WriteBackFailed);
        if (composed)
        {
            h.Fake.Requests.Should().NotContain(r => r.ParamsJson != null && r.ParamsJson.Contains("\"chain\":{\"links\"", StringComparison.Ordinal), "the composed path chains nothing onto the carrier");
        }
        else if (failing is null)
        {
            h.Fake.CallCount("UFMatch", "save").Should().Be(0, "the chained path writes links only in its one write");
        }

        return new State(
            Enum.GetValues<OutcomeKind>().Select(k => summary.Count(k)).ToArray(),
            h.Fake.Links.Select(l => $"{l.ContactId} {l.UfId} {l.UfName} {l.DomainId}").Order(StringComparer.Ordinal).ToArray(),
            h.Fake.Activities.Select(a => $"{a.Type}|{a.Status}|{a.Subject}|{a.Details}|{string.Join(',', a.Targets)}").Order(StringComparer.Ordinal).ToArray(),
            ids.Select(id => $"{id} {h.Fake.GroupStatus(members, id)} {h.Fake.GroupStatus(done, id)}").ToArray());
    }

    private sealed record State(int[] Outcomes, string[] Links, string[] Activities, string[] Groups);
}
