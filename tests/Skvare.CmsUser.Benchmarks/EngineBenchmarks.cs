using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.DependencyInjection;
using Skvare.CmsUser.Testing.InMemory;

namespace Skvare.CmsUser.Benchmarks;

/// <summary>
/// Engine overhead per contact: a batch over in-memory CiviCRM and CMS (no network), so the numbers
/// show what the engine itself costs in time and allocations.
/// </summary>
[MemoryDiagnoser]
public class EngineBenchmarks
{
    private ServiceProvider? _services;

    [Params(1_000, 5_000)]
    public int Contacts { get; set; }

    [Params(1, 4)]
    public int Concurrency { get; set; }

    /// <summary>Simulated CMS latency per create, in milliseconds (0 = engine overhead only).</summary>
    [Params(0, 2)]
    public int CmsLatencyMs { get; set; }

    [IterationSetup]
    public void Setup()
    {
        var civi = new FakeCiviCrm();
        for (var i = 0; i < Contacts; i++)
        {
            var c = civi.AddContact("First" + i, "Last" + i, $"p{i}@example.org");
            civi.AddToGroup("members", c.Id);
        }

        var services = new ServiceCollection().AddLogging();
        services.AddCmsUserProvisioning(o =>
        {
            o.Rules.Add(new ProvisioningRule { Trigger = TriggerDefinition.Group("members"), History = TriggerDefinition.Group("done") });
            o.MaxConcurrency = Concurrency;
            o.PageSize = 200;
        }).UseInMemory(civi, new FakeCmsAccountProvider { BeforeCreate = CmsLatencyMs == 0 ? null : _ => Task.Delay(CmsLatencyMs) });
        _services = services.BuildServiceProvider();
    }

    [IterationCleanup]
    public void Cleanup() => _services?.Dispose();

    [Benchmark]
    public async Task<int> Batch()
    {
        var summary = await _services!.GetRequiredService<IUserProvisioner>().RunOnceAsync();
        return summary.Total;
    }
}
