using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Skvare.CmsUser.CiviCrm;
using Skvare.CmsUser.CiviCrm.Api;
using Skvare.CmsUser.Shared;

namespace Skvare.CmsUser.Cli.Import;

/// <summary>
/// <c>cmsuser import</c>: reads the settings of the reference PHP extension <c>com.skvare.cmsuser</c> from the configured
/// CiviCRM, prints them as cmsuser settings with what could not be carried over and why, and with <c>--write</c> merges
/// them into the settings file (a different value already there only with <c>--force</c>).
/// </summary>
internal static class ImportCommand
{
    public const string Name = "import";

    /// <summary>The command; <paramref name="execute"/> runs its body as every command's is run (errors, exit codes).</summary>
    public static Command Build(Func<string, ParseResult, Func<CliOptions, Task<int>>, CancellationToken, Task<int>> execute)
    {
        var write = new Option<bool>("--write", "-w") { Description = $"Merge the settings into the settings file ({Settings.DefaultFileName} in the working folder, or --settings FILE); keys it lacks are added, every other setting and comment stays." };
        var force = new Option<bool>("--force", "-f") { Description = "With --write: also replace keys the file already has with a different value." };
        var command = new Command(Name, $"Import the settings of the CiviCRM extension {ExtensionSettings.ExtensionKey} (its cmsuser_… settings, read from the configured CiviCRM): prints them as cmsuser settings and what could not be carried over. Needs only CmsUser:CiviCrm.");
        command.Options.Add(write);
        command.Options.Add(force);
        command.SetAction((parse, token) => execute(Name, parse, options => RunAsync(options, parse.GetValue(write), parse.GetValue(force), token), token));
        return command;
    }

    private static async Task<int> RunAsync(CliOptions options, bool write, bool force, CancellationToken cancellationToken)
    {
        if (options.Rule is { } rule)
        {
            throw new CliException($"--rule '{rule}' does not apply to 'cmsuser {Name}', which imports every setting of the extension.", ExitCodes.Configuration);
        }

        if (force && !write)
        {
            throw new CliException("--force replaces settings only together with --write: 'cmsuser import --write --force'.", ExitCodes.Configuration);
        }

        var context = CliContext.Current;
        var settings = Settings.Load(options.SettingsFile, context.WorkingDirectory, context.Environment);
        var builder = CliHost.CreateBuilder(options);
        builder.Services.AddCmsUserProvisioning(settings.Section).AddCiviCrm();
        // Not started: the import needs CiviCRM only, so the rules and the CMS may still be the example 'init' wrote.
        using var host = builder.Build();
        var civiCrm = CiviCrmOptions(host.Services, settings);
        var client = host.Services.GetRequiredService<CiviCrmApiClient>();

        var extension = await ExtensionSettings.ReadAsync(client, cancellationToken).ConfigureAwait(false);
        var source = Source(civiCrm, extension);
        if (extension.Values.Count == 0 && extension.Unreadable.Count == 0)
        {
            throw new CliException(NothingStored(source, extension), ExitCodes.Configuration);
        }

        var result = await ExtensionImport.MapAsync(extension, client, settings.Cms, cancellationToken).ConfigureAwait(false);
        var exit = result.NotImported.Count > 0 ? ExitCodes.SomeFailed : ExitCodes.Done;
        var file = Path.GetFullPath(settings.File ?? options.SettingsFile ?? Settings.DefaultFileName, context.WorkingDirectory);
        var (text, changes) = SettingsFileMerge.Merge(settings.File is null ? null : await File.ReadAllTextAsync(settings.File, cancellationToken).ConfigureAwait(false), result.Section);
        var replaced = changes.Where(c => c.Before is not null).ToList();
        string? refusal = null;
        var written = false;
        if (write && changes.Count > 0)
        {
            if (replaced.Count > 0 && !force)
            {
                refusal = Conflicts(file, replaced);
                exit = ExitCodes.Configuration;
            }
            else
            {
                Write(file, text);
                written = true;
            }
        }

        Print(options.Json, exit, source, extension, result, file, write, written, changes, refusal);
        return exit;
    }

    /// <summary>The CiviCRM settings, checked as a start checks them (exit 3 with every problem); nothing else is checked.</summary>
    private static CiviCrmOptions CiviCrmOptions(IServiceProvider services, Settings settings)
    {
        var section = settings.Section.GetSection(CiviCrm.CiviCrmOptions.SectionName);
        var problems = new List<string>(SettingsCheck.CheckConfiguration(section, typeof(CiviCrmOptions), checkRanges: false));
        if (string.Equals(section["BaseUrl"]?.Trim(), InitTemplate.ExampleUrl, StringComparison.OrdinalIgnoreCase))
        {
            problems.Add($"{section.Path}:BaseUrl is still {InitTemplate.ExampleUrl}, the example 'cmsuser init' wrote: set the site's own URL.");
        }

        CiviCrmOptions? options = null;
        try
        {
            options = services.GetRequiredService<IOptions<CiviCrmOptions>>().Value;
        }
        catch (OptionsValidationException ex)
        {
            problems.AddRange(ex.Failures);
        }

        if (problems.Count > 0 || options is null)
        {
            var distinct = problems.Distinct(StringComparer.Ordinal).ToList();
            throw new CliException(
                $"The CiviCRM settings ({settings.Origin}) have {(distinct.Count == 1 ? "a problem" : $"{distinct.Count} problems")}:{Environment.NewLine}  - {string.Join(Environment.NewLine + "  - ", distinct)}",
                ExitCodes.Configuration);
        }

        return options;
    }

    /// <summary>Where the settings came from, for the first line: the site (without any credentials in its URL) and domain.</summary>
    private static string Source(CiviCrmOptions options, ExtensionSettings extension)
    {
        var url = options.BaseUrl?.GetComponents(UriComponents.SchemeAndServer | UriComponents.Path, UriFormat.UriEscaped) ?? "(no URL)";
        return extension.DomainId is { } domain ? $"CiviCRM at {url} (domain {domain})" : $"CiviCRM at {url}";
    }

    private static string Installed(ExtensionSettings extension) => extension.ExtensionStatus switch
    {
        null => $"the extension {ExtensionSettings.ExtensionKey} is not known to this CiviCRM (not in its extensions folder)",
        "installed" => $"the extension {ExtensionSettings.ExtensionKey} is installed",
        ExtensionSettings.UnknownStatus => $"CiviCRM did not say whether the extension {ExtensionSettings.ExtensionKey} is installed (Extension.get refused)",
        var status => $"the extension {ExtensionSettings.ExtensionKey} is {status}",
    };

    /// <summary>Why there is nothing to import.</summary>
    internal static string NothingStored(string source, ExtensionSettings extension) =>
        $"{source} has no settings of the extension {ExtensionSettings.ExtensionKey} (no cmsuser_… setting is stored), and {Installed(extension)}: nothing to import. " +
        "Check that CmsUser:CiviCrm points at the CiviCRM the extension was configured on (its form: Administer > System Settings > CMS User Setting); " +
        $"otherwise write the settings by hand: '{Settings.DefaultFileName}' from 'cmsuser init', docs/configuration.md.";

    private static string Conflicts(string file, List<SettingsFileMerge.Change> replaced) =>
        $"{file} already has {(replaced.Count == 1 ? "a different value" : "different values")} for {string.Join("; ", replaced.Select(c => $"{c.Key} (now {Short(c.Before!)})"))}. " +
        $"Nothing was written: pass --force as well to replace {(replaced.Count == 1 ? "it" : "them")} (every other setting and comment stays), or copy what you need from the settings above.";

    private static string Short(string json) => json.Length <= 80 ? json : json[..77] + "...";

    private static void Write(string file, string text)
    {
        try
        {
            // In place: the file keeps its owner and mode (it may be readable by one user only).
            File.WriteAllText(file, text);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            var why = ex is UnauthorizedAccessException ? "permission denied" : ex.Message.TrimEnd('.');
            throw new CliException($"Cannot write {file}: {why}. Nothing was written; choose another file with --settings FILE.", ExitCodes.Configuration, ex);
        }
    }

    private static void Print(bool json, int exit, string source, ExtensionSettings extension, ImportResult result, string file, bool write, bool written, IReadOnlyList<SettingsFileMerge.Change> changes, string? refusal)
    {
        var section = new JsonObject { [CmsUserOptions.SectionName] = result.Section.DeepClone() };
        if (json)
        {
            CliContext.Current.Out.WriteLine(Output.Json(w =>
            {
                w.WriteString("command", Name);
                w.WriteNumber("exitCode", exit);
                w.WriteString("status", ExitCodes.Status(exit));
                w.WriteString("source", source);
                w.WriteString("extension", extension.ExtensionStatus);
                w.WritePropertyName("settings");
                section.WriteTo(w);
                WriteList(w, "imported", result.Imported);
                WriteObjects(w, "notImported", result.NotImported, (o, item) =>
                {
                    o.WriteString("setting", item.Setting);
                    o.WriteString("why", item.Why);
                });
                WriteList(w, "notes", result.Notes);
                w.WriteString("file", file);
                w.WriteBoolean("written", written);
                WriteObjects(w, "changes", changes, (o, change) =>
                {
                    o.WriteString("key", change.Key);
                    o.WriteString("before", change.Before);
                    o.WriteString("after", change.After);
                });
                if (refusal is not null)
                {
                    w.WriteString("error", refusal);
                }
            }));
            if (refusal is not null)
            {
                CliContext.Current.Error.WriteLine($"cmsuser: {Output.Safe(refusal)}");
            }

            return;
        }

        Output.Line($"Read {extension.Values.Count} setting{(extension.Values.Count == 1 ? "" : "s")} of {ExtensionSettings.ExtensionKey} from {source}; {Installed(extension)}.", json: false);
        Block("Imported:", result.Imported);
        Block("Not imported:", [.. result.NotImported.Select(n => $"{n.Setting}: {n.Why}")]);
        Block("Worth knowing:", result.Notes);
        Output.Line("", json: false);
        Output.Line(result.Section.Count == 0 ? "Nothing could be imported." : $"The settings:{Environment.NewLine}{section.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = ReadableJsonEncoder.Instance })}", json: false);
        Output.Line("", json: false);
        if (refusal is not null)
        {
            CliContext.Current.Error.WriteLine($"cmsuser: {Output.Safe(refusal)}");
        }
        else if (written)
        {
            var added = changes.Where(c => c.Before is null).Select(c => c.Key).ToList();
            var replaced = changes.Where(c => c.Before is not null).Select(c => c.Key).ToList();
            var what = string.Join("; ", new[] { added.Count > 0 ? $"added {string.Join(", ", added)}" : null, replaced.Count > 0 ? $"replaced {string.Join(", ", replaced)}" : null }.OfType<string>());
            Output.Line($"Wrote {file}: {what}; every other setting and comment is as it was. Next: 'cmsuser check', then 'cmsuser plan'.", json: false);
        }
        else if (write || result.Section.Count == 0)
        {
            Output.Line(result.Section.Count == 0 ? "Nothing written." : $"{file} already has these settings: nothing to write.", json: false);
        }
        else
        {
            Output.Line($"Nothing written. 'cmsuser {Name} --write' merges them into {file} (keys it lacks are added; a different value is replaced only with --force).", json: false);
        }
    }

    private static void Block(string title, IReadOnlyList<string> lines)
    {
        if (lines.Count == 0)
        {
            return;
        }

        Output.Line("", json: false);
        Output.Line(title, json: false);
        foreach (var line in lines)
        {
            Output.Line($"  {line}", json: false);
        }
    }

    private static void WriteObjects<T>(Utf8JsonWriter w, string name, IEnumerable<T> items, Action<Utf8JsonWriter, T> write)
    {
        w.WriteStartArray(name);
        foreach (var item in items)
        {
            w.WriteStartObject();
            write(w, item);
            w.WriteEndObject();
        }

        w.WriteEndArray();
    }

    private static void WriteList(Utf8JsonWriter w, string name, IReadOnlyList<string> items)
    {
        w.WriteStartArray(name);
        foreach (var item in items)
        {
            w.WriteStringValue(item);
        }

        w.WriteEndArray();
    }
}
