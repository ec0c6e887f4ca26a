using System.Collections;
using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Reflection;
using Microsoft.Extensions.Configuration;
using Skvare.CmsUser.Shared;

namespace Skvare.CmsUser;

/// <summary>
/// Checks settings the configuration binder would otherwise accept silently: keys that match no
/// property, values that do not convert (an enum name such as <c>"Groop"</c> makes the binder drop a
/// whole list element), and range attributes on nested objects, which DataAnnotations validation does
/// not reach. Every problem names its full configuration key.
/// </summary>
/// <remarks>
/// The options types are walked by reflection: in a trimmed application, keep their public properties (the SDK's own
/// validator does so for <see cref="CmsUserOptions"/>).
/// </remarks>
[RequiresUnreferencedCode(SettingsCheck.TrimmingMessage)]
public static class SettingsCheck
{
    internal const string TrimmingMessage = "Walks the public properties of the options types by reflection; keep them in a trimmed application.";

    /// <summary>
    /// Compares a configuration section with the options type it binds to.
    /// </summary>
    /// <param name="section">The section (for example <c>configuration.GetSection("CmsUser")</c>).</param>
    /// <param name="optionsType">The options type bound from it.</param>
    /// <param name="otherSections">
    /// Child sections bound by other options types (for example <c>CiviCrm</c> and <c>WordPress</c> under
    /// <c>CmsUser</c>); they are skipped here.
    /// </param>
    /// <param name="checkRanges">
    /// Also check <see cref="RangeAttribute"/> on the values found (leave off when the options type's own
    /// validator checks its ranges, so each problem is reported once).
    /// </param>
    /// <returns>
    /// One message per problem, each starting with the full key; empty when all is well. A value outside the
    /// range of its property is reported in the words of the options validators, so the two can be merged.
    /// </returns>
    public static IReadOnlyList<string> CheckConfiguration(IConfigurationSection section, Type optionsType, IEnumerable<string>? otherSections = null, bool checkRanges = true)
    {
        ArgumentNullException.ThrowIfNull(section);
        ArgumentNullException.ThrowIfNull(optionsType);
        var problems = new List<string>();
        var skip = new HashSet<string>(otherSections ?? [], StringComparer.OrdinalIgnoreCase);
        new Walker(problems, checkRanges).CheckObject(section, optionsType, section.Path, skip);
        return problems;
    }

    /// <summary>
    /// Checks the validation attributes (other than <see cref="RequiredAttribute"/>) of an options object
    /// and of the option objects nested in it (for example <c>Retry</c> and <c>Http</c>).
    /// </summary>
    /// <param name="options">The options object.</param>
    /// <param name="path">Its configuration key, e.g. <c>CmsUser:WordPress:Http</c>.</param>
    /// <returns>One message per problem, each starting with the full key.</returns>
    internal static IReadOnlyList<string> CheckRanges(object options, string path)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(path);
        var problems = new List<string>();
        CheckAttributes(options, path, problems, depth: 0);
        return problems;
    }

    /// <summary>
    /// The section as the configuration binder can take it: without the values it cannot convert to
    /// <paramref name="optionsType"/> (an enum name that does not exist, such as <c>"Wordpres"</c>, a number or a
    /// boolean that is not one); the section itself when every value converts.
    /// </summary>
    /// <param name="section">The section (for example <c>configuration.GetSection("CmsUser:CiviCrm")</c>).</param>
    /// <param name="optionsType">The options type bound from it.</param>
    /// <returns>A configuration to bind instead of <paramref name="section"/>.</returns>
    /// <remarks>
    /// The binder throws at such a value and leaves the settings after it unbound. Bind from this view and report
    /// <see cref="CheckConfiguration"/>'s problems (which name the value's key and the values it may take) with the
    /// options' own validation, and a wrong value is one problem among the others, at start-up.
    /// </remarks>
    public static IConfiguration WithoutUnconvertibleValues(IConfigurationSection section, Type optionsType)
    {
        ArgumentNullException.ThrowIfNull(section);
        ArgumentNullException.ThrowIfNull(optionsType);
        return WithoutUnconvertibleValues(section, optionsType, []);
    }

    /// <summary>
    /// The section without the values the binder cannot convert (an enum name that does not exist, a number that is
    /// not one, an empty value where one is needed); the section itself when every value converts.
    /// </summary>
    /// <remarks>
    /// The binder stops at such a value, or drops the whole list element that holds it (a rule whose <c>Kind</c> is
    /// <c>"Groop"</c>), so every later setting of that rule would go unchecked and the rules after it would move up a
    /// position. Bound from this view instead, the rest of the settings keep their places and are validated with
    /// the value's own problem (which <see cref="CheckConfiguration"/> reports from the section itself).
    /// </remarks>
    internal static IConfiguration WithoutUnconvertibleValues(IConfigurationSection section, Type optionsType, IEnumerable<string> otherSections)
    {
        var unconvertible = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var skip = new HashSet<string>(otherSections, StringComparer.OrdinalIgnoreCase);
        new Walker([], checkRanges: false, unconvertible).CheckObject(section, optionsType, section.Path, skip);
        if (unconvertible.Count == 0)
        {
            return section;
        }

        var prefix = section.Path + ConfigurationPath.KeyDelimiter;
        var kept = section.AsEnumerable()
            .Where(pair => pair.Key.StartsWith(prefix, StringComparison.OrdinalIgnoreCase) && !unconvertible.Contains(pair.Key))
            .Select(pair => KeyValuePair.Create(pair.Key[prefix.Length..], pair.Value));
        return new ConfigurationBuilder().AddInMemoryCollection(kept).Build();
    }

    private static void CheckAttributes(object options, string path, List<string> problems, int depth)
    {
        if (depth > 8)
        {
            return;
        }

        foreach (var property in options.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.GetIndexParameters().Length > 0 || property.GetMethod is null)
            {
                continue;
            }

            var value = property.GetValue(options);
            var key = $"{path}:{property.Name}";
            foreach (var attribute in property.GetCustomAttributes<ValidationAttribute>(inherit: true))
            {
                if (attribute is RequiredAttribute || attribute.IsValid(value))
                {
                    continue;
                }

                problems.Add(attribute is RangeAttribute range
                    ? $"{key} is {Format(value)}; it must be between {Format(range.Minimum)} and {Format(range.Maximum)}."
                    : $"{key}: {attribute.FormatErrorMessage(property.Name)}");
            }

            if (value is not null && IsNestedOptions(property.PropertyType))
            {
                CheckAttributes(value, key, problems, depth + 1);
            }
        }
    }

    // Nested settings objects of this SDK (RetryPolicy, ScheduleOptions, HttpClientSettings); rules and
    // triggers have their own cross-field validator, which reports their problems once.
    private static bool IsNestedOptions(Type type) =>
        type.IsClass && type != typeof(string) && !typeof(IEnumerable).IsAssignableFrom(type)
        && type.Namespace == typeof(SettingsCheck).Namespace
        && type != typeof(TriggerDefinition);

    private static string Format(object? value) => value switch
    {
        null => "empty",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    /// <summary>Walks a section against a type, collecting problems.</summary>
    [RequiresUnreferencedCode(TrimmingMessage)]
    private sealed class Walker(List<string> problems, bool checkRanges, HashSet<string>? unconvertible = null)
    {
        public void CheckNode(IConfigurationSection node, Type type, string key, PropertyInfo? property)
        {
            var target = Nullable.GetUnderlyingType(type) ?? type;
            if (IsScalar(target))
            {
                if (node.GetChildren().Any())
                {
                    problems.Add($"{node.Path} must be a single value, not a section.");
                    return;
                }

                if (string.IsNullOrEmpty(node.Value) && target.IsValueType && Nullable.GetUnderlyingType(type) is null)
                {
                    // The binder cannot convert an empty value to a number, a duration or an enum (in a list it drops the element).
                    problems.Add($"{node.Path} is empty; give a {Describe(target)} or leave the key out.");
                    unconvertible?.Add(node.Path);
                    return;
                }

                var before = problems.Count;
                var converted = CheckValue(node, target, problems);
                if (problems.Count > before)
                {
                    unconvertible?.Add(node.Path);
                }

                if (converted is { } value && property is not null && checkRanges)
                {
                    foreach (var range in property.GetCustomAttributes<RangeAttribute>(inherit: true).Where(r => !r.IsValid(value)))
                    {
                        problems.Add($"{key} is {Format(value)}; it must be between {Format(range.Minimum)} and {Format(range.Maximum)}.");
                    }
                }

                return;
            }

            if (DictionaryValueType(target) is { } valueType)
            {
                foreach (var child in node.GetChildren())
                {
                    CheckNode(child, valueType, $"{key}:{child.Key}", null);
                }

                return;
            }

            if (ElementType(target) is { } elementType)
            {
                if (node.Value is { Length: > 0 } && !node.GetChildren().Any())
                {
                    problems.Add($"{node.Path} must be a list (a JSON array), not the value '{node.Value}'.");
                    return;
                }

                foreach (var child in node.GetChildren())
                {
                    if (!int.TryParse(child.Key, NumberStyles.None, CultureInfo.InvariantCulture, out _))
                    {
                        problems.Add($"{child.Path} is not a list position: {node.Path} is a list (use a JSON array).");
                        continue;
                    }

                    CheckNode(child, elementType, $"{key}:{child.Key}", null);
                }

                return;
            }

            if (node.Value is { Length: > 0 } && !node.GetChildren().Any())
            {
                problems.Add($"{node.Path} must be a section with settings, not the value '{node.Value}'.");
                return;
            }

            CheckObject(node, target, key, skip: null);
        }

        public void CheckObject(IConfigurationSection node, Type type, string key, HashSet<string>? skip)
        {
            var properties = type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
                .Where(p => p.GetIndexParameters().Length == 0 && IsBindable(p))
                .ToDictionary(p => p.Name, StringComparer.OrdinalIgnoreCase);
            foreach (var child in node.GetChildren())
            {
                if (skip is not null && skip.Contains(child.Key))
                {
                    continue;
                }

                if (!properties.TryGetValue(child.Key, out var property))
                {
                    // The nearest keys within two edits (all of them when equally near), as the CLI suggests a CMS name.
                    var known = properties.Keys.Order(StringComparer.Ordinal).ToArray();
                    var near = EditDistance.DidYouMean(child.Key, known, 2);
                    problems.Add(near.Length == 0
                        ? $"{child.Path} is not a setting of {node.Path}. Known settings: {string.Join(", ", known)}."
                        : $"{child.Path} is not a setting of {node.Path}; {near}");
                    continue;
                }

                CheckNode(child, property.PropertyType, $"{key}:{property.Name}", property);
            }
        }
    }

    // What the binder writes: settable properties, and get-only ones that hold a collection or an object it fills in.
    private static bool IsBindable(PropertyInfo property) =>
        property.SetMethod is { IsPublic: true }
        || (property.GetMethod is { IsPublic: true } && !IsScalar(Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType));

    // Returns the converted value, or null when there is none or it does not convert (then a problem is added).
    private static object? CheckValue(IConfigurationSection node, Type type, List<string> problems)
    {
        var value = node.Value;
        if (string.IsNullOrEmpty(value) || type == typeof(string) || type == typeof(object))
        {
            return value;
        }

        if (type.IsEnum)
        {
            // The binder's EnumConverter ignores case and accepts names only when they exist (numbers too).
            if (!Enum.TryParse(type, value, ignoreCase: true, out var parsed) || !Enum.IsDefined(type, parsed!))
            {
                problems.Add($"{node.Path} is '{value}', which {EditDistance.NotOneOf(value, Enum.GetNames(type))}");
                return null;
            }

            return parsed;
        }

        try
        {
            return TypeDescriptor.GetConverter(type).ConvertFromInvariantString(value);
        }
        catch (Exception ex) when (ex is FormatException or NotSupportedException or ArgumentException or OverflowException || ex.InnerException is FormatException or OverflowException)
        {
            problems.Add($"{node.Path} is '{value}', which is not a valid {Describe(type)}.");
            return null;
        }
    }

    private static string Describe(Type type) => type switch
    {
        _ when type == typeof(bool) => "true/false value",
        _ when type == typeof(TimeSpan) => "duration (for example \"00:15:00\" or \"1.00:00:00\")",
        _ when type == typeof(TimeOnly) => "time of day (for example \"22:00\")",
        _ when type == typeof(Uri) => "URL",
        _ when type == typeof(int) || type == typeof(long) => "whole number",
        _ when type == typeof(double) || type == typeof(decimal) || type == typeof(float) => "number",
        _ when type.IsEnum => $"value ({string.Join(", ", Enum.GetNames(type))})",
        _ => type.Name,
    };

    private static bool IsScalar(Type type) =>
        type.IsPrimitive || type.IsEnum || type == typeof(string) || type == typeof(decimal) || type == typeof(TimeSpan)
        || type == typeof(TimeOnly) || type == typeof(DateOnly) || type == typeof(DateTime) || type == typeof(DateTimeOffset)
        || type == typeof(Guid) || type == typeof(Uri) || type == typeof(object);

    private static Type? DictionaryValueType(Type type)
    {
        var dictionary = type.IsGenericType && type.GetGenericTypeDefinition() == typeof(IDictionary<,>)
            ? type
            : type.GetInterfaces().FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IDictionary<,>));
        return dictionary?.GetGenericArguments()[1];
    }

    private static Type? ElementType(Type type)
    {
        if (type.IsArray)
        {
            return type.GetElementType();
        }

        var enumerable = type.IsGenericType && type.GetGenericTypeDefinition() == typeof(IEnumerable<>)
            ? type
            : type.GetInterfaces().FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IEnumerable<>));
        return enumerable?.GetGenericArguments()[0];
    }
}
