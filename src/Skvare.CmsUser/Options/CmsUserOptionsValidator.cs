using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Skvare.CmsUser.Usernames;

namespace Skvare.CmsUser;

/// <summary>
/// Every check of <see cref="CmsUserOptions"/>, run once at start-up so each problem is reported once:
/// the configuration keys and values the binder would skip silently, the ranges of the options and of
/// their nested objects (<c>Retry</c>, <c>Schedule</c>), and the cross-field rules.
/// </summary>
internal sealed class CmsUserOptionsValidator(IEnumerable<CmsUserConfigurationSource> sources) : IValidateOptions<CmsUserOptions>
{
    /// <summary>Sections under <c>CmsUser</c> that other options types bind (the SDK's packages and hosts' <c>Cms</c> selector).</summary>
    internal static readonly string[] PackageSections = ["Cms", "CiviCrm", "WordPress", "Drupal", "Drupal7", "Backdrop", "Joomla", "Standalone", "Webhook", "Quartz"];

    // SettingsCheck walks the option types by reflection: the dependencies below keep their properties when trimmed.
    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "The walked option types are kept by the DynamicDependency attributes.")]
    [DynamicDependency(DynamicallyAccessedMemberTypes.PublicProperties, typeof(CmsUserOptions))]
    [DynamicDependency(DynamicallyAccessedMemberTypes.PublicProperties, typeof(ProvisioningRule))]
    [DynamicDependency(DynamicallyAccessedMemberTypes.PublicProperties, typeof(PasswordResetCampaign))]
    [DynamicDependency(DynamicallyAccessedMemberTypes.PublicProperties, typeof(ScheduleOptions))]
    [DynamicDependency(DynamicallyAccessedMemberTypes.PublicProperties, typeof(RetryPolicy))]
    [DynamicDependency(DynamicallyAccessedMemberTypes.PublicProperties, typeof(TriggerDefinition))]
    public ValidateOptionsResult Validate(string? name, CmsUserOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        var rulesInConfiguration = false;
        foreach (var source in sources.DistinctBy(s => s.Section.Path, StringComparer.OrdinalIgnoreCase))
        {
            failures.AddRange(SettingsCheck.CheckConfiguration(source.Section, typeof(CmsUserOptions), PackageSections));
            rulesInConfiguration |= source.Section.GetSection(nameof(CmsUserOptions.Rules)).GetChildren().Any()
                || source.Section.GetSection(nameof(CmsUserOptions.PasswordResets)).GetChildren().Any();
        }

        failures.AddRange(SettingsCheck.CheckRanges(options, CmsUserOptions.SectionName));
        CheckPattern(failures, "CmsUser:UsernamePattern", options.UsernamePattern);
        CheckPattern(failures, "CmsUser:FallbackUsernamePattern", options.FallbackUsernamePattern);
        foreach (var (field, pattern) in options.FieldMappings)
        {
            CheckPattern(failures, $"CmsUser:FieldMappings:{field}", pattern);
        }

        CheckFieldKeys(failures, options.FieldMappings.Keys);
        if (options.UsernameSuffixSeparator is { Length: > 0 } separator && separator is not ("_" or "-" or "."))
        {
            failures.Add($"CmsUser:UsernameSuffixSeparator is '{separator}'; use _, - or . (put between a name that ends in a digit and its number: newuser21_2), or leave it empty for none.");
        }

        // When rules are configured but none bound, the configuration check above said why; "empty" would mislead.
        if (options.Rules.Count == 0 && options.PasswordResets.Count == 0 && !rulesInConfiguration)
        {
            failures.Add("CmsUser:Rules is empty: add at least one rule with a Trigger (e.g. {\"Trigger\":{\"Kind\":\"Group\",\"Reference\":\"website_members\"}}).");
        }

        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < options.Rules.Count; i++)
        {
            var rule = options.Rules[i];
            var key = $"CmsUser:Rules:{i}";
            CheckTrigger(failures, $"{key}:Trigger", rule.Trigger, required: true);
            CheckTrigger(failures, $"{key}:History", rule.History, required: false);
            if (rule.History is not null && rule.Trigger is not null && rule.History.Kind == TriggerKind.SavedSearch)
            {
                failures.Add($"{key}:History cannot be a saved search: use a group or a tag.");
            }

            if (rule.UsernamePattern is not null)
            {
                CheckPattern(failures, $"{key}:UsernamePattern", rule.UsernamePattern);
            }

            if (!names.Add(rule.DisplayName))
            {
                failures.Add($"{key}:Name '{rule.DisplayName}' is used by another rule; rule names must be unique.");
            }

            BlankRoles(failures, $"{key}:Roles", rule.Roles);

            DeprovisionValidation.Check(failures, key, rule);
        }

        for (var i = 0; i < options.PasswordResets.Count; i++)
        {
            var campaign = options.PasswordResets[i];
            CheckTrigger(failures, $"CmsUser:PasswordResets:{i}:Trigger", campaign.Trigger, required: true);
            if (campaign.Trigger?.Kind == TriggerKind.SavedSearch)
            {
                failures.Add($"CmsUser:PasswordResets:{i}:Trigger must be a group or a tag (contacts leave it after their reset email).");
            }
        }

        if (options.Retry is null)
        {
            failures.Add("CmsUser:Retry must not be null.");
        }
        else
        {
            if (options.Retry.AttemptWindow <= TimeSpan.Zero)
            {
                failures.Add($"CmsUser:Retry:AttemptWindow is {options.Retry.AttemptWindow}; it must be positive (e.g. \"30.00:00:00\").");
            }

            if (options.Retry.WriteBackReadBackWait < TimeSpan.Zero || options.Retry.WriteBackReadBackWait > TimeSpan.FromMinutes(10))
            {
                failures.Add($"CmsUser:Retry:WriteBackReadBackWait is {options.Retry.WriteBackReadBackWait}; it must be between 00:00:00 and 00:10:00 (e.g. \"00:00:30\").");
            }
        }

        if (options.LoginLinks is null)
        {
            failures.Add("CmsUser:LoginLinks must not be null.");
        }
        else
        {
            BlankRoles(failures, "CmsUser:LoginLinks:BlockedRoles", options.LoginLinks.BlockedRoles);
            if (options.LoginLinks.AllowAdministrators && options.LoginLinks.BlockedRoles.Count == 0)
            {
                failures.Add("CmsUser:LoginLinks:AllowAdministrators is on but CmsUser:LoginLinks:BlockedRoles is empty, so the default list still blocks every administrator role: list the roles to block in BlockedRoles, or turn AllowAdministrators off.");
            }
        }

        if (options.Schedule is { } schedule)
        {
            if (schedule.Interval < TimeSpan.FromSeconds(1))
            {
                failures.Add($"CmsUser:Schedule:Interval is {schedule.Interval}; it must be at least one second.");
            }

            if (schedule.OffPeakStart.HasValue != schedule.OffPeakEnd.HasValue)
            {
                failures.Add("CmsUser:Schedule: set both OffPeakStart and OffPeakEnd, or neither.");
            }
            else if (schedule.OffPeakStart is { } start && start == schedule.OffPeakEnd)
            {
                // The window is [start, end): an equal end leaves no time in it, and every run would be skipped.
                failures.Add($"CmsUser:Schedule: OffPeakStart and OffPeakEnd are both {start:HH\\:mm}, a window with no time in it, so nothing would ever run; leave both out to run at any time.");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures.Distinct(StringComparer.Ordinal));
    }

    /// <summary>
    /// A role name that is empty or only whitespace (a space, a tab, a no-break space) names no role on any CMS: each is
    /// refused by its key, with what to write instead.
    /// </summary>
    private static void BlankRoles(List<string> failures, string key, IList<string> roles)
    {
        for (var i = 0; i < roles.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(roles[i]))
            {
                failures.Add($"{key}:{i.ToString(System.Globalization.CultureInfo.InvariantCulture)} is a blank role name ({(string.IsNullOrEmpty(roles[i]) ? "empty" : "only whitespace")}): give the role's machine name as the CMS lists it (e.g. \"subscriber\") or remove the entry.");
            }
        }
    }

    /// <summary>
    /// The keys of <c>FieldMappings</c>: the bracket form of a compound field's part well formed, and no two keys that
    /// would fill the same place (a plain value and a part of one field, <c>[locality]</c> beside <c>[0][locality]</c>,
    /// a part beside a part inside it).
    /// </summary>
    private static void CheckFieldKeys(List<string> failures, IEnumerable<string> keys)
    {
        var parsed = new List<CmsFieldKey>();
        foreach (var key in keys)
        {
            if (CmsFieldKey.TryParse(key, out var fieldKey, out var error))
            {
                parsed.Add(fieldKey);
            }
            else
            {
                failures.Add($"CmsUser:FieldMappings:{key}: {error}");
            }
        }

        foreach (var field in parsed.GroupBy(k => k.Field, StringComparer.Ordinal).Where(g => g.Count() > 1))
        {
            var places = field.Select(k => (Key: k, Place: k.IsCompound ? k.ItemPath() is var (item, path) ? new[] { item.ToString(System.Globalization.CultureInfo.InvariantCulture) }.Concat(path).ToArray() : [] : [])).ToArray();
            for (var i = 0; i < places.Length; i++)
            {
                for (var j = i + 1; j < places.Length; j++)
                {
                    var (a, b) = (places[i].Place, places[j].Place);
                    var shorter = Math.Min(a.Length, b.Length);
                    if (a.Take(shorter).SequenceEqual(b.Take(shorter), StringComparer.Ordinal))
                    {
                        failures.Add($"CmsUser:FieldMappings: the keys '{places[i].Key}' and '{places[j].Key}' fill the same part of the field '{field.Key}'; keep one.");
                    }
                }
            }
        }
    }

    private static void CheckPattern(List<string> failures, string key, string? pattern)
    {
        if (string.IsNullOrWhiteSpace(pattern))
        {
            failures.Add($"{key} is empty.");
            return;
        }

        try
        {
            UsernameTemplate.Parse(pattern);
        }
        catch (CmsUserConfigurationException ex)
        {
            failures.Add($"{key}: {ex.Message}");
        }
    }

    private static void CheckTrigger(List<string> failures, string key, TriggerDefinition? trigger, bool required)
    {
        if (trigger is null)
        {
            if (required)
            {
                failures.Add($"{key} is missing: name a group, tag or saved search by id or name.");
            }

            return;
        }

        if (string.IsNullOrWhiteSpace(trigger.Reference))
        {
            failures.Add($"{key}:Reference is empty: give the id or the name of the {trigger.Kind.ToString().ToLowerInvariant()}.");
        }
    }
}

/// <summary>The configuration section <see cref="CmsUserOptions"/> was bound from, checked by the validator.</summary>
/// <param name="Section">The <c>CmsUser</c> section.</param>
internal sealed record CmsUserConfigurationSource(IConfigurationSection Section);
