using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Skvare.CmsUser.Testing.Tests.Conformance;

/// <summary>
/// Puts fakes in the state a recording started from and turns each recorded request into a request to the right
/// fake. One subclass per kind of recording folder (see <see cref="RecordingAdapters"/>); the replay, the comparison
/// and the report are generic.
/// </summary>
public abstract class RecordingAdapter : IDisposable
{
    /// <summary>Seeds the fakes for this recording (called once, before the first exchange).</summary>
    /// <param name="recording">The recording (its responses may be read to learn the starting data).</param>
    public abstract void Seed(Recording recording);

    /// <summary>Applies what changed on the real site between two steps outside the SDK's traffic (from the README).</summary>
    /// <param name="exchange">The exchange about to be replayed.</param>
    public virtual void BeforeExchange(RecordedExchange exchange)
    {
    }

    /// <summary>
    /// What the fake must answer: the recorded answer, unless the adapter documents that the fake follows a later,
    /// fixed version of the server for this exchange (then the fixed answer, with the reason in the adapter).
    /// </summary>
    /// <param name="exchange">The recorded exchange.</param>
    public virtual RecordedExchange Expected(RecordedExchange exchange) => exchange;

    /// <summary>
    /// Checks beyond the generic comparison (<see cref="ExchangeComparer"/>) that hold for this kind of server, e.g.
    /// every value of a small JSON answer with ids mapped. Empty by default.
    /// </summary>
    /// <param name="expected">What the fake must answer (<see cref="Expected"/>).</param>
    /// <param name="status">The fake's status.</param>
    /// <param name="contentType">The fake's content type.</param>
    /// <param name="body">The fake's body.</param>
    public virtual IEnumerable<string> ExtraDifferences(RecordedExchange expected, int status, string? contentType, string body) => [];

    /// <summary>The fake's base URL that serves this exchange (ends with <c>/</c>).</summary>
    /// <param name="exchange">The exchange.</param>
    protected abstract Uri BaseUrlFor(RecordedExchange exchange);

    /// <summary>The value to send for a redacted credential header, or <see langword="null"/> to drop it.</summary>
    /// <param name="exchange">The exchange.</param>
    /// <param name="header">The header name (e.g. <c>Authorization</c>).</param>
    protected abstract string? Credential(RecordedExchange exchange, string header);

    /// <summary>Builds the request to the fake: same method, path, query, headers and body; credentials substituted.</summary>
    /// <param name="exchange">The exchange.</param>
    public virtual HttpRequestMessage BuildRequest(RecordedExchange exchange)
    {
        var query = string.Join('&', exchange.Query.Select(p => Uri.EscapeDataString(p.Key) + "=" + Uri.EscapeDataString(p.Value)));
        var uri = new Uri(BaseUrlFor(exchange), exchange.Path.TrimStart('/') + (query.Length > 0 ? "?" + query : string.Empty));
        var request = new HttpRequestMessage(new HttpMethod(exchange.Method), uri);
        if (exchange.Form is { } form)
        {
            request.Content = new FormUrlEncodedContent(form);
        }
        else if (exchange.JsonBody is { } json)
        {
            request.Content = new StringContent(json.GetRawText(), Encoding.UTF8, "application/json");
        }

        foreach (var (name, value) in exchange.Headers)
        {
            if (name.Equals("Host", StringComparison.OrdinalIgnoreCase) || name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            if (name.Equals("Content-Type", StringComparison.OrdinalIgnoreCase))
            {
                if (request.Content is not null)
                {
                    request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(value);
                }

                continue;
            }

            var sent = value.Contains("<redacted>", StringComparison.Ordinal) ? Credential(exchange, name) : value;
            if (sent is not null)
            {
                request.Headers.TryAddWithoutValidation(name, sent);
            }
        }

        return request;
    }

    /// <summary>Stops the fakes.</summary>
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Stops the fakes.</summary>
    /// <param name="disposing">Whether called from <see cref="Dispose()"/>.</param>
    protected abstract void Dispose(bool disposing);

    /// <summary>Reads <c>values</c> of a recorded API v4 answer.</summary>
    /// <param name="exchange">The exchange.</param>
    protected static IEnumerable<JsonElement> Rows(RecordedExchange exchange) =>
        exchange.ResponseJson is { ValueKind: JsonValueKind.Object } j && j.TryGetProperty("values", out var v) && v.ValueKind == JsonValueKind.Array ? v.EnumerateArray() : [];
}

/// <summary>
/// Which adapter serves which recording folder. A folder is matched by its name prefix (the server kind); a folder
/// with no adapter fails the suite with a clear message, except the ones listed in <see cref="Pending"/>, which are
/// skipped with their reason shown in the test report.
/// </summary>
public static class RecordingAdapters
{
    private static readonly (string Prefix, Func<RecordingAdapter> Create)[] Known =
    [
        ("civicrm-6.17.2-wordpress-", () => new CiviCrmWordPressAdapter()),
        ("civicrm-6.17.2-timezone-", () => new CiviCrmTimeZoneAdapter()),
        ("civicrm-6.17.2-ondemand-", () => new CiviCrmOnDemandAdapter()),
        ("civicrm-6.17.2-latest-", () => new CiviCrmLatestRecordAdapter()),
        ("civicrm-6.17.2-writeback-", () => new CiviCrmWriteBackAdapter()),
        ("civicrm-6.17.2-prepare-", () => new CiviCrmPrepareAdapter()),
        ("civicrm-6.17.2-firstread-", () => new CiviCrmFirstReadAdapter()),
        ("civicrm-6.17.2-coldpass-", () => new CiviCrmColdPassAdapter()),
        ("civicrm-6.17.2-import-", () => new CiviCrmImportAdapter()),
        ("civicrm-6.17.2-tokens-", () => new CiviCrmTokensAdapter()),
        ("civicrm-6.17.2-websites-", () => new CiviCrmWebsitesAdapter()),
        ("civicrm-6.17.2-dates-", () => new CiviCrmDatesAdapter()),
        ("civicrm-6.17.2-customdates-", () => new CiviCrmCustomDatesAdapter()),
        ("backdrop-", () => new BackdropAdapter()),
        ("civicrm-standalone-", () => new StandaloneAdapter()),
    ];

    /// <summary>Folders whose adapter is not written yet, with the reason (shown as the skip reason).</summary>
    public static IReadOnlyDictionary<string, string> Pending { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["civicrm-webhook"] = "The SDK's traffic while the web sample handled the CiviCRM extension's webhook calls (real CiviCRM 6.17.2 and WordPress 6.1.9): WebhookTrafficConformanceTests replays its CiviCRM requests from the first step on against the CiviCRM fake; the WordPress side and the host's start-up are not replayed.",
    };

    /// <summary>The adapter for a folder, or <see langword="null"/>.</summary>
    public static RecordingAdapter? For(string folder) =>
        Known.FirstOrDefault(k => folder.StartsWith(k.Prefix, StringComparison.Ordinal)).Create?.Invoke();

    /// <summary>Why a folder is skipped, or <see langword="null"/> when it is replayed (or fails for lack of an adapter).</summary>
    public static string? SkipReason(string folder) =>
        Known.Any(k => folder.StartsWith(k.Prefix, StringComparison.Ordinal)) ? null
        : Pending.FirstOrDefault(p => folder.StartsWith(p.Key, StringComparison.Ordinal)).Value;
}
