using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Skvare.CmsUser;
using Skvare.CmsUser.Samples.Console;
using Spectre.Console;

// Usage: dotnet run --project samples/Skvare.CmsUser.Samples.Console -- [demo|run|plan|reset|failures|check] [--config appsettings.json]
var command = args.FirstOrDefault(a => !a.StartsWith("--", StringComparison.Ordinal)) ?? "demo";
var demo = command == "demo" || args.Contains("--demo");

var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = args, DisableDefaults = true });
builder.Logging.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning);
builder.Configuration.AddJsonFile("appsettings.json", optional: true).AddEnvironmentVariables().AddCommandLine(args);

await using var demoBackends = demo ? await DemoBackends.StartAsync() : null;
if (demoBackends is not null)
{
    demoBackends.Register(builder.Services);
}
else
{
    RealBackends.Register(builder.Services, builder.Configuration);
}

using var host = builder.Build();
await host.StartAsync();
var provisioner = host.Services.GetRequiredService<IUserProvisioner>();

switch (command)
{
    case "demo":
    case "run":
        var summary = await RunWithProgressAsync(provisioner);
        Report.Summary(summary);
        if (demoBackends is not null)
        {
            Report.DemoState(demoBackends);
        }

        break;
    case "plan":
        var table = new Table().AddColumns("Contact", "Rule", "Action", "Username", "CMS user", "Note");
        await foreach (var entry in provisioner.PlanAsync())
        {
            table.AddRow(entry.ContactId.ToString(System.Globalization.CultureInfo.InvariantCulture), entry.Rule, entry.Action.ToString(), Markup.Escape(entry.Username ?? ""), entry.CmsUserId?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "", Markup.Escape(entry.Conflict ?? ""));
        }

        AnsiConsole.Write(table);
        break;
    case "reset":
        Report.Summary(await provisioner.ResetPasswordsAsync());
        break;
    case "failures":
        var failures = await RunWithProgressAsync(provisioner);
        Report.Failures(failures);
        break;
    case "check":
        var healthy = await Report.ConnectivityAsync(host.Services);
        Environment.ExitCode = healthy ? 0 : 1;
        break;
    default:
        AnsiConsole.MarkupLine(System.Globalization.CultureInfo.InvariantCulture, "[red]Unknown command[/] {0}. Use demo, run, plan, reset, failures or check.", Markup.Escape(command));
        Environment.ExitCode = 2;
        break;
}

await host.StopAsync();

static async Task<RunSummary> RunWithProgressAsync(IUserProvisioner provisioner)
{
    RunSummary? summary = null;
    await AnsiConsole.Progress()
        .Columns(new TaskDescriptionColumn(), new SpinnerColumn(), new ElapsedTimeColumn())
        .StartAsync(async context =>
        {
            var task = context.AddTask("Provisioning", maxValue: double.MaxValue);
            var progress = new Progress<ProvisioningProgress>(p => task.Description = $"Provisioning: {p.Processed} contact(s), last {p.Last.Kind}");
            summary = await provisioner.RunOnceAsync(progress);
            task.StopTask();
        });
    return summary!;
}
