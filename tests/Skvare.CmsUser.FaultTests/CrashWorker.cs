namespace Skvare.CmsUser.FaultTests;

/// <summary>The crash test's child process: one normal batch against the fakes of the parent, until it is killed.</summary>
internal static class CrashWorker
{
    public static int Run(string[] args)
    {
        using var engine = new FaultHarness.Engine(Endpoints.FromArgs(args), CrashTests.Configure, wordPress: null, civiOptions: null);
        Console.Out.WriteLine("started");
        Console.Out.Flush();
        var summary = engine.Provisioner.RunOnceAsync().GetAwaiter().GetResult();
        Console.Out.WriteLine($"finished {summary.Total}");
        return 0;
    }
}
