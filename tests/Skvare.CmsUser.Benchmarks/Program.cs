using BenchmarkDotNet.Running;

namespace Skvare.CmsUser.Benchmarks;

/// <summary>Runs the benchmarks: <c>dotnet run -c Release --project tests/Skvare.CmsUser.Benchmarks -- --filter '*'</c>.</summary>
public static class Program
{
    /// <summary>Entry point; <c>cluster</c> runs <see cref="ClusterBenchmark"/> (one clustered instance against three) instead.</summary>
    public static async Task Main(string[] args)
    {
        if (args is ["cluster", ..])
        {
            await ClusterBenchmark.RunAsync(args);
            return;
        }

        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
    }
}
