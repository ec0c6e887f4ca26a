using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Skvare.CmsUser.Testing.InMemory;
using Skvare.CmsUser.Tests.Shared.Sites;

namespace Skvare.CmsUser.Benchmarks.Provisioning;

/// <summary>
/// <c>dotnet run -c Release --project tests/Skvare.CmsUser.Benchmarks -- provisioning [--live] [--quick] [--trace] [--only SECTIONS] [--out FILE]</c>:
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
        var onlyIndex = Array.IndexOf(args, "--only");
        var only = onlyIndex >= 0 && onlyIndex + 1 < args.Length ? args[onlyIndex + 1].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) : null;
        bool Wanted(string section) => only is null || only.Contains(section, StringComparer.OrdinalIgnoreCase);
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
            if (Wanted("requests"))
            {
                report["requests"] = await RequestsAsync(md, quick ? 200 : 1_000, ct);
                Flush(md);
            }

            if (Wanted("cms"))
            {
                report["requestsPerCms"] = await RequestsPerCmsAsync(md, quick ? 200 : 1_000, ct);
                Flush(md);
            }

            if (Wanted("ondemand"))
            {
                report["onDemand"] = await OnDemandAsync(md, ct);
                Flush(md);
            }

            if (Wanted("latency"))
            {
                report["latency"] = await LatencyAsync(md, quick, args.Contains("--trace"), ct);
                Flush(md);
            }

            if (Wanted("memory"))
            {
                report["memory"] = await MemoryAsync(md, quick ? [1_000, 3_000, 10_000] : [10_000, 30_000, 100_000], ct);
                Flush(md);
            }

            if (Wanted("cpu"))
            {
                report["cpu"] = await CpuAsync(md, quick ? 2_000 : 10_000, ct);
            }
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

    // Requests per new contact for every CMS package against its fake (same rule, concurrency 8, page 100), split by
    // server and call; then a re-import (every contact already has its account) on WordPress with the companion plugin.
    private static async Task<object> RequestsPerCmsAsync(StringBuilder md, int contacts, CancellationToken ct)
    {
        var rows = new List<object>();
        var calls = new StringBuilder();
        md.AppendLine(Inv, $"## Requests per new contact, every CMS (fakes, {contacts:N0} new contacts, concurrency 8, page 100, one role)").AppendLine()
            .AppendLine("| CMS | CMS requests per contact | CiviCRM requests per contact | Total per contact |").AppendLine("|---|---:|---:|---:|");
        foreach (var setup in Enum.GetValues<CmsSetup>())
        {
            var (civi, cms) = await CountRunAsync(setup, contacts, reimport: false, ct);
            var civiTotal = civi.Values.Sum();
            var cmsTotal = cms.Values.Sum();
            md.AppendLine(Inv, $"| {CmsSite.Title(setup)} | {(double)cmsTotal / contacts:0.###} | {(double)civiTotal / contacts:0.###} | **{(double)(civiTotal + cmsTotal) / contacts:0.###}** |");
            calls.AppendLine(Inv, $"| {CmsSite.Title(setup)} | {string.Join("; ", cms.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"`{kv.Key}` {kv.Value:N0}"))} |");
            rows.Add(new { cms = setup.ToString(), title = CmsSite.Title(setup), contacts, cmsPerContact = (double)cmsTotal / contacts, civicrmPerContact = (double)civiTotal / contacts, perContact = (double)(civiTotal + cmsTotal) / contacts, civicrm = civi, cmsCalls = cms });
        }

        var reimport = await CountRunAsync(CmsSetup.WordPressCompanion, contacts, reimport: true, ct);
        var reimportCms = reimport.Cms.Values.Sum();
        md.AppendLine(Inv, $"| Re-import: WordPress, companion plugin, every contact's account already there (linked, not created) | {(double)reimportCms / contacts:0.###} | {(double)reimport.CiviCrm.Values.Sum() / contacts:0.###} | **{(double)(reimportCms + reimport.CiviCrm.Values.Sum()) / contacts:0.###}** |");
        calls.AppendLine(Inv, $"| Re-import, WordPress companion | {string.Join("; ", reimport.Cms.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"`{kv.Key}` {kv.Value:N0}"))} |");
        rows.Add(new { cms = "WordPressCompanionReimport", title = "Re-import, WordPress companion", contacts, cmsPerContact = (double)reimportCms / contacts, civicrm = reimport.CiviCrm, cmsCalls = reimport.Cms });
        md.AppendLine().AppendLine("CMS requests by call:").AppendLine().AppendLine("| CMS | Calls (requests in the run) |").AppendLine("|---|---|").Append(calls).AppendLine();
        return rows;
    }

    private static async Task<(Dictionary<string, int> CiviCrm, Dictionary<string, int> Cms)> CountRunAsync(CmsSetup setup, int contacts, bool reimport, CancellationToken ct)
    {
        using var site = CmsSite.Start(setup, contacts);
        if (reimport)
        {
            site.SeedExistingAccounts(contacts);
        }

        var summary = await site.Provisioner.RunOnceAsync(cancellationToken: ct);
        var expected = reimport ? OutcomeKind.Linked : OutcomeKind.Created;
        Require(summary.Count(expected) == contacts, $"{setup}: expected {contacts} {expected}, got {string.Join(", ", summary.Counts.Select(kv => $"{kv.Key} {kv.Value}"))} ({summary.StopReason}; {summary.Failures.FirstOrDefault()?.Error?.Message})");
        return site.Count();
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
    // waiting on exactly one CMS create), against the re-created old flow, the instrument's floor (HttpFloor) and the
    // design floor (DesignFloor, with and without the Scheduled records), all in this run. Each size runs three times
    // (once with --quick) and the median is reported with the range. With --trace, one more run at concurrency 8 is
    // traced (BatchTrace): where the workers' time goes, and the timeline next to the JSON.
    private static async Task<object> LatencyAsync(StringBuilder md, bool quick, bool trace, CancellationToken ct)
    {
        double old;
        using (var oldSite = FakeSite.Start(0, latency: Latency))
        {
            old = await OldFlow.ContactsPerSecondAsync(oldSite, quick ? 5 : 20, ct);
        }

        var repeats = quick ? 1 : 3;
        var load = LoadAverage();
        var rows = new List<object>();
        var delays = await FakeDelayPrecision.MeasureAsync(quick ? 25 : 50, 8, Latency, ct);
        var schedulerCpuBefore = FakeDelayPrecision.SchedulerThreadCpu();
        var sectionWatch = Stopwatch.StartNew();
        md.AppendLine("## Throughput at 20 ms injected latency (fakes, page 100)").AppendLine();
        DelayTable(md, delays);
        md
            .AppendLine(Inv, $"Old flow (10 sequential calls per contact, one contact at a time): {old:0.0} contacts/s. Load average at the start: {load}.").AppendLine()
            .AppendLine(Inv, $"| Concurrency | Contacts | Contacts/s (median of {repeats}) | Latency bound | Ratio to bound | Range | Ratio to old flow | Floor: bare HttpClient, same fake WordPress (ratio to bound) | SDK / floor |").AppendLine("|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        var design = new StringBuilder()
            .AppendLine(Inv, $"| Concurrency | Contacts | Design floor, audit before create: ratio to bound (range) | SDK / design floor | Design floor without Scheduled records: ratio to bound (range) | SDK / that floor |").AppendLine("|---:|---:|---:|---:|---:|---:|");
        foreach (var (concurrency, contacts) in ThroughputSizes(quick))
        {
            var rates = new List<double>();
            var floors = new List<double>();
            var designs = new List<double>();
            var designsNoAudit = new List<double>();
            for (var i = 0; i < repeats; i++)
            {
                // The SDK, its floor and the two design floors alternate, so all see the same machine.
                rates.Add(await ContactsPerSecondAsync(contacts, concurrency, ct));
                floors.Add(await HttpFloor.CreatesPerSecondAsync(contacts, concurrency, Latency, ct));
                designs.Add(await DesignFloor.ContactsPerSecondAsync(contacts, concurrency, Latency, audit: true, ct));
                designsNoAudit.Add(await DesignFloor.ContactsPerSecondAsync(contacts, concurrency, Latency, audit: false, ct));
            }

            rates.Sort();
            floors.Sort();
            designs.Sort();
            designsNoAudit.Sort();
            var rate = rates[rates.Count / 2];
            var floor = floors[floors.Count / 2];
            var designFloor = designs[designs.Count / 2];
            var designNoAudit = designsNoAudit[designsNoAudit.Count / 2];
            var bound = concurrency / Latency.TotalSeconds;
            md.AppendLine(Inv, $"| {concurrency} | {contacts} | {rate:0.0} | {bound:0} | {rate / bound:0.00} | {rates[0] / bound:0.00}–{rates[^1] / bound:0.00} | {rate / old:0.0}× | {floor / bound:0.00} ({floors[0] / bound:0.00}–{floors[^1] / bound:0.00}) | {rate / floor:0.00} |");
            design.AppendLine(Inv, $"| {concurrency} | {contacts} | {designFloor / bound:0.00} ({designs[0] / bound:0.00}–{designs[^1] / bound:0.00}) | {rate / designFloor:0.00} | {designNoAudit / bound:0.00} ({designsNoAudit[0] / bound:0.00}–{designsNoAudit[^1] / bound:0.00}) | {rate / designNoAudit:0.00} |");
            rows.Add(new
            {
                concurrency, contacts, contactsPerSecond = rate, runs = rates, bound, ratioToBound = rate / bound, ratioToOld = rate / old,
                floorContactsPerSecond = floor, floorRuns = floors, floorRatioToBound = floor / bound, ratioToFloor = rate / floor,
                designFloorContactsPerSecond = designFloor, designFloorRuns = designs, designFloorRatioToBound = designFloor / bound, ratioToDesignFloor = rate / designFloor,
                designFloorNoAuditContactsPerSecond = designNoAudit, designFloorNoAuditRuns = designsNoAudit, designFloorNoAuditRatioToBound = designNoAudit / bound, ratioToDesignFloorNoAudit = rate / designNoAudit,
            });
        }

        md.AppendLine().AppendLine("The floor is the same fake WordPress at the same latency and concurrency driven by a bare HttpClient loop (one create per request, no SDK, no CiviCRM): what any client reaches on this machine and fake. *Ratio to bound* is the goal's figure; *SDK / floor* is what the SDK loses on top of the instrument.").AppendLine()
            .AppendLine("Design floor (same runs, alternating): a bare HttpClient driver against the same fake CiviCRM and WordPress making only the round trips the spec forces on any design, pipelined: per page of 100 one CiviCRM read, one write of the Scheduled audit records before the page's creates (spec item 7), one create per contact with every worker busy, one CiviCRM write-back after the page's last create; the next page is read and prepared during the current page's creates. Without Scheduled records: the same without that write (a design without audit-before-create). Neither pays the SDK's set-up.").AppendLine()
            .Append(design).AppendLine();

        // The rows above are cold: a new site and a new process, so each run also writes the activity types and reads
        // the site's identity, domain and trigger ids. A host that runs scheduled batches does that once per process:
        // the next batch starts with its first page read.
        var warm = new List<double>();
        for (var i = 0; i < repeats; i++)
        {
            warm.Add(await WarmContactsPerSecondAsync(500, 8, ct));
        }

        warm.Sort();
        var warmBound = 8 / Latency.TotalSeconds;
        md.AppendLine(Inv, $"Scheduled batch in a running host (concurrency 8, 500 new contacts, the process already set up by an earlier batch of 8): {warm[warm.Count / 2]:0.0} contacts/s, **{warm[warm.Count / 2] / warmBound:0.00}** of the bound ({warm[0] / warmBound:0.00}–{warm[^1] / warmBound:0.00}).").AppendLine();
        rows.Add(new { concurrency = 8, contacts = 500, warm = true, contactsPerSecond = warm[warm.Count / 2], runs = warm, bound = warmBound, ratioToBound = warm[warm.Count / 2] / warmBound });
        object? traced = null;
        if (trace)
        {
            traced = await TraceAsync(md, 8, 500, ct);
        }

        var schedulerCpu = FakeDelayPrecision.SchedulerThreadCpu() - schedulerCpuBefore;
        if (schedulerCpu is { } used)
        {
            md.AppendLine(Inv, $"The fakes' delay scheduler thread used {used.TotalMilliseconds:0} ms of CPU over the {sectionWatch.Elapsed.TotalSeconds:0} s of these runs ({used / sectionWatch.Elapsed:P2} of one core).").AppendLine();
        }

        return new { oldFlowContactsPerSecond = old, loadAverage = load, fakeDelay = delays, schedulerCpuMs = schedulerCpu?.TotalMilliseconds, sectionSeconds = sectionWatch.Elapsed.TotalSeconds, runs = rows, trace = traced };
    }

    /// <summary>
    /// <c>provisioning-alternate ROUNDS</c>: the goal's size (concurrency 8, 500 contacts, 20 ms) run ROUNDS times,
    /// alternating the SDK (cold, a new site each run), the floor and the two design floors; medians and ranges of the
    /// ratio to the bound, with the load average before and after.
    /// </summary>
    internal static async Task<int> AlternateAsync(int rounds)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(20));
        var ct = timeout.Token;
        const int concurrency = 8, contacts = 500;
        var bound = concurrency / Latency.TotalSeconds;
        await ContactsPerSecondAsync(50, concurrency, ct);
        var runs = new Dictionary<string, List<double>>(StringComparer.Ordinal) { ["SDK"] = [], ["floor"] = [], ["design floor"] = [], ["design floor without Scheduled records"] = [] };
        var loadBefore = LoadAverage();
        for (var i = 0; i < rounds; i++)
        {
            runs["SDK"].Add(await ContactsPerSecondAsync(contacts, concurrency, ct) / bound);
            runs["floor"].Add(await HttpFloor.CreatesPerSecondAsync(contacts, concurrency, Latency, ct) / bound);
            runs["design floor"].Add(await DesignFloor.ContactsPerSecondAsync(contacts, concurrency, Latency, audit: true, ct) / bound);
            runs["design floor without Scheduled records"].Add(await DesignFloor.ContactsPerSecondAsync(contacts, concurrency, Latency, audit: false, ct) / bound);
            Console.WriteLine(string.Create(Inv, $"round {i + 1}: {string.Join(", ", runs.Select(kv => $"{kv.Key} {kv.Value[^1]:0.000}"))} (load {LoadAverage()})"));
        }

        Console.WriteLine(string.Create(Inv, $"load average before {loadBefore}, after {LoadAverage()}"));
        static double Median(List<double> v)
        {
            var sorted = v.Order().ToList();
            return (sorted[(sorted.Count - 1) / 2] + sorted[sorted.Count / 2]) / 2;
        }

        foreach (var (name, values) in runs)
        {
            Console.WriteLine(string.Create(Inv, $"{name}: median {Median(values):0.000} of the bound, range {values.Min():0.000}–{values.Max():0.000}"));
        }

        Console.WriteLine(string.Create(Inv, $"SDK / design floor, per round: median {Median([.. runs["SDK"].Zip(runs["design floor"], (a, b) => a / b)]):0.000}; SDK / floor {Median([.. runs["SDK"].Zip(runs["floor"], (a, b) => a / b)]):0.000}; design floor / floor {Median([.. runs["design floor"].Zip(runs["floor"], (a, b) => a / b)]):0.000}"));
        return 0;
    }

    /// <summary>Concurrency and contacts: the issue's 500 contacts at concurrency 8; about 2.5 s of ideal work elsewhere.</summary>
    private static (int Concurrency, int Contacts)[] ThroughputSizes(bool quick) => quick
        ? [(1, 50), (4, 200), (8, 500), (16, 500)]
        : [(1, 100), (4, 400), (8, 500), (16, 1_000)];

    // A second batch in the same process: an earlier batch of 8 contacts did the set-up (identity, domain, activity
    // types, trigger ids), as in a host that runs scheduled batches.
    private static async Task<double> WarmContactsPerSecondAsync(int contacts, int concurrency, CancellationToken ct)
    {
        using var site = FakeSite.Start(8, concurrency, Latency);
        var first = await site.Provisioner.RunOnceAsync(cancellationToken: ct);
        Require(first.Count(OutcomeKind.Created) == 8, "warm-up batch did not create every contact");
        site.AddMembers(contacts, "w");
        return await TimedRunAsync(site, contacts, ct);
    }

    private static async Task<double> ContactsPerSecondAsync(int contacts, int concurrency, CancellationToken ct)
    {
        using var site = FakeSite.Start(contacts, concurrency, Latency);
        return await TimedRunAsync(site, contacts, ct);
    }

    // One timed batch after a full collection: contacts per second; every contact must be created.
    private static async Task<double> TimedRunAsync(FakeSite site, int contacts, CancellationToken ct)
    {
        Settle();
        var watch = Stopwatch.StartNew();
        var summary = await site.Provisioner.RunOnceAsync(cancellationToken: ct);
        var rate = contacts / watch.Elapsed.TotalSeconds;
        Require(summary.Count(OutcomeKind.Created) == contacts, "latency run did not create every contact");
        return rate;
    }

    // One traced run: idle worker time by cause, the engine's steps, and the timeline in a text file.
    private static async Task<object> TraceAsync(StringBuilder md, int concurrency, int contacts, CancellationToken ct)
    {
        using var site = FakeSite.Start(contacts, concurrency, Latency);
        Settle();
        BatchTrace.Breakdown found;
        using (var tracer = new BatchTrace())
        {
            var summary = await site.Provisioner.RunOnceAsync(cancellationToken: ct);
            Require(summary.Count(OutcomeKind.Created) == contacts, "traced run did not create every contact");
            found = tracer.Analyse(concurrency, Latency, TimelinePath);
        }

        var bound = concurrency / Latency.TotalSeconds;
        var rate = contacts / found.WallSeconds;
        md.AppendLine(Inv, $"### Where the time goes (one traced run, concurrency {concurrency}, {contacts} contacts)").AppendLine()
            .AppendLine(Inv, $"{rate:0.0} contacts/s traced ({rate / bound:0.00} of the bound; tracing itself costs a little). Workers held a contact {found.Busy:P1} of concurrency × wall time; a contact took {found.ContactMs:0.0} ms on average (its create {found.CreateMs:0.0} ms) against {Latency.TotalMilliseconds:0} ms injected, so the contacts reach at most {Latency.TotalMilliseconds / found.ContactMs:0.00} of the bound and the idle time takes the rest.").AppendLine()
            .AppendLine("| Idle worker time, by what the run waited on | Share of concurrency × wall time |").AppendLine("|---|---:|");
        foreach (var (cause, share) in found.Idle)
        {
            md.AppendLine(Inv, $"| {cause} | {share:P1} |");
        }

        md.AppendLine().AppendLine("| Engine step | Count | Mean duration |").AppendLine("|---|---:|---:|");
        foreach (var (step, time) in found.Steps.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            md.AppendLine(Inv, $"| `{step}` | {time.Count} | {time.MeanMs:0.0} ms |");
        }

        md.AppendLine().AppendLine(Inv, $"Timeline: {Path.GetFullPath(TimelinePath)}").AppendLine();
        return new { concurrency, contacts, contactsPerSecond = rate, ratioToBound = rate / bound, found.Busy, contactMs = found.ContactMs, createMs = found.CreateMs, idle = found.Idle, steps = found.Steps };
    }

    /// <summary>The fakes' delay: how late a 20 ms wait ends, by way of waiting (<see cref="FakeDelayPrecision"/>).</summary>
    internal static void DelayTable(StringBuilder md, IReadOnlyList<FakeDelayPrecision.Result> delays)
    {
        md.AppendLine(Inv, $"What the fakes inject: a 20 ms wait from arrival, 8 workers back to back, {delays[0].Waits} waits each way; lateness is from the deadline to the waiting code running again on the thread pool (where an answer is written), in ms; a negative lateness is a wait that ended before its deadline.").AppendLine()
            .AppendLine("| Wait | Ended early | Min | Median | 90th | 99th | Max | Mean | Scheduler thread CPU per wait |").AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var d in delays)
        {
            md.AppendLine(Inv, $"| {d.Method} | {d.EarlyShare:P1} | {d.MinMs:0.000} | {d.MedianMs:0.000} | {d.P90Ms:0.000} | {d.P99Ms:0.000} | {d.MaxMs:0.000} | {d.MeanMs:0.000} | {(d.SchedulerCpuUsPerWait is { } us ? us.ToString("0.0", Inv) + " µs" : "")} |");
        }

        md.AppendLine();
    }

    /// <summary>
    /// Collects what earlier runs left behind before a timed run starts (as BenchmarkDotNet does), so a run does not pay
    /// for a collection of its predecessors' garbage.
    /// </summary>
    internal static void Settle()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
    }

    private static string TimelinePath => Path.Combine("artifacts", "benchmarks", "provisioning-trace.txt");

    internal static string LoadAverage()
    {
        try
        {
            return string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException)
        {
            return "unknown";
        }
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

    /// <summary>One batch of N new contacts over the in-memory kit, as the memory section runs it (concurrency 8, page 200).</summary>
    public static async Task RunKitAsync(int n)
    {
        using var kit = Kit.Start(n, 8, 200);
        var summary = await kit.Provisioner.RunOnceAsync();
        Require(summary.Count(OutcomeKind.Created) == n, $"kit created {summary.Count(OutcomeKind.Created)} of {n}");
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

    internal static void Require(bool condition, string message)
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

