using Microsoft.Extensions.DependencyInjection;
using Skvare.CmsUser.Testing.CiviCrm;
using Skvare.CmsUser.Testing.InMemory;

namespace Skvare.CmsUser.Samples.Console;

/// <summary>
/// Demo mode: a fake CiviCRM served over real HTTP on loopback (the SDK talks API v4 to it exactly as to
/// a real site) and an in-memory CMS whose "CiviCRM plugin" links new users like WordPress's does.
/// </summary>
internal sealed class DemoBackends : IAsyncDisposable
{
    private readonly FakeCiviCrmServer _civi = new();
    private readonly InMemoryCmsAccountProvider _cms = new();
    private long _group;
    private long _done;

    public static Task<DemoBackends> StartAsync()
    {
        var demo = new DemoBackends();
        demo._group = demo._civi.AddGroup("website_members", "Website members");
        demo._done = demo._civi.AddGroup("website_members_done");
        var people = new (string? First, string? Last, string? Email)[]
        {
            ("Ana", "Lima", "ana@example.org"), ("João", "Müller", "joao@example.org"), ("Bea", "Costa", "bea@example.org"),
            ("No", "Email", null), ("Chen", "Wei", "chen@example.org"), ("Dana", "O'Brien", "dana@example.org"),
        };
        demo._civi.AddToGroup(demo._group, people.Select(p => demo._civi.AddContact(p.First, p.Last, p.Email)));
        demo._cms.AddAccount("bea", "bea@example.org", "subscriber");
        demo._cms.AfterCreate = account => demo._civi.LinkNewCmsUser(account.Id, account.Email);
        return Task.FromResult(demo);
    }

    public void Register(IServiceCollection services)
    {
        services.AddCmsUserProvisioning(o =>
        {
            var rule = new ProvisioningRule { Name = "members", Trigger = TriggerDefinition.Group("website_members"), History = TriggerDefinition.Group("website_members_done") };
            rule.Roles.Add("subscriber");
            o.Rules.Add(rule);
        }).AddCiviCrm(o =>
        {
            o.BaseUrl = _civi.Url;
            o.ApiKey = _civi.ApiKey;
        });
        services.AddSingleton<ICmsAccountProvider>(_cms);
    }

    public string Describe() =>
        $"fake CiviCRM at {_civi.Url} answered {_civi.Requests.Count} API call(s); {_cms.Accounts.Count} CMS account(s): {string.Join(", ", _cms.Accounts.Select(a => a.Username))}; " +
        $"{_civi.Links.Count} link(s); {_civi.Activities.Count} activit(ies); {_civi.Store.Rows("GroupContact").Count(r => Equals(r["group_id"], _done))} contact(s) in the history group.";

    public ValueTask DisposeAsync()
    {
        _civi.Dispose();
        return ValueTask.CompletedTask;
    }
}
