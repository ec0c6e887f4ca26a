using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Skvare.CmsUser.Testing.CiviCrm;
using Skvare.CmsUser.Testing.WordPress;

namespace Skvare.CmsUser.Cli;

/// <summary>
/// The <c>demo</c> command's servers: a fake CiviCRM and a fake WordPress from Skvare.CmsUser.Testing,
/// served over real HTTP on loopback, so the demo runs the same packages a real run does. The fake
/// WordPress links each new user in CiviCRM as the CiviCRM WordPress plugin does.
/// </summary>
internal sealed class DemoBackends : IDisposable
{
    private readonly FakeCiviCrmServer _civi = new();
    private readonly FakeWordPressServer _wordPress = new();
    private readonly long _done;

    public DemoBackends()
    {
        var group = _civi.AddGroup("website_members", "Website members");
        _done = _civi.AddGroup("website_members_done", "Website members (done)");
        var people = new (string? First, string? Last, string? Email)[]
        {
            ("Ana", "Lima", "ana@example.org"), ("João", "Müller", "joao@example.org"), ("Bea", "Costa", "bea@example.org"),
            ("No", "Email", null), ("Chen", "Wei", "chen@example.org"), ("Dana", "O'Brien", "dana@example.org"),
        };
        _civi.AddToGroup(group, people.Select(p => _civi.AddContact(p.First, p.Last, p.Email)));
        _wordPress.AddUser("bea", "bea@example.org", "subscriber");
        _wordPress.OnUserCreated(user => _civi.LinkNewCmsUser(user.Id, user.Email));
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
        }).AddWordPress(o =>
        {
            o.BaseUrl = _wordPress.BaseUrl;
            o.Username = _wordPress.AdminUsername;
            o.ApplicationPassword = _wordPress.ApplicationPassword;
            o.UseCompanionPlugin = true;
        });
    }

    /// <summary>What the fake servers hold after the run.</summary>
    public string Describe()
    {
        var accounts = _wordPress.Users.Where(u => u.Username != _wordPress.AdminUsername).Select(u => u.Username).ToList();
        var inHistory = _civi.Store.Rows("GroupContact").Count(r => Equals(r["group_id"], _done));
        return string.Create(CultureInfo.InvariantCulture,
            $"Demo servers now hold: WordPress accounts {string.Join(", ", accounts)}; {_civi.Links.Count} CiviCRM link(s); {_civi.Activities.Count} activit{(_civi.Activities.Count == 1 ? "y" : "ies")}; {inHistory} contact(s) in the history group. Nothing outside this process was touched.");
    }

    public void Dispose()
    {
        _wordPress.Dispose();
        _civi.Dispose();
    }
}
