using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Skvare.CmsUser.Testing.InMemory;
using Skvare.CmsUser.Testing.WordPress;
using Skvare.CmsUser.Tests.Shared.Sites;

namespace Skvare.CmsUser.Benchmarks.Provisioning;

/// <summary>
/// <c>provisioning-overhead ROUNDS [--spans] [--trace]</c>: what a new contact costs the process besides its 20 ms, SDK against the
/// bare drivers, in the same process and rounds (concurrency 8, 500 contacts, 20 ms). Each round runs, in turn: the SDK's
/// batch (cold, a new site), the design floor (<see cref="DesignFloor"/>, with the Scheduled records), the SDK's WordPress
/// provider alone (<c>CreateAsync</c> from 8 workers, no engine, no CiviCRM) and the bare create loop
/// (<see cref="HttpFloor"/>'s request). Per create it prints counts that do not depend on the machine's speed: thread-pool
/// work items, bytes allocated, lock contentions; and CPU time. With <c>--spans</c> it also listens to HttpClient's request
/// spans (the same listener for every driver) and prints the creates' client-side duration and, in the middle 80 % of
/// each run, how many creates were in flight on average (of 8) and each worker's cycle per create: the time a create
/// spends outside its request span is the driver's own per-contact cost. With <c>--trace</c> the SDK's batch runs are
/// traced as <c>provisioning --trace</c> traces its run (<see cref="BatchTrace"/>): a contact's time against its create's,
/// and the idle worker time by cause.
/// </summary>
internal static class Overhead
{
    private const int Concurrency = 8;
    internal const int Contacts = 500;
    private static readonly TimeSpan Latency = TimeSpan.FromMilliseconds(20);
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    private static readonly string[] Drivers = ["SDK batch", "design floor", "SDK provider", "bare creates"];

    public static async Task<int> RunAsync(int rounds, bool spans, bool trace)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(30));
        var ct = timeout.Token;
        using var listener = spans ? new RequestSpans() : null;
        var samples = Drivers.ToDictionary(d => d, _ => new List<Sample>(), StringComparer.Ordinal);
        var traces = new List<BatchTrace.Breakdown>();

        // Warm-up: every driver once, so no measured run pays the JIT of its first call.
        foreach (var driver in Drivers)
        {
            await RunOneAsync(driver, 50, listener, null, ct);
        }

        Console.WriteLine(string.Create(Inv, $"load average before: {ProvisioningCommand.LoadAverage()}"));
        for (var round = 0; round < rounds; round++)
        {
            foreach (var driver in Drivers)
            {
                samples[driver].Add(await RunOneAsync(driver, Contacts, listener, trace ? traces : null, ct));
            }

            Console.WriteLine(string.Create(Inv, $"round {round + 1}: {string.Join(", ", Drivers.Select(d => $"{d} {samples[d][^1].Ratio:0.000}"))} (load {ProvisioningCommand.LoadAverage()})"));
        }

        Console.WriteLine(string.Create(Inv, $"load average after: {ProvisioningCommand.LoadAverage()}"));
        Console.WriteLine();
        Console.WriteLine(string.Create(Inv, $"Medians of {rounds} rounds (range), per create; concurrency {Concurrency}, {Contacts} contacts, {Latency.TotalMilliseconds:0} ms:"));
        Console.WriteLine();
        var header = "| Driver | Ratio to bound | Thread-pool work items | KB allocated | CPU µs | Lock contentions | GCs (gen0) per run |";
        var rule = "|---|---:|---:|---:|---:|---:|---:|";
        if (spans)
        {
            header += " Create span ms (mean) | Median | 90th | Creates in flight (of 8, middle 80 %) | Cycle per create and worker, ms | Outside the span, ms |";
            rule += "---:|---:|---:|---:|---:|---:|";
        }

        Console.WriteLine(header);
        Console.WriteLine(rule);
        foreach (var driver in Drivers)
        {
            var s = samples[driver];
            var line = new StringBuilder(string.Create(Inv, $"| {driver} | {Med(s, x => x.Ratio):0.000} ({s.Min(x => x.Ratio):0.000}–{s.Max(x => x.Ratio):0.000}) | {Med(s, x => x.WorkItems):0.0} | {Med(s, x => x.Bytes / 1024):0.0} | {Med(s, x => x.CpuUs):0} | {Med(s, x => x.Contentions):0.00} | {Med(s, x => x.Gen0):0} |"));
            if (spans)
            {
                line.Append(Inv, $" {Med(s, x => x.Spans!.MeanMs):0.000} | {Med(s, x => x.Spans!.MedianMs):0.000} | {Med(s, x => x.Spans!.P90Ms):0.000} | {Med(s, x => x.Spans!.InFlight):0.000} | {Med(s, x => x.Spans!.CycleMs):0.000} | {Med(s, x => x.Spans!.CycleMs - x.Spans!.MeanMs):0.000} |");
            }

            Console.WriteLine(line.ToString());
        }

        if (traces.Count > 0)
        {
            // The SDK batch's own spans (BatchTrace): a contact against its create, and the idle worker time by cause.
            Console.WriteLine();
            Console.WriteLine(string.Create(Inv, $"SDK batch, traced (medians of {traces.Count}): a contact {MedOf(traces.Select(t => t.ContactMs)):0.000} ms, its create {MedOf(traces.Select(t => t.CreateMs)):0.000} ms; workers busy {MedOf(traces.Select(t => t.Busy)):P1}"));
            foreach (var cause in traces.SelectMany(t => t.Idle.Keys).Distinct().Order(StringComparer.Ordinal))
            {
                Console.WriteLine(string.Create(Inv, $"  idle, {cause}: {MedOf(traces.Select(t => t.Idle.GetValueOrDefault(cause))):P2}"));
            }
        }

        return 0;
    }

    /// <summary>
    /// <c>provisioning-overhead-kit CONTACTS</c>: thread-pool work items per contact of a batch over the in-memory kit
    /// (concurrency 8, page 100) whose every create waits for a 1 ms timer, so the workers are busy and the launcher waits
    /// for a free one before each contact; five runs after a warm-up. No HTTP and no fakes' hosts: what is left is the
    /// timer's completion and the engine's own hand-overs per contact.
    /// </summary>
    public static async Task<int> KitHandOversAsync(int contacts)
    {
        await KitRunAsync(200);
        for (var i = 0; i < 5; i++)
        {
            var (workItems, seconds) = await KitRunAsync(contacts);
            Console.WriteLine(string.Create(Inv, $"{contacts} contacts: {workItems:0.000} thread-pool work items per contact ({seconds:0.00} s; load {ProvisioningCommand.LoadAverage()})"));
        }

        return 0;
    }

    /// <summary>
    /// <c>provisioning-overhead-allocations ROUNDS</c>: what a create allocates by type (the runtime's sampled allocation
    /// ticks, one per ~100 KB) for each driver of <c>provisioning-overhead</c> (concurrency 8, 500 contacts, 20 ms), summed
    /// over ROUNDS rounds after a warm-up; prints per driver the largest types in bytes per create, then the types where
    /// the SDK's batch allocates most above the design floor. Types, not call sites: the fakes run in the same process, so
    /// a type such as <c>System.String</c> holds both sides; the fakes' own types and the JSON readers tell them apart.
    /// </summary>
    public static async Task<int> AllocationsByTypeAsync(int rounds)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(30));
        var ct = timeout.Token;
        foreach (var driver in Drivers)
        {
            await RunOneAsync(driver, 50, null, null, ct);
        }

        using var listener = new KitMemoryProfile.AllocationListener();
        var perCreate = new Dictionary<string, Dictionary<string, double>>(StringComparer.Ordinal);
        var totals = Drivers.ToDictionary(d => d, _ => 0d, StringComparer.Ordinal);
        var sampled = Drivers.ToDictionary(d => d, _ => new Dictionary<string, long>(StringComparer.Ordinal), StringComparer.Ordinal);
        for (var round = 0; round < rounds; round++)
        {
            foreach (var driver in Drivers)
            {
                listener.Clear();
                var sample = await RunOneAsync(driver, Contacts, null, null, ct);
                totals[driver] += sample.Bytes;
                foreach (var (type, bytes) in listener.Snapshot())
                {
                    sampled[driver][type] = sampled[driver].GetValueOrDefault(type) + bytes;
                }
            }
        }

        foreach (var driver in Drivers)
        {
            // Scaled so the types add up to the measured bytes per create.
            var bytesPerCreate = totals[driver] / rounds;
            var sum = Math.Max(1, sampled[driver].Values.Sum());
            perCreate[driver] = sampled[driver].ToDictionary(p => p.Key, p => bytesPerCreate * p.Value / sum, StringComparer.Ordinal);
            Console.WriteLine(string.Create(Inv, $"{driver}: {bytesPerCreate / 1024:0.0} KB per create (load {ProvisioningCommand.LoadAverage()})"));
            foreach (var (type, bytes) in perCreate[driver].OrderByDescending(p => p.Value).Take(30))
            {
                Console.WriteLine(string.Create(Inv, $"  {bytes,9:0} B  {type}"));
            }
        }

        Console.WriteLine();
        Console.WriteLine("SDK batch above the design floor, by type (bytes per create):");
        var sdk = perCreate["SDK batch"];
        var floor = perCreate["design floor"];
        foreach (var (type, bytes) in sdk.Keys.Union(floor.Keys).Select(t => (t, sdk.GetValueOrDefault(t) - floor.GetValueOrDefault(t))).OrderByDescending(p => p.Item2).Take(40))
        {
            Console.WriteLine(string.Create(Inv, $"  {bytes,9:0} B  {type}"));
        }

        return 0;
    }

    /// <summary>Runs <paramref name="driver"/> once on 50 contacts (the JIT).</summary>
    internal static Task WarmAsync(string driver) => RunOneAsync(driver, 50, null, null, CancellationToken.None);

    /// <summary>Runs <paramref name="driver"/> once on <see cref="Contacts"/> contacts; returns the bytes allocated per create.</summary>
    internal static async Task<double> MeasureBytesAsync(string driver) => (await RunOneAsync(driver, Contacts, null, null, CancellationToken.None)).Bytes;

    private static async Task<(double WorkItems, double Seconds)> KitRunAsync(int contacts)
    {
        var civi = new FakeCiviCrm();
        var ids = new long[contacts];
        for (var i = 0; i < contacts; i++)
        {
            ids[i] = civi.AddContact("First" + i.ToString(Inv), "Last" + i.ToString(Inv), $"k{i}@example.org").Id;
        }

        civi.AddToGroup("members", ids);
        var cms = new FakeCmsAccountProvider { BeforeCreate = _ => Task.Delay(1) };
        var services = new ServiceCollection().AddLogging();
        services.AddCmsUserProvisioning(o =>
        {
            o.Rules.Add(new ProvisioningRule { Trigger = TriggerDefinition.Group("members"), History = TriggerDefinition.Group("done") });
            o.MaxConcurrency = Concurrency;
            o.PageSize = 100;
        }).UseInMemory(civi, cms);
        await using var provider = services.BuildServiceProvider();
        ProvisioningCommand.Settle();
        var before = ThreadPool.CompletedWorkItemCount;
        var watch = Stopwatch.StartNew();
        var summary = await provider.GetRequiredService<IUserProvisioner>().RunOnceAsync();
        var workItems = ThreadPool.CompletedWorkItemCount - before;
        ProvisioningCommand.Require(summary.Count(OutcomeKind.Created) == contacts, $"kit created {summary.Count(OutcomeKind.Created)} of {contacts}");
        return ((double)workItems / contacts, watch.Elapsed.TotalSeconds);
    }

    private static double MedOf(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return (sorted[(sorted.Count - 1) / 2] + sorted[sorted.Count / 2]) / 2;
    }

    private static double Med(List<Sample> samples, Func<Sample, double> value)
    {
        var sorted = samples.Select(value).Order().ToList();
        return (sorted[(sorted.Count - 1) / 2] + sorted[sorted.Count / 2]) / 2;
    }

    private static async Task<Sample> RunOneAsync(string driver, int contacts, RequestSpans? listener, List<BatchTrace.Breakdown>? traces, CancellationToken ct)
    {
        using var site = FakeSite.Start(driver is "SDK batch" or "design floor" ? contacts : 0, Concurrency, Latency);
        using var bare = driver == "bare creates" ? new FakeWordPressServer { ResponseDelay = Latency } : null;
        Func<Task> run = driver switch
        {
            "SDK batch" => async () =>
            {
                var summary = await site.Provisioner.RunOnceAsync(cancellationToken: ct);
                ProvisioningCommand.Require(summary.Count(OutcomeKind.Created) == contacts, $"SDK batch created {summary.Count(OutcomeKind.Created)} of {contacts}");
            },
            "design floor" => () => DesignFloor.RunAsync(site, contacts, Concurrency, audit: true, ct),
            "SDK provider" => () => ProviderCreatesAsync(site.Services.GetRequiredService<ICmsAccountProvider>(), contacts, ct),
            _ => () => BareCreatesAsync(bare!, contacts, ct),
        };
        var port = (bare?.BaseUrl ?? site.WordPress.BaseUrl).Port;
        ProvisioningCommand.Settle();
        listener?.Clear();
        using var tracer = traces is not null && driver == "SDK batch" ? new BatchTrace() : null;
        var before = Counters.Now();
        await run();
        var after = Counters.Now();
        if (tracer is not null)
        {
            traces!.Add(tracer.Analyse(Concurrency, Latency, Path.Combine(Path.GetTempPath(), "provisioning-overhead-trace.txt")));
        }

        var elapsed = Stopwatch.GetElapsedTime(before.Timestamp, after.Timestamp);
        return new Sample(
            contacts / elapsed.TotalSeconds / (Concurrency / Latency.TotalSeconds),
            (double)(after.WorkItems - before.WorkItems) / contacts,
            (double)(after.Bytes - before.Bytes) / contacts,
            (after.Cpu - before.Cpu).TotalMicroseconds / contacts,
            (double)(after.Contentions - before.Contentions) / contacts,
            after.Gen0 - before.Gen0,
            listener?.Creates(port));
    }

    // The SDK's WordPress provider, as the engine calls it for a new contact, from 8 workers: no engine, no CiviCRM.
    private static async Task ProviderCreatesAsync(ICmsAccountProvider cms, int creates, CancellationToken ct)
    {
        var next = -1;
        var workers = Enumerable.Range(0, Concurrency).Select(_ => Task.Run(
            async () =>
            {
                int i;
                while ((i = Interlocked.Increment(ref next)) < creates)
                {
                    var n = i.ToString(Inv);
                    await cms.CreateAsync(
                        new NewCmsAccount
                        {
                            Username = "provider" + n,
                            Email = $"provider{n}@example.org",
                            ContactId = i + 1,
                            FirstName = "First" + n,
                            LastName = "Last" + n,
                            DisplayName = $"First{n} Last{n}",
                            Roles = ["subscriber"],
                            Notify = true,
                        },
                        ct).ConfigureAwait(false);
                }
            },
            ct)).ToArray();
        await Task.WhenAll(workers);
    }

    // The floor's loop (HttpFloor): the same request from 8 workers with a bare HttpClient.
    private static async Task BareCreatesAsync(FakeWordPressServer site, int creates, CancellationToken ct)
    {
        using var client = new HttpClient(new SocketsHttpHandler { UseCookies = false, AllowAutoRedirect = false, PooledConnectionLifetime = TimeSpan.FromMinutes(5) });
        var url = new Uri(site.BaseUrl, "wp-json/skvare-cmsuser/v1/users?notify=user");
        var authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(site.AdminUsername + ":" + site.ApplicationPassword)));
        var next = -1;
        var workers = Enumerable.Range(0, Concurrency).Select(_ => Task.Run(
            async () =>
            {
                int i;
                while ((i = Interlocked.Increment(ref next)) < creates)
                {
                    await HttpFloor.CreateAsync(client, url, authorization, i, ct).ConfigureAwait(false);
                }
            },
            ct)).ToArray();
        await Task.WhenAll(workers);
    }

    private readonly record struct Counters(long WorkItems, long Bytes, TimeSpan Cpu, long Contentions, int Gen0, long Timestamp)
    {
        public static Counters Now()
        {
            using var process = Process.GetCurrentProcess();
            return new(ThreadPool.CompletedWorkItemCount, GC.GetTotalAllocatedBytes(precise: true), process.TotalProcessorTime, Monitor.LockContentionCount, GC.CollectionCount(0), Stopwatch.GetTimestamp());
        }
    }

    private sealed record Sample(double Ratio, double WorkItems, double Bytes, double CpuUs, double Contentions, int Gen0, CreateSpans? Spans);

    /// <summary>The creates' request spans of one run.</summary>
    /// <param name="MeanMs">Mean client-side duration (HttpClient's span: connection, send, answer headers) of the creates started in the middle 80 %.</param>
    /// <param name="MedianMs">Median of the same.</param>
    /// <param name="P90Ms">90th percentile of the same.</param>
    /// <param name="InFlight">Creates in flight on average in the middle 80 % of the run (from the 10th to the 90th percentile of their starts).</param>
    /// <param name="CycleMs">Concurrency × that window / creates started in it: how long a worker takes per create.</param>
    private sealed record CreateSpans(double MeanMs, double MedianMs, double P90Ms, double InFlight, double CycleMs);

    /// <summary>HttpClient's request spans (<c>System.Net.Http</c>), kept as start and end timestamps with the server's port.</summary>
    private sealed class RequestSpans : IDisposable
    {
        private readonly ConcurrentQueue<(long Start, long End, int Port, string Method, string Path)> _spans = new();
        private readonly ActivityListener _listener;

        public RequestSpans()
        {
            _listener = new ActivityListener
            {
                ShouldListenTo = s => s.Name == "System.Net.Http",
                Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
                ActivityStopped = a =>
                {
                    var end = Stopwatch.GetTimestamp();
                    var url = a.GetTagItem("url.full") as string;
                    if (url is not null && Uri.TryCreate(url, UriKind.Absolute, out var uri))
                    {
                        _spans.Enqueue((end - (long)(a.Duration.TotalSeconds * Stopwatch.Frequency), end, uri.Port, a.GetTagItem("http.request.method") as string ?? "", uri.AbsolutePath));
                    }
                },
            };
            ActivitySource.AddActivityListener(_listener);
        }

        public void Clear() => _spans.Clear();

        public CreateSpans? Creates(int port)
        {
            var creates = _spans.Where(s => s.Port == port && s.Method == "POST" && s.Path.EndsWith("/users", StringComparison.Ordinal)).OrderBy(s => s.Start).ToArray();
            if (creates.Length < 20)
            {
                return null;
            }

            var from = creates[creates.Length / 10].Start;
            var to = creates[creates.Length * 9 / 10].Start;
            var started = creates.Count(s => s.Start >= from && s.Start < to);
            var ms = creates.Where(s => s.Start >= from && s.Start < to).Select(s => Stopwatch.GetElapsedTime(s.Start, s.End).TotalMilliseconds).Order().ToArray();
            double busy = 0;
            foreach (var s in creates)
            {
                var a = Math.Max(s.Start, from);
                var b = Math.Min(s.End, to);
                if (b > a)
                {
                    busy += b - a;
                }
            }

            var window = (double)(to - from);
            var windowMs = window * 1000 / Stopwatch.Frequency;
            return new CreateSpans(ms.Average(), ms[ms.Length / 2], ms[ms.Length * 9 / 10], busy / window, Concurrency * windowMs / started);
        }

        public void Dispose() => _listener.Dispose();
    }
}
