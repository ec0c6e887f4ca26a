using Skvare.CmsUser.CiviCrm.Api;
using Skvare.CmsUser.Testing.InMemory;

namespace Skvare.CmsUser.CiviCrm.Tests;

/// <summary>
/// What a site moving from the reference extension relies on, through the CiviCRM package against the fake CiviCRM: a
/// pattern and field mapping with CiviCRM's other tokens and its filters (the token's field is read in the page's own
/// <c>Contact.get</c> and the filter applies), and the audit record's contacts as the reference writes them.
/// </summary>
public sealed class ReferenceCompatibilityTests : IDisposable
{
    private readonly FakeCmsAccountProvider _cms = new();
    private readonly CiviHarness _h;
    private readonly long _members;

    public ReferenceCompatibilityTests()
    {
        _h = new CiviHarness(engine: o =>
        {
            o.Rules.Add(new ProvisioningRule { Name = "members", Trigger = TriggerDefinition.Group("members") });
            o.UsernamePattern = "{contact.nick_name|default:\"member\"}.{contact.last_name|lower}";
            o.FieldMappings["sort_name"] = "{contact.sort_name|upper}";
        }, cms: _cms);
        _members = _h.Fake.AddGroup("members");
    }

    public void Dispose() => _h.Dispose();

    [Fact]
    public async Task The_audit_record_has_the_contact_as_target_and_source_record_and_the_API_user_as_source()
    {
        var ana = _h.Fake.AddContact("Ana", "Lima", "ana@example.org");
        _h.Fake.AddToGroup(_members, [ana]);

        (await _h.Provisioner.RunOnceAsync()).Count(OutcomeKind.Created).Should().Be(1);

        var rows = await _h.Client.CallAsync("Activity", "get", new Api4Params { Limit = 10 }
            .WithSelect("subject", "source_record_id", "source_contact_id", "target_contact_id", "activity_type_id:name", "status_id:name")
            .WithWhere(Api4Condition.Eq("source_record_id", ana)));
        var row = rows.Values.Should().ContainSingle().Which;
        row.GetString("activity_type_id:name").Should().Be("User Account Creation");
        row.GetString("status_id:name").Should().Be("Completed");
        row.GetInt64("source_record_id").Should().Be(ana, "the spec's source record is the contact, as the reference extension sets it");
        row.GetInt64("source_contact_id").Should().Be(_h.Fake.ApiContactId);
        row.GetProperty("target_contact_id").EnumerateArray().Select(t => t.GetInt64()).Should().Equal(ana);
    }

    [Fact]
    public async Task A_CiviCRM_token_with_a_filter_is_read_with_the_page_and_rendered_as_CiviCRM_renders_it()
    {
        var ana = _h.Fake.AddContact("Ana", "Lima", "ana@example.org");
        var bea = _h.Fake.AddContact("Bea", "Souza", "bea@example.org", row => row["nick_name"] = "bee");
        _h.Fake.AddToGroup(_members, [ana, bea]);

        var summary = await _h.Provisioner.RunOnceAsync();

        summary.Count(OutcomeKind.Created).Should().Be(2);
        _cms.Accounts.Select(a => (a.Username, a.Fields.GetValueOrDefault("sort_name")))
            .Should().BeEquivalentTo([("member.lima", "LIMA, ANA"), ("bee.souza", "SOUZA, BEA")]);
        _h.Fake.Requests.Where(r => r.ParamsJson?.Contains("\"sort_name\"", StringComparison.Ordinal) == true)
            .Should().NotBeEmpty().And.OnlyContain(r => r.ParamsJson!.Contains("email_primary.email", StringComparison.Ordinal), "sort_name is a column of the page's own contact read, not a read of its own");
    }
}
