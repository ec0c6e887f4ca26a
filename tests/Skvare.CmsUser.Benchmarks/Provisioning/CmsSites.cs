using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Skvare.CmsUser.Testing;
using Skvare.CmsUser.Testing.Backdrop;
using Skvare.CmsUser.Testing.CiviCrm;
using Skvare.CmsUser.Testing.Drupal;
using Skvare.CmsUser.Testing.Drupal7;
using Skvare.CmsUser.Testing.Joomla;
using Skvare.CmsUser.Testing.Standalone;
using Skvare.CmsUser.Testing.WordPress;

namespace Skvare.CmsUser.Benchmarks.Provisioning;

/// <summary>The CMS set-ups of the per-CMS request table: each CMS package as a user wires it, against its HTTP fake.</summary>
internal enum CmsSetup
{
    WordPressCompanion,
    WordPressCore,
    DrupalCompanion,
    DrupalCore,
    Drupal7,
    Backdrop,
    Joomla,
    JoomlaCompanion,
    Standalone,
}

/// <summary>
/// The SDK wired as a user would wire it (CiviCRM package + one CMS package, real HTTP) against the fake CiviCRM and
/// one CMS fake, with one group rule over <c>members</c> giving one role, concurrency 8, pages of 100. Standalone's
/// CMS is CiviCRM itself: its <c>User</c> and <c>Role</c> calls count as the CMS's. Request counts come from the
/// fakes' own logs.
/// </summary>
internal sealed partial class CmsSite : IDisposable
{
    private static readonly string[] StandaloneEntities = ["User", "Role"];

    private CmsSite(CmsSetup setup, FakeCiviCrmServer civi, IFakeCmsServer? cms, ServiceProvider services)
    {
        Setup = setup;
        Civi = civi;
        Cms = cms;
        Services = services;
    }

    public CmsSetup Setup { get; }

    public FakeCiviCrmServer Civi { get; }

    public IFakeCmsServer? Cms { get; }

    public ServiceProvider Services { get; }

    public IUserProvisioner Provisioner => Services.GetRequiredService<IUserProvisioner>();

    /// <summary>How the table names the set-up.</summary>
    public static string Title(CmsSetup setup) => setup switch
    {
        CmsSetup.WordPressCompanion => "WordPress, companion plugin",
        CmsSetup.WordPressCore => "WordPress, core REST API only",
        CmsSetup.DrupalCompanion => "Drupal 8+, cmsuser_companion module",
        CmsSetup.DrupalCore => "Drupal 8+, core JSON:API/REST only",
        CmsSetup.Drupal7 => "Drupal 7 (Services)",
        CmsSetup.Backdrop => "Backdrop (cmsuser_provision)",
        CmsSetup.Joomla => "Joomla (core API)",
        CmsSetup.JoomlaCompanion => "Joomla, companion plugin",
        _ => "CiviCRM Standalone",
    };

    /// <summary>A site with <paramref name="contacts"/> new contacts in the trigger group.</summary>
    public static CmsSite Start(CmsSetup setup, int contacts)
    {
        var civi = setup == CmsSetup.Standalone ? new FakeStandaloneServer() : new FakeCiviCrmServer();
        IFakeCmsServer? cms = null;
        try
        {
            var members = civi.AddGroup("members");
            civi.AddGroup("members_done");
            var services = new ServiceCollection();
            var builder = services.AddCmsUserProvisioning(o =>
            {
                var rule = new ProvisioningRule { Name = "members", Trigger = TriggerDefinition.Group("members"), History = TriggerDefinition.Group("members_done") };
                rule.Roles.Add(Role(setup));
                o.Rules.Add(rule);
                o.MaxConcurrency = 8;
                o.PageSize = 100;
            }).AddCiviCrm(o =>
            {
                o.BaseUrl = civi.Url;
                o.ApiKey = civi.ApiKey;
            });
            cms = AddCms(builder, setup);
            var ids = Enumerable.Range(0, contacts)
                .Select(i => civi.AddContact("First" + i.ToString(CultureInfo.InvariantCulture), "Last" + i.ToString(CultureInfo.InvariantCulture), $"member{i}@example.org"))
                .ToList();
            civi.AddToGroup(members, ids);
            return new CmsSite(setup, civi, cms, services.BuildServiceProvider());
        }
        catch
        {
            cms?.Dispose();
            civi.Dispose();
            throw;
        }
    }

    /// <summary>Gives every contact of the trigger an account in the CMS already (a re-import): same username, same email.</summary>
    public void SeedExistingAccounts(int contacts)
    {
        for (var i = 0; i < contacts; i++)
        {
            var suffix = i.ToString(CultureInfo.InvariantCulture);
            Cms!.AddAccount($"first{suffix}.last{suffix}", $"member{suffix}@example.org");
        }
    }

    /// <summary>Requests per server and call (<c>Entity.action</c> for CiviCRM; method, path template and query keys for a CMS).</summary>
    public (Dictionary<string, int> CiviCrm, Dictionary<string, int> Cms) Count()
    {
        var civi = new Dictionary<string, int>(StringComparer.Ordinal);
        var cms = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var request in Civi.Requests)
        {
            var target = Setup == CmsSetup.Standalone && StandaloneEntities.Contains(request.Entity) ? cms : civi;
            var call = $"{request.Entity}.{request.Action}";
            target[call] = target.GetValueOrDefault(call) + 1;
        }

        foreach (var line in Cms?.RequestLogText ?? [])
        {
            var call = Template(line);
            cms[call] = cms.GetValueOrDefault(call) + 1;
        }

        return (civi, cms);
    }

    public void Dispose()
    {
        Services.Dispose();
        Cms?.Dispose();
        Civi.Dispose();
    }

    private static string Role(CmsSetup setup) => setup switch
    {
        CmsSetup.WordPressCompanion or CmsSetup.WordPressCore => "subscriber",
        CmsSetup.Joomla or CmsSetup.JoomlaCompanion => "member",
        CmsSetup.Standalone => "staff",
        _ => "editor",
    };

    private static IFakeCmsServer? AddCms(ICmsUserBuilder builder, CmsSetup setup)
    {
        switch (setup)
        {
            case CmsSetup.WordPressCompanion or CmsSetup.WordPressCore:
                var wordpress = new FakeWordPressServer();
                builder.AddWordPress(o =>
                {
                    o.BaseUrl = wordpress.BaseUrl;
                    o.Username = wordpress.AdminUsername;
                    o.ApplicationPassword = wordpress.ApplicationPassword;
                    o.UseCompanionPlugin = setup == CmsSetup.WordPressCompanion;
                });
                return wordpress;
            case CmsSetup.DrupalCompanion or CmsSetup.DrupalCore:
                var drupal = FakeDrupalServer.Start();
                drupal.CompanionModuleEnabled = setup == CmsSetup.DrupalCompanion;
                builder.AddDrupal(o =>
                {
                    o.BaseUrl = drupal.BaseUrl;
                    o.Username = FakeDrupalServer.ApiUsername;
                    o.Password = drupal.ApiPassword;
                    o.UseCompanionModule = setup == CmsSetup.DrupalCompanion;
                });
                return drupal;
            case CmsSetup.Drupal7:
                var drupal7 = FakeDrupal7Server.Start();
                builder.AddDrupal7(o =>
                {
                    o.BaseUrl = drupal7.BaseUrl;
                    o.Endpoint = drupal7.Endpoint;
                    o.Username = FakeDrupal7Server.ApiUsername;
                    o.Password = drupal7.ApiPassword;
                    o.RoleIds["editor"] = "4";
                });
                return drupal7;
            case CmsSetup.Backdrop:
                var backdrop = FakeBackdropServer.Start();
                builder.AddBackdrop(o =>
                {
                    o.BaseUrl = backdrop.BaseUrl;
                    o.Secret = backdrop.Secret;
                });
                return backdrop;
            case CmsSetup.Joomla or CmsSetup.JoomlaCompanion:
                var joomla = new FakeJoomlaServer { CompanionEnabled = setup == CmsSetup.JoomlaCompanion };
                builder.AddJoomla(o =>
                {
                    o.BaseUrl = joomla.BaseUrl;
                    o.ApiToken = joomla.Token;
                    o.GroupIds["member"] = 10;
                    o.UseCompanionPlugin = setup == CmsSetup.JoomlaCompanion;
                });
                return joomla;
            default:
                builder.AddStandalone();
                return null;
        }
    }

    // "Method = POST, Path = /jsonapi/user/user/12, Query = a=1&b=2, ..." → "POST /jsonapi/user/user/{id}?a&b".
    private static string Template(string line)
    {
        var match = LogLine().Match(line);
        if (!match.Success)
        {
            return line;
        }

        var path = Digits().Replace(match.Groups["path"].Value, "{id}");
        var query = match.Groups["query"].Value.Trim();
        var keys = query.Length == 0 ? [] : query.Split('&').Select(p => p.Split('=')[0]).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        return keys.Length == 0 ? $"{match.Groups["method"].Value} {path}" : $"{match.Groups["method"].Value} {path}?{string.Join("&", keys)}";
    }

    [GeneratedRegex(@"Method = (?<method>\S+), Path = (?<path>[^,]*), Query = (?<query>.*?), [A-Z][A-Za-z]+ = ")]
    private static partial Regex LogLine();

    [GeneratedRegex(@"(?<=/)\d+(?=/|$|\.)")]
    private static partial Regex Digits();
}
