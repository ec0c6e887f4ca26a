using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Skvare.CmsUser.Shared;

namespace Skvare.CmsUser.CiviCrm.Api;

/// <summary>
/// A client for CiviCRM API v4 over <c>civicrm/ajax/api4/{Entity}/{action}</c>: POST with the single
/// form field <c>params</c>, authx headers, no cookies. Thread-safe; methods are virtual for mocking.
/// Disposing it cancels the reads it started for all its callers (the identity and the site's time zone), so a
/// container that disposes it ends them before the HTTP pipelines they run on.
/// </summary>
public class CiviCrmApiClient : IDisposable, IChecksSecretsAtStart
{
    /// <inheritdoc />
    void IChecksSecretsAtStart.CheckSecrets() => _channel?.CheckSecrets();

    /// <summary>The name of the <see cref="HttpClient"/> this client uses (<c>IHttpClientFactory</c>).</summary>
    public const string HttpClientName = "Skvare.CmsUser.CiviCrm";

    private readonly CiviCrmOptions _options;
    private readonly ILogger _logger;
    private readonly HttpChannel _channel;
    private readonly CiviCrmAnswerClassifier _classifier = null!;

    // Never repeated from an answer into an exception or a log line.
    private readonly SecretRedactor _secrets;
    private Task<CiviCrmIdentity>? _identity;
    private Task<SiteTime>? _siteTime;

    // Cancelled on Dispose: the shared reads (identity, site time) belong to the client, not to the caller that started them.
    private readonly CancellationTokenSource _lifetime = new();
    private readonly CancellationToken _stopping;

    /// <summary>Creates the client.</summary>
    /// <param name="http">The HTTP client (from <c>IHttpClientFactory</c>, named <see cref="HttpClientName"/>).</param>
    /// <param name="options">The CiviCRM options.</param>
    /// <param name="logger">The logger.</param>
    public CiviCrmApiClient(HttpClient http, IOptions<CiviCrmOptions> options, ILogger<CiviCrmApiClient>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(http);
        _options = (options ?? throw new ArgumentNullException(nameof(options))).Value;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _secrets = new SecretRedactor([_options.ApiKey, _options.SiteKey]);
        _stopping = _lifetime.Token;
        _classifier = new CiviCrmAnswerClassifier(_secrets);
        _channel = new HttpChannel(() => http, url => new Uri(url, UriKind.Absolute), _classifier, new HttpChannelLog(_logger, "CiviCRM", answeredEventId: 2000, failedEventId: 2001, weakSecretsEventId: 2013))
        {
            // authx reads the key from X-Civi-Auth; X-Requested-With makes CiviCRM answer as an AJAX API call.
            Secrets = () => [_options.ApiKey, _options.SiteKey],
            Credentials = HeaderCredentials.Headers(
                new("X-Requested-With", "XMLHttpRequest"),
                new("X-Civi-Auth", "Bearer " + _options.ApiKey),
                new("X-Civi-Key", _options.SiteKey)),
        };
    }

    /// <summary>For mocking.</summary>
    protected CiviCrmApiClient()
    {
        _options = new CiviCrmOptions();
        _logger = NullLogger.Instance;
        _secrets = SecretRedactor.None;
        _stopping = _lifetime.Token;
        _channel = null!;
    }

    /// <summary>The statuses of the SDK's activity records on this site (read at set-up, checked on each write).</summary>
    internal Audit.ActivityStatusGuard ActivityStatuses { get; } = new();

    /// <summary>Cancelled when the client is disposed: for reads shared by many callers, which no one caller's token may end.</summary>
    internal CancellationToken Stopping => _stopping;

    /// <summary>Ends the client's shared background reads (cancelled, not awaited); calls made afterwards are not supported.</summary>
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Cancels the client's shared background reads.</summary>
    /// <param name="disposing"><see langword="true"/> from <see cref="Dispose()"/>.</param>
    protected virtual void Dispose(bool disposing)
    {
        if (disposing && !_stopping.IsCancellationRequested)
        {
            _lifetime.Cancel();
            _lifetime.Dispose();
        }
    }

    /// <summary>The endpoint URL of one call, per <see cref="CiviCrmOptions.UrlStyle"/>.</summary>
    /// <param name="entity">The entity.</param>
    /// <param name="action">The action.</param>
    public virtual Uri EndpointFor(string entity, string action) => PathUrl($"civicrm/ajax/api4/{entity}/{action}");

    /// <summary>The URL of a CiviCRM path (<c>civicrm/ajax/…</c>), per <see cref="CiviCrmOptions.UrlStyle"/>.</summary>
    private Uri PathUrl(string path)
    {
        var baseUrl = HttpEndpointGuard.WithTrailingSlash(_options.BaseUrl ?? throw new InvalidOperationException("CmsUser:CiviCrm:BaseUrl is not set."));
        return _options.UrlStyle switch
        {
            CiviCrmUrlStyle.WordPress => new Uri(baseUrl, (baseUrl.Query.Length > 0 ? baseUrl.Query + "&" : "?") + "civiwp=CiviCRM&q=" + Uri.EscapeDataString(path)),
            CiviCrmUrlStyle.Joomla => new Uri(baseUrl, "index.php?option=com_civicrm&task=" + Uri.EscapeDataString(path)),
            CiviCrmUrlStyle.Template => new Uri((_options.UrlTemplate ?? "{path}").Replace("{path}", path, StringComparison.Ordinal)),
            _ => new Uri(baseUrl, path),
        };
    }

    /// <summary>
    /// Calls <c>{entity}.{action}</c>. Reads (<c>get*</c>) and idempotent writes (<c>save</c> with
    /// <c>match</c>, <c>update</c>, <c>delete</c>) are retried on transient failures; <c>create</c> never is. A read (with
    /// nothing but reads chained onto it) is also retried when its answer ends early (the connection closed mid-body, its
    /// JSON cut off); a write's answer that ends early is not sent again.
    /// </summary>
    /// <param name="entity">The entity, e.g. <c>Contact</c>.</param>
    /// <param name="action">The action, e.g. <c>get</c>.</param>
    /// <param name="parameters">The parameters.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <exception cref="CiviCrmApiException">CiviCRM refused or failed the call.</exception>
    public virtual async Task<Api4Result> CallAsync(string entity, string action, Api4Params? parameters = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(entity);
        ArgumentException.ThrowIfNullOrEmpty(action);
        parameters ??= new Api4Params();
        var call = new Api4Call(entity, action, EndpointFor(entity, action).AbsoluteUri)
        {
            Body = HttpBody.Form([new("params", parameters.ToJson())]),
            RetrySafe = IsRetrySafe(action, parameters),
            IsRead = IsRead(action, parameters),
            FinalError = Api4ErrorMapper.IsFinalError,
            Secrets = Passwords(parameters),
        };
        var answer = (await _channel.SendAsync(call, cancellationToken).ConfigureAwait(false))!;
        var envelope = _channel.Read(call, answer, CiviCrmJsonContext.Default.Api4Envelope);
        _classifier.Answered();
        if (envelope.ErrorMessage.ValueKind != JsonValueKind.Undefined)
        {
            // CiviCRM never sends error_message in a success; when it is there the call failed, whatever its kind.
            throw Api4ErrorMapper.IsErrorText(envelope.ErrorMessage)
                ? _channel.Refuse(call, answer)
                : _channel.Fail(call, Api4ErrorMapper.OddErrorMessage(entity, action, answer.Status, envelope, _secrets));
        }

        var values = envelope.Values.ValueKind switch
        {
            JsonValueKind.Array => envelope.Values.EnumerateArray().Select(v => v.Clone()).ToArray(),
            JsonValueKind.Object => [envelope.Values.Clone()],
            _ => Array.Empty<JsonElement>(),
        };
        // A count that is not a whole number in range (a proxy's or plugin's rewrite) is not trusted: the rows are.
        var count = envelope.Count.ValueKind == JsonValueKind.Number && envelope.Count.TryGetInt32(out var c) ? c : values.Length;
        int? matched = envelope.CountMatched.ValueKind == JsonValueKind.Number && envelope.CountMatched.TryGetInt32(out var m) ? m : null;
        return new Api4Result(values, count, matched);
    }

    /// <summary>
    /// The passwords a call sends (a Standalone user's <c>password</c>, the acting user's <c>actorPassword</c>): secrets of
    /// their own, taken out of the answer before a failure quotes it.
    /// </summary>
    private static string?[] Passwords(Api4Params parameters) =>
        [.. parameters.Values.Concat(parameters.Extra)
            .Where(p => p.Key.Contains("password", StringComparison.OrdinalIgnoreCase) && p.Value is string)
            .Select(p => (string?)p.Value)];

    /// <summary>
    /// Streams every row matching <paramref name="parameters"/> page by page with keyset paging
    /// (<c>id &gt; last</c>, ordered by id), which stays correct while rows leave the set being read.
    /// </summary>
    /// <param name="entity">The entity.</param>
    /// <param name="parameters">Select, where and joins; <c>orderBy</c> and <c>limit</c> are set here. <c>id</c> is always selected.</param>
    /// <param name="pageSize">Rows per call.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    public virtual async IAsyncEnumerable<IReadOnlyList<JsonElement>> StreamPagesAsync(string entity, Api4Params parameters, int pageSize, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentOutOfRangeException.ThrowIfLessThan(pageSize, 1);
        await foreach (var rows in StreamPagesAfterAsync(entity, parameters, pageSize, 0, cancellationToken).ConfigureAwait(false))
        {
            yield return rows;
        }
    }

    /// <summary>
    /// The pages of <see cref="StreamPagesAsync"/> whose ids come after <paramref name="lastId"/> (0: from the start), for a
    /// read whose first page came another way (chained onto another call).
    /// </summary>
    internal async IAsyncEnumerable<IReadOnlyList<JsonElement>> StreamPagesAfterAsync(string entity, Api4Params parameters, int pageSize, long lastId, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        while (true)
        {
            var result = await CallAsync(entity, "get", PageParams(parameters, lastId, pageSize), cancellationToken).ConfigureAwait(false);
            if (result.Values.Count > 0)
            {
                lastId = LastId(entity, result.Values);
                yield return result.Values;
            }

            if (result.Values.Count < pageSize)
            {
                yield break;
            }
        }
    }

    /// <summary>One keyset page of <paramref name="parameters"/>: <c>id</c> selected, the ids after <paramref name="lastId"/>, by id, <paramref name="pageSize"/> rows.</summary>
    internal static Api4Params PageParams(Api4Params parameters, long lastId, int pageSize)
    {
        var page = parameters.Clone();
        if (page.Select.Count > 0 && !page.Select.Contains("id"))
        {
            page.Select.Insert(0, "id");
        }

        page.Where.Add(Api4Condition.Field("id", ">", lastId));
        page.OrderBy.Clear();
        page.OrderBy.Add(new("id", "ASC"));
        page.Limit = pageSize;
        return page;
    }

    /// <summary>The id of a page's last row, where the next page starts.</summary>
    internal static long LastId(string entity, IReadOnlyList<JsonElement> rows) =>
        rows[^1].GetInt64("id") ?? throw new CiviCrmApiException(FailureKind.Configuration, $"{entity}.get returned rows without an id; keyset paging needs it.", entity, "get");

    /// <summary>
    /// Who the client is: the API contact and the current domain. Confirms the key really
    /// authenticated (an unknown or missing credential runs as anonymous and silently reads nothing).
    /// Cached after the first success.
    /// </summary>
    /// <param name="cancellationToken">Cancels the lookup.</param>
    /// <exception cref="CiviCrmApiException">The call ran as anonymous, or a permission is missing.</exception>
    internal Task<CiviCrmIdentity> GetIdentityAsync(CancellationToken cancellationToken = default)
    {
        var current = Volatile.Read(ref _identity);
        if (current is null || current.IsFaulted || current.IsCanceled)
        {
            // One lookup shared by concurrent callers; a failed one is tried again next time.
            var fresh = LoadIdentityAsync();
            current = Interlocked.CompareExchange(ref _identity, fresh, current) == current ? fresh : Volatile.Read(ref _identity)!;
        }

        return current.WaitAsync(cancellationToken);
    }

    private async Task<CiviCrmIdentity> LoadIdentityAsync()
    {
        var identity = await CiviCrmIdentityLookup.LoadAsync(this, _stopping).ConfigureAwait(false);
        Log.Identity(_logger, identity.ContactId, identity.DisplayName, identity.DomainId);
        return identity;
    }

    /// <summary>
    /// The site's time zone: CiviCRM's API v4 reads and writes date-times as the site's wall-clock time in it, without an
    /// offset (<c>activity_date_time</c>; a MySQL <c>timestamp</c> such as Standalone's <c>User.when_created</c> is shown
    /// at the zone's offset of the moment of the request). <c>CmsUser:CiviCrm:TimeZone</c> when set, otherwise read from
    /// CiviCRM once per client (one request) and cached. <see langword="null"/> while it is not known (CiviCRM could not
    /// be asked; the next call asks again): a date read in a wrong zone would be hours off.
    /// </summary>
    /// <param name="cancellationToken">Cancels the wait (not the read, which other callers may share).</param>
    /// <returns>The zone, or <see langword="null"/>.</returns>
    public virtual async Task<TimeZoneInfo?> GetSiteTimeZoneAsync(CancellationToken cancellationToken = default)
    {
        var siteTime = await GetSiteTimeAsync(cancellationToken).ConfigureAwait(false);
        return siteTime.Provisional ? null : siteTime.Zone;
    }

    /// <summary>
    /// The site's time zone as CiviCRM writes date-times in it for this API user, read once per client (that is, per
    /// process and site) by <see cref="SiteTimeZoneReader"/> and shared by every caller. A read that failed transiently is
    /// not kept: a caller that finds it failed starts a new one, and a caller that was waiting on a read another caller
    /// started reads again once rather than fail with that read's error (its timeout ran from the other caller's start,
    /// its outage may be over). A read this caller started itself reports its own failure. A refusal (a wrong URL, URL
    /// style or key) is not a failure here: the reader answers UTC for it, kept (see <see cref="SiteTimeZoneReader"/>).
    /// </summary>
    internal async Task<SiteTime> GetSiteTimeAsync(CancellationToken cancellationToken)
    {
        var current = Volatile.Read(ref _siteTime);
        var own = false;
        if (current is null || current.IsFaulted || current.IsCanceled)
        {
            current = StartSiteTimeRead(current);
            own = true;
        }

        SiteTime read;
        try
        {
            read = await current.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception) when (!own && FailedTransiently(current) && !cancellationToken.IsCancellationRequested)
        {
            // Another caller's read failed under this one: read again, once. A read started since (by a caller that found
            // the same failure) is as fresh as one started here, so it is shared rather than doubled.
            current = StartSiteTimeRead(current);
            read = await current.WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        if (read.Provisional)
        {
            // A stand-in after a transient failure is used once; the next caller reads again.
            _ = Interlocked.CompareExchange(ref _siteTime, null, current);
        }

        return read;
    }

    // A new shared read in place of expected (a failed read, or none), or the one another caller put there first. The read
    // starts only once it is the shared one, so a caller that loses the race sends no request of its own.
    private Task<SiteTime> StartSiteTimeRead(Task<SiteTime>? expected)
    {
        var start = new Task<Task<SiteTime>>(() => new SiteTimeZoneReader(this, _options, _logger, TimeProvider.System).ReadAsync(_stopping));
        var fresh = start.Unwrap();
        while (true)
        {
            var seen = Interlocked.CompareExchange(ref _siteTime, fresh, expected);
            if (seen == expected)
            {
                start.RunSynchronously(TaskScheduler.Default);
                return fresh;
            }

            if (seen is { IsFaulted: false, IsCanceled: false })
            {
                return seen;
            }

            expected = seen;
        }
    }

    // Whether the shared read ended in a failure worth reading again for: not the client's disposal, not a defect.
    private bool FailedTransiently(Task<SiteTime> read) =>
        !_stopping.IsCancellationRequested
        && (read.IsCanceled
            || read.Exception?.InnerException is CmsUserException { Kind: FailureKind.Transient } or HttpRequestException or Polly.Timeout.TimeoutRejectedException or TimeoutException or OperationCanceledException);

    /// <summary>
    /// Calls API v3 over <c>civicrm/ajax/rest</c> (form fields <c>entity</c>, <c>action</c>, <c>json</c>; authx as for
    /// API v4) and returns the first of its <c>values</c>, or <see langword="null"/> when CiviCRM answered <c>is_error</c>
    /// (a missing permission, an unknown action) or this client has no HTTP channel (a test double).
    /// </summary>
    internal async Task<JsonElement?> CallApi3Async(string entity, string action, CancellationToken cancellationToken)
    {
        if (_channel is null)
        {
            return null;
        }

        var call = new Api4Call(entity, action, PathUrl("civicrm/ajax/rest").AbsoluteUri)
        {
            Body = HttpBody.Form([new("entity", entity), new("action", action), new("json", "{\"sequential\":1}")]),
            RetrySafe = action.StartsWith("get", StringComparison.OrdinalIgnoreCase),
            IsRead = action.StartsWith("get", StringComparison.OrdinalIgnoreCase),
        };
        var answer = (await _channel.SendAsync(call, cancellationToken).ConfigureAwait(false))!;
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(answer.Body);
        }
        catch (JsonException)
        {
            Log.Api3Refused(_logger, entity, action, "an answer that is not JSON");
            return null;
        }

        using var owned = document;
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object
            || (root.TryGetProperty("is_error", out var isError) && (isError.ValueKind != JsonValueKind.Number || !isError.TryGetDouble(out var flag) || flag != 0))
            || !root.TryGetProperty("values", out var values) || values.ValueKind != JsonValueKind.Array || values.GetArrayLength() == 0)
        {
            Log.Api3Refused(_logger, entity, action, root.ValueKind == JsonValueKind.Object && root.TryGetProperty("error_message", out var m) ? HttpEndpointGuard.Excerpt(Api4ErrorMapper.Redact(m.AsText() ?? m.GetRawText(), _secrets), 300) : "no values");
            return null;
        }

        return values[0].Clone();
    }

    // Reads only (get, getFields, Setting.get, checkAccess, …), and none with a write chained onto it (the carrier of a
    // write-back): an answer cut short is asked again. A write whose answer was cut is read back by its caller instead.
    private static bool IsRead(string action, Api4Params parameters) =>
        IsReadAction(action) && parameters.Chain.Values.All(c => IsRead(c.Action, c.Params));

    // checkAccess only asks whether the API user may do an action (Standalone's connectivity check asks it of User.create).
    private static bool IsReadAction(string action) =>
        action.StartsWith("get", StringComparison.OrdinalIgnoreCase) || action.Equals("checkAccess", StringComparison.OrdinalIgnoreCase);

    // A chained call runs with the request: a read that carries a write that is not idempotent (a new activity) is not
    // sent twice.
    private static bool IsRetrySafe(string action, Api4Params parameters) =>
        (IsReadAction(action)
            || action is "update" or "delete"
            || (action == "save" && parameters.Match.Count > 0))
        && parameters.Chain.Values.All(c => IsRetrySafe(c.Action, c.Params));
}
