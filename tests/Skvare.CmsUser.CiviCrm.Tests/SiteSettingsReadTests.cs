using Skvare.CmsUser.Testing.InMemory;

namespace Skvare.CmsUser.CiviCrm.Tests;

/// <summary>
/// The site's settings the tokens print with (date formats and language, money separators) come from exactly one
/// <c>Setting.get</c> per process, counted on the fake CiviCRM: not one per kind of token, not one per read under way at once.
/// </summary>
public sealed class SiteSettingsReadTests : IDisposable
{
    private readonly FakeCmsAccountProvider _cms = new();
    private readonly CiviHarness _h;
    private readonly long _members;
    private readonly long _dues;

    public SiteSettingsReadTests()
    {
        long dues = 0;
        _h = new CiviHarness(engine: o =>
        {
            o.Rules.Add(new ProvisioningRule { Name = "members", Trigger = TriggerDefinition.Group("members") });
            o.UsernamePattern = "{contact.first_name}{contact.birth_date|crmDate:\"%Y\"}";
            o.FieldMappings["field_born"] = "{contact.birth_date}";
            // Read when the options are first built, after the field below exists.
            o.FieldMappings["field_dues"] = $"{{contact.custom_{dues}}}";
        }, cms: _cms);
        dues = _h.Fake.AddCustomField("dues", "amount", "Money");
        _dues = dues;
        _members = _h.Fake.AddGroup("members");
        // A site that writes money as 1.234,50 and dates as 31.12.1999: both come from the one read.
        _h.Fake.SetSetting("monetaryThousandSeparator", "\".\"");
        _h.Fake.SetSetting("monetaryDecimalPoint", "\",\"");
        _h.Fake.SetSetting("dateformatFull", "\"%d.%m.%Y\"");
    }

    public void Dispose() => _h.Dispose();

    private long Member(string first, string birthDate, double dues)
    {
        var id = _h.Fake.AddContact(first, "Member", $"{first.ToLowerInvariant()}@example.org");
        _h.Fake.SetContactValue(id, "birth_date", birthDate);
        _h.Fake.SetCustomValue(id, _dues, dues);
        _h.Fake.AddToGroup(_members, [id]);
        return id;
    }

    [Fact]
    public async Task Date_tokens_and_a_money_field_in_one_run_read_the_site_settings_with_one_Setting_get()
    {
        Member("Ana", "1999-12-31", 1234.5);

        (await _h.Provisioner.RunOnceAsync()).Count(OutcomeKind.Created).Should().Be(1);

        var account = _cms.Accounts.Single(a => a.Email == "ana@example.org");
        account.Username.Should().Be("ana1999");
        account.Fields["field_born"].Should().Be("31.12.1999", "the site's date format");
        account.Fields["field_dues"].Should().Be("1.234,50", "the site's money separators, from the same read");
        _h.Fake.CallCount("Setting", "get").Should().Be(1, "one read brings the date formats and the separators");

        Member("Bea", "1985-07-04", 10);
        (await _h.Provisioner.RunOnceAsync()).Count(OutcomeKind.Created).Should().Be(1);
        _cms.Accounts.Single(a => a.Email == "bea@example.org").Fields["field_dues"].Should().Be("10,00");
        _h.Fake.CallCount("Setting", "get").Should().Be(1, "not again in the same process");
    }

    [Fact(Timeout = 60_000)]
    public async Task Contacts_provisioned_at_once_share_the_first_Setting_get()
    {
        var ids = Enumerable.Range(0, 8).Select(i => Member($"M{i}x", "1990-01-0" + (i + 1), i)).ToList();
        // Hold the first read of the settings at the server while every contact's provisioning starts: without one shared
        // read, each read of a contact under way sends its own Setting.get meanwhile.
        using var release = new ManualResetEventSlim();
        var first = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _h.Fake.RefuseWhere = call =>
        {
            if (call.Entity == "Setting")
            {
                first.TrySetResult();
                release.Wait();
            }

            return null;
        };

        ProvisioningOutcome[] outcomes;
        try
        {
            var provisions = ids.Select(id => Task.Run(() => _h.Provisioner.ProvisionAsync(id))).ToList();
            await first.Task;
            // Every other provisioning gets to its read of the contact while the first Setting.get is held.
            await Task.WhenAll(provisions.Select(async _ => await Task.Yield()));
            release.Set();
            outcomes = await Task.WhenAll(provisions);
        }
        finally
        {
            release.Set();
        }

        outcomes.Should().OnlyContain(o => o.Kind == OutcomeKind.Created);
        _h.Fake.CallCount("Setting", "get").Should().Be(1, "the reads under way at once waited for the first one's answer");
    }
}
