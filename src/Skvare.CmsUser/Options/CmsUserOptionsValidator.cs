using Microsoft.Extensions.Options;
using Skvare.CmsUser.Usernames;

namespace Skvare.CmsUser;

/// <summary>Cross-field checks of <see cref="CmsUserOptions"/>, run at start-up.</summary>
internal sealed class CmsUserOptionsValidator : IValidateOptions<CmsUserOptions>
{
    public ValidateOptionsResult Validate(string? name, CmsUserOptions options)
    {
        var failures = new List<string>();
        CheckPattern(failures, "CmsUser:UsernamePattern", options.UsernamePattern);
        CheckPattern(failures, "CmsUser:FallbackUsernamePattern", options.FallbackUsernamePattern);
        foreach (var (field, pattern) in options.FieldMappings)
        {
            CheckPattern(failures, $"CmsUser:FieldMappings:{field}", pattern);
        }

        if (options.Rules.Count == 0 && options.PasswordResets.Count == 0)
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

            if (rule.Roles.Any(string.IsNullOrWhiteSpace))
            {
                failures.Add($"{key}:Roles contains an empty role name.");
            }

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
            if (options.Retry.MaxAttempts < 1)
            {
                failures.Add($"CmsUser:Retry:MaxAttempts is {options.Retry.MaxAttempts}; it must be at least 1.");
            }

            if (options.Retry.AttemptWindow <= TimeSpan.Zero)
            {
                failures.Add($"CmsUser:Retry:AttemptWindow is {options.Retry.AttemptWindow}; it must be positive (e.g. \"30.00:00:00\").");
            }
        }

        if (options.LoginLinks is null)
        {
            failures.Add("CmsUser:LoginLinks must not be null.");
        }
        else if (options.LoginLinks.BlockedRoles.Any(string.IsNullOrWhiteSpace))
        {
            failures.Add("CmsUser:LoginLinks:BlockedRoles contains an empty role name.");
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
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
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
