namespace Skvare.CmsUser.FaultTests;
internal static class CrashWorker { public static int Run(string[] args) => 0; }
