using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;
using Quartz;
using Quartz.Extensibility;
using Skvare.CmsUser.Sites;

namespace Skvare.CmsUser.Quartz.Tests;

/// <summary>
/// One firing of a site's provision job is one scheduled cycle: the batch and the reset campaigns after it (without a reset
/// cron of their own) check the CMS credentials at most once between them, as the core's hosted service does. Counted on
/// the fake WordPress: the check is <c>GET wp/v2/users/me</c>. No database needed: the job is called as Quartz calls it.
/// </summary>
public sealed class CycleTests : IDisposable
{
    private const string CredentialsCheck = "/wp-json/wp/v2/users/me";
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);
    private readonly List<FakeSite> _sites = [];

    public void Dispose()
    {
        foreach (var site in _sites)
        {
            site.Dispose();
        }
    }

    [Fact(Timeout = 120_000)]
    public async Task An_idle_firing_with_reset_campaigns_checks_the_CMS_credentials_once()
    {
        var site = Site("idle", contacts: 0);
        await using var services = Services(site);

        await FireAsync(services, site);

        site.WordPress.Requests.Select(r => (r.Path, r.StatusCode)).Should().Equal([(CredentialsCheck, 200)],
            "the batch and its reset campaigns are one cycle: one check, an idle cycle's only WordPress request");
        Passes(services).Should().Equal(["members", "migration"], "the campaigns ran after the batch");
    }

    [Fact(Timeout = 120_000)]
    public async Task A_firing_that_provisions_sends_its_idle_reset_campaigns_no_credentials_check()
    {
        var site = Site("busy", contacts: 2);
        await using var services = Services(site);

        await FireAsync(services, site);

        site.WordPress.Users.Where(u => u.Username != site.WordPress.AdminUsername).Should().HaveCount(2);
        site.Civi.Links.Select(l => l.ContactId).Should().BeEquivalentTo(site.ContactIds);
        site.WordPress.Requests.Count(r => r.Path == CredentialsCheck).Should().Be(0, "the creates proved the credentials for the whole cycle");
        Passes(services).Should().Equal(["members", "migration"], "the campaigns ran after the batch");
    }

    [Fact(Timeout = 120_000)]
    public async Task A_site_whose_campaigns_have_a_reset_cron_checks_once_in_each_job()
    {
        var site = Site("cron", contacts: 0);
        await using var services = Services(site);
        var quartz = new CmsUserQuartzOptions { ResetCron = "0 0 4 * * ?" };

        await FireAsync(services, site, quartz);
        site.WordPress.Requests.Count(r => r.Path == CredentialsCheck).Should().Be(1, "the provision job leaves the campaigns to their own job");
        Passes(services).Should().Equal(["members"]);

        await FireAsync(services, site, quartz, SiteJobKeys.Reset(site.Name));
        site.WordPress.Requests.Count(r => r.Path == CredentialsCheck).Should().Be(2, "the reset job is a cycle of its own");
    }

    private FakeSite Site(string name, int contacts)
    {
        var site = new FakeSite(name, contacts);
        site.Civi.AddGroup("reset");
        _sites.Add(site);
        return site;
    }

    private static ServiceProvider Services(FakeSite site)
    {
        var settings = JsonSerializer.SerializeToNode(site.Settings(TimeSpan.FromHours(1)))!;
        settings["PasswordResets"] = JsonSerializer.SerializeToNode(new[] { new { Name = "migration", Trigger = new { Kind = "Group", Reference = "reset" } } });
        var json = JsonSerializer.Serialize(new { CmsUser = new { Sites = new Dictionary<string, object> { [site.Name] = settings } } });
        var cmsUser = new ConfigurationBuilder().AddJsonStream(new MemoryStream(Encoding.UTF8.GetBytes(json))).Build().GetSection("CmsUser");
        var services = new ServiceCollection().AddLogging(b => b.AddFakeLogging());
        services.AddCmsUserSites(cmsUser, (_, s) => s.AddCiviCrm().AddWordPress());
        return services.BuildServiceProvider();
    }

    /// <summary>The rules and campaigns the engine started, in order (event 1002).</summary>
    private static List<string> Passes(IServiceProvider services) =>
        services.GetRequiredService<FakeLogCollector>().GetSnapshot().Where(r => r.Id.Id == 1002)
            .Select(r => r.StructuredState!.Single(kv => kv.Key == "Rule").Value!).ToList();

    /// <summary>Runs the site's job once, as the scheduler fires it, and waits for it to end.</summary>
    private static async Task FireAsync(IServiceProvider services, FakeSite site, CmsUserQuartzOptions? quartz = null, JobKey? key = null)
    {
        key ??= SiteJobKeys.Provision(site.Name);
        var sites = services.GetRequiredService<ICmsUserSites>();
        var options = Options.Create(quartz ?? new CmsUserQuartzOptions());
        IJob job = key.Group == SiteJobKeys.ResetGroup
            ? new SitePasswordResetJob(sites, options, TimeProvider.System, NullLogger<SitePasswordResetJob>.Instance)
            : new SiteProvisioningJob(sites, options, TimeProvider.System, NullLogger<SiteProvisioningJob>.Instance);
        var detail = JobBuilder.Create().OfType(job.GetType()).WithIdentity(key).UsingJobData(SiteJobKeys.SiteKey, site.Name).StoreDurably().Build();
        var firing = JobExecutionContextBuilder.For(job).WithJob(detail).Build();
        try
        {
            await job.Execute(firing, firing.CancellationToken).AsTask().WaitAsync(Bound);
        }
        finally
        {
            (firing as IDisposable)?.Dispose();
        }
    }
}
