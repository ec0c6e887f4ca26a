using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Skvare.CmsUser;

// The README's quick start as a program: one provisioning run with the settings in appsettings.json in the
// working folder (copy appsettings.example.json) and CmsUser__… environment variables, e.g.
//   CmsUser__CiviCrm__ApiKey=… dotnet run --project samples/Skvare.CmsUser.Samples.Console
// For cron and day-to-day use there is the cmsuser tool (src/Skvare.CmsUser.Cli, docs/cli.md).
var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = args, ContentRootPath = Directory.GetCurrentDirectory() });
builder.Services
    .AddCmsUserProvisioning(builder.Configuration.GetSection(CmsUserOptions.SectionName))
    .AddCiviCrm()       // CmsUser:CiviCrm
    .AddWordPress();    // CmsUser:WordPress
using var host = builder.Build();
await host.StartAsync();

var summary = await host.Services.GetRequiredService<IUserProvisioner>().RunOnceAsync();
Console.WriteLine($"{summary.Total} contact(s) in {summary.Duration.TotalSeconds:0.0} s: {string.Join(", ", summary.Counts.Where(c => c.Value > 0).Select(c => $"{c.Key} {c.Value}"))}");
foreach (var failure in summary.Failures)
{
    Console.WriteLine($"  contact {failure.ContactId}: {failure.Kind} ({failure.Error?.Code}) {failure.Error?.Message}");
}

if (summary.StopReason is not null)
{
    Console.WriteLine($"Stopped: {summary.StopReason}");
}

await host.StopAsync();
