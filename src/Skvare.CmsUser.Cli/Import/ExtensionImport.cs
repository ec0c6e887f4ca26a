using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Skvare.CmsUser.CiviCrm.Api;

namespace Skvare.CmsUser.Cli.Import;

/// <summary>A setting of the extension that was not imported, and why.</summary>
/// <param name="Setting">The extension's setting (<c>cmsuser_user_fields</c>).</param>
/// <param name="Why">What it held that cmsuser cannot do the same way, and what to do instead.</param>
internal sealed record NotImported(string Setting, string Why);

/// <summary>What the import made of the extension's settings.</summary>
/// <param name="Section">The <c>CmsUser</c> keys to merge (only those the extension had a value for).</param>
/// <param name="Imported">The settings imported, each with where it went (<c>cmsuser_pattern → UsernamePattern</c>).</param>
/// <param name="NotImported">The settings (or parts of one) left out, with why.</param>
/// <param name="Notes">Where cmsuser does the same thing differently (nothing to fix, worth knowing).</param>
internal sealed record ImportResult(JsonObject Section, IReadOnlyList<string> Imported, IReadOnlyList<NotImported> NotImported, IReadOnlyList<string> Notes);

/// <summary>
/// Maps the reference extension's settings onto cmsuser's (docs/spec-coverage.md, "Settings the reference extension
/// had"): its group and tag ids become the names a trigger takes, its one group and one tag one rule each with the same
/// roles, its field lines <c>FieldMappings</c>. Everything written is checked by the engine's own validator first.
/// </summary>
internal static class ExtensionImport
{

    public static async Task<ImportResult> MapAsync(ExtensionSettings settings, CiviCrmApiClient client, CmsKind cms, CancellationToken cancellationToken)
    {
        var section = new JsonObject();
        var imported = new List<string>();
        var notImported = new List<NotImported>();
        var notes = new List<string>();
        foreach (var name in settings.Unreadable.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            notImported.Add(new(name, "holds text that is not valid Unicode (an unpaired surrogate escape such as \\ud800, which CiviCRM's own forms never save): set it by hand."));
        }

        // The ids (or names) the six group and tag settings hold, resolved in one look-up per entity.
        var groupSettings = new[] { "cmsuser_group_create", "cmsuser_group_history", "cmsuser_group_reset" };
        var tagSettings = new[] { "cmsuser_tag_create", "cmsuser_tag_history", "cmsuser_tag_reset" };
        var references = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var name in groupSettings.Concat(tagSettings))
        {
            var values = settings.Flag(name) == true ? settings.List(name) : [];
            if (values.Count == 1)
            {
                references[name] = values[0].Trim();
            }
            else if (values.Count > 1)
            {
                notImported.Add(new(name, $"holds {values.Count} entries ({string.Join(", ", values)}) where the extension's form saves one: set the trigger by hand."));
            }
        }

        var groups = await ReferenceNames.ResolveAsync(client, TriggerKind.Group, groupSettings.Where(references.ContainsKey).Select(s => references[s]), cancellationToken).ConfigureAwait(false);
        var tags = await ReferenceNames.ResolveAsync(client, TriggerKind.Tag, tagSettings.Where(references.ContainsKey).Select(s => references[s]), cancellationToken).ConfigureAwait(false);

        JsonObject? Trigger(string setting, TriggerKind kind)
        {
            if (!references.TryGetValue(setting, out var reference))
            {
                return null;
            }

            var found = (kind == TriggerKind.Group ? groups : tags).GetValueOrDefault(reference);
            var noun = kind == TriggerKind.Group ? "group" : "tag";
            if (found is null)
            {
                var what = reference.All(char.IsAsciiDigit) ? $"{noun} id {reference}" : $"the {noun} '{reference}'";
                notImported.Add(new(setting, $"names {what}, which CiviCRM does not have (deleted?): nothing imported for it."));
                return null;
            }

            if (found.Note is { } note)
            {
                notes.Add($"{setting}: {note}");
            }

            imported.Add($"{setting} → {found.Reference} ({noun} '{found.Name}', id {found.Id})");
            return new JsonObject { ["Kind"] = kind.ToString(), ["Reference"] = found.Reference };
        }

        // The username pattern and the three switches every rule shares.
        if (settings.Text("cmsuser_pattern") is { } pattern && pattern.Trim().Length > 0)
        {
            section["UsernamePattern"] = pattern;
            imported.Add("cmsuser_pattern → UsernamePattern");
        }

        if (settings.Has("cmsuser_notify"))
        {
            section["Notify"] = settings.Flag("cmsuser_notify") == true;
            imported.Add("cmsuser_notify → Notify");
        }

        if (settings.Has("cmsuser_preferred_language"))
        {
            var map = settings.Flag("cmsuser_preferred_language") == true;
            section["MapLanguage"] = map;
            imported.Add("cmsuser_preferred_language → MapLanguage");
            if (map)
            {
                notes.Add("MapLanguage: the extension passed the preferred language on Drupal 8+ only; cmsuser passes it to every CMS (a language the site lacks gives the site's default).");
            }
        }

        MapFields(settings, section, imported, notImported);

        // One rule per trigger, as the extension ran its group and its tag one after the other with the same settings.
        var roles = settings.List("cmsuser_cms_roles");
        var rules = new JsonArray();
        foreach (var (create, history, kind) in new[] { ("cmsuser_group_create", "cmsuser_group_history", TriggerKind.Group), ("cmsuser_tag_create", "cmsuser_tag_history", TriggerKind.Tag) })
        {
            if (Trigger(create, kind) is not { } trigger)
            {
                if (references.ContainsKey(history))
                {
                    notImported.Add(new(history, $"the extension moved contacts there from {create}, which is not imported: nothing imported for it."));
                }

                continue;
            }

            var rule = new JsonObject { ["Name"] = UniqueName(rules, (string)trigger["Reference"]!, kind), ["Trigger"] = trigger };
            if (Trigger(history, kind) is { } done)
            {
                rule["History"] = done;
            }

            if (roles.Count > 0)
            {
                rule["Roles"] = new JsonArray([.. roles.Select(r => (JsonNode?)JsonValue.Create(r.Trim()))]);
            }

            rules.Add(rule);
        }

        if (rules.Count > 0)
        {
            section["Rules"] = rules;
            if (roles.Count > 0)
            {
                imported.Add($"cmsuser_cms_roles → Roles of {(rules.Count == 1 ? "the rule" : "each rule")}");
                notes.Add("Roles: cmsuser adds them to the new account; on WordPress the extension replaced the account's role instead. 'cmsuser check' tells whether the CMS has each one.");
            }
        }
        else if (roles.Count > 0)
        {
            notImported.Add(new("cmsuser_cms_roles", "the extension gave these roles to accounts made from its create group or tag, and neither is imported: add them to your rule's Roles by hand."));
        }

        var campaigns = new JsonArray();
        foreach (var (setting, kind) in new[] { ("cmsuser_group_reset", TriggerKind.Group), ("cmsuser_tag_reset", TriggerKind.Tag) })
        {
            if (Trigger(setting, kind) is { } trigger)
            {
                campaigns.Add(new JsonObject { ["Name"] = UniqueName(campaigns, (string)trigger["Reference"]!, kind), ["Trigger"] = trigger });
            }
        }

        if (campaigns.Count > 0)
        {
            section["PasswordResets"] = campaigns;
        }

        MapRealTime(settings, section, imported, notImported, notes, cms);

        foreach (var unknown in settings.Values.Keys.Where(k => !ExtensionSettings.Known.Contains(k, StringComparer.Ordinal)).Order(StringComparer.Ordinal))
        {
            notImported.Add(new(unknown, "is not a setting of the extension's version 1.6, which this import knows: not imported."));
        }

        Validate(section, imported, notImported);
        return new ImportResult(section, imported, notImported, notes);
    }

    private static void MapFields(ExtensionSettings settings, JsonObject section, List<string> imported, List<NotImported> notImported)
    {
        if (settings.Text("cmsuser_user_fields") is not { } text)
        {
            return;
        }

        const string Setting = "cmsuser_user_fields";
        var pairs = FieldLines.Parse(text);
        foreach (var pair in pairs)
        {
            if (pair.Name.Length == 0)
            {
                notImported.Add(new(Setting, $"'{pair.Source}' names no field (the extension ignored it)."));
            }
            else if (!pair.IsPlain)
            {
                notImported.Add(new(Setting, $"'{pair.Source}' sets part of the compound field '{pair.Name}' (a nested key, {pair.Name}{pair.Brackets}); FieldMappings are flat (field → text), so it cannot be expressed: docs/spec-coverage.md, \"Nested field keys\"."));
            }
        }

        var fields = new JsonObject();
        foreach (var (name, value) in FieldLines.Plain(pairs))
        {
            var source = pairs.Last(p => p.IsPlain && p.Name == name).Source;
            if (name.Contains('&', StringComparison.Ordinal))
            {
                notImported.Add(new(Setting, $"'{source}': a line without '=' ran into the next one, so the extension read one field named '{name}': write each field as name=value."));
            }
            else if (name.Contains(':', StringComparison.Ordinal))
            {
                notImported.Add(new(Setting, $"'{source}': the field name '{name}' has a ':', which separates the levels of a setting, so FieldMappings cannot hold it."));
            }
            else if (value.Trim().Length == 0)
            {
                notImported.Add(new(Setting, $"'{source}' gives the field '{name}' no value (the extension sent it empty; cmsuser sends no empty field)."));
            }
            else
            {
                fields[name] = value;
            }

            if (pairs.Count(p => p.IsPlain && p.Name == name) > 1)
            {
                notImported.Add(new(Setting, $"the field '{name}' is given more than once; the last one counts, as in the extension."));
            }
        }

        if (fields.Count > 0)
        {
            section["FieldMappings"] = fields;
            imported.Add($"{Setting} → FieldMappings ({fields.Count} field{(fields.Count == 1 ? "" : "s")})");
        }
    }

    private static void MapRealTime(ExtensionSettings settings, JsonObject section, List<string> imported, List<NotImported> notImported, List<string> notes, CmsKind cms)
    {
        if (settings.Flag("cmsuser_create_immediately") == true)
        {
            notImported.Add(new("cmsuser_create_immediately", "an account the moment a contact joins the group or tag needs the CiviCRM extension com.skvare.cmsuserwebhook (integrations/civicrm) posting to a host with the webhook (Skvare.CmsUser.AspNetCore): docs/realtime.md. Until then 'cmsuser run' from cron makes the same accounts at its next run."));
        }

        var allow = settings.Flag("cmsuser_allow_existing_user_login") == true;
        var blocked = settings.List("cmsuser_block_roles_autologin");
        if (settings.Flag("cmsuser_login_immediately") != true)
        {
            if (allow || blocked.Count > 0)
            {
                notes.Add("cmsuser_allow_existing_user_login and cmsuser_block_roles_autologin had no effect in the extension without cmsuser_login_immediately: not imported.");
            }

            return;
        }

        notImported.Add(new("cmsuser_login_immediately", "a process outside CiviCRM cannot log the person in on CiviCRM's form. A host that calls ProvisionAsync with IncludeLoginLink (or the webhook with AllowLoginLinks) gets a one-time login link to send the person to: docs/webhook.md. LoginLinks below carries the extension's rules for it."));
        var links = new JsonObject();
        if (settings.Has("cmsuser_allow_existing_user_login"))
        {
            links["AllowExistingUsers"] = allow;
            imported.Add("cmsuser_allow_existing_user_login → LoginLinks:AllowExistingUsers");
        }

        var roles = blocked.Select(r => r.Trim()).Where(r => r.Length > 0).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        if (roles.Count > 0)
        {
            // The extension's roles only: cmsuser blocks every CMS's administrator roles besides whatever BlockedRoles says
            // (unless LoginLinks:AllowAdministrators, which the import never sets), so they need not be listed here.
            links["BlockedRoles"] = new JsonArray([.. roles.Select(r => (JsonNode?)JsonValue.Create(r))]);
            imported.Add("cmsuser_block_roles_autologin → LoginLinks:BlockedRoles");
            notes.Add($"LoginLinks:BlockedRoles lists the extension's roles only: cmsuser blocks the administrator roles ({string.Join(", ", LoginLinkOptions.AdministratorRoles.Distinct(StringComparer.OrdinalIgnoreCase))}) besides them unless LoginLinks:AllowAdministrators is on. The list replaces cmsuser's default one, so WordPress's editor is blocked only when the extension listed it{(cms == CmsKind.Joomla ? "; Joomla roles are group ids" : "")}.");
        }

        if (links.Count > 0)
        {
            section["LoginLinks"] = links;
        }
    }

    /// <summary>A rule or campaign name: the trigger's, with its kind when a group and a tag have the same one.</summary>
    private static string UniqueName(JsonArray taken, string reference, TriggerKind kind)
    {
        var name = reference.All(char.IsAsciiDigit) ? $"{kind.ToString().ToLowerInvariant()} {reference}" : reference;
        return taken.Any(t => string.Equals((string?)t?["Name"], name, StringComparison.OrdinalIgnoreCase)) ? $"{name} ({kind.ToString().ToLowerInvariant()})" : name;
    }

    /// <summary>
    /// Runs the engine's validator over the section: a pattern or field with a token cmsuser refuses (a domain token, a
    /// date with a filter CiviCRM fails on, such as <c>|upper</c>) is left out with the validator's own words, so what is
    /// written never stops the next start. Date tokens with or without <c>|crmDate</c> are imported.
    /// </summary>
    private static void Validate(JsonObject section, List<string> imported, List<NotImported> notImported)
    {
        var failures = Failures(section);
        foreach (var failure in failures)
        {
            if (failure.StartsWith("CmsUser:UsernamePattern", StringComparison.Ordinal))
            {
                section.Remove("UsernamePattern");
                imported.Remove("cmsuser_pattern → UsernamePattern");
                notImported.Add(new("cmsuser_pattern", $"{failure} {DomainHint(failure)}Until UsernamePattern is set, cmsuser's default {{contact.first_name}}.{{contact.last_name}} applies."));
            }
            else if (failure.StartsWith("CmsUser:FieldMappings:", StringComparison.Ordinal) && section["FieldMappings"] is JsonObject fields)
            {
                var field = fields.Select(f => f.Key).Where(k => failure.StartsWith($"CmsUser:FieldMappings:{k}:", StringComparison.Ordinal) || failure.StartsWith($"CmsUser:FieldMappings:{k} ", StringComparison.Ordinal)).MaxBy(k => k.Length);
                if (field is not null)
                {
                    fields.Remove(field);
                    notImported.Add(new("cmsuser_user_fields", $"{failure} {DomainHint(failure)}The field '{field}' is not imported."));
                }
            }
            else if (!failure.StartsWith("CmsUser:Rules is empty", StringComparison.Ordinal))
            {
                notImported.Add(new("(checked)", failure));
            }
        }

        if (section["FieldMappings"] is JsonObject { Count: 0 })
        {
            section.Remove("FieldMappings");
            imported.RemoveAll(i => i.StartsWith("cmsuser_user_fields", StringComparison.Ordinal));
        }
        else if (section["FieldMappings"] is JsonObject left)
        {
            var index = imported.FindIndex(i => i.StartsWith("cmsuser_user_fields", StringComparison.Ordinal));
            imported[index] = $"cmsuser_user_fields → FieldMappings ({left.Count} field{(left.Count == 1 ? "" : "s")})";
        }
    }

    private static string DomainHint(string failure) => failure.Contains("{domain.", StringComparison.Ordinal)
        ? "The extension's form offered CiviCRM's domain tokens too; cmsuser reads contact tokens only: write the domain's text itself. "
        : "";

    /// <summary>The engine validator's failures for <paramref name="section"/>, as a start of the tool would report them.</summary>
    internal static List<string> Failures(JsonObject section)
    {
        var json = new JsonObject { [CmsUserOptions.SectionName] = section.DeepClone() }.ToJsonString();
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(json));
        var configuration = new ConfigurationBuilder().AddJsonStream(stream).Build();
        var services = new ServiceCollection();
        services.AddCmsUserProvisioning(configuration.GetSection(CmsUserOptions.SectionName));
        using var provider = services.BuildServiceProvider();
        try
        {
            _ = provider.GetRequiredService<IOptions<CmsUserOptions>>().Value;
            return [];
        }
        catch (OptionsValidationException ex)
        {
            return ex.Failures.Distinct(StringComparer.Ordinal).ToList();
        }
    }
}
