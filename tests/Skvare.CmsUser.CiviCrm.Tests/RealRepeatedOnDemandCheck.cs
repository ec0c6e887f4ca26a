using Microsoft.Extensions.DependencyInjection;
using Skvare.CmsUser.CiviCrm.Api;
using Skvare.CmsUser.Testing.InMemory;
using Xunit.Abstractions;

namespace Skvare.CmsUser.CiviCrm.Tests;

/// <summary>
/// Five on-demand calls for a contact without an email against the real CiviCRM of <see cref="RealCiviCrmFactAttribute"/>
/// (the CMS is the in-memory fake: such a contact never reaches it), counting the contact's Failed "User Account Creation"
/// records after each call; the contact, its group membership and its records are removed afterwards. Written for the
/// session 23 check (docs/realtime.md): before the answer from the earlier record, four records (the fifth call refused as
/// attempts_used_up); after it, one.
/// </summary>
public sealed class RealRepeatedOnDemandCheck(ITestOutputHelper output)
{
    [RealCiviCrmFact(Timeout = 300_000)]
    public async Task Five_calls_for_a_contact_without_email_on_the_real_CiviCRM()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(280));
        var ct = timeout.Token;
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddCmsUserProvisioning(o => o.Rules.Add(new ProvisioningRule { Name = "od23", Trigger = TriggerDefinition.Group("od23_trigger") }))
            .AddCiviCrm(o =>
            {
                o.BaseUrl = new Uri(Environment.GetEnvironmentVariable("CMSUSER_CIVI_URL")!);
                o.ApiKey = Environment.GetEnvironmentVariable("CMSUSER_CIVI_API_KEY")!;
                o.UrlStyle = CiviCrmUrlStyle.WordPress;
            });
        services.AddSingleton<ICmsAccountProvider>(new FakeCmsAccountProvider());
        await using var provider = services.BuildServiceProvider();
        var client = provider.GetRequiredService<CiviCrmApiClient>();

        var groups = await client.CallAsync("Group", "save", new Api4Params { Match = { "name" }, Records = { new Dictionary<string, object?> { ["name"] = "od23_trigger", ["title"] = "od23_trigger" } } }, ct);
        var group = groups.Values[0].GetInt64("id")!.Value;
        var created = await client.CallAsync("Contact", "create", new Api4Params { Values = { ["contact_type"] = "Individual", ["first_name"] = "Nia", ["last_name"] = "Od23-" + Guid.NewGuid().ToString("N")[..8] } }, ct);
        var contact = created.Values[0].GetInt64("id")!.Value;
        try
        {
            await client.CallAsync("GroupContact", "create", new Api4Params { Values = { ["group_id"] = group, ["contact_id"] = contact, ["status"] = "Added" } }, ct);
            var counts = new List<int>();
            for (var call = 1; call <= 5; call++)
            {
                var outcome = await provider.GetRequiredService<IUserProvisioner>().ProvisionAsync(contact, cancellationToken: ct);
                var failed = (await client.CallAsync("ActivityContact", "get", Records(contact, "Failed"), ct)).Values.Count;
                counts.Add(failed);
                output.WriteLine($"call {call}: {outcome.Kind} {outcome.Error?.Code} attempt {outcome.Attempt}; Failed records {failed}");
            }

            var scheduled = (await client.CallAsync("ActivityContact", "get", Records(contact, "Scheduled"), ct)).Values.Count;
            output.WriteLine($"contact {contact}: Failed records after each call {string.Join(", ", counts)}; Scheduled left {scheduled}");
            counts.Should().NotBeEmpty();
        }
        finally
        {
            var ids = (await client.CallAsync("ActivityContact", "get", Records(contact, null), CancellationToken.None)).Values.Select(r => r.GetInt64("activity_id")!.Value).ToArray();
            if (ids.Length > 0)
            {
                await client.CallAsync("Activity", "delete", new Api4Params().WithWhere(Api4Condition.In("id", ids)), CancellationToken.None);
            }

            await client.CallAsync("Contact", "delete", new Api4Params().WithWhere(Api4Condition.Eq("id", contact)), CancellationToken.None);
        }
    }

    private static Api4Params Records(long contact, string? status)
    {
        var query = new Api4Params().WithSelect("activity_id").WithWhere(
            Api4Condition.Eq("contact_id", contact),
            Api4Condition.Eq("record_type_id:name", "Activity Targets"),
            Api4Condition.Eq("activity_id.activity_type_id:name", "User Account Creation"));
        if (status is not null)
        {
            query.Where.Add(Api4Condition.Eq("activity_id.status_id:name", status));
        }

        return query;
    }
}
