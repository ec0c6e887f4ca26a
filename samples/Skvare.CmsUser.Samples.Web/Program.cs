using Skvare.CmsUser;
using Skvare.CmsUser.AspNetCore;
using Skvare.CmsUser.Testing.InMemory;

// A web host with the provisioning webhook, scheduled runs and health checks.
// Demo mode (the default) uses in-memory backends; see docs/webhook.md for the CiviCRM side.
var builder = WebApplication.CreateBuilder(args);
var cmsUser = builder.Services.AddCmsUserProvisioning(builder.Configuration.GetSection(CmsUserOptions.SectionName))
    .AddWebhook()
    .AddScheduledRuns();

var civi = new InMemoryCiviCrm();
var cms = new InMemoryCmsAccountProvider();
foreach (var (first, last, email) in new[] { ("Ana", "Lima", "ana@example.org"), ("Bea", "Costa", "bea@example.org") })
{
    civi.AddToGroup("website_members", civi.AddContact(first, last, email).Id);
}

cmsUser.UseInMemory(civi, cms);
builder.Services.AddHealthChecks().AddCmsProviderCheck();

var app = builder.Build();
app.MapCmsUserWebhook();
app.MapHealthChecks("/health");
app.MapGet("/", () => Results.Text($"Skvare.CmsUser web sample: {cms.Accounts.Count} account(s), {civi.Links.Count} link(s). POST signed requests to /cmsuser/webhook."));
app.Run();
