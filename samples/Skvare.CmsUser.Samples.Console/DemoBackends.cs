using Microsoft.Extensions.DependencyInjection;
using Skvare.CmsUser.Testing.InMemory;

namespace Skvare.CmsUser.Samples.Console;

/// <summary>Demo data: a CiviCRM with a trigger group and a CMS, so the sample runs anywhere.</summary>
internal sealed class DemoBackends : IAsyncDisposable
{
    private readonly InMemoryCiviCrm _civi = new();
    private readonly InMemoryCmsAccountProvider _cms = new();

    public static Task<DemoBackends> StartAsync()
    {
        var demo = new DemoBackends();
        var people = new (string? First, string? Last, string? Email)[]
        {
            ("Ana", "Lima", "ana@example.org"), ("João", "Müller", "joao@example.org"), ("Bea", "Costa", "bea@example.org"),
            ("No", "Email", null), ("Chen", "Wei", "chen@example.org"), ("Dana", "O'Brien", "dana@example.org"),
        };
        foreach (var (first, last, email) in people)
        {
            var contact = demo._civi.AddContact(first, last, email);
            demo._civi.AddToGroup("website_members", contact.Id);
        }

        demo._cms.AddAccount("bea", "bea@example.org", "subscriber");
        return Task.FromResult(demo);
    }

    public void Register(IServiceCollection services)
    {
        services.AddCmsUserProvisioning(o =>
        {
            var rule = new ProvisioningRule { Name = "members", Trigger = TriggerDefinition.Group("website_members"), History = TriggerDefinition.Group("website_members_done") };
            rule.Roles.Add("subscriber");
            o.Rules.Add(rule);
        }).UseInMemory(_civi, _cms);
    }

    public string Describe() =>
        $"{_cms.Accounts.Count} CMS account(s): {string.Join(", ", _cms.Accounts.Select(a => a.Username))}; {_civi.Links.Count} link(s); {_civi.Activities.Count} activit(ies).";

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
