using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Skvare.CmsUser.Quartz.Tests;

namespace Skvare.CmsUser.Benchmarks;

/// <summary>
/// Ten sites on the HTTP fakes (WordPress answering after a simulated CMS latency), run once by one clustered
/// instance and once by three, each with the default <c>MaxConcurrency</c> of 4 site jobs, and once by one instance
/// running 12 site jobs at once: contacts per second and the ratio. Needs MariaDB/MySQL (see docs/scaling.md). Not a test: it prints numbers.
/// <c>dotnet run -c Release --project tests/Skvare.CmsUser.Benchmarks -- cluster [contactsPerSite] [cmsLatencyMs]</c>
/// </summary>
internal static class ClusterBenchmark
{
    public static async Task RunAsync(string[] args)
    {
        // The fakes of ten sites answer many delayed requests at once: do not let thread-pool growth be the limit.
        ThreadPool.SetMinThreads(256, 256);
        var contacts = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 300;
        var latency = TimeSpan.FromMilliseconds(args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 100);
        Console.WriteLine($"10 sites x {contacts} contacts, CMS latency {latency.TotalMilliseconds} ms per WordPress request");
        var one = await MeasureAsync(1, 4, contacts, latency);
        var three = await MeasureAsync(3, 4, contacts, latency);
        var wide = await MeasureAsync(1, 12, contacts, latency);
        Console.WriteLine($"1 instance,  MaxConcurrency 4:  {one.Elapsed.TotalSeconds,6:F1} s, {one.Rate,7:F0} contacts/s");
        Console.WriteLine($"3 instances, MaxConcurrency 4:  {three.Elapsed.TotalSeconds,6:F1} s, {three.Rate,7:F0} contacts/s");
        Console.WriteLine($"1 instance,  MaxConcurrency 12: {wide.Elapsed.TotalSeconds,6:F1} s, {wide.Rate,7:F0} contacts/s");
        Console.WriteLine($"ratio 3 instances / 1 instance (MaxConcurrency 4 each): {three.Rate / one.Rate:F2}x");
    }

    private static async Task<(TimeSpan Elapsed, double Rate)> MeasureAsync(int instances, int maxConcurrency, int contacts, TimeSpan latency)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(15));
        var database = JobStore.UniqueName("cmsuser_quartz_bench");
        var connection = await JobStore.CreateAsync(database, timeout.Token);
        var dir = Directory.CreateTempSubdirectory("cmsuser-quartz-bench-").FullName;
        var sites = Enumerable.Range(0, 10).Select(i => new FakeSite($"site{i:00}", contacts)).ToList();
        var running = new List<Instance>();
        try
        {
            foreach (var site in sites)
            {
                site.WordPress.ResponseDelay = latency;
            }

            var settings = Path.Combine(dir, "settings.json");
            var gate = Path.Combine(dir, "go");
            await File.WriteAllTextAsync(settings, JsonSerializer.Serialize(new
            {
                CmsUser = new
                {
                    Sites = sites.ToDictionary(s => s.Name, s => s.Settings(TimeSpan.FromHours(1))),
                    Quartz = new { ConnectionString = connection, MaxConcurrency = maxConcurrency, IdleWaitTime = "00:00:01" },
                },
            }), timeout.Token);

            var done = new HashSet<string>();
            var clock = new Stopwatch();
            TimeSpan? first = null;
            var allDone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            for (var i = 1; i <= instances; i++)
            {
                var instance = Instance.Start(i, settings, gate);
                instance.JobEvent += (source, id, site, _) =>
                {
                    lock (done)
                    {
                        first ??= clock.Elapsed;
                        Console.WriteLine($"  {clock.Elapsed.TotalSeconds,6:F1} s  instance {source.Number} {(id == 7000 ? "started " : "finished")} {site}");
                        if (id == 7001 && done.Add(site) && done.Count == sites.Count)
                        {
                            allDone.TrySetResult();
                        }
                    }
                };
                running.Add(instance);
            }

            await Task.WhenAll(running.Select(i => i.Ready)).WaitAsync(timeout.Token);
            clock.Start();
            await File.WriteAllTextAsync(gate, "go", timeout.Token);
            await allDone.Task.WaitAsync(timeout.Token);
            clock.Stop();
            // From the first site job started to the last finished: the processes' start-up (a one-time cost that
            // three processes starting together on a small machine pay several seconds of) is left out.
            var elapsed = clock.Elapsed - first!.Value;
            return (elapsed, sites.Count * contacts / elapsed.TotalSeconds);
        }
        finally
        {
            foreach (var instance in running)
            {
                instance.Dispose();
            }

            foreach (var site in sites)
            {
                site.Dispose();
            }

            Directory.Delete(dir, recursive: true);
            JobStore.Drop(database);
        }
    }
}
