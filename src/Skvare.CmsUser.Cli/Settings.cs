using Microsoft.Extensions.Configuration;
using Skvare.CmsUser.Backdrop;
using Skvare.CmsUser.CiviCrm;
using Skvare.CmsUser.Drupal;
using Skvare.CmsUser.Drupal7;
using Skvare.CmsUser.Joomla;
using Skvare.CmsUser.Standalone;
using Skvare.CmsUser.WordPress;

namespace Skvare.CmsUser.Cli;

/// <summary>The CMS packages the tool wires, by the name used in <c>CmsUser:Cms</c>.</summary>
internal enum CmsKind
{
    WordPress,
    Drupal,
    Drupal7,
    Backdrop,
    Joomla,
    Standalone,
}

/// <summary>
/// Finds and reads the settings: <c>--settings FILE</c>, else <c>appsettings.json</c> in the working folder;
/// <c>CmsUser__…</c> environment variables override both. Checks every key before anything connects.
/// </summary>
internal sealed class Settings
{
    public const string DefaultFileName = "appsettings.json";

    private Settings(IConfigurationRoot configuration, string? file, CmsKind cms, string? cmsProblem)
    {
        Configuration = configuration;
        File = file;
        Cms = cms;
        CmsProblem = cmsProblem;
    }

    /// <summary>Why <c>CmsUser:Cms</c> could not be read, if it could not (reported with the other problems).</summary>
    public string? CmsProblem { get; }

    /// <summary>Where the settings came from, for messages.</summary>
    public string Origin => File is null ? "CmsUser__ environment variables" : $"{File} and CmsUser__ environment variables";

    /// <summary>The whole configuration (file, then environment).</summary>
    public IConfigurationRoot Configuration { get; }

    /// <summary>The <c>CmsUser</c> section.</summary>
    public IConfigurationSection Section => Configuration.GetSection(CmsUserOptions.SectionName);

    /// <summary>The settings file read, or <see langword="null"/> when only environment variables were used.</summary>
    public string? File { get; }

    /// <summary>The CMS named by <c>CmsUser:Cms</c> (default WordPress).</summary>
    public CmsKind Cms { get; }

    /// <summary>The options type and section of each package, for the key check.</summary>
    public static IReadOnlyDictionary<string, Type> PackageTypes { get; } = new Dictionary<string, Type>(StringComparer.OrdinalIgnoreCase)
    {
        [CiviCrmOptions.SectionName] = typeof(CiviCrmOptions),
        [nameof(CmsKind.WordPress)] = typeof(WordPressOptions),
        [DrupalOptions.SectionName] = typeof(DrupalOptions),
        [Drupal7Options.SectionName] = typeof(Drupal7Options),
        [BackdropOptions.SectionName] = typeof(BackdropOptions),
        [JoomlaOptions.SectionName] = typeof(JoomlaOptions),
        [StandaloneOptions.SectionName] = typeof(StandaloneOptions),
    };

    /// <summary>
    /// The full path of a <c>--settings FILE</c> that is read; throws <see cref="CliException"/> (exit 3) when it does not
    /// exist or is a folder. Every command that reads the option checks it, even <c>demo</c>, which then reads nothing from it.
    /// </summary>
    public static string ExistingFile(string settingsFile, string workingDirectory)
    {
        var file = Path.GetFullPath(settingsFile, workingDirectory);
        if (Directory.Exists(file))
        {
            throw new CliException($"Settings file {file} is a folder; pass the file, e.g. --settings {Path.Combine(file, DefaultFileName)}.", ExitCodes.Configuration);
        }

        if (!System.IO.File.Exists(file))
        {
            throw new CliException($"Settings file {file} does not exist.", ExitCodes.Configuration);
        }

        return file;
    }

    /// <summary>Reads the settings; throws <see cref="CliException"/> (exit 3) when there are none or they cannot be read.</summary>
    /// <param name="settingsFile">The <c>--settings</c> file, or <see langword="null"/> for <c>appsettings.json</c> in <paramref name="workingDirectory"/> if there is one.</param>
    /// <param name="workingDirectory">The working folder.</param>
    /// <param name="environment">The environment variables, or <see langword="null"/> for the process's own.</param>
    public static Settings Load(string? settingsFile, string workingDirectory, IReadOnlyDictionary<string, string>? environment = null)
    {
        string? file;
        if (settingsFile is not null)
        {
            file = ExistingFile(settingsFile, workingDirectory);
        }
        else
        {
            file = Path.Combine(workingDirectory, DefaultFileName);
            if (!System.IO.File.Exists(file))
            {
                file = null;
            }
        }

        var builder = new ConfigurationBuilder();
        if (file is not null)
        {
            builder.AddJsonFile(file, optional: false, reloadOnChange: false);
        }

        if (environment is null)
        {
            builder.AddEnvironmentVariables();
        }
        else
        {
            // As the environment variables provider reads them: "__" separates the levels (CmsUser__CiviCrm__ApiKey).
            builder.AddInMemoryCollection(environment.Select(v => KeyValuePair.Create(v.Key.Replace("__", ConfigurationPath.KeyDelimiter, StringComparison.Ordinal), (string?)v.Value)));
        }
        IConfigurationRoot configuration;
        try
        {
            configuration = builder.Build();
        }
        catch (Exception ex) when (ex is InvalidDataException or FormatException or IOException or System.Text.Json.JsonException or UnauthorizedAccessException)
        {
            throw new CliException($"Settings file {file} cannot be read: {ShapeProblem(file) ?? ReadProblem(ex)}", ExitCodes.Configuration, ex);
        }

        var section = configuration.GetSection(CmsUserOptions.SectionName);
        if (!section.GetChildren().Any())
        {
            throw new CliException(
                file is null
                    ? $"No settings: there is no {DefaultFileName} in {workingDirectory} and no CmsUser__… environment variables. Write one with 'cmsuser init wordpress' (or another CMS), pass --settings FILE, or try 'cmsuser demo'."
                    : $"Settings file {file} has no CmsUser section. Write an example with 'cmsuser init wordpress'.",
                ExitCodes.Configuration);
        }

        var (cms, problem) = ParseCms(section["Cms"]);
        return new Settings(configuration, file, cms, problem);
    }

    /// <summary>
    /// What is wrong with a settings file that is valid JSON but not settings, or holds nothing at all, where the
    /// configuration provider's own words name neither the problem nor the fix: an empty file ("it is not valid JSON (line 2)")
    /// and a top-level array, string or number ("Top-level JSON element must be an object. Instead, 'Array' was found.").
    /// <see langword="null"/> for any other file (a syntax error keeps its line), or one that cannot be read again. Never the
    /// file's content. Found in trialadmin24.
    /// </summary>
    internal static string? ShapeProblem(string? file)
    {
        if (file is null)
        {
            return null;
        }

        string text;
        try
        {
            text = System.IO.File.ReadAllText(file);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        const string Fix = "a settings file is one JSON object, { \"CmsUser\": { … } }; 'cmsuser init wordpress' (or another CMS) writes an example.";
        if (string.IsNullOrWhiteSpace(text.TrimStart('\uFEFF')))
        {
            return "it is empty: " + Fix;
        }

        try
        {
            using var document = System.Text.Json.JsonDocument.Parse(text.TrimStart('\uFEFF'), new System.Text.Json.JsonDocumentOptions
            {
                CommentHandling = System.Text.Json.JsonCommentHandling.Skip,
                AllowTrailingCommas = true,
            });
            var kind = document.RootElement.ValueKind;
            return kind == System.Text.Json.JsonValueKind.Object
                ? null
                : $"it holds a JSON {(kind is System.Text.Json.JsonValueKind.True or System.Text.Json.JsonValueKind.False ? "boolean" : kind.ToString().ToLowerInvariant())}, not an object: {Fix}";
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }

    /// <summary>
    /// Why a settings file could not be read, where it helps: a JSON syntax error gives its line (the
    /// configuration provider's own message says only that the file could not be parsed). Never the file's content.
    /// </summary>
    internal static string ReadProblem(Exception ex)
    {
        for (var e = ex; e is not null; e = e.InnerException)
        {
            if (e is System.Text.Json.JsonException { LineNumber: long line } json)
            {
                return $"it is not valid JSON (line {line + 1}): check for a missing comma, quote or brace on that line or just before it.";
            }

            if (e is UnauthorizedAccessException)
            {
                return "permission denied.";
            }
        }

        var reason = ex.InnerException?.Message ?? ex.Message;
        return reason.EndsWith('.') ? reason : reason + ".";
    }

    /// <summary>
    /// Problems the configuration binder would skip silently, for every section the tool binds, and site URLs still the
    /// example <c>cmsuser init</c> wrote (once the secrets are set, they would be sent to that host).
    /// </summary>
    public IReadOnlyList<string> CheckPackageSections()
    {
        var problems = new List<string>();
        if (CmsProblem is not null)
        {
            problems.Add(CmsProblem);
        }

        foreach (var child in Section.GetChildren())
        {
            if (PackageTypes.TryGetValue(child.Key, out var type))
            {
                // The packages' validators check their own ranges (Http included); only keys and values are checked here.
                problems.AddRange(SettingsCheck.CheckConfiguration(child, type, checkRanges: false));
                if (string.Equals(child["BaseUrl"]?.Trim(), InitTemplate.ExampleUrl, StringComparison.OrdinalIgnoreCase))
                {
                    problems.Add($"{child.Path}:BaseUrl is still {InitTemplate.ExampleUrl}, the example 'cmsuser init' wrote: set the site's own URL.");
                }
            }
        }

        return problems;
    }

    /// <summary>Parses a CMS name as the binder parses enums: case and surrounding spaces do not matter.</summary>
    public static (CmsKind Cms, string? Problem) ParseCms(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return (CmsKind.WordPress, null);
        }

        return TryParseCms(value, out var cms)
            ? (cms, null)
            : (CmsKind.WordPress, $"CmsUser:Cms is '{value}', which {NotACms(value)}");
    }

    /// <summary>
    /// What to say about a name that is not a CMS, in the wording every "did you mean" uses
    /// (<see cref="Shared.EditDistance.NotOneOf"/>): "is not one of WordPress, …; did you mean WordPress?".
    /// </summary>
    public static string NotACms(string value) => Shared.EditDistance.NotOneOf(value, Enum.GetNames<CmsKind>());

    /// <summary>Parses a CMS name, ignoring case; numbers are not names.</summary>
    public static bool TryParseCms(string value, out CmsKind cms) =>
        Enum.TryParse(value.Trim(), ignoreCase: true, out cms) && Enum.IsDefined(cms) && !value.Trim().All(char.IsAsciiDigit);
}
