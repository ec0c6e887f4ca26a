using Skvare.CmsUser.Retry;
using Skvare.CmsUser.Usernames;

namespace Skvare.CmsUser.Engine;

/// <summary>Options parsed once: templates per rule, field mappings and the extra fields they need.</summary>
internal sealed class EngineSettings
{
    private readonly Dictionary<ProvisioningRule, UsernameTemplate> _ruleTemplates = [];

    public EngineSettings(CmsUserOptions options)
    {
        Options = options;
        Attempts = new AttemptPolicy(options.Retry);
        DefaultTemplate = UsernameTemplate.Parse(options.UsernamePattern);
        FallbackTemplate = UsernameTemplate.Parse(options.FallbackUsernamePattern);
        FieldTemplates = options.FieldMappings.ToDictionary(kv => kv.Key, kv => UsernameTemplate.Parse(kv.Value), StringComparer.Ordinal);
        foreach (var rule in options.Rules)
        {
            _ruleTemplates[rule] = rule.UsernamePattern is null ? DefaultTemplate : UsernameTemplate.Parse(rule.UsernamePattern);
        }

        ExtraFields = _ruleTemplates.Values.Append(DefaultTemplate).Append(FallbackTemplate).Concat(FieldTemplates.Values)
            .SelectMany(t => t.ExtraFields).Distinct(StringComparer.Ordinal).ToArray();
    }

    public CmsUserOptions Options { get; }

    /// <summary>What a failure does to a contact and to a run.</summary>
    public AttemptPolicy Attempts { get; }

    public UsernameTemplate DefaultTemplate { get; }

    public UsernameTemplate FallbackTemplate { get; }

    public IReadOnlyDictionary<string, UsernameTemplate> FieldTemplates { get; }

    public IReadOnlyCollection<string> ExtraFields { get; }

    public UsernameTemplate TemplateFor(ProvisioningRule rule) =>
        _ruleTemplates.TryGetValue(rule, out var template) ? template : DefaultTemplate;
}
