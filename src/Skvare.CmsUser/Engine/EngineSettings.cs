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

    /// <summary>
    /// The values of the CMS fields <see cref="CmsUserOptions.FieldMappings"/> gives <paramref name="contact"/>'s new account,
    /// or <see langword="null"/> when it gives none. Each value is cleaned as the names a create sends are
    /// (<see cref="PersonNames.Clean"/>: no bidi control or zero-width character from a contact's name, or from the template's
    /// own text, reaches the CMS); a value that is empty, or that cleaning leaves with nothing visible, is not sent.
    /// </summary>
    public Dictionary<string, string>? FieldValues(Contact contact)
    {
        // Most rules map no fields: no dictionary per create then.
        Dictionary<string, string>? fields = null;
        foreach (var (field, template) in FieldTemplates)
        {
            var value = PersonNames.Clean(template.Render(contact));
            if (!string.IsNullOrEmpty(value))
            {
                (fields ??= new Dictionary<string, string>(StringComparer.Ordinal))[field] = value;
            }
        }

        return fields;
    }

    public UsernameTemplate TemplateFor(ProvisioningRule rule) =>
        _ruleTemplates.TryGetValue(rule, out var template) ? template : DefaultTemplate;
}
