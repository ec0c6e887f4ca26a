using System.Text;
using CsCheck;
using Skvare.CmsUser.CiviCrm;
using Skvare.CmsUser.Tests.Properties;
using Xunit.Abstractions;

namespace Skvare.CmsUser.FaultTests;

/// <summary>
/// At least 200 generated contacts of every hostile class (names of any text, shared emails, emails differing only
/// in case, unicode, plus signs and quotes, empty names): no run aborts, and each contact ends with an account or a
/// typed Failed/GaveUp activity.
/// </summary>
public sealed class HostileDataTests(ITestOutputHelper output)
{
    private static readonly Gen<string> Email = Gen.Frequency(
        (6, Gen.Int[0, 60].Select(i => $"h{i}@example.org")),
        (2, Gen.Int[0, 60].Select(i => $"H{i}@EXAMPLE.org")),
        (1, Gen.OneOf("ana+tag@example.org", "o'brien@example.org", "\"quoted name\"@example.org", "josé@exämple.org",
            "用户@例子.广告", "a..b@example.org", "no-at-sign", "", " ", "trailing@example.org ", "x@localhost", "😀@example.org")));

    private static readonly Gen<(string? First, string? Last, string Email)> ContactGen =
        Gen.Select(HostileText.MaybeText.Select(Valid), HostileText.MaybeText.Select(Valid), Email);

    [Fact(Timeout = 120_000)]
    public async Task Hostile_contacts_never_abort_a_run_and_each_ends_with_an_account_or_a_typed_failure()
    {
        using var h = new FaultHarness();
        var generated = ContactGen.Array[240].Single(a => a.Length == 240, seed: "4VCWH8ZM77I1");
        var ids = generated.Select(c => h.Civi.AddContact(c.First, c.Last, string.IsNullOrEmpty(c.Email) ? null : c.Email)).ToArray();
        h.Civi.AddToGroup(h.TriggerId, ids);

        var summaries = new List<RunSummary>();
        for (var run = 0; run < 5; run++)
        {
            using var engine = h.NewEngine(o => o.Retry.MaxAttempts = 4);
            var summary = await engine.Provisioner.RunOnceAsync();
            summaries.Add(summary);
            summary.StopReason.Should().BeNull("no contact's data aborts a run");
            if (summary.Total == 0)
            {
                break;
            }
        }

        var end = Invariants.Read(h.Civi, h.Wp, h.TriggerId, ids);
        var activities = h.Civi.Activities.Where(a => a.Type == CiviCrmActivityTypes.AccountCreation).ToArray();
        var linked = h.Civi.Links.Select(l => l.ContactId).ToHashSet();
        var codes = activities.Where(a => a.Status == CiviCrmActivityTypes.FailedStatus).Select(a => a.Details?.Split(':')[0]).GroupBy(c => c).ToDictionary(g => g.Key ?? "", g => g.Count());
        output.WriteLine($"hostile: {ids.Length} contacts, runs {summaries.Count} ({string.Join("; ", summaries.Select(s => $"{s.Total} processed, created {s.Count(OutcomeKind.Created)}, linked {s.Count(OutcomeKind.Linked)}, failed {s.Count(OutcomeKind.Failed)}, gave up {s.Count(OutcomeKind.GaveUp)}"))}); "
            + $"failure codes {string.Join(", ", codes.Select(kv => kv.Key + "=" + kv.Value))}; end: {end}");
        foreach (var id in ids)
        {
            var hasAccount = linked.Contains(id) && activities.Any(a => a.Status == "Completed" && a.Targets.Contains(id));
            var typedFailure = activities.Any(a => a.Status == CiviCrmActivityTypes.FailedStatus && a.Targets.Contains(id)
                && a.Details is { } d && d.Contains(':', StringComparison.Ordinal) && d.Split(':')[0].All(ch => char.IsAsciiLetterOrDigit(ch) || ch == '_'));
            (hasAccount || typedFailure).Should().BeTrue($"contact {id} ends with an account or a typed failure");
        }

        end.DuplicateAccounts.Should().Be(0);
        end.LinkedWithSeveralAudits.Should().Be(0);
        end.StillInTrigger.Should().Be(0, "every contact ends: done or given up");
    }

    /// <summary>Text CiviCRM can store (utf8mb4 holds no lone surrogate): invalid code units are dropped.</summary>
    private static string? Valid(string? text)
    {
        if (text is null)
        {
            return null;
        }

        var builder = new StringBuilder(text.Length);
        foreach (var rune in text.EnumerateRunes())
        {
            if (rune != Rune.ReplacementChar)
            {
                builder.Append(rune.ToString());
            }
        }

        return builder.ToString();
    }
}
