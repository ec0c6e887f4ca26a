using CsCheck;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Skvare.CmsUser.Testing.InMemory;

namespace Skvare.CmsUser.Tests.Options;

public sealed class SettingsCheckTests
{
    private static readonly Dictionary<string, string?> Valid = new()
    {
        ["CmsUser:Rules:0:Name"] = "members",
        ["CmsUser:Rules:0:Trigger:Kind"] = "Group",
        ["CmsUser:Rules:0:Trigger:Reference"] = "website_members",
        ["CmsUser:Rules:0:Roles:0"] = "subscriber",
        ["CmsUser:CiviCrm:BaseUrl"] = "https://crm.example.org/",
        ["CmsUser:Cms"] = "WordPress",
    };

    private static async Task<IReadOnlyList<string>> StartFailuresAsync(Dictionary<string, string?> changes, Action<CmsUserOptions>? configure = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(Valid).AddInMemoryCollection(changes);
        builder.Services.AddCmsUserProvisioning(builder.Configuration.GetSection("CmsUser"), configure)
            .UseInMemory(new FakeCiviCrm(), new FakeCmsAccountProvider());
        using var host = builder.Build();
        try
        {
            await host.StartAsync();
            await host.StopAsync();
            return [];
        }
        catch (OptionsValidationException ex)
        {
            return ex.Failures.ToList();
        }
    }

    [Fact(Timeout = 30_000)]
    public async Task Valid_settings_with_package_sections_start()
    {
        (await StartFailuresAsync([])).Should().BeEmpty();
    }

    [Fact(Timeout = 30_000)]
    public async Task The_Quartz_packages_section_under_CmsUser_is_not_an_unknown_setting()
    {
        // Skvare.CmsUser.Quartz binds CmsUser:Quartz (docs/scaling.md) and checks it itself.
        (await StartFailuresAsync(new() { ["CmsUser:Quartz:ConnectionString"] = "Server=db;Database=quartz", ["CmsUser:Quartz:Cron"] = "0 0/15 * * * ?" }))
            .Should().BeEmpty();
    }

    [Fact(Timeout = 30_000)]
    public async Task A_misspelled_key_is_reported_with_its_full_key_and_a_suggestion()
    {
        var failures = await StartFailuresAsync(new() { ["CmsUser:MaxConcurency"] = "3", ["CmsUser:Retry:MaxAttempt"] = "3", ["CmsUser:Nonsense:Deep"] = "x" });

        failures.Should().Contain("CmsUser:MaxConcurency is not a setting of CmsUser; did you mean MaxConcurrency?");
        failures.Should().Contain("CmsUser:Retry:MaxAttempt is not a setting of CmsUser:Retry; did you mean MaxAttempts?");
        failures.Should().ContainSingle(f => f.StartsWith("CmsUser:Nonsense is not a setting of CmsUser. Known settings:", StringComparison.Ordinal));
    }

    /// <summary>Two settings where the first one within two edits of a typo is not the nearest (declaration order matters).</summary>
    private sealed class PagingSettings
    {
        public int Pages { get; set; }

        public int PageSize { get; set; }

        public int PageSide { get; set; }

        public int Limit { get; set; }
    }

    [Fact]
    public void A_misspelled_key_is_given_the_nearest_setting_not_the_first_one_within_two_edits()
    {
        // "PageSiz": Pages is within two edits and declared first; PageSize is one edit away and is the suggestion.
        var section = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Paging:PageSiz"] = "3" }).Build().GetSection("Paging");

        SettingsCheck.CheckConfiguration(section, typeof(PagingSettings)).Should().Equal("Paging:PageSiz is not a setting of Paging; did you mean PageSize?");
    }

    [Fact]
    public void A_misspelled_key_equally_near_two_settings_names_both_as_the_CLI_does()
    {
        var section = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Paging:PageSixe"] = "3" }).Build().GetSection("Paging");

        SettingsCheck.CheckConfiguration(section, typeof(PagingSettings)).Should().Equal("Paging:PageSixe is not a setting of Paging; did you mean PageSide or PageSize?");
    }

    [Fact]
    public void The_suggestion_is_always_a_nearest_setting_within_two_edits()
    {
        string[] names = ["Pages", "PageSize", "PageSide", "Limit"];
        Gen.String[Gen.Char["aegiLmPstxz"], 1, 9].Where(k => !names.Contains(k, StringComparer.OrdinalIgnoreCase)).Sample(key =>
        {
            var section = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Paging:" + key] = "1" }).Build().GetSection("Paging");
            var problem = SettingsCheck.CheckConfiguration(section, typeof(PagingSettings)).Should().ContainSingle().Subject;
            var best = names.Min(n => Skvare.CmsUser.Shared.EditDistance.Between(n, key));
            var marker = "; did you mean ";
            if (best > 2)
            {
                problem.Should().NotContain(marker);
                return;
            }

            var suggested = problem[(problem.IndexOf(marker, StringComparison.Ordinal) + marker.Length)..^1].Split(" or ");
            suggested.Should().BeEquivalentTo(names.Where(n => Skvare.CmsUser.Shared.EditDistance.Between(n, key) == best));
        });
    }

    [Fact(Timeout = 30_000)]
    public async Task An_enum_value_that_does_not_parse_in_a_rule_is_reported_instead_of_dropping_the_rule()
    {
        var failures = await StartFailuresAsync(new() { ["CmsUser:Rules:0:Trigger:Kind"] = "Groop" });

        failures.Should().ContainSingle().Which.Should().Be("CmsUser:Rules:0:Trigger:Kind is 'Groop', which is not one of Group, Tag, SavedSearch; did you mean Group?");
    }

    // The README's three examples together: a value that does not convert used to drop its rule, so the rule's other
    // problems went unreported (and a later rule moved up a position in every message) until it was mended.
    [Fact(Timeout = 30_000)]
    public async Task A_rule_with_a_value_that_does_not_convert_still_has_its_other_settings_checked_in_place()
    {
        var failures = await StartFailuresAsync(new()
        {
            ["CmsUser:MaxConcurency"] = "4",
            ["CmsUser:Rules:0:Trigger:Kind"] = "Groop",
            ["CmsUser:Rules:0:UsernamePattern"] = "{contact.nickname}",
            ["CmsUser:Rules:1:Name"] = "volunteers",
            ["CmsUser:Rules:1:Trigger:Kind"] = "Tag",
            ["CmsUser:Rules:1:Trigger:Reference"] = "volunteer",
            ["CmsUser:Rules:1:UsernamePattern"] = "{contact.nick}",
        });

        failures.Should().Contain("CmsUser:MaxConcurency is not a setting of CmsUser; did you mean MaxConcurrency?");
        failures.Should().Contain("CmsUser:Rules:0:Trigger:Kind is 'Groop', which is not one of Group, Tag, SavedSearch; did you mean Group?");
        failures.Should().Contain(f => f.StartsWith("CmsUser:Rules:0:UsernamePattern", StringComparison.Ordinal) && f.Contains("'{contact.nickname}'", StringComparison.Ordinal));
        failures.Should().Contain(f => f.StartsWith("CmsUser:Rules:1:UsernamePattern", StringComparison.Ordinal) && f.Contains("'{contact.nick}'", StringComparison.Ordinal));
        failures.Should().HaveCount(4);
    }

    // Whatever a rule's Kind holds, the rule after it is checked under its own position.
    [Fact]
    public void A_later_rule_keeps_its_position_whatever_an_earlier_rule_holds()
    {
        Values.Sample(kind =>
        {
            var failures = StartFailuresAsync(new()
            {
                ["CmsUser:Rules:0:Trigger:Kind"] = kind,
                ["CmsUser:Rules:1:Name"] = "volunteers",
                ["CmsUser:Rules:1:Trigger:Kind"] = "Tag",
                ["CmsUser:Rules:1:Trigger:Reference"] = "volunteer",
                ["CmsUser:Rules:1:UsernamePattern"] = "{contact.nick}",
            }).GetAwaiter().GetResult();

            failures.Should().ContainSingle(f => f.Contains("'{contact.nick}'", StringComparison.Ordinal))
                .Which.Should().StartWith("CmsUser:Rules:1:UsernamePattern");
        }, iter: 40);
    }

    [Fact(Timeout = 30_000)]
    public async Task Enum_names_ignore_case_as_the_binder_does()
    {
        (await StartFailuresAsync(new() { ["CmsUser:Rules:0:Trigger:Kind"] = "savedsearch" })).Should().BeEmpty();
    }

    [Fact(Timeout = 30_000)]
    public async Task Nested_ranges_are_enforced_from_configuration_and_from_code_each_once()
    {
        var fromConfiguration = await StartFailuresAsync(new() { ["CmsUser:Retry:QuarantineAfterConsecutiveTransientFailures"] = "0", ["CmsUser:Retry:MaxAttempts"] = "0", ["CmsUser:PageSize"] = "0" });
        var fromCode = await StartFailuresAsync([], o => o.Retry.QuarantineAfterConsecutiveTransientFailures = 0);

        fromConfiguration.Should().BeEquivalentTo(
            "CmsUser:Retry:QuarantineAfterConsecutiveTransientFailures is 0; it must be between 1 and 1000.",
            "CmsUser:Retry:MaxAttempts is 0; it must be between 1 and 100.",
            "CmsUser:PageSize is 0; it must be between 1 and 5000.");
        fromCode.Should().ContainSingle().Which.Should().Be("CmsUser:Retry:QuarantineAfterConsecutiveTransientFailures is 0; it must be between 1 and 1000.");
    }

    [Fact(Timeout = 30_000)]
    public async Task A_value_the_binder_cannot_convert_is_reported_with_every_other_problem()
    {
        var failures = await StartFailuresAsync(new() { ["CmsUser:Schedule:Interval"] = "soon", ["CmsUser:MaxConcurrency"] = "many", ["CmsUser:Retry:MaxAttempts"] = "0", ["CmsUser:Bogus"] = "1" });

        failures.Should().Contain(f => f.StartsWith("CmsUser:Schedule:Interval is 'soon', which is not a valid duration", StringComparison.Ordinal));
        failures.Should().Contain("CmsUser:MaxConcurrency is 'many', which is not a valid whole number.");
        failures.Should().Contain("CmsUser:Retry:MaxAttempts is 0; it must be between 1 and 100.");
        failures.Should().Contain(f => f.StartsWith("CmsUser:Bogus is not a setting", StringComparison.Ordinal));
        failures.Should().OnlyHaveUniqueItems();
    }

    [Fact]
    public void A_list_where_a_section_belongs_and_a_value_where_a_list_belongs_are_reported()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["CmsUser:Rules"] = "members",
            ["CmsUser:Retry"] = "4",
            ["CmsUser:PageSize:Value"] = "4",
        }).Build();

        var problems = SettingsCheck.CheckConfiguration(configuration.GetSection("CmsUser"), typeof(CmsUserOptions));

        problems.Should().BeEquivalentTo(
            "CmsUser:Retry must be a section with settings, not the value '4'.",
            "CmsUser:PageSize must be a single value, not a section.",
            "CmsUser:Rules must be a list (a JSON array), not the value 'members'.");
    }

    private static readonly Gen<string> Values = Gen.OneOf(
        Gen.String,
        Gen.String[Gen.Char["0123456789:.-+ eExX"], 0, 12],
        Gen.OneOf<string>("Group", "group", " Tag ", "SavedSearch", "1", "2", "7", "-1", "", "00:10:00", "1.00:00:00", "25:00", "true", "False", "yes", "1e3", "0x10", "99999999999"));

    // The check must never let through a value the binder rejects (the binder would throw, or drop a list element).
    [Theory]
    [InlineData("CmsUser:PageSize")]
    [InlineData("CmsUser:Schedule:Interval")]
    [InlineData("CmsUser:Retry:CountTransientFailures")]
    [InlineData("CmsUser:MaxCmsRequestsPerSecond")]
    [InlineData("CmsUser:Schedule:OffPeakStart")]
    [InlineData("CmsUser:Rules:0:Trigger:Kind")]
    public void Every_value_the_binder_rejects_is_reported_with_its_key(string key)
    {
        Values.Sample(value =>
        {
            var settings = new Dictionary<string, string?>
            {
                ["CmsUser:Rules:0:Trigger:Kind"] = "Group",
                ["CmsUser:Rules:0:Trigger:Reference"] = "r",
                [key] = value,
            };
            var section = new ConfigurationBuilder().AddInMemoryCollection(settings).Build().GetSection("CmsUser");
            var bound = new CmsUserOptions();
            var binderRejects = false;
            try
            {
                section.Bind(bound);
                binderRejects = bound.Rules.Count == 0;
            }
            catch (InvalidOperationException)
            {
                binderRejects = true;
            }

            var reported = SettingsCheck.CheckConfiguration(section, typeof(CmsUserOptions), checkRanges: false)
                .Any(p => p.StartsWith(key + " is ", StringComparison.Ordinal));
            if (binderRejects)
            {
                reported.Should().BeTrue($"the binder rejects {key} = '{value}'");
            }
            else if (reported)
            {
                // Stricter than the binder only where the binder accepts a number that names no enum member.
                key.Should().EndWith(":Kind", $"{key} = '{value}' binds");
                int.TryParse(value, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var number).Should().BeTrue();
                Enum.IsDefined((TriggerKind)number).Should().BeFalse();
            }
        }, iter: 300);
    }
}
