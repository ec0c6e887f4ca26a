using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace Skvare.CmsUser.Shared;

/// <summary>
/// The one start-up validator a package registers for its options: the package's own checks (sentences that name
/// the configuration key and the fix) and its data annotations, reported as one list where each problem appears once.
/// </summary>
/// <remarks>
/// A data-annotation failure names the member and the options type ("BaseUrl: The WordPressOptions.BaseUrl field is required.");
/// it is rewritten to name the configuration key (<c>CmsUser:WordPress:BaseUrl: …</c>) like every other message, and
/// dropped when the package's own sentence already names that key (a missing required setting is then one problem,
/// told by the clearer sentence).
/// </remarks>
internal sealed class PackageOptionsValidator<TOptions> : IValidateOptions<TOptions>
    where TOptions : class
{
    private readonly string _key;
    private readonly IValidateOptions<TOptions>? _own;
    private readonly IValidateOptions<TOptions>? _annotations;

    /// <param name="key">The configuration key of the options as the package's messages write it, e.g. <c>CmsUser:WordPress</c>.</param>
    /// <param name="own">The package's own validator; <see langword="null"/> when the annotations are the only checks.</param>
    /// <param name="annotations">The source-generated data-annotations validator; <see langword="null"/> when the options have no annotations.</param>
    public PackageOptionsValidator(string key, IValidateOptions<TOptions>? own, IValidateOptions<TOptions>? annotations)
    {
        if (own is null && annotations is null)
        {
            throw new ArgumentException("A package validates its options with its own validator, its annotations, or both.", nameof(own));
        }

        _key = key;
        _own = own;
        _annotations = annotations;
    }

    private readonly List<(IConfigurationSection Section, Func<IConfigurationSection, Type, IReadOnlyList<string>> Check)> _sections = [];

    /// <summary>
    /// Also reports the keys of <paramref name="section"/> that are no setting of <typeparamref name="TOptions"/> and the
    /// values that do not convert (<c>CmsUser:CiviCrm:UrlStyle is 'Wordpres', which is not one of …</c>), found by
    /// <paramref name="check"/>: the binder would skip the first silently and throw at the second.
    /// </summary>
    public void CheckKeysOf(IConfigurationSection section, Func<IConfigurationSection, Type, IReadOnlyList<string>> check)
    {
        if (!_sections.Exists(s => string.Equals(s.Section.Path, section.Path, StringComparison.OrdinalIgnoreCase)))
        {
            _sections.Add((section, check));
        }
    }

    /// <summary>The validator the package registered (the registration is made once per options type).</summary>
    public Type Source => (_own ?? _annotations)!.GetType();

    public ValidateOptionsResult Validate(string? name, TOptions options)
    {
        var own = _own?.Validate(name, options) ?? ValidateOptionsResult.Skip;
        var annotations = _annotations?.Validate(name, options) ?? ValidateOptionsResult.Skip;
        // The sections are those of the unnamed options; named options (one per site) are bound elsewhere.
        var keys = name is null || name == Options.DefaultName
            ? _sections.SelectMany(s => s.Check(s.Section, typeof(TOptions))).Distinct(StringComparer.Ordinal).ToList()
            : [];
        if (!own.Failed && !annotations.Failed && keys.Count == 0)
        {
            return own.Succeeded || annotations.Succeeded ? ValidateOptionsResult.Success : ValidateOptionsResult.Skip;
        }

        var failures = keys;
        failures.AddRange(own.Failed ? own.Failures.Distinct(StringComparer.Ordinal) : []);
        var told = failures.Count;
        foreach (var failure in annotations.Failed ? annotations.Failures : [])
        {
            var keyed = WithKey(failure, out var key);
            if (key is not null && failures.Take(told).Any(f => Names(f, key)))
            {
                continue;
            }

            if (!failures.Contains(keyed, StringComparer.Ordinal))
            {
                failures.Add(keyed);
            }
        }

        return ValidateOptionsResult.Fail(failures);
    }

    // "CmsUser:WordPress:BaseUrl is missing: …", "CmsUser:WordPress:BaseUrl: …", "CmsUser:WordPress:BaseUrl '…' is …";
    // not "CmsUser:WordPress:Http:MaxRetries …" for the key CmsUser:WordPress:Http (a setting inside it).
    internal static bool Names(string failure, string key)
    {
        if (!failure.StartsWith(key, StringComparison.Ordinal))
        {
            return false;
        }

        var rest = failure.AsSpan(key.Length);
        return rest.IsEmpty || rest[0] is ' ' or '.' or ',' || rest.StartsWith(": ", StringComparison.Ordinal) || rest.SequenceEqual(":");
    }

    private string WithKey(string failure, out string? key)
    {
        var match = AnnotationFailures.Generated().Match(failure);
        if (!match.Success)
        {
            match = AnnotationFailures.Reflected().Match(failure);
        }

        if (!match.Success)
        {
            key = null;
            return failure;
        }

        var member = match.Groups["member"].Value;
        key = $"{_key}:{member.Replace('.', ':')}";
        // The generated validator's display name is "WordPressOptions.BaseUrl"; the key already says whose it is.
        var error = match.Groups["error"].Value.Replace($"{typeof(TOptions).Name}.{member}", member, StringComparison.Ordinal);
        return $"{key}: {error}";
    }
}

/// <summary>How Microsoft.Extensions.Options writes a data-annotation failure.</summary>
internal static partial class AnnotationFailures
{
    /// <summary>A source-generated (<c>[OptionsValidator]</c>) validator's failure: <c>BaseUrl: The WordPressOptions.BaseUrl field is required.</c></summary>
    [GeneratedRegex("^(?<member>[A-Za-z_][A-Za-z0-9_.]*): (?<error>.*)$", RegexOptions.Singleline | RegexOptions.CultureInvariant)]
    public static partial Regex Generated();

    /// <summary>The reflection-based validator's (<c>ValidateDataAnnotations</c>) failure.</summary>
    [GeneratedRegex("^DataAnnotation validation failed for '[^']*' members: '(?<member>[^',]*)' with the error: '(?<error>.*)'\\.?$", RegexOptions.Singleline | RegexOptions.CultureInvariant)]
    public static partial Regex Reflected();
}
