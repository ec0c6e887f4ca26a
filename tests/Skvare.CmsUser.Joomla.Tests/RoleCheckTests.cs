using CsCheck;
using Microsoft.Extensions.DependencyInjection;
using Skvare.CmsUser.Joomla;
using Skvare.CmsUser.Testing.Joomla;

namespace Skvare.CmsUser.Joomla.Tests;

/// <summary>
/// The rules' roles checked against the site's groups (<see cref="ICmsRoleCatalog"/>): <c>GET users/groups</c>, a role
/// being a group id or a name <c>CmsUser:Joomla:GroupIds</c> maps to one, and both checked.
/// </summary>
public sealed class RoleCheckTests : IDisposable
{
    private readonly FakeJoomlaServer _site = new();
    private ServiceProvider? _services;

    public void Dispose()
    {
        _services?.Dispose();
        _site.Dispose();
    }

    private static CancellationToken Timeout() => new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token;

    private ICmsRoleCatalog Catalog(Action<JoomlaOptions>? configure = null)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddCmsUserProvisioning().AddJoomla(o =>
        {
            o.BaseUrl = _site.BaseUrl;
            o.ApiToken = _site.Token;
            o.GroupIds["member"] = 10;
            o.GroupIds["gone"] = 77;
            o.Http.RetryBaseDelay = TimeSpan.FromMilliseconds(1);
            configure?.Invoke(o);
        });
        _services = services.BuildServiceProvider();
        return (ICmsRoleCatalog)_services.GetRequiredService<ICmsAccountProvider>();
    }

    private int GroupRequests => _site.Requests.Count(r => r.Path.EndsWith("/users/groups", StringComparison.Ordinal));

    [Fact(Timeout = 120_000)]
    public async Task Mapped_names_and_group_ids_the_site_has_pass_in_one_request()
    {
        var check = await Catalog().CheckRolesAsync(["member", "2", "8"], Timeout());

        check.Verified.Should().BeTrue();
        check.Unknown.Should().BeEmpty();
        check.SiteRoles.Should().Equal("1 (Public)", "2 (Registered)", "8 (Super Users)", "10 (Members)");
        GroupRequests.Should().Be(1);
    }

    [Fact(Timeout = 120_000)]
    public async Task A_mapping_to_a_missing_group_an_unknown_id_and_an_unmapped_name_are_unknown_each_with_why()
    {
        var check = await Catalog().CheckRolesAsync(["gone", "99", "Members", "membr"], Timeout());

        check.Unknown.Keys.Should().BeEquivalentTo(["gone", "99", "Members", "membr"]);
        check.Unknown["gone"].Should().Contain("CmsUser:Joomla:GroupIds to 77, which is not a group of the site");
        check.Unknown["99"].Should().Contain("not the id of a Joomla group");
        check.Unknown["Members"].Should().Contain("the group titled so is 10: map it there", "a group's title is not a role, but the check says which id it is");
        check.Unknown["membr"].Should().Contain("neither a Joomla group id nor mapped in CmsUser:Joomla:GroupIds").And.NotContain("titled");
    }

    [Fact(Timeout = 120_000)]
    public async Task A_site_with_more_groups_than_a_page_holds_is_read_whole()
    {
        for (var id = 100; id < 230; id++)
        {
            _site.Groups[id] = "Group " + id;
        }

        var check = await Catalog().CheckRolesAsync(["229", "member"], Timeout());

        check.Unknown.Should().BeEmpty("group 229 is on the second page of 100");
        check.SiteRoles.Should().HaveCount(134);
        GroupRequests.Should().Be(2);
    }

    [Fact(Timeout = 120_000)]
    public async Task The_connectivity_check_finds_a_configured_group_beyond_the_first_page_of_groups()
    {
        for (var id = 100; id < 130; id++)
        {
            _site.Groups[id] = "Group " + id;
        }

        var provider = (ICmsAccountProvider)Catalog(o => o.GroupIds["late"] = 129);
        var report = await provider.CheckConnectivityAsync(Timeout());

        report.Checks.Single(c => c.Name == "Configured groups").Detail.Should().Be("missing: gone",
            "group 129 is past Joomla's default page of 20 and exists; only the mapping to 77 is missing");
        report.Checks.Single(c => c.Name == "Groups").Detail.Should().Contain("129 Group 129");
    }

    [Fact(Timeout = 120_000)]
    public async Task The_fake_pages_groups_as_Joomla_pages_its_list_views()
    {
        for (var id = 100; id < 130; id++)
        {
            _site.Groups[id] = "Group " + id;
        }

        using var http = new HttpClient();
        http.DefaultRequestHeaders.Authorization = new("Bearer", _site.Token);
        http.DefaultRequestHeaders.Accept.ParseAdd("application/vnd.api+json");
        using var first = System.Text.Json.JsonDocument.Parse(await http.GetStringAsync(new Uri(_site.BaseUrl, "api/index.php/v1/users/groups"), Timeout()));

        first.RootElement.GetProperty("data").GetArrayLength().Should().Be(20, "Joomla's default list limit");
        first.RootElement.GetProperty("links").GetProperty("next").GetString().Should().Contain("offset]=20");
    }

    public static TheoryData<string> GroupListsWithoutData => ["{\"links\":{}}", "{\"data\":{\"type\":\"groups\",\"id\":\"2\"}}", "[]", "{\"data\":null}"];

    [Theory(Timeout = 120_000)]
    [MemberData(nameof(GroupListsWithoutData))]
    public async Task A_group_list_without_its_data_list_fails_the_role_check_instead_of_calling_every_role_unknown(string body)
    {
        var catalog = Catalog();
        _site.FaultWhere = r => r.Path.EndsWith("/users/groups", StringComparison.Ordinal) ? Testing.FakeFault.Status(200, body, "application/vnd.api+json") : null;

        var check = () => catalog.CheckRolesAsync(["member", "2"], Timeout());
        var report = await ((ICmsAccountProvider)catalog).CheckConnectivityAsync(Timeout());

        (await check.Should().ThrowAsync<CmsProviderException>()).Which.Reason.Should().Be(CmsErrorReason.UnexpectedResponse);
        report.Healthy.Should().BeFalse("a group list without its data is not a site without groups");
        report.Checks.Should().NotContain(c => c.Name == "Groups");
    }
}

/// <summary>
/// Regression (session 18's strict-reader work): a group in Joomla's group list whose id could not be read was skipped
/// silently, so a role naming that group read as "not a group of the site". It now fails the list as an unusable answer
/// naming the item's position, as a user search does with a user it cannot read.
/// </summary>
public sealed class GroupListItemTests : IDisposable
{
    private readonly FakeJoomlaServer _site = new();
    private ServiceProvider? _services;

    public void Dispose()
    {
        _services?.Dispose();
        _site.Dispose();
    }

    public static TheoryData<string> UnreadableIds => ["", "\"id\":null,", "\"id\":\"\",", "\"id\":\"two\",", "\"id\":\"-2\",", "\"id\":\"0\",", "\"id\":\"2.5\",", "\"id\":{\"v\":2},", "\"id\":[2],"];

    [Theory(Timeout = 120_000)]
    [MemberData(nameof(UnreadableIds))]
    public async Task A_listed_group_whose_id_cannot_be_read_fails_the_role_check_naming_its_position(string id)
    {
        var body = "{\"data\":[{\"type\":\"groups\",\"id\":\"2\",\"attributes\":{\"title\":\"Registered\"}},{\"type\":\"groups\"," + id + "\"attributes\":{\"title\":\"Members\"}}]}";
        _site.FaultWhere = r => r.Path.EndsWith("/users/groups", StringComparison.Ordinal) ? Testing.FakeFault.Status(200, body, "application/vnd.api+json") : null;
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddCmsUserProvisioning().AddJoomla(o =>
        {
            o.BaseUrl = _site.BaseUrl;
            o.ApiToken = _site.Token;
            o.Http.RetryBaseDelay = TimeSpan.FromMilliseconds(1);
        });
        _services = services.BuildServiceProvider();
        var catalog = (ICmsRoleCatalog)_services.GetRequiredService<ICmsAccountProvider>();

        var check = () => catalog.CheckRolesAsync(["2"], new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token);

        var failure = (await check.Should().ThrowAsync<CmsProviderException>()).Which;
        failure.Reason.Should().Be(CmsErrorReason.UnexpectedResponse);
        failure.Message.Should().Contain("item 2 of 2 on page 1");
    }

    [Fact]
    public void Any_group_list_is_read_in_full_or_refused_at_its_first_unreadable_item()
    {
        // Each item: a readable id (text as Joomla sends it, or a number), or one of the ids that cannot be read.
        string[] bad = ["", "\"id\":null,", "\"id\":\"x\",", "\"id\":\"-1\",", "\"id\":\"0\",", "\"id\":true,", "\"id\":\" 3\","];
        var item = Gen.OneOf(
            Gen.Select(Gen.Long[1, 99_999], Gen.Bool, Gen.String[Gen.Char.AlphaNumeric, 0, 8]).Select(t => (Id: (long?)t.Item1, Json: (t.Item2 ? "\"id\":\"" + t.Item1 + "\"," : "\"id\":" + t.Item1 + ","), Title: t.Item3)),
            Gen.Int[0, bad.Length - 1].Select(i => (Id: (long?)null, Json: bad[i], Title: "t")));
        item.Array[0, 12].Sample(items =>
        {
            var body = "{\"data\":[" + string.Join(",", items.Select(i => "{\"type\":\"groups\"," + i.Json + "\"attributes\":{\"title\":\"" + i.Title + "\"}}")) + "]}";
            using var message = new HttpResponseMessage();
            var answer = new Skvare.CmsUser.Shared.HttpAnswer(200, "OK", "application/vnd.api+json", body, message.Headers);
            var firstBad = Array.FindIndex(items, i => i.Id is null);

            var read = () => JoomlaAccountProvider.GroupPage(answer, 3);

            if (firstBad < 0)
            {
                read().Should().Equal(items.Select(i => (i.Id!.Value, i.Title)));
            }
            else
            {
                var failure = read.Should().Throw<CmsProviderException>().Which;
                failure.Reason.Should().Be(CmsErrorReason.UnexpectedResponse);
                failure.Message.Should().Contain($"item {firstBad + 1} of {items.Length} on page 3");
            }
        });
    }
}
