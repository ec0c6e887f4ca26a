using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Skvare.CmsUser;
using Skvare.CmsUser.Testing.CiviCrm;
using Skvare.CmsUser.Testing.WordPress;

// The packages as a consumer gets them: a fake CiviCRM and a fake WordPress (from Skvare.CmsUser.Testing) over
// real HTTP on loopback, the CiviCRM and WordPress packages' own clients, one batch run. Exit code 0 only when
// every contact with an email got a WordPress account, a UFMatch link and an activity, and left the trigger.
using var civi = new FakeCiviCrmServer();
using var wordpress = new FakeWordPressServer();
var members = civi.AddGroup("website_members", "Website members");
var done = civi.AddGroup("website_members_done");
civi.AddToGroup(members, [civi.AddContact("Ana", "Lima", "ana@example.org"), civi.AddContact("João", "Müller", "joao@example.org")]);

var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
builder.Services.AddLogging();
builder.Services
    .AddCmsUserProvisioning(o =>
    {
        var rule = new ProvisioningRule { Name = "members", Trigger = TriggerDefinition.Group("website_members"), History = TriggerDefinition.Group("website_members_done") };
        rule.Roles.Add("subscriber");
        o.Rules.Add(rule);
    })
    .AddCiviCrm(o =>
    {
        o.BaseUrl = civi.Url;
        o.ApiKey = civi.ApiKey;
    })
    .AddWordPress(o =>
    {
        o.BaseUrl = wordpress.BaseUrl;
        o.Username = wordpress.AdminUsername;
        o.ApplicationPassword = wordpress.ApplicationPassword;
    });

using var host = builder.Build();
using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
await host.StartAsync(timeout.Token);
var summary = await host.Services.GetRequiredService<IUserProvisioner>().RunOnceAsync(cancellationToken: timeout.Token);
await host.StopAsync(timeout.Token);

var created = summary.Counts.GetValueOrDefault(OutcomeKind.Created);
var inHistory = civi.Store.Rows("GroupContact").Count(r => Equals(r["group_id"], done));
Console.WriteLine($"Consumer: {created} created, {summary.Failures.Count} failed; WordPress users: {string.Join(", ", wordpress.Users.Select(u => u.Username))}; " +
    $"{civi.Links.Count} link(s), {civi.Activities.Count} activit(ies), {inHistory} in the history group.");
var ok = created == 2 && summary.Failures.Count == 0 && civi.Links.Count == 2 && civi.Activities.Count == 2 && inHistory == 2
    && wordpress.Users.Count(u => u.Email is "ana@example.org" or "joao@example.org") == 2;
Console.WriteLine(ok ? "Consumer: OK" : "Consumer: FAILED");
return ok ? 0 : 1;
