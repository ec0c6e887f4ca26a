using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Skvare.CmsUser.CiviCrm;
using Skvare.CmsUser.Testing.CiviCrm;
using Skvare.CmsUser.Testing.WordPress;
using Skvare.CmsUser.WordPress;

namespace Skvare.CmsUser.FaultTests;

/// <summary>
/// A fake CiviCRM and a fake WordPress (with the CiviCRM plugin's habit of linking new users) over real HTTP,
/// and engines built against them: one engine per run, as a scheduled CLI run would be.
/// </summary>
internal sealed class FaultHarness : IDisposable
{
    public const string Trigger = "website_members";
    public const string History = "website_members_done";

    public FaultHarness(bool pluginLinks = true)
    {
        Civi = new FakeCiviCrmServer();
        Wp = new FakeWordPressServer();
        TriggerId = Civi.AddGroup(Trigger);
        HistoryId = Civi.AddGroup(History);
        if (pluginLinks)
        {
            Wp.OnUserCreated(user => Civi.LinkNewCmsUser(user.Id, user.Email));
        }
    }

    public FakeCiviCrmServer Civi { get; }

    public FakeWordPressServer Wp { get; }

    public long TriggerId { get; }

    public long HistoryId { get; }

    /// <summary>Adds contacts to the trigger group; returns their ids.</summary>
    public long[] AddMembers(int count, string prefix)
    {
        var ids = Enumerable.Range(0, count).Select(i => Civi.AddContact($"{prefix}{i}", "Member", $"{prefix}{i}@example.org")).ToArray();
        Civi.AddToGroup(TriggerId, ids);
        return ids;
    }

    public Engine NewEngine(Action<CmsUserOptions>? configure = null, Uri? wordPressUrl = null, Action<WordPressOptions>? wordPress = null, Action<CiviCrmOptions>? civi = null, Action<IServiceCollection>? services = null) =>
        new(new Endpoints(Civi.Url, Civi.ApiKey, wordPressUrl ?? Wp.BaseUrl, Wp.AdminUsername, Wp.ApplicationPassword), configure, wordPress, civi, services);

    /// <summary>Where the fakes listen and how to sign in (also handed to the crash test's child process).</summary>
    public Endpoints Where => new(Civi.Url, Civi.ApiKey, Wp.BaseUrl, Wp.AdminUsername, Wp.ApplicationPassword);

    public void Dispose()
    {
        Wp.Dispose();
        Civi.Dispose();
    }

    /// <summary>One engine (its own HTTP clients, locks and circuit breakers) with its logs captured at Trace.</summary>
    internal sealed class Engine : IDisposable
    {
        private readonly ServiceProvider _services;

        public Engine(Endpoints where, Action<CmsUserOptions>? configure, Action<WordPressOptions>? wordPress, Action<CiviCrmOptions>? civiOptions, Action<IServiceCollection>? more = null)
        {
            var services = new ServiceCollection();
            services.AddLogging(b => b.SetMinimumLevel(LogLevel.Trace));
            services.AddFakeLogging();
            services.AddCmsUserProvisioning(o =>
            {
                o.Rules.Add(new ProvisioningRule { Name = "members", Trigger = TriggerDefinition.Group(Trigger), History = TriggerDefinition.Group(History) });
                o.PageSize = 100;
                o.MaxConcurrency = 8;
                // A lost write-back answer whose read-back fails is asked again after pauses (30 s by default): short here, where
                // CiviCRM stays down for whole runs (OutageTests) and each run would wait them out.
                o.Retry.WriteBackReadBackWait = TimeSpan.FromMilliseconds(60);
                configure?.Invoke(o);
            }).AddCiviCrm(o =>
            {
                o.BaseUrl = where.CiviUrl;
                o.ApiKey = where.CiviKey;
                o.Http.RetryBaseDelay = TimeSpan.FromMilliseconds(1);
                o.Http.MaxRetries = 1;
                o.Http.AttemptTimeout = TimeSpan.FromSeconds(30);
                civiOptions?.Invoke(o);
            }).AddWordPress(o =>
            {
                o.BaseUrl = where.WordPressUrl;
                o.Username = where.WordPressUser;
                o.ApplicationPassword = where.WordPressPassword;
                o.UseCompanionPlugin = true;
                o.Http.RetryBaseDelay = TimeSpan.FromMilliseconds(1);
                o.Http.MaxRetries = 1;
                o.Http.AttemptTimeout = TimeSpan.FromSeconds(30);
                wordPress?.Invoke(o);
            });
            more?.Invoke(services);
            _services = services.BuildServiceProvider(validateScopes: true);
            Provisioner = _services.GetRequiredService<IUserProvisioner>();
            Logs = _services.GetFakeLogCollector();
        }

        public IUserProvisioner Provisioner { get; }

        public FakeLogCollector Logs { get; }

        public void Dispose() => _services.Dispose();
    }
}

/// <summary>The fakes' addresses and credentials.</summary>
internal sealed record Endpoints(Uri CiviUrl, string CiviKey, Uri WordPressUrl, string WordPressUser, string WordPressPassword)
{
    public string[] ToArgs() => [CiviUrl.ToString(), CiviKey, WordPressUrl.ToString(), WordPressUser, WordPressPassword];

    public static Endpoints FromArgs(string[] args) => new(new Uri(args[0]), args[1], new Uri(args[2]), args[3], args[4]);
}
