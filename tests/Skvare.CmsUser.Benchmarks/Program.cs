using BenchmarkDotNet.Running;

namespace Skvare.CmsUser.Benchmarks;

/// <summary>Runs the benchmarks: <c>dotnet run -c Release --project tests/Skvare.CmsUser.Benchmarks -- --filter '*'</c>.</summary>
public static class Program
{
    /// <summary>Entry point.</summary>
    public static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
}
