// One service instance: the sites and the clustered scheduler from a JSON file (args[0]). Prints "READY" once built,
// waits for the gate file (args[1]) so that the instances of a test start together, then runs until killed or until
// stdin closes. Job events go to stdout as "EVENT|<id>|<message>" for the test to read.
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Skvare.CmsUser;

var builder = Host.CreateApplicationBuilder();
builder.Configuration.Sources.Clear();
builder.Configuration.AddJsonFile(args[0]).AddEnvironmentVariables();
builder.Logging.ClearProviders();
builder.Logging.AddProvider(new EventLines());
builder.Logging.SetMinimumLevel(LogLevel.Information);
var cmsUser = builder.Configuration.GetSection("CmsUser");
builder.Services.AddCmsUserSites(cmsUser, (_, site) => site.AddCiviCrm().AddWordPress());
builder.Services.AddCmsUserQuartz(cmsUser.GetSection("Quartz"));
using var host = builder.Build();

Console.Out.WriteLine("READY");
Console.Out.Flush();
while (args.Length > 1 && !File.Exists(args[1]))
{
    await Task.Delay(20);
}

await host.StartAsync();
Console.Out.WriteLine("STARTED");
Console.Out.Flush();
await Console.In.ReadToEndAsync(); // the test closes stdin to stop an instance cleanly
await host.StopAsync();

internal sealed class EventLines : ILoggerProvider
{
    private static readonly object Gate = new();

    public ILogger CreateLogger(string categoryName) => new Lines(categoryName);

    public void Dispose()
    {
    }

    private sealed class Lines(string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) =>
            category.StartsWith("Skvare.CmsUser.Quartz", StringComparison.Ordinal) || logLevel >= LogLevel.Warning;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel))
            {
                return;
            }

            var line = $"EVENT|{eventId.Id}|{formatter(state, exception).ReplaceLineEndings(" ")}" + (exception is null ? string.Empty : $" [{exception.GetType().Name}: {exception.Message.ReplaceLineEndings(" ")}]");
            lock (Gate)
            {
                Console.Out.WriteLine(line);
                Console.Out.Flush();
            }
        }
    }
}
