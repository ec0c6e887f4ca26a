using Microsoft.Extensions.Options;
using Skvare.CmsUser;
using Skvare.CmsUser.CiviCrm;
using Skvare.CmsUser.Testing.InMemory;

// A web host with the provisioning webhook (POST /cmsuser/webhook), scheduled runs and /health.
// Real mode when CmsUser:CiviCrm is configured (DOTNET_ENVIRONMENT=Real reads appsettings.Real.json, secrets come
// from CmsUser__… environment variables); the CMS is CmsUser:Cms (default WordPress). Otherwise demo mode, over
// in-memory backends. docs/webhook.md has the requests to send.
// Settings that cannot work end the sample at start with one message naming each setting and exit code 3, as the
// console sample does (0 after a clean shutdown).
var builder = WebApplication.CreateBuilder(args);
var section = builder.Configuration.GetSection(CmsUserOptions.SectionName);
var cmsUser = builder.Services.AddCmsUserProvisioning(section)
    .AddWebhook()
    .AddScheduledRuns();
var health = builder.Services.AddHealthChecks().AddCmsProviderCheck();

string mode;
if (section.GetSection(CiviCrmOptions.SectionName).Exists())
{
    var cms = section["Cms"] ?? "WordPress";
    ICmsUserBuilder? chosen = cms.ToUpperInvariant() switch
    {
        "WORDPRESS" => cmsUser.AddCiviCrm().AddWordPress(),
        "DRUPAL" => cmsUser.AddCiviCrm().AddDrupal(),
        "DRUPAL7" => cmsUser.AddCiviCrm().AddDrupal7(),
        "BACKDROP" => cmsUser.AddCiviCrm().AddBackdrop(),
        "JOOMLA" => cmsUser.AddCiviCrm().AddJoomla(),
        "STANDALONE" => cmsUser.AddCiviCrm().AddStandalone(),
        _ => null,
    };
    if (chosen is null)
    {
        return Settings.Fail(builder.Environment, [$"CmsUser:Cms is '{cms}', which is not one of: WordPress, Drupal, Drupal7, Backdrop, Joomla, Standalone."]);
    }

    health.AddCiviCrmCheck();
    mode = $"real mode: CiviCRM at {section["CiviCrm:BaseUrl"]}, {cms} at {section[$"{cms}:BaseUrl"]}";
}
else
{
    var civi = new FakeCiviCrm();
    var accounts = new FakeCmsAccountProvider();
    foreach (var (first, last, email) in new[] { ("Ana", "Lima", "ana@example.org"), ("Bea", "Costa", "bea@example.org") })
    {
        civi.AddToGroup("website_members", civi.AddContact(first, last, email).Id);
    }

    cmsUser.UseInMemory(civi, accounts);
    mode = "demo mode: in-memory CiviCRM and CMS (configure CmsUser:CiviCrm for real mode)";
}

await using var app = builder.Build();
app.MapCmsUserWebhook();
app.MapHealthChecks("/health");
app.MapGet("/", () => Results.Text($"Skvare.CmsUser web sample, {mode}. POST signed requests to /cmsuser/webhook (docs/webhook.md); GET /health."));
try
{
    // The settings are checked before the host starts: a failed start would be logged with stack traces first.
    app.Services.GetService<IStartupValidator>()?.Validate();
    await app.StartAsync();
}
catch (Exception ex) when (Settings.Problems(ex) is { Count: > 0 } problems)
{
    return Settings.Fail(builder.Environment, problems);
}

await app.WaitForShutdownAsync();
return 0;

/// <summary>Settings problems, printed as the console sample prints them.</summary>
internal static class Settings
{
    /// <summary>The settings problems inside a start-up failure (the host aggregates one validation failure per options type).</summary>
    public static List<string> Problems(Exception exception) => exception switch
    {
        OptionsValidationException validation => [.. validation.Failures],
        AggregateException aggregate => [.. aggregate.InnerExceptions.SelectMany(Problems).Distinct()],
        { InnerException: { } inner } => Problems(inner),
        _ => [],
    };

    /// <summary>Prints every problem with its full key, once, and returns exit code 3.</summary>
    public static int Fail(IHostEnvironment environment, IReadOnlyList<string> problems)
    {
        Console.Error.WriteLine($"The settings (appsettings.json and appsettings.{environment.EnvironmentName}.json in {environment.ContentRootPath}, and CmsUser__ environment variables) have {problems.Count} problem(s):");
        foreach (var problem in problems)
        {
            Console.Error.WriteLine($"  - {problem}");
        }

        Console.Error.WriteLine("See docs/configuration.md, or remove the CmsUser:CiviCrm section to run the demo.");
        return 3;
    }
}
