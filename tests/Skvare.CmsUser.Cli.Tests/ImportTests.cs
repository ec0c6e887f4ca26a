using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Skvare.CmsUser.Cli.Import;
using Skvare.CmsUser.Testing.InMemory;

namespace Skvare.CmsUser.Cli.Tests;

/// <summary>
/// <c>cmsuser import</c> against the fake CiviCRM, which stores and answers the extension's settings as CiviCRM 6.17.2 does
/// (tests/recordings/civicrm-6.17.2-import-wordpress-6.1.9): values in the shapes the extension's form saves them.
/// </summary>
public sealed class ImportTests
{
    /// <summary>The extension's settings as its form saves them on a Drupal site, with one group, one tag and field lines.</summary>
    private static void StoreExtensionSettings(Sites sites, long? tagTrigger = null)
    {
        var civi = sites.Civi;
        civi.SetSetting("cmsuser_pattern", "\"{contact.first_name|lower}.{contact.last_name|lower}\"");
        civi.SetSetting("cmsuser_notify", "\"1\"");
        civi.SetSetting("cmsuser_preferred_language", "\"1\"");
        civi.SetSetting("cmsuser_create_immediately", "\"1\"");
        civi.SetSetting("cmsuser_login_immediately", "\"0\"");
        civi.SetSetting("cmsuser_allow_existing_user_login", "\"0\"");
        civi.SetSetting("cmsuser_cms_roles", "[\"subscriber\"]");
        civi.SetSetting("cmsuser_block_roles_autologin", "false");
        civi.SetSetting("cmsuser_group_create", $"\"{sites.Members}\"");
        civi.SetSetting("cmsuser_group_history", $"\"{sites.Done}\"");
        civi.SetSetting("cmsuser_group_reset", "false");
        civi.SetSetting("cmsuser_tag_create", tagTrigger is { } tag ? $"\"{tag}\"" : "false");
        civi.SetSetting("cmsuser_tag_history", "false");
        civi.SetSetting("cmsuser_tag_reset", $"\"{sites.ResetTag}\"");
        civi.SetSetting("cmsuser_user_fields", JsonSerializer.Serialize("field_first_name={contact.first_name}\r\nfield_address[0][locality]={contact.city}\r\nfield_motto=Hello+World%21\r\n"));
    }

    private static JsonObject CiviCrmOnly(Sites sites)
    {
        var settings = sites.Settings();
        var civi = settings["CmsUser"]!["CiviCrm"]!.DeepClone();
        return new JsonObject { ["CmsUser"] = new JsonObject { ["CiviCrm"] = civi } };
    }

    [Fact(Timeout = 120_000)]
    public async Task Imported_blocked_roles_are_the_extensions_and_administrators_still_get_no_login_link()
    {
        // Since session 19 the administrator roles are blocked whatever LoginLinks:BlockedRoles says, so the import writes the
        // extension's roles alone; bound from the written file, they still refuse an administrator a link.
        using var sites = new Sites();
        StoreExtensionSettings(sites);
        sites.Civi.SetSetting("cmsuser_login_immediately", "\"1\"");
        sites.Civi.SetSetting("cmsuser_block_roles_autologin", "[\"editor\", \" \", \"EDITOR\"]");
        using var folder = new TempFolder();
        var file = folder.Write("appsettings.json", Sites.Json(CiviCrmOnly(sites)));

        var written = await Cli.RunAsync(folder.Path, null, "import", "--write");

        written.Stdout.Should().Contain("LoginLinks:BlockedRoles lists the extension's roles only: cmsuser blocks the administrator roles (administrator, Super Users, 7, 8, admin) besides them unless LoginLinks:AllowAdministrators is on");
        var configuration = new ConfigurationBuilder().AddJsonFile(file).Build().GetSection("CmsUser");
        configuration.GetSection("LoginLinks:BlockedRoles").GetChildren().Select(c => c.Value).Should().Equal(["editor"], "the extension's roles only, once each");
        configuration["LoginLinks:AllowAdministrators"].Should().BeNull("the import never lets administrators through");

        var civi = new FakeCiviCrm();
        var cms = new FakeCmsAccountProvider();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddCmsUserProvisioning(configuration, o =>
        {
            // The imported rules name the fake server's groups: rules of the in-memory CiviCRM instead, one per role.
            o.Rules.Clear();
            o.PasswordResets.Clear();
            o.FieldMappings.Clear();
            foreach (var role in new[] { "administrator", "editor", "subscriber" })
            {
                o.Rules.Add(new ProvisioningRule { Name = role, Trigger = TriggerDefinition.Group(role), Roles = { role } });
            }
        }).UseInMemory(civi, cms);
        using var provider = services.BuildServiceProvider();
        var provisioner = provider.GetRequiredService<IUserProvisioner>();
        var outcomes = new Dictionary<string, ProvisioningOutcome>();
        foreach (var role in new[] { "administrator", "editor", "subscriber" })
        {
            var contact = civi.AddContact("Link", role, $"{role}@example.org");
            civi.AddToGroup(role, contact.Id);
            outcomes[role] = await provisioner.ProvisionAsync(contact.Id, new OnDemandOptions { IncludeLoginLink = true });
        }

        written.ExitCode.Should().Be(ExitCodes.SomeFailed, written.ToString());
        outcomes.Values.Should().OnlyContain(o => o.Kind == OutcomeKind.Created);
        outcomes["administrator"].LoginLink.Should().BeNull("an administrator role is blocked though the imported list does not name it");
        outcomes["administrator"].LoginLinkWithheldReason.Should().Be(LoginLinkWithheldReason.BlockedRole);
        outcomes["editor"].LoginLinkWithheldReason.Should().Be(LoginLinkWithheldReason.BlockedRole, "the extension blocked it");
        outcomes["subscriber"].LoginLink.Should().NotBeNull("a role neither list names gets its link");
    }

    [Fact(Timeout = 120_000)]
    public async Task The_extensions_settings_become_rules_and_settings_and_what_cannot_be_carried_over_is_named_with_why()
    {
        using var sites = new Sites();
        StoreExtensionSettings(sites);
        using var folder = new TempFolder();
        var file = folder.Write("appsettings.json", Sites.Json(CiviCrmOnly(sites)));
        var before = await File.ReadAllTextAsync(file);

        var json = await Cli.RunAsync(folder.Path, null, "import", "--json");
        var human = await Cli.RunAsync(folder.Path, null, "import");

        json.ExitCode.Should().Be(ExitCodes.SomeFailed, "a nested field key and create_immediately cannot be carried over: " + json);
        var settings = json.Json.GetProperty("settings").GetProperty("CmsUser");
        settings.GetProperty("UsernamePattern").GetString().Should().Be("{contact.first_name|lower}.{contact.last_name|lower}");
        settings.GetProperty("Notify").GetBoolean().Should().BeTrue();
        settings.GetProperty("MapLanguage").GetBoolean().Should().BeTrue();
        var rule = settings.GetProperty("Rules").EnumerateArray().Should().ContainSingle().Subject;
        rule.GetProperty("Trigger").GetProperty("Kind").GetString().Should().Be("Group");
        rule.GetProperty("Trigger").GetProperty("Reference").GetString().Should().Be("website_members", "the id the extension stored becomes the group's name");
        rule.GetProperty("History").GetProperty("Reference").GetString().Should().Be("website_members_done");
        rule.GetProperty("Roles").EnumerateArray().Select(r => r.GetString()).Should().Equal("subscriber");
        var campaign = settings.GetProperty("PasswordResets").EnumerateArray().Should().ContainSingle().Subject;
        campaign.GetProperty("Trigger").GetProperty("Kind").GetString().Should().Be("Tag");
        campaign.GetProperty("Trigger").GetProperty("Reference").GetString().Should().Be("send_password_reset");
        var fields = settings.GetProperty("FieldMappings").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString());
        fields.Should().BeEquivalentTo(new Dictionary<string, string?> { ["field_first_name"] = "{contact.first_name}", ["field_motto"] = "Hello World!" },
            "the values are URL-decoded as the extension's parse_str decoded them");
        settings.TryGetProperty("LoginLinks", out _).Should().BeFalse("without cmsuser_login_immediately the login rules had no effect");

        var notImported = json.Json.GetProperty("notImported").EnumerateArray().Select(n => (n.GetProperty("setting").GetString(), n.GetProperty("why").GetString()!)).ToList();
        notImported.Should().Contain(n => n.Item1 == "cmsuser_user_fields" && n.Item2.Contains("field_address[0][locality]", StringComparison.Ordinal) && n.Item2.Contains("nested", StringComparison.Ordinal));
        notImported.Should().Contain(n => n.Item1 == "cmsuser_create_immediately" && n.Item2.Contains("com.skvare.cmsuserwebhook", StringComparison.Ordinal));
        notImported.Should().HaveCount(2);
        json.Json.GetProperty("written").GetBoolean().Should().BeFalse();

        human.ExitCode.Should().Be(ExitCodes.SomeFailed, human.ToString());
        human.Stdout.Should().Contain("cmsuser_group_create → website_members").And.Contain("Not imported:").And.Contain("\"Reference\": \"website_members\"")
            .And.Contain("'cmsuser import --write' merges them into");
        (await File.ReadAllTextAsync(file)).Should().Be(before, "without --write nothing is written");
        sites.Civi.Requests.Should().OnlyContain(r => r.Action == "get", "the import only reads CiviCRM");
        sites.WordPress.Requests.Should().BeEmpty("the import needs no CMS");
    }

    [Fact(Timeout = 120_000)]
    public async Task Write_adds_what_the_file_lacks_keeps_its_comments_and_replaces_a_different_value_only_with_force()
    {
        using var sites = new Sites();
        StoreExtensionSettings(sites);
        using var folder = new TempFolder();
        var settings = sites.Settings();
        var cmsUser = settings["CmsUser"]!.AsObject();
        cmsUser.Remove("Rules");
        cmsUser.Remove("PasswordResets");
        cmsUser["UsernamePattern"] = "{contact.nick_name}";
        var text = "// my settings, with comments\n" + Sites.Json(settings).Replace("\"Cms\": \"WordPress\",", "\"Cms\": \"WordPress\", // the CMS\n    \"MaxConcurrency\": 3,", StringComparison.Ordinal);
        var file = folder.Write("appsettings.json", text);

        var refused = await Cli.RunAsync(folder.Path, null, "import", "--write");
        var unchanged = await File.ReadAllTextAsync(file);
        var forced = await Cli.RunAsync(folder.Path, null, "import", "--write", "--force");
        var written = await File.ReadAllTextAsync(file);
        var again = await Cli.RunAsync(folder.Path, null, "import", "--write");
        var check = await Cli.RunAsync(folder.Path, null, "check", "--timeout", Sites.CheckTimeout);

        refused.ExitCode.Should().Be(ExitCodes.Configuration, refused.ToString());
        refused.Stderr.Should().Contain("CmsUser:UsernamePattern (now \"{contact.nick_name}\")").And.Contain("Nothing was written").And.Contain("--force");
        unchanged.Should().Be(text, "a different value is never replaced without --force, and nothing else is written either");

        forced.ExitCode.Should().Be(ExitCodes.SomeFailed, forced.ToString());
        forced.Stdout.Should().Contain("replaced CmsUser:UsernamePattern").And.Contain("added CmsUser:Notify");
        written.Should().StartWith("// my settings, with comments\n").And.Contain("\"Cms\": \"WordPress\", // the CMS")
            .And.Contain("\"UsernamePattern\": \"{contact.first_name|lower}.{contact.last_name|lower}\"");
        var node = JsonNode.Parse(written, documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true })!["CmsUser"]!;
        node["MaxConcurrency"]!.GetValue<int>().Should().Be(3, "the file's other settings stay");
        node["WordPress"]!["Username"]!.GetValue<string>().Should().Be(sites.WordPress.AdminUsername);
        node["Rules"]![0]!["Trigger"]!["Reference"]!.GetValue<string>().Should().Be("website_members");

        again.ExitCode.Should().Be(ExitCodes.SomeFailed, again.ToString());
        again.Stdout.Should().Contain("already has these settings: nothing to write");
        (await File.ReadAllTextAsync(file)).Should().Be(written, "an import of the same settings changes nothing");
        check.ExitCode.Should().Be(ExitCodes.Done, "the written file is valid settings whose groups, tag and roles exist: " + check);
    }

    [Fact(Timeout = 120_000)]
    public async Task Without_the_extensions_settings_the_import_says_so_and_exits_3()
    {
        using var sites = new Sites();
        using var folder = new TempFolder();
        folder.Write("appsettings.json", Sites.Json(CiviCrmOnly(sites)));

        var unknown = await Cli.RunAsync(folder.Path, null, "import");
        sites.Civi.SetExtensionStatus(ExtensionSettings.ExtensionKey, "installed");
        var installed = await Cli.RunAsync(folder.Path, null, "import", "--json");

        unknown.ExitCode.Should().Be(ExitCodes.Configuration, unknown.ToString());
        unknown.Stderr.Should().Contain("has no settings of the extension com.skvare.cmsuser").And.Contain("is not known to this CiviCRM").And.Contain("nothing to import");
        unknown.Stdout.Should().BeEmpty();
        installed.ExitCode.Should().Be(ExitCodes.Configuration, installed.ToString());
        installed.Json.GetProperty("error").GetString().Should().Contain("the extension com.skvare.cmsuser is installed");
        sites.Civi.CallCount("Setting", "get").Should().Be(2, "one read of every setting per import");
    }

    [Fact(Timeout = 120_000)]
    public async Task A_refused_extension_status_still_imports_the_settings_and_says_the_status_is_unknown()
    {
        using var sites = new Sites();
        StoreExtensionSettings(sites);
        sites.Civi.RefuseWhere = call => call.Entity == "Extension" ? "Authorization failed" : null;
        using var folder = new TempFolder();
        folder.Write("appsettings.json", Sites.Json(CiviCrmOnly(sites)));

        var result = await Cli.RunAsync(folder.Path, null, "import");

        result.ExitCode.Should().Be(ExitCodes.SomeFailed, result.ToString());
        result.Stdout.Should().Contain("CiviCRM did not say whether the extension com.skvare.cmsuser is installed").And.Contain("cmsuser_group_create → website_members");
    }

    [Fact(Timeout = 120_000)]
    public async Task Date_tokens_are_imported_and_only_a_date_filter_CiviCRM_fails_on_is_left_to_a_person()
    {
        using var sites = new Sites();
        StoreExtensionSettings(sites);
        sites.Civi.SetSetting("cmsuser_pattern", "\"{contact.last_name|lower}{contact.birth_date|crmDate:\\\"%Y\\\"}\"");
        sites.Civi.SetSetting("cmsuser_user_fields", JsonSerializer.Serialize("field_born={contact.birth_date}\r\nfield_short={contact.birth_date|crmDate:\"shortdate\"}\r\nfield_loud={contact.birth_date|upper}\r\n"));
        using var folder = new TempFolder();
        folder.Write("appsettings.json", Sites.Json(CiviCrmOnly(sites)));

        var json = await Cli.RunAsync(folder.Path, null, "import", "--json");

        var settings = json.Json.GetProperty("settings").GetProperty("CmsUser");
        settings.GetProperty("UsernamePattern").GetString().Should().Be("{contact.last_name|lower}{contact.birth_date|crmDate:\"%Y\"}", json.ToString());
        var fields = settings.GetProperty("FieldMappings");
        fields.GetProperty("field_born").GetString().Should().Be("{contact.birth_date}");
        fields.GetProperty("field_short").GetString().Should().Be("{contact.birth_date|crmDate:\"shortdate\"}");
        fields.TryGetProperty("field_loud", out _).Should().BeFalse("CiviCRM stops the whole message for |upper on a date a contact has");
        var notImported = json.Json.GetProperty("notImported").EnumerateArray().Select(n => (n.GetProperty("setting").GetString(), n.GetProperty("why").GetString()!)).ToList();
        notImported.Should().Contain(n => n.Item1 == "cmsuser_user_fields" && n.Item2.Contains("field_loud", StringComparison.Ordinal) && n.Item2.Contains("|crmDate", StringComparison.Ordinal));
        notImported.Should().NotContain(n => n.Item2.Contains("field_born", StringComparison.Ordinal) || n.Item1 == "cmsuser_pattern");
    }

    [Fact(Timeout = 120_000)]
    public async Task Odd_values_names_in_any_script_deleted_groups_and_cleared_settings_are_each_imported_or_named()
    {
        using var sites = new Sites();
        var civi = sites.Civi;
        var script = civi.AddGroup("会員_Членство", "Members in any script");
        var digits = civi.AddGroup("2024", "Class of 2024");
        var titled = civi.AddGroup("volunteers", "Volunteers");
        civi.AddGroup("other_volunteers", "volunteers");
        var bidi = civi.AddTag("vip\u202Eevil");
        civi.SetSetting("cmsuser_pattern", "\"{contact.first_name}{domain.name}\"");
        civi.SetSetting("cmsuser_notify", "0");
        civi.SetSetting("cmsuser_group_create", $"\"{script}\"");
        civi.SetSetting("cmsuser_group_history", $"\"{digits}\"");
        civi.SetSetting("cmsuser_group_reset", $"\"{titled}\"");
        civi.SetSetting("cmsuser_tag_create", "\"999\"");
        civi.SetSetting("cmsuser_tag_history", $"\"{bidi}\"");
        civi.SetSetting("cmsuser_tag_reset", $"\"{bidi}\"");
        civi.SetSetting("cmsuser_cms_roles", "{\"3\": \"3\", \"5\": \" \"}");
        civi.SetSetting("cmsuser_login_immediately", "\"1\"");
        civi.SetSetting("cmsuser_allow_existing_user_login", "\"1\"");
        civi.SetSetting("cmsuser_block_roles_autologin", "[\"editor\", \"Administrator\"]");
        civi.SetSetting("cmsuser_user_fields", "\"=orphan\\nfield_a\\nfield_b=x\\nfield_c=\\nfield_c=late\\nfield:odd=1\"");
        civi.SetSetting("cmsuser_future_setting", "\"1\"");
        using var folder = new TempFolder();
        folder.Write("appsettings.json", Sites.Json(CiviCrmOnly(sites)));

        var json = await Cli.RunAsync(folder.Path, null, "import", "--json");
        var human = await Cli.RunAsync(folder.Path, null, "import");

        json.ExitCode.Should().Be(ExitCodes.SomeFailed, json.ToString());
        var settings = json.Json.GetProperty("settings").GetProperty("CmsUser");
        settings.TryGetProperty("UsernamePattern", out _).Should().BeFalse("a domain token would stop every start");
        settings.GetProperty("Notify").GetBoolean().Should().BeFalse("0 is off, as PHP's empty() reads it");
        var rule = settings.GetProperty("Rules").EnumerateArray().Should().ContainSingle("the tag trigger's group is gone").Subject;
        rule.GetProperty("Trigger").GetProperty("Reference").GetString().Should().Be("会員_Членство");
        rule.GetProperty("Name").GetString().Should().Be("会員_Членство");
        rule.GetProperty("History").GetProperty("Reference").GetString().Should().Be(digits.ToString(System.Globalization.CultureInfo.InvariantCulture), "a name of digits reads as an id");
        rule.GetProperty("Roles").EnumerateArray().Select(r => r.GetString()).Should().Equal(["3"], "a blank role is left out");
        var campaign = settings.GetProperty("PasswordResets").EnumerateArray().ToList();
        campaign.Should().HaveCount(2);
        campaign[0].GetProperty("Trigger").GetProperty("Reference").GetString().Should().Be(titled.ToString(System.Globalization.CultureInfo.InvariantCulture), "another group's title is 'volunteers'");
        campaign[1].GetProperty("Trigger").GetProperty("Reference").GetString().Should().Be("vip\u202Eevil");
        settings.GetProperty("LoginLinks").GetProperty("AllowExistingUsers").GetBoolean().Should().BeTrue();
        settings.GetProperty("LoginLinks").GetProperty("BlockedRoles").EnumerateArray().Select(r => r.GetString())
            .Should().Equal(["editor", "Administrator"], "the extension's roles only: cmsuser blocks the administrator roles whatever the list says");
        settings.GetProperty("FieldMappings").EnumerateObject().Select(p => (p.Name, p.Value.GetString())).Should().Equal([("field_c", "late")]);

        var why = json.Json.GetProperty("notImported").EnumerateArray().Select(n => $"{n.GetProperty("setting").GetString()}: {n.GetProperty("why").GetString()}").ToList();
        why.Should().Contain(w => w.StartsWith("cmsuser_pattern: CmsUser:UsernamePattern", StringComparison.Ordinal) && w.Contains("domain tokens", StringComparison.Ordinal));
        why.Should().Contain(w => w.StartsWith("cmsuser_tag_create: names tag id 999, which CiviCRM does not have", StringComparison.Ordinal));
        why.Should().Contain("cmsuser_tag_history: the extension moved contacts there from cmsuser_tag_create, which is not imported: nothing imported for it.");
        why.Should().Contain(w => w.Contains("'=orphan' names no field", StringComparison.Ordinal));
        why.Should().Contain(w => w.Contains("ran into the next one", StringComparison.Ordinal) && w.Contains("field_a&field_b", StringComparison.Ordinal));
        why.Should().Contain(w => w.Contains("field:odd", StringComparison.Ordinal) && w.Contains("':'", StringComparison.Ordinal));
        why.Should().Contain(w => w.Contains("'field_c' is given more than once", StringComparison.Ordinal));
        why.Should().Contain(w => w.StartsWith("cmsuser_login_immediately:", StringComparison.Ordinal));
        why.Should().Contain("cmsuser_future_setting: is not a setting of the extension's version 1.6, which this import knows: not imported.");
        json.Stdout.Should().NotContain("\u202E", "JSON escapes a bidirectional override");
        human.Stdout.Should().Contain("LoginLinks:BlockedRoles lists the extension's roles only").And.Contain("WordPress's editor is blocked only when the extension listed it");

        human.Stdout.Should().NotContain("\u202E", "a name that could reorder the terminal's line is shown escaped").And.Contain("\\u202E");
        human.Stdout.Should().Contain("会員_Членство");
    }

    [Fact(Timeout = 120_000)]
    public async Task Secrets_of_other_settings_and_the_API_key_are_never_printed()
    {
        using var sites = new Sites();
        StoreExtensionSettings(sites);
        sites.Civi.SetSetting("cmsuserwebhook_secret", "\"webhook-secret-0123456789abcdef\"");
        sites.Civi.SetSetting("mailing_backend", "{\"outBound_option\": 0, \"smtpPassword\": \"smtp-password-0123456789\"}");
        using var folder = new TempFolder();
        folder.Write("appsettings.json", Sites.Json(CiviCrmOnly(sites)));

        var results = new[]
        {
            await Cli.RunAsync(folder.Path, null, "import", "--verbose"),
            await Cli.RunAsync(folder.Path, null, "import", "--json", "--verbose"),
            await Cli.RunAsync(folder.Path, null, "import", "--write", "--verbose"),
        };

        foreach (var result in results)
        {
            result.ExitCode.Should().Be(ExitCodes.SomeFailed, result.ToString());
            result.All.Should().NotContain("webhook-secret-0123456789abcdef").And.NotContain("smtp-password-0123456789").And.NotContain(sites.Civi.ApiKey);
        }

        File.ReadAllText(Path.Combine(folder.Path, "appsettings.json")).Should().NotContain("webhook-secret").And.NotContain("smtp-password");
    }

    [Theory(Timeout = 120_000)]
    [InlineData(new[] { "import", "--rule", "members" }, "--rule 'members' does not apply")]
    [InlineData(new[] { "import", "--force" }, "--force replaces settings only together with --write")]
    public async Task Options_that_do_not_apply_exit_3_before_anything_connects(string[] args, string says)
    {
        using var sites = new Sites();
        StoreExtensionSettings(sites);
        using var folder = new TempFolder();
        folder.Write("appsettings.json", Sites.Json(CiviCrmOnly(sites)));

        var result = await Cli.RunAsync(folder.Path, null, args);

        result.ExitCode.Should().Be(ExitCodes.Configuration, result.ToString());
        result.Stderr.Should().Contain(says);
        sites.Civi.Requests.Should().BeEmpty();
    }

    [Fact(Timeout = 120_000)]
    public async Task Settings_from_the_environment_only_are_written_to_a_new_file_with_write()
    {
        using var sites = new Sites();
        StoreExtensionSettings(sites);
        using var folder = new TempFolder();
        var environment = Sites.Environment(CiviCrmOnly(sites));

        var result = await Cli.RunAsync(folder.Path, environment, "import", "--write");

        result.ExitCode.Should().Be(ExitCodes.SomeFailed, result.ToString());
        var written = JsonNode.Parse(File.ReadAllText(Path.Combine(folder.Path, "appsettings.json")))!["CmsUser"]!.AsObject();
        written.Select(p => p.Key).Should().Equal("UsernamePattern", "Notify", "MapLanguage", "FieldMappings", "Rules", "PasswordResets");
        written.ToJsonString().Should().NotContain(sites.Civi.ApiKey, "the key stays in the environment");
    }
}
