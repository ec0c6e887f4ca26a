using System.Diagnostics.Tracing;
using System.Globalization;
using System.Text.Json;
using Skvare.CmsUser.Testing.InMemory;

namespace Skvare.CmsUser.Benchmarks.Provisioning;

/// <summary>
/// Child processes of the memory section (each in a fresh process, so nothing else is on the heap):
/// <c>provisioning-kit-records N</c> measures what each kind of record costs the in-memory kit, by heap deltas
/// while it stores N of each the way a batch does; <c>provisioning-kit-allocations N</c> runs the batch and samples
/// what it allocates by type (the runtime's allocation ticks, one per ~100 KB allocated).
/// </summary>
internal static class KitMemoryProfile
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>Bytes per contact each kind of record keeps, in the order a batch writes them; prints one JSON line.</summary>
    public static async Task<int> RecordsAsync(int n)
    {
        var civi = new FakeCiviCrm();
        var cms = new FakeCmsAccountProvider();
        var source = civi.Create(new TriggerSourceContext { Trigger = TriggerDefinition.Group("members"), History = TriggerDefinition.Group("done") });
        var ids = new long[n];
        var userIds = new long[n];
        var sizes = new List<object>();
        var heap = GC.GetTotalMemory(forceFullCollection: true);
        var allocated = GC.GetTotalAllocatedBytes(precise: true);
        void Measure(string record)
        {
            var now = GC.GetTotalMemory(forceFullCollection: true);
            var allocatedNow = GC.GetTotalAllocatedBytes(precise: true);
            sizes.Add(new { record, keptPerContact = (now - heap) / (double)n, allocatedPerContact = (allocatedNow - allocated) / (double)n });
            heap = now;
            allocated = GC.GetTotalAllocatedBytes(precise: true);
        }

        for (var i = 0; i < n; i++)
        {
            ids[i] = civi.AddContact("First" + i.ToString(Inv), "Last" + i.ToString(Inv), $"p{i}@example.org").Id;
        }

        Measure("contact");
        civi.AddToGroup("members", ids);
        Measure("trigger group membership");
        for (var i = 0; i < n; i++)
        {
            var account = await cms.CreateAsync(new NewCmsAccount
            {
                Username = $"first{i}.last{i}",
                Email = $"p{i}@example.org",
                FirstName = "First" + i.ToString(Inv),
                LastName = "Last" + i.ToString(Inv),
                ContactId = ids[i],
                Notify = true,
            });
            userIds[i] = account.UserId;
        }

        Measure("CMS account (row, texts, username and email indexes, mail log)");
        var now = DateTimeOffset.UtcNow;
        for (var page = 0; page < n; page += 200)
        {
            var count = Math.Min(200, n - page);
            var opened = await civi.OpenAsync(Enumerable.Range(page, count).Select(i => new ActivityEntry(
                ids[i], ActivityKind.AccountCreation, ActivityOutcomeStatus.Scheduled, $"Creating account : First{i} Last{i}",
                "In progress. If this stays Scheduled, the attempt did not finish (its run stopped, or the answer to its create was lost); the next run completes it.", now)).ToArray());
            await civi.EnsureLinksAsync(Enumerable.Range(page, count).Select(i => new AccountLinkRequest(ids[i], userIds[i], $"p{i}@example.org", true)).ToArray());
            await civi.RecordAsync(Enumerable.Range(page, count).Select(i => new ActivityEntry(
                ids[i], ActivityKind.AccountCreation, ActivityOutcomeStatus.Completed, $"Created : first{i}.last{i} ({userIds[i]})", null, now) { Id = opened![i - page] }).ToArray());
            await source.AcknowledgeAsync(Enumerable.Range(page, count).Select(i => new TriggerAcknowledgement(ids[i], TriggerDisposition.Completed)).ToArray());
        }

        Measure("link, activity and history group (the write-back)");
        await foreach (var page in civi.Create(new TriggerSourceContext { Trigger = TriggerDefinition.Group("done") }).ReadPendingAsync(200))
        {
            _ = page;
        }

        Measure("reading every contact back in pages of 200 (with its link)");
        GC.KeepAlive(civi);
        GC.KeepAlive(cms);
        Console.WriteLine(JsonSerializer.Serialize(sizes));
        return 0;
    }

    /// <summary>What a batch over the kit allocates, by type (sampled); prints one JSON line, the largest first.</summary>
    public static async Task<int> AllocationsAsync(int n)
    {
        using var listener = new AllocationListener();
        var total = GC.GetTotalAllocatedBytes(precise: true);
        await ProvisioningCommand.RunKitAsync(n);
        total = GC.GetTotalAllocatedBytes(precise: true) - total;
        var sampled = listener.ByType.Values.Sum();
        var top = listener.ByType.OrderByDescending(p => p.Value).Take(25)
            .Select(p => new { type = p.Key, bytesPerContact = (double)total * p.Value / sampled / n }).ToArray();
        Console.WriteLine(JsonSerializer.Serialize(new { bytesPerContact = total / (double)n, gen0 = GC.CollectionCount(0), gen1 = GC.CollectionCount(1), gen2 = GC.CollectionCount(2), top }));
        return 0;
    }

    /// <summary>Sums the runtime's allocation ticks (GC keyword, verbose) by type name.</summary>
    internal sealed class AllocationListener : EventListener
    {
        public Dictionary<string, long> ByType { get; } = new(StringComparer.Ordinal);

        /// <summary>Forgets what was sampled so far.</summary>
        public void Clear()
        {
            lock (ByType)
            {
                ByType.Clear();
            }
        }

        /// <summary>What was sampled so far, by type.</summary>
        public Dictionary<string, long> Snapshot()
        {
            lock (ByType)
            {
                return new Dictionary<string, long>(ByType, StringComparer.Ordinal);
            }
        }

        protected override void OnEventSourceCreated(EventSource eventSource)
        {
            if (eventSource.Name == "Microsoft-Windows-DotNETRuntime")
            {
                EnableEvents(eventSource, EventLevel.Verbose, (EventKeywords)0x1);
            }
        }

        protected override void OnEventWritten(EventWrittenEventArgs eventData)
        {
            if (!eventData.EventName!.StartsWith("GCAllocationTick", StringComparison.Ordinal) || eventData.Payload is null)
            {
                return;
            }

            var names = eventData.PayloadNames!;
            var type = eventData.Payload[names.IndexOf("TypeName")] as string ?? "?";
            var amount = Convert.ToInt64(eventData.Payload[names.IndexOf("AllocationAmount64")], Inv);
            lock (ByType)
            {
                ByType[type] = ByType.GetValueOrDefault(type) + amount;
            }
        }
    }
}
