namespace Skvare.CmsUser.FaultTests;

internal static class Program
{
    public static int Main(string[] args) => args.Length > 0 && args[0] == "crash-worker" ? CrashWorker.Run(args[1..]) : 0;
}
