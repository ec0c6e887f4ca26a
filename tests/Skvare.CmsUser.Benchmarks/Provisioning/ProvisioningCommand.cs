using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Skvare.CmsUser.Testing.InMemory;
using Skvare.CmsUser.Tests.Shared.Sites;

namespace Skvare.CmsUser.Benchmarks.Provisioning;

/// <summary>
/// <c>dotnet run -c Release --project tests/Skvare.CmsUser.Benchmarks -- provisioning [--live] [--quick] [--out FILE]</c>:
/// requests per contact by server and call, latency-bound and old-flow ratios at concurrency 1/4/8/16, on-demand
/// round trips, memory at 10k/30k/100k, CPU and allocations per contact; prints Markdown and writes JSON.
/// </summary>
internal static class ProvisioningCommand
{
    private static readonly TimeSpan Latency = TimeSpan.FromMilliseconds(20);
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static async Task<int> RunAsync(string[] args)
    {
        var quick = args.Contains("--quick");
        var live = args.Contains("--live");
        var outIndex = Array.IndexOf(args, "--out");
        var outPath = outIndex >= 0 && outIndex + 1 < args.Length ? args[outIndex + 1] : Path.Combine("artifacts", "benchmarks", "provisioning.json");
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(30));
        var ct = timeout.Token;
        var report = new Dictionary<string, object>(StringComparer.Ordinal)
        {
            ["commit"] = Environment.GetEnvironmentVariable("GIT_COMMIT") ?? "unknown",
            ["machine"] = $"{Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}, {Environment.Version}",
        };
        var md = new StringBuilder();

        if (live)
        {
            report["live"] = await LiveWordPress.RunAsync(md, quick ? 10 : 40, ct);
        }
        else
        {
            report["requests"] = await RequestsAsync(md, quick ? 200 : 1_000, ct);
            Flush(md);
            report["onDemand"] = await OnDemandAsync(md, ct);
            Flush(md);
            report["latency"] = await LatencyAsync(md, quick, ct);
            Flush(md);
            report["memory"] = await MemoryAsync(md, quick ? [1_000, 3_000, 10_000] : [10_000, 30_000, 100_000], ct);
            Flush(md);
            report["cpu"] = await CpuAsync(md, quick ? 2_000 : 10_000, ct);
        }

        Flush(md);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(outPath))!);
        await File.WriteAllTextAsync(outPath, JsonSerializer.Serialize(report, new JsonSerializerOptions { WriteIndented = true }), ct);
        Console.WriteLine($"JSON written to {Path.GetFullPath(outPath)}");
        return 0;
    }

    // Requests per new contact at zero latency, split by server and call.
    private static async Task<object> RequestsAsync(StringBuilder md, int contacts, CancellationToken ct)
    {
        using var site = FakeSite.Start(contacts);
        var summary = await site.Provisioner.RunOnceAsync(cancellationToken: ct);
        Require(summary.Count(OutcomeKind.Created) == contacts, $"expected {contacts} created, got {summary.Count(OutcomeKind.Created)}");
        var counts = site.Count();
        md.AppendLine(Inv, $"## Requests per new contact (fakes, {contacts:N0} contacts, concurrency 8, page 100)").AppendLine()
            .AppendLine("| Server | Call | Requests | Per contact |").AppendLine("|---|---|---:|---:|");
        foreach (var (server, calls) in new[] { ("CiviCRM", counts.CiviCrm), ("WordPress", counts.WordPress) })
        {
            foreach (var (call, n) in calls.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal))
            {
                md.AppendLine(Inv, $"| {server} | `{call}` | {n:N0} | {(double)n / contacts:0.###} |");
            }
        }

        md.AppendLine(Inv, $"| **CiviCRM** | | {counts.CiviCrmTotal:N0} | **{(double)counts.CiviCrmTotal / contacts:0.###}** |")
            .AppendLine(Inv, $"| **WordPress** | | {counts.WordPressTotal:N0} | **{(double)counts.WordPressTotal / contacts:0.###}** |")
            .AppendLine(Inv, $"| **Total** | | {counts.Total:N0} | **{(double)counts.Total / contacts:0.###}** |").AppendLine();
        return new { contacts, perContact = (double)counts.Total / contacts, civicrm = counts.CiviCrm, wordpress = counts.WordPress };
    }

    // Sequential round trips of ProvisionAsync: requests counted in the fakes' logs, and elapsed / injected latency.
    private static async Task<object> OnDemandAsync(StringBuilder md, CancellationToken ct)
    {
        using var site = FakeSite.Start(0, latency: Latency);
        var ids = site.AddMembers(3);
        var rows = new List<object>();
        md.AppendLine("## On demand (`ProvisionAsync`, 20 ms injected latency)").AppendLine()
            .AppendLine("| Call | CiviCRM requests | WordPress requests | Elapsed | Sequential round trips (elapsed / 20 ms) |").AppendLine("|---|---:|---:|---:|---:|");
        for (var i = 0; i < ids.Count; i++)
        {
            var before = site.Count();
            var watch = Stopwatch.StartNew();
            var outcome = await site.Provisioner.ProvisionAsync(ids[i], cancellationToken: ct);
            var elapsed = watch.Elapsed;
            Require(outcome.Kind == OutcomeKind.Created, $"on demand: {outcome.Kind}");
            var used = site.Count().Minus(before);
            var label = i == 0 ? "cold (first in process)" : $"warm #{i}";
            var trips = elapsed / Latency;
            md.AppendLine(Inv, $"| {label} | {used.CiviCrmTotal} | {used.WordPressTotal} | {elapsed.TotalMilliseconds:0} ms | {Math.Floor(trips):0} |");
            rows.Add(new { call = label, civicrm = used.CiviCrm, wordpress = used.WordPress, elapsedMs = elapsed.TotalMilliseconds, roundTrips = Math.Floor(trips) });
        }

        md.AppendLine();
        return rows;
    }

    // Throughput at 20 ms injected latency against the latency bound (concurrency / latency: every worker always
    // waiting on exactly one CMS create) and against the re-created old flow, all in this run.
    private static async Task<object> LatencyAsync(StringBuilder md, bool quick, CancellationToken ct)
    {
        double old;
        using (var oldSite = FakeSite.Start(0, latency: Latency))
        {
            old = await OldFlow.ContactsPerSecondAsync(oldSite, quick ? 5 : 20, ct);
        }

        var rows = new List<object>();
        md.AppendLine("## Throughput at 20 ms injected latency (fakes, page 100)").AppendLine()
            .AppendLine(Inv, $"Old flow (10 sequential calls per contact, one contact at a time): {old:0.0} contacts/s.").AppendLine()
            .AppendLine("| Concurrency | Contacts | Contacts/s | Latency bound | Ratio to bound | Ratio to old flow |").AppendLine("|---:|---:|---:|---:|---:|---:|");
        foreach (var concurrency in new[] { 1, 4, 8, 16 })
        {
            var contacts = quick ? 40 * concurrency : concurrency == 1 ? 100 : 500;
            using var site = FakeSite.Start(contacts, concurrency, Latency);
            var watch = Stopwatch.StartNew();
            var summary = await site.Provisioner.RunOnceAsync(cancellationToken: ct);
            var rate = contacts / watch.Elapsed.TotalSeconds;
            Require(summary.Count(OutcomeKind.Created) == contacts, "latency run did not create every contact");
            var bound = concurrency / Latency.TotalSeconds;
            md.AppendLine(Inv, $"| {concurrency} | {contacts} | {rate:0.0} | {bound:0} | {rate / bound:0.00} | {rate / old:0.0}× |");
            rows.Add(new { concurrency, contacts, contactsPerSecond = rate, bound, ratioToBound = rate / bound, ratioToOld = rate / old });
        }

        md.AppendLine();
        return new { oldFlowContactsPerSecond = old, runs = rows };
    }

    // Managed heap while the in-memory kit provisions N contacts, each size in a fresh process so earlier sections
    // leave nothing behind. The kit keeps every contact, account, link and activity (it is the database), so what
    // it retains grows with N: the table shows it per contact, next to the peaks. "Peak heap" is the allocated heap
    // sampled every millisecond (it includes garbage the GC has not collected yet, mostly the gen0 allocation
    // budget); "peak live" is the heap the last collection left. The engine's own working memory is the peak above
    // the larger of "seeded" and "retained"; the last row runs the largest size with a 1 MB gen0 budget, which shows
    // how much of that is the GC's budget rather than data the engine holds.
    private static async Task<object> MemoryAsync(StringBuilder md, int[] sizes, CancellationToken ct)
    {
        var rows = new List<object>();
        md.AppendLine("## Memory and time (in-memory kit, concurrency 8, page 200, one process per size)").AppendLine()
            .AppendLine("| Contacts | Kit retained per contact | Heap after seeding | Peak heap (allocated) | Peak live heap (after a GC) | Retained after the run | Engine working memory (peak above seeded/retained) | Wall time |")
            .AppendLine("|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var (n, gen0) in sizes.Select(n => (n, (string?)null)).Append((sizes[^1], "0x100000")))
        {
            var start = new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardOutput = true };
            foreach (var arg in Environment.ProcessPath!.EndsWith("dotnet", StringComparison.Ordinal) ? [typeof(ProvisioningCommand).Assembly.Location] : Array.Empty<string>())
            {
                start.ArgumentList.Add(arg);
            }

            start.ArgumentList.Add("provisioning-kit");
            start.ArgumentList.Add(n.ToString(Inv));
            if (gen0 is not null)
            {
                start.Environment["DOTNET_GCgen0size"] = gen0;
            }

            using var child = Process.Start(start)!;
            var line = await child.StandardOutput.ReadToEndAsync(ct);
            await child.WaitForExitAsync(ct);
            Require(child.ExitCode == 0, $"kit run for {n} failed: {line}");
            var m = JsonSerializer.Deserialize<KitMemory>(line.Trim())!;
            var working = m.Peak - Math.Max(m.Seeded, m.Retained);
            var label = gen0 is null ? n.ToString("N0", Inv) : $"{n:N0}, gen0 budget 1 MB";
            md.AppendLine(Inv, $"| {label} | {m.KitRetained / (double)n:0} B | {Mb(m.Seeded)} | {Mb(m.Peak)} | {Mb(m.PeakLive)} | {Mb(m.Retained)} | {Mb(Math.Max(0, working))} | {m.Seconds:0.0} s |");
            rows.Add(new
            {
                contacts = n,
                gen0Budget = gen0,
                kitRetainedBytesPerContact = m.KitRetained / (double)n,
                seededBytes = m.Seeded,
                peakBytes = m.Peak,
                peakLiveBytes = m.PeakLive,
                retainedBytes = m.Retained,
                engineWorkingBytes = working,
                seconds = m.Seconds,
            });
        }

        md.AppendLine();
        return rows;
    }

    /// <summary><c>provisioning-kit N</c>: the child process of the memory section; prints one JSON line.</summary>
    public static async Task<int> KitAsync(int n)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(10));
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        var empty = GC.GetTotalMemory(forceFullCollection: true);
        using var kit = Kit.Start(n, 8, 200);
        var provisioner = kit.Provisioner;
        var seeded = GC.GetTotalMemory(forceFullCollection: true);
        var peak = seeded;
        var peakLive = seeded;
        using var stop = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                peak = Math.Max(peak, GC.GetTotalMemory(forceFullCollection: false));
                var last = GC.GetGCMemoryInfo(GCKind.Any);
                peakLive = Math.Max(peakLive, last.HeapSizeBytes - last.FragmentedBytes);
                await Task.Delay(1, CancellationToken.None);
            }
        }, CancellationToken.None);
        var watch = Stopwatch.StartNew();
        var summary = await provisioner.RunOnceAsync(cancellationToken: timeout.Token);
        var elapsed = watch.Elapsed;
        await stop.CancelAsync();
        await sampler;
        Require(summary.Count(OutcomeKind.Created) == n, $"kit created {summary.Count(OutcomeKind.Created)} of {n}");
        var retained = GC.GetTotalMemory(forceFullCollection: true);
        peakLive = Math.Max(peakLive, retained);

        // What the kit alone keeps: the engine and its container let go, the two in-memory backends held.
        var (civi, cms) = (kit.Civi, kit.Cms);
        kit.Dispose();
        var kitRetained = GC.GetTotalMemory(forceFullCollection: true) - empty;
        GC.KeepAlive(civi);
        GC.KeepAlive(cms);
        Console.WriteLine(JsonSerializer.Serialize(new KitMemory(seeded, peak, peakLive, retained, kitRetained, elapsed.TotalSeconds)));
        return 0;
    }

    // CPU time and allocations per contact at zero latency, concurrency 1 (engine + in-memory kit).
    private static async Task<object> CpuAsync(StringBuilder md, int n, CancellationToken ct)
    {
        using (var warm = Kit.Start(500, 1, 200))
        {
            await warm.Provisioner.RunOnceAsync(cancellationToken: ct);
        }

        using var kit = Kit.Start(n, 1, 200);
        GC.Collect();
        var process = Process.GetCurrentProcess();
        var cpu = process.TotalProcessorTime;
        var allocated = GC.GetTotalAllocatedBytes(precise: true);
        await kit.Provisioner.RunOnceAsync(cancellationToken: ct);
        process.Refresh();
        var cpuPer = (process.TotalProcessorTime - cpu).TotalMicroseconds / n;
        var bytesPer = (GC.GetTotalAllocatedBytes(precise: true) - allocated) / (double)n;
        md.AppendLine(Inv, $"## CPU and allocations per contact (in-memory kit, {n:N0} contacts, concurrency 1)").AppendLine()
            .AppendLine(Inv, $"{cpuPer:0.0} µs CPU and {bytesPer / 1024:0.0} KB allocated per contact (engine and kit together).").AppendLine();
        return new { contacts = n, cpuMicrosecondsPerContact = cpuPer, bytesPerContact = bytesPer };
    }

    private static void Flush(StringBuilder md)
    {
        Console.Write(md.ToString());
        md.Clear();
    }

    private static string Mb(long bytes) => (bytes / 1024d / 1024d).ToString("0.0", Inv) + " MB";

    private static void Require(bool condition, string message)
    {
        if (!condition)
        {
            throw new InvalidOperationException(message);
        }
    }

    private sealed record KitMemory(long Seeded, long Peak, long PeakLive, long Retained, long KitRetained, double Seconds);

    /// <summary>The engine over the in-memory kit with N new contacts in one group.</summary>
    private sealed class Kit : IDisposable
    {
        private readonly ServiceProvider _services;

        private Kit(ServiceProvider services, FakeCiviCrm civi, FakeCmsAccountProvider cms)
        {
            _services = services;
            Civi = civi;
            Cms = cms;
        }

        public IUserProvisioner Provisioner => _services.GetRequiredService<IUserProvisioner>();

        public FakeCiviCrm Civi { get; }

        public FakeCmsAccountProvider Cms { get; }

        public static Kit Start(int contacts, int concurrency, int pageSize)
        {
            var civi = new FakeCiviCrm();
            var ids = new long[contacts];
            for (var i = 0; i < contacts; i++)
            {
                ids[i] = civi.AddContact("First" + i.ToString(Inv), "Last" + i.ToString(Inv), $"p{i}@example.org").Id;
            }

            civi.AddToGroup("members", ids);
            var cms = new FakeCmsAccountProvider();
            var services = new ServiceCollection().AddLogging();
            services.AddCmsUserProvisioning(o =>
            {
                o.Rules.Add(new ProvisioningRule { Trigger = TriggerDefinition.Group("members"), History = TriggerDefinition.Group("done") });
                o.MaxConcurrency = concurrency;
                o.PageSize = pageSize;
            }).UseInMemory(civi, cms);
            return new Kit(services.BuildServiceProvider(), civi, cms);
        }

        public void Dispose() => _services.Dispose();
    }
}
