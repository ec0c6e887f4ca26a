using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Skvare.CmsUser.Testing.CiviCrm;
using Skvare.CmsUser.Testing.WordPress;
using Skvare.CmsUser.WordPress;

namespace Skvare.CmsUser.Tests.Shared.Sites;

/// <summary>
/// The SDK wired as a user would wire it (CiviCRM package, WordPress package, real HTTP), against the fake CiviCRM
/// and the fake WordPress, with one group rule over <c>members</c>. Request counts come from the fakes' own logs.
/// Shared by the provisioning benchmark (tests/Skvare.CmsUser.Benchmarks) and the request budgets
/// (tests/Skvare.CmsUser.WordPress.Tests), so the budgets count the same wiring the benchmark measures.
/// </summary>
internal sealed partial class FakeSite : IDisposable
{
    private int _added;

    private FakeSite(int concurrency, TimeSpan latency, Action<WordPressOptions>? wordpress, Action<IServiceCollection>? configure)
    {
        Civi = new FakeCiviCrmServer { Latency = latency };
        WordPress = new FakeWordPressServer { ResponseDelay = latency };
        Members = Civi.AddGroup("members");
        Civi.AddGroup("members_done");
        var services = new ServiceCollection();
        services.AddCmsUserProvisioning(o =>
        {
            var rule = new ProvisioningRule { Name = "members", Trigger = TriggerDefinition.Group("members"), History = TriggerDefinition.Group("members_done") };
            rule.Roles.Add("subscriber");
            o.Rules.Add(rule);
            o.MaxConcurrency = concurrency;
            o.PageSize = 100;
        }).AddCiviCrm(o =>
        {
            o.BaseUrl = Civi.Url;
            o.ApiKey = Civi.ApiKey;
        }).AddWordPress(o =>
        {
            o.BaseUrl = WordPress.BaseUrl;
            o.Username = WordPress.AdminUsername;
            o.ApplicationPassword = WordPress.ApplicationPassword;
            // As the docs recommend: the companion plugin creates with the new-account email in one request and
            // looks up a page of accounts at once.
            o.UseCompanionPlugin = true;
            wordpress?.Invoke(o);
        });
        configure?.Invoke(services);
        Services = services.BuildServiceProvider();
    }

    public FakeCiviCrmServer Civi { get; }

    public FakeWordPressServer WordPress { get; }

    public long Members { get; }

    public ServiceProvider Services { get; }

    public IUserProvisioner Provisioner => Services.GetRequiredService<IUserProvisioner>();

    /// <summary>A site with <paramref name="contacts"/> new contacts in the trigger group.</summary>
    public static FakeSite Start(int contacts, int concurrency = 8, TimeSpan latency = default, Action<WordPressOptions>? wordpress = null, Action<IServiceCollection>? configure = null)
    {
        var site = new FakeSite(concurrency, latency, wordpress, configure);
        site.AddMembers(contacts);
        return site;
    }

    /// <summary>Adds new contacts to the trigger group; returns their ids.</summary>
    public IReadOnlyList<long> AddMembers(int count, string tag = "")
    {
        var ids = Enumerable.Range(_added, count)
            .Select(i => Civi.AddContact("First" + tag + i.ToString(CultureInfo.InvariantCulture), "Last" + i.ToString(CultureInfo.InvariantCulture), $"member{tag}{i}@example.org"))
            .ToList();
        Civi.AddToGroup(Members, ids);
        _added += count;
        return ids;
    }

    /// <summary>Requests both fakes received, as <c>server: call</c> → count.</summary>
    public RequestCounts Count() => new(
        Civi.Requests.GroupBy(r => $"{r.Entity}.{r.Action}").ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal),
        WordPress.Requests.GroupBy(r => r.Method + " " + Template(r.Path, r.Query)).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal));

    public void Dispose()
    {
        Services.Dispose();
        Civi.Dispose();
        WordPress.Dispose();
    }

    // "/wp-json/wp/v2/users/123" → "/wp-json/wp/v2/users/{id}"; a search names its column.
    private static string Template(string path, string? query)
    {
        var template = Digits().Replace(path, "{id}");
        if (query is not null && query.Contains("search=", StringComparison.Ordinal))
        {
            var column = SearchColumn().Match(query);
            template += column.Success ? "?search&search_columns=" + column.Groups[1].Value : "?search";
        }

        return template;
    }

    [GeneratedRegex(@"(?<=/)\d+(?=/|$)")]
    private static partial Regex Digits();

    [GeneratedRegex(@"search_columns=([a-z_,]+)")]
    private static partial Regex SearchColumn();
}

/// <summary>Requests per server and call.</summary>
internal sealed record RequestCounts(IReadOnlyDictionary<string, int> CiviCrm, IReadOnlyDictionary<string, int> WordPress)
{
    public int CiviCrmTotal => CiviCrm.Values.Sum();

    public int WordPressTotal => WordPress.Values.Sum();

    public int Total => CiviCrmTotal + WordPressTotal;

    public RequestCounts Minus(RequestCounts before) => new(Diff(CiviCrm, before.CiviCrm), Diff(WordPress, before.WordPress));

    private static Dictionary<string, int> Diff(IReadOnlyDictionary<string, int> after, IReadOnlyDictionary<string, int> before) =>
        after.Select(kv => (kv.Key, Count: kv.Value - before.GetValueOrDefault(kv.Key))).Where(x => x.Count > 0)
            .ToDictionary(x => x.Key, x => x.Count, StringComparer.Ordinal);
}
