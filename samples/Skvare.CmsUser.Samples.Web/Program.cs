using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Polly.Telemetry;
using Skvare.CmsUser;
using Skvare.CmsUser.CiviCrm;
using Skvare.CmsUser.Testing.InMemory;

// A web host with the provisioning webhook (POST /cmsuser/webhook), scheduled runs and /health.
// Real mode when CmsUser:CiviCrm is configured (DOTNET_ENVIRONMENT=Real reads appsettings.Real.json, secrets come
// from CmsUser__… environment variables); the CMS is CmsUser:Cms (default WordPress). Otherwise demo mode, over
// in-memory backends. docs/webhook.md has the requests to send.
// A start that fails prints one message (never a stack trace or a secret; --verbose adds the exception) and exits with
// (docs/webhook.md#sample): 3 settings that cannot work (the CmsUser settings, a settings file that is not JSON, a
// content root that does not exist, an address or HTTPS certificate Kestrel cannot use), 5 the address cannot be
// listened on (in use, or not allowed), 4 anything else (a defect to report). 0 after a clean shutdown.
var verbose = args.Contains(StartFailure.VerboseFlag, StringComparer.OrdinalIgnoreCase);
args = [.. args.Where(a => !string.Equals(a, StartFailure.VerboseFlag, StringComparison.OrdinalIgnoreCase))];
IHostEnvironment? environment = null;
string? urls = null;
WebApplication? app = null;
string mode;
try
{
    var builder = WebApplication.CreateBuilder(args);
    environment = builder.Environment;
    urls = builder.Configuration["urls"];
    // A failed start is printed below as one message; the host's own record of it repeats it with a stack trace.
    builder.Logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", level => level >= LogLevel.Information && (level < LogLevel.Error || !StartFailure.Starting));
    var section = builder.Configuration.GetSection(CmsUserOptions.SectionName);
    var cmsUser = builder.Services.AddCmsUserProvisioning(section)
        .AddWebhook()
        .AddScheduledRuns();
    var health = builder.Services.AddHealthChecks().AddCmsProviderCheck();
    // While a server is down, the SDK logs one warning line per failed call (after its retries). Polly's own records of each
    // attempt and retry (an error with the exception's stack trace for the last one) are for debugging; an opening circuit stays a warning.
    builder.Services.Configure<TelemetryOptions>(o => o.SeverityProvider = e =>
        e.Event.EventName == "OnCircuitOpened" ? ResilienceEventSeverity.Warning : ResilienceEventSeverity.Debug);

    if (section.GetSection(CiviCrmOptions.SectionName).Exists())
    {
        // As the cmsuser tool reads CmsUser:Cms: case and surrounding spaces do not matter, and none (or only spaces) is WordPress.
        var named = section["Cms"];
        var cms = string.IsNullOrWhiteSpace(named) ? "WordPress" : named.Trim();
        string[] names = ["WordPress", "Drupal", "Drupal7", "Backdrop", "Joomla", "Standalone"];
        var known = Array.Find(names, n => string.Equals(n, cms, StringComparison.OrdinalIgnoreCase));
        if (known is null)
        {
            return Settings.Fail(environment, [$"CmsUser:Cms is '{named}', which {Skvare.CmsUser.Shared.EditDistance.NotOneOf(cms, names)}"]);
        }

        _ = known switch
        {
            "WordPress" => cmsUser.AddCiviCrm().AddWordPress(),
            "Drupal" => cmsUser.AddCiviCrm().AddDrupal(),
            "Drupal7" => cmsUser.AddCiviCrm().AddDrupal7(),
            "Backdrop" => cmsUser.AddCiviCrm().AddBackdrop(),
            "Joomla" => cmsUser.AddCiviCrm().AddJoomla(),
            _ => cmsUser.AddCiviCrm().AddStandalone(),
        };
        cms = known;
        health.AddCiviCrmCheck();
        mode = $"real mode: CiviCRM at {section["CiviCrm:BaseUrl"]}, {cms} at {section[$"{cms}:BaseUrl"]}";
    }
    else
    {
        var civi = new FakeCiviCrm();
        var accounts = new FakeCmsAccountProvider();
        foreach (var (first, last, email) in new[] { ("Ana", "Lima", "ana@example.org"), ("Bea", "Costa", "bea@example.org") })
        {
            civi.AddToGroup("website_members", civi.AddContact(first, last, email).Id);
        }

        cmsUser.UseInMemory(civi, accounts);
        mode = "demo mode: in-memory CiviCRM and CMS (configure CmsUser:CiviCrm for real mode)";
    }

    app = builder.Build();
    app.MapCmsUserWebhook();
    app.MapHealthChecks("/health", new HealthCheckOptions { ResponseWriter = HealthAnswer.WriteAsync });
    app.MapGet("/", () => Results.Text($"Skvare.CmsUser web sample, {mode}. POST signed requests to /cmsuser/webhook (docs/webhook.md); GET /health."));

    // The settings are checked before the host starts, so that their problems are listed together.
    app.Services.GetService<IStartupValidator>()?.Validate();
    StartFailure.Starting = true;
    await app.StartAsync();
    StartFailure.Starting = false;
}
catch (Exception ex)
{
    var exit = StartFailure.Report(ex, environment, urls, verbose);
    if (app is not null)
    {
        await StartFailure.StopAsync(app);
    }

    return exit;
}

await using (app)
{
    await app.WaitForShutdownAsync();
}

return 0;

/// <summary>
/// The answer of <c>/health</c>: the overall status and each check's (<c>civicrm</c>, <c>cms</c>), so that whoever reads it
/// sees which server is down. The checks' descriptions (addresses, server messages) stay in the log, not in this answer.
/// </summary>
internal static class HealthAnswer
{
    /// <summary>Writes <c>{"status":"Unhealthy","checks":{"civicrm":"Unhealthy","cms":"Healthy"}}</c>.</summary>
    public static async Task WriteAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json; charset=utf-8";
        await using var json = new Utf8JsonWriter(context.Response.Body);
        json.WriteStartObject();
        json.WriteString("status", report.Status.ToString());
        json.WriteStartObject("checks");
        foreach (var (name, entry) in report.Entries)
        {
            json.WriteString(name, entry.Status.ToString());
        }

        json.WriteEndObject();
        json.WriteEndObject();
        await json.FlushAsync(context.RequestAborted);
    }
}

/// <summary>Settings problems, printed as the console sample prints them.</summary>
internal static class Settings
{
    /// <summary>The settings problems inside a start-up failure (the host aggregates one validation failure per options type).</summary>
    public static List<string> Problems(Exception exception) => exception switch
    {
        OptionsValidationException validation => [.. validation.Failures],
        AggregateException aggregate => [.. aggregate.InnerExceptions.SelectMany(Problems).Distinct()],
        { InnerException: { } inner } => Problems(inner),
        _ => [],
    };

    /// <summary>Prints every problem with its full key, once, and returns exit code 3.</summary>
    public static int Fail(IHostEnvironment? environment, IReadOnlyList<string> problems)
    {
        var files = environment is null
            ? "The settings (appsettings.json"
            : $"The settings (appsettings.json and appsettings.{environment.EnvironmentName}.json in {environment.ContentRootPath}";
        Console.Error.WriteLine($"{files}, and CmsUser__ environment variables) {(problems.Count == 1 ? "have a problem" : $"have {problems.Count} problems")}:");
        foreach (var problem in problems)
        {
            Console.Error.WriteLine($"  - {problem}");
        }

        Console.Error.WriteLine("See docs/configuration.md, or remove the CmsUser:CiviCrm section to run the demo.");
        return StartFailure.SettingsExit;
    }
}

/// <summary>A start that failed: one message and its exit code, the exception only when asked for (<c>--verbose</c>).</summary>
internal static partial class StartFailure
{
    /// <summary>The argument that adds the exception and its stack trace to the message.</summary>
    public const string VerboseFlag = "--verbose";

    /// <summary>Settings that cannot work, as the console sample and the cmsuser tool.</summary>
    public const int SettingsExit = 3;

    /// <summary>Anything not foreseen below: a defect, as the cmsuser tool's 4.</summary>
    public const int DefectExit = 4;

    /// <summary>The address cannot be listened on: another process holds it, or this one may not.</summary>
    public const int AddressExit = 5;

    private static volatile bool _starting;

    /// <summary>Whether the host is starting, when the host's own record of a failed start is left out of the log.</summary>
    public static bool Starting
    {
        get => _starting;
        set => _starting = value;
    }

    /// <summary>
    /// Prints the message for <paramref name="exception"/> (and with <paramref name="verbose"/> the exception) and returns
    /// the exit code. <paramref name="urls"/> are the addresses the host was to listen on (<c>urls</c>, <c>ASPNETCORE_URLS</c>).
    /// </summary>
    public static int Report(Exception exception, IHostEnvironment? environment, string? urls, bool verbose)
    {
        int exit;
        if (Settings.Problems(exception) is { Count: > 0 } problems)
        {
            exit = Settings.Fail(environment, problems);
        }
        else
        {
            (var message, exit) = Describe(exception, Starting, urls);
            Console.Error.WriteLine(message);
        }

        if (verbose)
        {
            Console.Error.WriteLine(exception.ToString());
        }

        return exit;
    }

    /// <summary>
    /// Stops what did start before the failure (the scheduled run starts before the server listens), as a shutdown would:
    /// a run under way finishes its contacts in flight (within the host's shutdown timeout) instead of ending mid-contact.
    /// </summary>
    public static async Task StopAsync(WebApplication app)
    {
        try
        {
            if (Starting)
            {
                await app.StopAsync();
            }

            await app.DisposeAsync();
        }
        catch (Exception ex) when (ex is OperationCanceledException or AggregateException or ObjectDisposedException or InvalidOperationException)
        {
            // The start failed and its message is out; what else fails while stopping must not end in a crash instead.
        }
    }

    /// <summary>
    /// The one message and exit code of a failed start that is not a list of settings problems; <paramref name="listening"/>
    /// is whether it failed while the server started (binding its addresses, loading its certificate).
    /// </summary>
    public static (string Message, int Exit) Describe(Exception exception, bool listening, string? urls)
    {
        var chain = Chain(exception).ToList();
        // Kestrel names the address it could not bind in its own exception ("Failed to bind to address http://…: …").
        var where = chain.Select(e => BindMessage().Match(e.Message)).FirstOrDefault(m => m.Success)?.Groups[1].Value
            ?? (string.IsNullOrWhiteSpace(urls) ? "its address" : urls);
        var socket = chain.OfType<SocketException>().FirstOrDefault()?.SocketErrorCode
            ?? (chain.Any(e => e is AddressInUseException) ? SocketError.AddressAlreadyInUse : (SocketError?)null);
        switch (socket)
        {
            case SocketError.AddressAlreadyInUse:
                return ($"The web sample cannot listen on {where}: another process listens there. Stop it, or choose another address (ASPNETCORE_URLS or --urls).", AddressExit);
            case SocketError.AccessDenied:
                return ($"The web sample cannot listen on {where}: this user may not (ports below 1024 need privileges). Choose another address (ASPNETCORE_URLS or --urls).", AddressExit);
            case SocketError.AddressNotAvailable:
                return ($"The web sample cannot listen on {where}: no network interface of this machine has that address. Choose another (ASPNETCORE_URLS or --urls).", AddressExit);
        }

        if (listening && chain.FirstOrDefault(e => e is CryptographicException or FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException) is { } certificate)
        {
            // While the server starts, a file it cannot read or decode is its HTTPS certificate (or its key).
            return ($"The HTTPS certificate cannot be used: {Sentence(certificate.Message)} Check Kestrel:Certificates:Default (Path, Password, KeyPath).", SettingsExit);
        }

        if (listening && exception is InvalidOperationException { Message: var https } && https.Contains("HTTPS", StringComparison.Ordinal))
        {
            return ($"HTTPS cannot be set up: {Sentence(https)} Configure a certificate (Kestrel:Certificates:Default) or listen on http:// only.", SettingsExit);
        }

        if (listening && chain.FirstOrDefault(e => e is FormatException) is { } format)
        {
            return ($"The address to listen on cannot be read: {Sentence(format.Message)} Use e.g. http://127.0.0.1:5000 (ASPNETCORE_URLS or --urls).", SettingsExit);
        }

        if (chain.OfType<InvalidDataException>().FirstOrDefault() is { } file)
        {
            // "Failed to load configuration from file '…'.", and the JSON reader's line and position at the end of the chain.
            return ($"A settings file cannot be read: {Sentence(file.Message)} {Sentence(chain[^1] == file ? "" : chain[^1].Message)}".TrimEnd(), SettingsExit);
        }

        if (!listening && chain.OfType<DirectoryNotFoundException>().FirstOrDefault() is { } folder)
        {
            // Before the server starts, a missing folder is the content root (--contentRoot, ASPNETCORE_CONTENTROOT).
            return ($"A folder the web sample needs does not exist: {Sentence(folder.Message)} Check --contentRoot (or ASPNETCORE_CONTENTROOT): it is the folder with appsettings.json.", SettingsExit);
        }

        return ($"The web sample could not start ({exception.GetType().Name}): {Sentence(exception.Message)} This is a defect: run it again with {VerboseFlag} and report the output.", DefectExit);
    }

    [GeneratedRegex(@"^Failed to bind to address (\S+): ")]
    private static partial Regex BindMessage();

    private static IEnumerable<Exception> Chain(Exception exception)
    {
        for (Exception? e = exception; e is not null; e = e.InnerException)
        {
            yield return e;
            if (e is AggregateException aggregate)
            {
                foreach (var inner in aggregate.InnerExceptions.SelectMany(Chain))
                {
                    yield return inner;
                }

                yield break;
            }
        }
    }

    /// <summary>One line that ends as a sentence (Kestrel's HTTPS message spans three).</summary>
    private static string Sentence(string text) =>
        string.Join(' ', text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)) is var t && (t.Length == 0 || t.EndsWith('.') || t.EndsWith('!') || t.EndsWith('?')) ? t : t + ".";
}
