using Skvare.CmsUser;
using Skvare.CmsUser.CiviCrm;
using Skvare.CmsUser.Testing.InMemory;

// A web host with the provisioning webhook (POST /cmsuser/webhook), scheduled runs and /health.
// Real mode when CmsUser:CiviCrm is configured (DOTNET_ENVIRONMENT=Real reads appsettings.Real.json, secrets come
// from CmsUser__… environment variables); the CMS is CmsUser:Cms (default WordPress). Otherwise demo mode, over
// in-memory backends. docs/webhook.md has the requests to send.
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
    _ = cms.ToUpperInvariant() switch
    {
        "WORDPRESS" => cmsUser.AddCiviCrm().AddWordPress(),
        "DRUPAL" => cmsUser.AddCiviCrm().AddDrupal(),
        "DRUPAL7" => cmsUser.AddCiviCrm().AddDrupal7(),
        "BACKDROP" => cmsUser.AddCiviCrm().AddBackdrop(),
        "JOOMLA" => cmsUser.AddCiviCrm().AddJoomla(),
        "STANDALONE" => cmsUser.AddCiviCrm().AddStandalone(),
        _ => throw new InvalidOperationException($"CmsUser:Cms is '{cms}', which is not one of: WordPress, Drupal, Drupal7, Backdrop, Joomla, Standalone."),
    };
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

var app = builder.Build();
app.MapCmsUserWebhook();
app.MapHealthChecks("/health");
app.MapGet("/", () => Results.Text($"Skvare.CmsUser web sample, {mode}. POST signed requests to /cmsuser/webhook (docs/webhook.md); GET /health."));
app.Run();
