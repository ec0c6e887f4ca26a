using BenchmarkDotNet.Running;
using Skvare.CmsUser.Benchmarks.Provisioning;

namespace Skvare.CmsUser.Benchmarks;

/// <summary>
/// Runs the benchmarks: <c>dotnet run -c Release --project tests/Skvare.CmsUser.Benchmarks -- --filter '*'</c> for the
/// BenchmarkDotNet micro-benchmarks, or <c>-- provisioning [--live] [--quick] [--trace] [--only SECTIONS] [--out FILE]</c> for the request, latency and
/// memory report, or <c>-- cluster [contactsPerSite] [cmsLatencyMs]</c> for one clustered instance against three
/// (docs/benchmarks.md).
/// </summary>
public static class Program
{
    /// <summary>Entry point.</summary>
    public static async Task<int> Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "provisioning")
        {
            return await ProvisioningCommand.RunAsync(args[1..]);
        }

        if (args is ["cluster", ..])
        {
            await ClusterBenchmark.RunAsync(args);
            return 0;
        }

        if (args.Length == 2 && args[0] == "provisioning-kit")
        {
            return await ProvisioningCommand.KitAsync(int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture));
        }

        if (args is ["provisioning-kit-records", var records])
        {
            return await KitMemoryProfile.RecordsAsync(int.Parse(records, System.Globalization.CultureInfo.InvariantCulture));
        }

        if (args is ["provisioning-kit-allocations", var allocations])
        {
            return await KitMemoryProfile.AllocationsAsync(int.Parse(allocations, System.Globalization.CultureInfo.InvariantCulture));
        }

        if (args is ["provisioning-floor", var floorConcurrency, var floorLatencyMs, var floorCreates])
        {
            // The floor alone (docs/benchmarks.md): creates per second and per-request time of the bare HttpClient loop.
            var inv = System.Globalization.CultureInfo.InvariantCulture;
            var c = int.Parse(floorConcurrency, inv);
            var latency = TimeSpan.FromMilliseconds(double.Parse(floorLatencyMs, inv));
            var n = int.Parse(floorCreates, inv);
            for (var i = 0; i < 3; i++)
            {
                var rate = await HttpFloor.CreatesPerSecondAsync(n, c, latency, CancellationToken.None);
                Console.WriteLine(string.Create(inv, $"concurrency {c}, {latency.TotalMilliseconds} ms: {rate:0.0} creates/s, {c * 1000 / rate:0.000} ms a request{(latency > TimeSpan.Zero ? $", {rate * latency.TotalSeconds / c:0.000} of the bound" : "")}"));
            }

            return 0;
        }

        if (args is ["provisioning-alternate", var rounds])
        {
            return await ProvisioningCommand.AlternateAsync(int.Parse(rounds, System.Globalization.CultureInfo.InvariantCulture));
        }

        if (args is ["provisioning-overhead", var overheadRounds, ..])
        {
            // Per-create cost of the SDK against the bare drivers, same process and rounds (docs/benchmarks.md).
            return await Overhead.RunAsync(int.Parse(overheadRounds, System.Globalization.CultureInfo.InvariantCulture), args.Contains("--spans"), args.Contains("--trace"));
        }

        if (args is ["provisioning-overhead-allocations", var allocationRounds])
        {
            // What each driver of provisioning-overhead allocates per create, by type (docs/benchmarks.md).
            return await Overhead.AllocationsByTypeAsync(int.Parse(allocationRounds, System.Globalization.CultureInfo.InvariantCulture));
        }

        if (args is ["provisioning-overhead-stacks", var stackDriver, var stackRounds])
        {
            // Where a driver of provisioning-overhead allocates, by call site (docs/benchmarks.md).
            return await AllocationStacks.RunAsync(stackDriver, int.Parse(stackRounds, System.Globalization.CultureInfo.InvariantCulture));
        }

        if (args is ["provisioning-overhead-kit", var kitContacts])
        {
            // The engine's hand-overs per contact over the in-memory kit (docs/benchmarks.md).
            return await Overhead.KitHandOversAsync(int.Parse(kitContacts, System.Globalization.CultureInfo.InvariantCulture));
        }

        if (args is ["provisioning-design-floor", var designConcurrency, var designContacts])
        {
            // The design floor alone (docs/benchmarks.md), with and without the Scheduled records, at 20 ms.
            var inv = System.Globalization.CultureInfo.InvariantCulture;
            var c = int.Parse(designConcurrency, inv);
            var n = int.Parse(designContacts, inv);
            for (var i = 0; i < 3; i++)
            {
                foreach (var audit in new[] { true, false })
                {
                    var rate = await DesignFloor.ContactsPerSecondAsync(n, c, TimeSpan.FromMilliseconds(20), audit, CancellationToken.None);
                    Console.WriteLine(string.Create(inv, $"concurrency {c}, {n} contacts, {(audit ? "audit before create" : "no Scheduled records")}: {rate:0.0} contacts/s, {rate * 0.020 / c:0.000} of the bound"));
                }
            }

            return 0;
        }

        if (args is ["provisioning-fake-delay", ..])
        {
            var waits = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 100;
            var md = new System.Text.StringBuilder();
            ProvisioningCommand.DelayTable(md, await FakeDelayPrecision.MeasureAsync(waits, 8, TimeSpan.FromMilliseconds(20), CancellationToken.None));
            Console.Write(md.ToString());
            return 0;
        }

        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        return 0;
    }
}
