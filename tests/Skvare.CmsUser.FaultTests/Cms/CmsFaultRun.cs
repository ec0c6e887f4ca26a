using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Skvare.CmsUser.CiviCrm;
using Skvare.CmsUser.CiviCrm.Audit;

namespace Skvare.CmsUser.FaultTests.Cms;

/// <summary>
/// A whole batch against one fake CMS and its fake CiviCRM: the real engine and the real provider package, with a
/// <see cref="FaultInjector"/> on the provider's HTTP client that gives chosen contacts' creates a fault.
/// </summary>
internal sealed class CmsFaultRun : IDisposable
{
    public const int PageSize = 10;
    public const int Concurrency = 4;

    // A TimeoutFault create times out without waiting: the injector makes its attempt's timeout expire through the clock
    // (AttemptClock.Expire), and so does the fake's hang on a look-up, role change or email (FaultPlan.Hang: the plan finds
    // the attempt of the request the fake holds). No fault waits for the attempt timeout, so it is only a backstop for
    // healthy answers a loaded CI machine delays (2 cores, several test hosts; it was 3 s, then 10 s while the hangs still
    // waited it out): a healthy contact's create that timed out would fail a contact the test expects created. Standalone's
    // users live in CiviCRM: its creates go through the CiviCRM client and the CMS attempt timeout.
    private static readonly TimeSpan CmsAttemptTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan CiviCrmAttemptTimeout = TimeSpan.FromSeconds(30);

    private readonly Cms _cms;

    public CmsFaultRun(Cms cms)
    {
        _cms = cms;
        Site = CmsSite.Start(cms);
        Plan.Site = Site;
        TriggerId = Civi.AddGroup(CmsSite.Trigger);
    }

    public CmsSite Site { get; }

    public FaultPlan Plan { get; } = new() { Clock = new AttemptClock(CmsAttemptTimeout) };

    /// <summary>Registrations applied after the packages' own (e.g. an option a test needs).</summary>
    public Action<IServiceCollection>? Services { get; set; }

    public long TriggerId { get; }

    public Testing.CiviCrm.FakeCiviCrmServer Civi => Site.Civi;

    /// <summary>Adds contacts to the trigger group; returns (id, email) pairs.</summary>
    public (long Id, string Email)[] AddMembers(int count)
    {
        var members = Enumerable.Range(0, count).Select(i => (Id: Civi.AddContact("Member", $"Number{i}", $"member{i}@example.org"), Email: $"member{i}@example.org")).ToArray();
        Civi.AddToGroup(TriggerId, members.Select(m => m.Id));
        return members;
    }

    /// <summary>One run of a fresh engine (its own clients, breakers and name reservations), as a scheduled run is.</summary>
    public async Task<RunSummary> RunAsync(int quarantineAfter = 1000, Action<ProvisioningRule>? rule = null, CancellationToken cancellationToken = default)
    {
        await using var provider = Build(quarantineAfter, o =>
        {
            var members = new ProvisioningRule { Name = "members", Trigger = TriggerDefinition.Group(CmsSite.Trigger) };
            rule?.Invoke(members);
            o.Rules.Add(members);
        });
        return await provider.GetRequiredService<IUserProvisioner>().RunOnceAsync(cancellationToken: cancellationToken);
    }

    /// <summary>One password reset run of a fresh engine over the campaign group <paramref name="group"/>.</summary>
    public async Task<RunSummary> ResetAsync(string group, int quarantineAfter = 1000, CancellationToken cancellationToken = default)
    {
        await using var provider = Build(quarantineAfter, o =>
        {
            o.Rules.Add(new ProvisioningRule { Name = "members", Trigger = TriggerDefinition.Group(CmsSite.Trigger) });
            o.PasswordResets.Add(new PasswordResetCampaign { Name = "reset", Trigger = TriggerDefinition.Group(group) });
        });
        return await provider.GetRequiredService<IUserProvisioner>().ResetPasswordsAsync(cancellationToken: cancellationToken);
    }

    private ServiceProvider Build(int quarantineAfter, Action<CmsUserOptions> configure)
    {
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(Plan.Clock);
        services.AddLogging(b => b.SetMinimumLevel(LogLevel.Warning));
        var builder = services.AddCmsUserProvisioning(o =>
        {
            configure(o);
            o.PageSize = PageSize;
            o.MaxConcurrency = Concurrency;
            // A site that goes away (Standalone: CiviCRM is the CMS) fails the write-back's read-back too, which is asked
            // again after pauses (30 s by default): short here, where each run would wait them out.
            o.Retry.WriteBackReadBackWait = TimeSpan.FromMilliseconds(60);
            o.Retry.QuarantineAfterConsecutiveTransientFailures = quarantineAfter;
        }).AddCiviCrm(o =>
        {
            o.BaseUrl = Civi.Url;
            o.ApiKey = Civi.ApiKey;
            o.Http.RetryBaseDelay = TimeSpan.FromMilliseconds(1);
            o.Http.MaxRetries = 1;
            o.Http.AttemptTimeout = _cms == Cms.Standalone ? CmsAttemptTimeout : CiviCrmAttemptTimeout;
        });
        Site.AddProvider(builder, CmsAttemptTimeout);
        services.AddHttpClient(Site.HttpClientName).AddHttpMessageHandler(() => new FaultInjector(Plan));
        Services?.Invoke(services);
        return services.BuildServiceProvider(validateScopes: true);
    }

    /// <summary>Per contact, what CiviCRM shows: linked with a Completed audit, its Failed audits, still in the trigger.</summary>
    public IReadOnlyDictionary<long, ContactState> Read(IEnumerable<long> contacts)
    {
        var activities = Civi.Activities.Where(a => a.Type == CiviCrmActivityTypes.AccountCreation).ToArray();
        var links = Civi.Links.Select(l => l.ContactId).ToHashSet();
        return contacts.ToDictionary(c => c, c => new ContactState(
            Linked: links.Contains(c),
            Completed: activities.Count(a => a.Status == "Completed" && a.Targets.Contains(c)),
            Failed: [.. activities.Where(a => a.Status == CiviCrmActivityTypes.FailedStatus && a.Targets.Contains(c)).Select(a => a.Details ?? "")],
            InTrigger: Civi.GroupStatus(TriggerId, c) == "Added"));
    }

    public void Dispose() => Site.Dispose();
}

/// <summary>One contact as CiviCRM shows it after a run.</summary>
internal sealed record ContactState(bool Linked, int Completed, IReadOnlyList<string> Failed, bool InTrigger)
{
    /// <summary>Created (linked and audited once) and out of the trigger.</summary>
    public bool Done => Linked && Completed == 1 && !InTrigger;

    /// <summary>Nothing lost: done, or still in the trigger to be tried again (or given up with its audit).</summary>
    public bool Accounted => Done || InTrigger || Failed.Count > 0;
}
