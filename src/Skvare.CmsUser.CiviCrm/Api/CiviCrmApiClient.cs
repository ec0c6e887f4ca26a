using System.Diagnostics;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Polly.CircuitBreaker;
using Polly.Timeout;
using Skvare.CmsUser.Shared;

namespace Skvare.CmsUser.CiviCrm.Api;

/// <summary>
/// A client for CiviCRM API v4 over <c>civicrm/ajax/api4/{Entity}/{action}</c>: POST with the single
/// form field <c>params</c>, authx headers, no cookies. Thread-safe; methods are virtual for mocking.
/// </summary>
public class CiviCrmApiClient
{
    /// <summary>The name of the <see cref="HttpClient"/> this client uses (<c>IHttpClientFactory</c>).</summary>
    public const string HttpClientName = "Skvare.CmsUser.CiviCrm";

    private readonly HttpClient _http;
    private readonly CiviCrmOptions _options;
    private readonly ILogger _logger;
    private Task<CiviCrmIdentity>? _identity;

    /// <summary>Creates the client.</summary>
    /// <param name="http">The HTTP client (from <c>IHttpClientFactory</c>, named <see cref="HttpClientName"/>).</param>
    /// <param name="options">The CiviCRM options.</param>
    /// <param name="logger">The logger.</param>
    public CiviCrmApiClient(HttpClient http, IOptions<CiviCrmOptions> options, ILogger<CiviCrmApiClient>? logger = null)
    {
        _http = http ?? throw new ArgumentNullException(nameof(http));
        _options = (options ?? throw new ArgumentNullException(nameof(options))).Value;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <summary>For mocking.</summary>
    protected CiviCrmApiClient()
    {
        _http = null!;
        _options = new CiviCrmOptions();
        _logger = NullLogger.Instance;
    }

    /// <summary>The endpoint URL of one call, per <see cref="CiviCrmOptions.UrlStyle"/>.</summary>
    /// <param name="entity">The entity.</param>
    /// <param name="action">The action.</param>
    public virtual Uri EndpointFor(string entity, string action)
    {
        var path = $"civicrm/ajax/api4/{entity}/{action}";
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
    /// <c>match</c>, <c>update</c>, <c>delete</c>) are retried on transient failures; <c>create</c> never is.
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
        using var request = new HttpRequestMessage(HttpMethod.Post, EndpointFor(entity, action))
        {
            Content = new FormUrlEncodedContent([new KeyValuePair<string, string>("params", parameters.ToJson())]),
        };
        request.Headers.Add("X-Requested-With", "XMLHttpRequest");
        request.Headers.TryAddWithoutValidation("X-Civi-Auth", "Bearer " + _options.ApiKey);
        if (!string.IsNullOrEmpty(_options.SiteKey))
        {
            request.Headers.TryAddWithoutValidation("X-Civi-Key", _options.SiteKey);
        }

        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        request.Options.Set(HttpResilienceSetup.RetrySafe, IsRetrySafe(action, parameters));

        var started = Stopwatch.GetTimestamp();
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsTransport(ex, cancellationToken))
        {
            var failure = new CiviCrmApiException(FailureKind.Transient, $"CiviCRM could not be reached for {entity}.{action}: {ex.Message}", ex) { Entity = entity, Action = action };
            Log.CallFailed(_logger, entity, action, failure.Kind, null, failure.Message);
            throw failure;
        }

        using (response)
        {
            var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            var mediaType = response.Content.Headers.ContentType?.MediaType;
            var envelope = TryParse(body);
            if (!response.IsSuccessStatusCode || envelope is null || envelope.ErrorMessage is not null)
            {
                var failure = envelope is null && response.IsSuccessStatusCode
                    ? new CiviCrmApiException(FailureKind.Configuration, $"{entity}.{action} did not return an API v4 answer (HTTP {(int)response.StatusCode} {mediaType}: {HttpEndpointGuard.Excerpt(body, 120)}). The URL does not reach CiviCRM's API: check CmsUser:CiviCrm:BaseUrl and UrlStyle.") { StatusCode = (int)response.StatusCode, Entity = entity, Action = action }
                    : Api4ErrorMapper.FromResponse(entity, action, response.StatusCode, mediaType, body, envelope);
                Log.CallFailed(_logger, entity, action, failure.Kind, failure.StatusCode, failure.Message);
                throw failure;
            }

            var values = envelope.Values.ValueKind switch
            {
                JsonValueKind.Array => envelope.Values.EnumerateArray().Select(v => v.Clone()).ToArray(),
                JsonValueKind.Object => [envelope.Values.Clone()],
                _ => Array.Empty<JsonElement>(),
            };
            var count = envelope.Count.ValueKind == JsonValueKind.Number ? envelope.Count.GetInt32() : values.Length;
            int? matched = envelope.CountMatched.ValueKind == JsonValueKind.Number ? envelope.CountMatched.GetInt32() : null;
            Log.Call(_logger, entity, action, (int)response.StatusCode, Stopwatch.GetElapsedTime(started), values.Length);
            return new Api4Result(values, count, matched);
        }
    }

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
        var lastId = 0L;
        while (true)
        {
            var page = Clone(parameters);
            if (page.Select.Count > 0 && !page.Select.Contains("id"))
            {
                page.Select.Insert(0, "id");
            }

            page.Where.Add(Api4Condition.Field("id", ">", lastId));
            page.OrderBy.Clear();
            page.OrderBy.Add(new("id", "ASC"));
            page.Limit = pageSize;
            var result = await CallAsync(entity, "get", page, cancellationToken).ConfigureAwait(false);
            if (result.Values.Count > 0)
            {
                lastId = result.Values[^1].GetInt64("id") ?? throw new CiviCrmApiException(FailureKind.Configuration, $"{entity}.get returned rows without an id; keyset paging needs it.");
                yield return result.Values;
            }

            if (result.Values.Count < pageSize)
            {
                yield break;
            }
        }
    }

    /// <summary>
    /// Who the client is: the API contact and the current domain. Confirms the key really
    /// authenticated (an unknown or missing credential runs as anonymous and silently reads nothing).
    /// Cached after the first success.
    /// </summary>
    /// <param name="cancellationToken">Cancels the lookup.</param>
    /// <exception cref="CiviCrmApiException">The call ran as anonymous, or a permission is missing.</exception>
    public virtual Task<CiviCrmIdentity> GetIdentityAsync(CancellationToken cancellationToken = default)
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
        var none = CancellationToken.None;
        var me = await CallAsync("Contact", "get", new Api4Params { Limit = 1 }.WithSelect("id", "display_name").WithWhere(Api4Condition.Eq("id", "user_contact_id")), none).ConfigureAwait(false);
        if (me.Values.Count == 0 || me.Values[0].GetInt64("id") is not long contactId)
        {
            throw new CiviCrmApiException(FailureKind.Configuration, "CiviCRM answered as an anonymous user: the API key did not authenticate (no X-Civi-Auth reached CiviCRM, or authx ignored it). Without this check every trigger would look empty. Check CmsUser:CiviCrm:ApiKey, that the authx extension is enabled, and that no proxy strips the X-Civi-Auth header.") { Entity = "Contact", Action = "get" };
        }

        var domain = await CallAsync("Domain", "get", new Api4Params { Limit = 1, Extra = { ["currentDomain"] = true } }.WithSelect("id", "name"), none).ConfigureAwait(false);
        var domainId = domain.Values.Count > 0 ? domain.Values[0].GetInt64("id") ?? 1 : 1;
        var identity = new CiviCrmIdentity(contactId, me.Values[0].GetString("display_name"), domainId);
        Log.Identity(_logger, identity.ContactId, identity.DisplayName, identity.DomainId);
        return identity;
    }

    private static bool IsRetrySafe(string action, Api4Params parameters) =>
        action.StartsWith("get", StringComparison.OrdinalIgnoreCase)
        || action is "update" or "delete"
        || (action == "save" && parameters.Match.Count > 0);

    private static bool IsTransport(Exception ex, CancellationToken cancellationToken) => ex switch
    {
        HttpRequestException => true,
        TimeoutRejectedException => true,
        BrokenCircuitException => true,
        TaskCanceledException when !cancellationToken.IsCancellationRequested => true,
        _ => false,
    };

    private static Api4Envelope? TryParse(string body)
    {
        if (string.IsNullOrWhiteSpace(body) || body.TrimStart()[0] != '{')
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize(body, CiviCrmJsonContext.Default.Api4Envelope);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static Api4Params Clone(Api4Params source)
    {
        var copy = new Api4Params { Limit = source.Limit, Offset = source.Offset };
        foreach (var s in source.Select)
        {
            copy.Select.Add(s);
        }

        foreach (var w in source.Where)
        {
            copy.Where.Add(w);
        }

        foreach (var j in source.Join)
        {
            copy.Join.Add(j);
        }

        foreach (var j in source.RawJoins)
        {
            copy.RawJoins.Add(j);
        }

        foreach (var g in source.GroupBy)
        {
            copy.GroupBy.Add(g);
        }

        foreach (var (k, v) in source.Extra)
        {
            copy.Extra[k] = v;
        }

        return copy;
    }
}

/// <summary>Who the CiviCRM client is.</summary>
/// <param name="ContactId">The API contact.</param>
/// <param name="DisplayName">Its display name.</param>
/// <param name="DomainId">The current CiviCRM domain.</param>
public sealed record CiviCrmIdentity(long ContactId, string? DisplayName, long DomainId);
