using System.Diagnostics.Tracing;
using System.Globalization;
using Microsoft.Diagnostics.NETCore.Client;
using Microsoft.Diagnostics.Tracing.Etlx;
using Microsoft.Diagnostics.Tracing.Parsers;
using Microsoft.Diagnostics.Tracing.Parsers.Clr;

namespace Skvare.CmsUser.Benchmarks.Provisioning;

/// <summary>
/// <c>provisioning-overhead-stacks DRIVER ROUNDS</c>: where a driver of <c>provisioning-overhead</c> allocates, by call site.
/// The process traces itself through EventPipe (the runtime's allocation ticks with their stacks, one tick per ~100 KB
/// allocated) while it runs the driver ROUNDS times (concurrency 8, 500 contacts, 20 ms), then prints, per create, the
/// bytes by the nearest frame of the SDK (<c>Skvare.CmsUser.*</c> but the test kit), by the nearest frame of the test kit
/// (the fakes' side), and the heaviest full stacks.
/// </summary>
internal static class AllocationStacks
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static async Task<int> RunAsync(string driver, int rounds)
    {
        await Overhead.WarmAsync(driver);
        var file = Path.Combine(Path.GetTempPath(), $"allocations-{Environment.ProcessId}.nettrace");
        var client = new DiagnosticsClient(Environment.ProcessId);
        var providers = new[]
        {
            new EventPipeProvider(ClrTraceEventParser.ProviderName, EventLevel.Verbose, (long)(ClrTraceEventParser.Keywords.GC | ClrTraceEventParser.Keywords.Jit | ClrTraceEventParser.Keywords.Loader)),
        };
        double bytes = 0;
        using (var session = client.StartEventPipeSession(providers, requestRundown: true))
        {
            await using var output = File.Create(file);
            var copy = session.EventStream.CopyToAsync(output);
            for (var i = 0; i < rounds; i++)
            {
                bytes += await Overhead.MeasureBytesAsync(driver);
            }

            await session.StopAsync(CancellationToken.None);
            await copy;
        }

        var creates = rounds * Overhead.Contacts;
        using var log = TraceLog.OpenOrConvert(TraceLog.CreateFromEventPipeDataFile(file));
        var bySdk = new Dictionary<string, long>(StringComparer.Ordinal);
        var byKit = new Dictionary<string, long>(StringComparer.Ordinal);
        var byStack = new Dictionary<string, long>(StringComparer.Ordinal);
        var bySdkMethod = new Dictionary<string, long>(StringComparer.Ordinal);
        long total = 0;
        foreach (var data in log.Events.ByEventType<GCAllocationTickTraceData>())
        {
            var amount = data.AllocationAmount64;
            total += amount;
            var frames = new List<string>();
            for (var s = data.CallStack(); s is not null && frames.Count < 40; s = s.Caller)
            {
                var m = s.CodeAddress.FullMethodName;
                frames.Add(string.IsNullOrEmpty(m) ? "?" : m);
            }

            var sdk = frames.FirstOrDefault(f => f.StartsWith("Skvare.CmsUser.", StringComparison.Ordinal) && !f.StartsWith("Skvare.CmsUser.Testing", StringComparison.Ordinal) && !f.StartsWith("Skvare.CmsUser.Benchmarks", StringComparison.Ordinal) && !f.StartsWith("Skvare.CmsUser.Tests", StringComparison.Ordinal));
            var kit = frames.FirstOrDefault(f => f.StartsWith("Skvare.CmsUser.Testing", StringComparison.Ordinal) || f.StartsWith("WireMock", StringComparison.Ordinal));
            var key = sdk ?? (kit is not null ? "(fakes) " + kit : "(other) " + frames.FirstOrDefault(f => f != "?"));
            Add(bySdk, $"{data.TypeName} ← {key}", amount);
            Add(byKit, sdk is not null ? "(SDK)" : kit ?? "(neither)", amount);
            if (sdk is not null)
            {
                // The SDK frame and the two SDK frames above it: which step of the engine or client it serves.
                var sdkFrames = frames.Where(f => f.StartsWith("Skvare.CmsUser.", StringComparison.Ordinal) && !f.StartsWith("Skvare.CmsUser.Testing", StringComparison.Ordinal) && !f.StartsWith("Skvare.CmsUser.Benchmarks", StringComparison.Ordinal)).Take(3).Select(Short);
                Add(bySdkMethod, data.TypeName + " ← " + string.Join(" ← ", sdkFrames), amount);
            }

            Add(byStack, data.TypeName + "\n      " + string.Join("\n      ", frames.Where(f => f != "?").Take(12)), amount);
        }

        var scale = bytes / Math.Max(1, total) / rounds;
        Console.WriteLine(string.Create(Inv, $"{driver}: {bytes / rounds / 1024:0.0} KB per create, {total / 1024 / 1024} MB sampled in ticks (load {ProvisioningCommand.LoadAverage()})"));
        Print("by type and nearest SDK frame", bySdk, scale, 60);
        Print("SDK or fakes", byKit, scale, 20);
        Print("SDK call sites (type ← the nearest three SDK frames)", bySdkMethod, scale, 80);
        Print("heaviest stacks", byStack.Where(p => !p.Key.Contains("FakeSite.Start", StringComparison.Ordinal)).ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal), scale, 15);
        File.Delete(file);
        return 0;
    }

    // "Skvare.CmsUser.Engine.Type+<M>d__3.MoveNext(…)" → "Engine.Type+<M>d__3.MoveNext": no parameters, no package prefix.
    private static string Short(string frame)
    {
        var paren = frame.IndexOf('(', StringComparison.Ordinal);
        var name = paren < 0 ? frame : frame[..paren];
        return name.StartsWith("Skvare.CmsUser.", StringComparison.Ordinal) ? name["Skvare.CmsUser.".Length..] : name;
    }

    private static void Add(Dictionary<string, long> map, string key, long amount) => map[key] = map.GetValueOrDefault(key) + amount;

    private static void Print(string title, Dictionary<string, long> map, double scale, int top)
    {
        Console.WriteLine();
        Console.WriteLine(title + " (bytes per create):");
        foreach (var (key, amount) in map.OrderByDescending(p => p.Value).Take(top))
        {
            Console.WriteLine(string.Create(Inv, $"  {amount * scale,8:0}  {key}"));
        }
    }
}
