using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Skvare.CmsUser.CiviCrm;
using Skvare.CmsUser.CiviCrm.Api;
using Skvare.CmsUser.Testing.CiviCrm;

namespace Skvare.CmsUser.CiviCrm.Tests;

/// <summary>The CiviCRM package wired against a fake CiviCRM over real HTTP.</summary>
internal sealed class CiviHarness : IDisposable
{
    private readonly ServiceProvider _services;

    public CiviHarness(Action<CiviCrmOptions>? configure = null, Action<CmsUserOptions>? engine = null, ICmsAccountProvider? cms = null, Func<HttpMessageHandler>? extraHandler = null, Action<IServiceCollection>? more = null)
    {
        var services = new ServiceCollection();
        services.AddLogging(b => b.AddFakeLogging().SetMinimumLevel(LogLevel.Trace));
        services.AddCmsUserProvisioning(o =>
        {
            if (engine is null)
            {
                o.Rules.Add(new ProvisioningRule { Trigger = TriggerDefinition.Group("members") });
            }

            engine?.Invoke(o);
        }).AddCiviCrm(o =>
        {
            o.BaseUrl = Fake.BaseUrl;
            o.ApiKey = Fake.ApiKey;
            o.Http.RetryBaseDelay = TimeSpan.FromMilliseconds(1);
            // Long: on a loaded machine a 2 s attempt can time out, and its retry then gets the fake's real answer where a
            // test queued a canned one, or counts one request more. Tests of timeouts set their own.
            o.Http.AttemptTimeout = TimeSpan.FromSeconds(30);
            configure?.Invoke(o);
        });
        if (extraHandler is not null)
        {
            services.AddHttpClient(CiviCrmApiClient.HttpClientName).AddHttpMessageHandler(_ => (DelegatingHandler)extraHandler());
        }

        if (cms is not null)
        {
            services.AddSingleton(cms);
        }

        more?.Invoke(services);
        _services = services.BuildServiceProvider();
    }

    public FakeCiviCrmServer Fake { get; } = new();

    public IServiceProvider Services => _services;

    public CiviCrmApiClient Client => _services.GetRequiredService<CiviCrmApiClient>();

    public ITriggerSourceFactory Triggers => _services.GetRequiredService<ITriggerSourceFactory>();

    public IActivityRecorder Recorder => _services.GetRequiredService<IActivityRecorder>();

    public IAccountLinkStore Links => _services.GetRequiredService<IAccountLinkStore>();

    public IUserProvisioner Provisioner => _services.GetRequiredService<IUserProvisioner>();

    public FakeLogCollector Logs => _services.GetRequiredService<FakeLogCollector>();

    /// <summary>
    /// Groups "reset" and "members", and <paramref name="count"/> contacts in "reset", each linked to an account of
    /// <paramref name="cms"/> (r0@example.org, r1@…): a password reset campaign's contacts.
    /// </summary>
    public (long Reset, long[] Ids) AddLinkedResetContacts(Skvare.CmsUser.Testing.InMemory.FakeCmsAccountProvider cms, int count)
    {
        var reset = Fake.AddGroup("reset");
        Fake.AddGroup("members");
        var ids = Enumerable.Range(0, count).Select(i =>
        {
            var email = $"r{i}@example.org";
            var id = Fake.AddContact("Reset", "N" + i, email);
            Fake.AddLink(id, cms.AddAccount("reset" + i, email).Id, email);
            return id;
        }).ToArray();
        Fake.AddToGroup(reset, ids);
        return (reset, ids);
    }

    public void Dispose()
    {
        _services.Dispose();
        Fake.Dispose();
    }
}

/// <summary>Counting calls in the fake's request log, chained ones included.</summary>
internal static class FakeCallCounts
{
    /// <summary>Calls of <paramref name="entity"/>.<paramref name="action"/>: requests of their own plus calls chained onto other requests.</summary>
    public static int CallsIncludingChained(this FakeCiviCrmServer fake, string entity, string action)
    {
        var chained = $":[\"{entity}\",\"{action}\",";
        return fake.CallCount(entity, action) + fake.Requests.Sum(r => Occurrences(r.ParamsJson, chained));
    }

    private static int Occurrences(string? text, string part)
    {
        var count = 0;
        for (var at = text?.IndexOf(part, StringComparison.Ordinal) ?? -1; at >= 0; at = text!.IndexOf(part, at + part.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }
}
