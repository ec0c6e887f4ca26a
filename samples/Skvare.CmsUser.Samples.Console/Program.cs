using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Skvare.CmsUser;
using Skvare.CmsUser.Testing.CiviCrm;
using Skvare.CmsUser.Testing.WordPress;

// The README's quick start as a program: one provisioning run.
// - Your sites: copy appsettings.example.json to appsettings.json in the folder you run from, fill in the URLs, and put
//   the secrets in the environment:
//     CmsUser__CiviCrm__ApiKey=… CmsUser__WordPress__ApplicationPassword=… dotnet run --project samples/Skvare.CmsUser.Samples.Console
// - No settings (no CmsUser:CiviCrm section): demo mode. A fake CiviCRM and a fake WordPress (Skvare.CmsUser.Testing)
//   start on loopback and the same code runs against them over HTTP; nothing outside the process is touched.
// Exit codes as the cmsuser tool's: 0 done, 1 some contacts failed, 2 stopped (a server unavailable), 3 settings,
// 4 a defect (RunSummary.StopKind tells them apart).
// For cron and day-to-day use there is the cmsuser tool (src/Skvare.CmsUser.Cli, docs/cli.md).
var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = args, ContentRootPath = Directory.GetCurrentDirectory() });
builder.Logging.SetMinimumLevel(LogLevel.Warning);
// Polly's retry records carry stack traces; the run's stop reason below says what went wrong.
builder.Logging.AddFilter("Polly", LogLevel.Error);
// A failed start is printed below as one message; the host's own record repeats it with stack traces.
builder.Logging.AddFilter("Microsoft.Extensions.Hosting", LogLevel.None);
using var demo = builder.Configuration.GetSection("CmsUser:CiviCrm").Exists() ? null : Demo.Start(builder.Configuration);
builder.Services
    .AddCmsUserProvisioning(builder.Configuration.GetSection(CmsUserOptions.SectionName))
    .AddCiviCrm()       // CmsUser:CiviCrm
    .AddWordPress();    // CmsUser:WordPress
using var host = builder.Build();
try
{
    await host.StartAsync();
}
catch (Exception ex) when (Demo.SettingsProblems(ex) is { Count: > 0 } problems)
{
    // Every problem with its full key, once, instead of the host's stack traces.
    Console.Error.WriteLine($"The settings (appsettings.json in {Directory.GetCurrentDirectory()} and CmsUser__ environment variables) {(problems.Count == 1 ? "have a problem" : $"have {problems.Count} problems")}:");
    problems.ForEach(p => Console.Error.WriteLine($"  - {p}"));
    Console.Error.WriteLine("Start from samples/Skvare.CmsUser.Samples.Console/appsettings.example.json, or remove the CmsUser:CiviCrm section to run the demo.");
    return 3;
}

Console.WriteLine(demo is null
    ? $"Running against CiviCRM at {builder.Configuration["CmsUser:CiviCrm:BaseUrl"]} and WordPress at {builder.Configuration["CmsUser:WordPress:BaseUrl"]}."
    : "Demo mode (no CmsUser:CiviCrm settings): a fake CiviCRM with 3 contacts in website_members and a fake WordPress, on loopback.");
var summary = await host.Services.GetRequiredService<IUserProvisioner>().RunOnceAsync();
Console.WriteLine(summary.Total == 0
    ? $"Nothing to do: no contact is waiting in the rules' triggers ({summary.Duration.TotalSeconds:0.0} s)."
    : $"{summary.Total} contact(s) in {summary.Duration.TotalSeconds:0.0} s: {string.Join(", ", summary.Counts.Where(c => c.Value > 0).Select(c => $"{c.Key} {c.Value}"))}");
foreach (var failure in summary.Failures)
{
    Console.WriteLine($"  contact {failure.ContactId}: {failure.Kind} ({failure.Error?.Code}) {failure.Error?.Message}");
}

// StopKind says why a run stopped: a setting to fix, a defect to report, a server to wait for, or a cancellation.
switch (summary.StopKind)
{
    case RunStopKind.InternalError:
        Console.WriteLine($"Stopped by a defect, not by a setting: {summary.StopReason} Please report it with the log above (it has the exception).");
        break;
    case RunStopKind.Configuration:
        Console.WriteLine($"Stopped by a configuration or credentials problem: {summary.StopReason}");
        break;
    case RunStopKind.Quarantined:
        Console.WriteLine($"Stopped (quarantined): {summary.StopReason}. Run again when the server is back.");
        break;
    case RunStopKind.Cancelled:
        Console.WriteLine("Cancelled.");
        break;
}

if (demo is not null)
{
    Console.WriteLine($"The fake WordPress now holds: {string.Join(", ", demo.WordPress.Users.Select(u => u.Username))}.");
}

await host.StopAsync();
return summary.StopKind switch
{
    RunStopKind.InternalError => 4,
    RunStopKind.Configuration => 3,
    RunStopKind.Quarantined or RunStopKind.Cancelled => 2,
    // The demo's contact without an email fails by design.
    _ when summary.Failures.Count > 0 && demo is null => 1,
    _ => 0,
};

/// <summary>The demo's fake servers, and the settings that point the quick start at them.</summary>
internal sealed record Demo(FakeCiviCrmServer Civi, FakeWordPressServer WordPress) : IDisposable
{
    public static Demo Start(ConfigurationManager configuration)
    {
        var civi = new FakeCiviCrmServer();
        var wordPress = new FakeWordPressServer();
        var members = civi.AddGroup("website_members", "Website members");
        civi.AddGroup("website_members_done", "Website members (done)");
        civi.AddToGroup(members, [civi.AddContact("Ana", "Lima", "ana@example.org"), civi.AddContact("João", "Müller", "joao@example.org"), civi.AddContact("No", "Email", null)]);
        // As the CiviCRM WordPress plugin does: a new WordPress user is linked to the contact with its email.
        wordPress.OnUserCreated(user => civi.LinkNewCmsUser(user.Id, user.Email));
        configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["CmsUser:Rules:0:Name"] = "members",
            ["CmsUser:Rules:0:Trigger:Kind"] = "Group",
            ["CmsUser:Rules:0:Trigger:Reference"] = "website_members",
            ["CmsUser:Rules:0:History:Kind"] = "Group",
            ["CmsUser:Rules:0:History:Reference"] = "website_members_done",
            ["CmsUser:Rules:0:Roles:0"] = "subscriber",
            ["CmsUser:CiviCrm:BaseUrl"] = civi.Url.ToString(),
            ["CmsUser:CiviCrm:ApiKey"] = civi.ApiKey,
            ["CmsUser:WordPress:BaseUrl"] = wordPress.BaseUrl.ToString(),
            ["CmsUser:WordPress:Username"] = wordPress.AdminUsername,
            ["CmsUser:WordPress:ApplicationPassword"] = wordPress.ApplicationPassword,
            ["CmsUser:WordPress:UseCompanionPlugin"] = "true",
        });
        return new Demo(civi, wordPress);
    }

    /// <summary>The settings problems inside a start-up failure (the host aggregates one validation failure per options type).</summary>
    public static List<string> SettingsProblems(Exception exception) => exception switch
    {
        OptionsValidationException validation => [.. validation.Failures],
        AggregateException aggregate => [.. aggregate.InnerExceptions.SelectMany(SettingsProblems).Distinct()],
        { InnerException: { } inner } => SettingsProblems(inner),
        _ => [],
    };

    public void Dispose()
    {
        WordPress.Dispose();
        Civi.Dispose();
    }
}
