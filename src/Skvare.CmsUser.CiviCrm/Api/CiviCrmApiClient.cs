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
/// </summary>
public class CiviCrmApiClient
{
    /// <summary>The name of the <see cref="HttpClient"/> this client uses (<c>IHttpClientFactory</c>).</summary>
    public const string HttpClientName = "Skvare.CmsUser.CiviCrm";

    private readonly CiviCrmOptions _options;
    private readonly ILogger _logger;
    private readonly HttpChannel _channel;
    private Task<CiviCrmIdentity>? _identity;

    /// <summary>Creates the client.</summary>
    /// <param name="http">The HTTP client (from <c>IHttpClientFactory</c>, named <see cref="HttpClientName"/>).</param>
    /// <param name="options">The CiviCRM options.</param>
    /// <param name="logger">The logger.</param>
    public CiviCrmApiClient(HttpClient http, IOptions<CiviCrmOptions> options, ILogger<CiviCrmApiClient>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(http);
        _options = (options ?? throw new ArgumentNullException(nameof(options))).Value;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _channel = new HttpChannel(() => http, url => new Uri(url, UriKind.Absolute), new CiviCrmAnswerClassifier(), new HttpChannelLog(_logger, "CiviCRM", answeredEventId: 2000, failedEventId: 2001))
        {
            // authx reads the key from X-Civi-Auth; X-Requested-With makes CiviCRM answer as an AJAX API call.
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
        _channel = null!;
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
        var call = new Api4Call(entity, action, EndpointFor(entity, action).AbsoluteUri)
        {
            Body = HttpBody.Form([new("params", parameters.ToJson())]),
            RetrySafe = IsRetrySafe(action, parameters),
        };
        var answer = (await _channel.SendAsync(call, cancellationToken).ConfigureAwait(false))!;
        var envelope = _channel.Read(call, answer, CiviCrmJsonContext.Default.Api4Envelope);
        if (envelope.ErrorMessage is not null)
        {
            throw _channel.Refuse(call, answer);
        }

        var values = envelope.Values.ValueKind switch
        {
            JsonValueKind.Array => envelope.Values.EnumerateArray().Select(v => v.Clone()).ToArray(),
            JsonValueKind.Object => [envelope.Values.Clone()],
            _ => Array.Empty<JsonElement>(),
        };
        var count = envelope.Count.ValueKind == JsonValueKind.Number ? envelope.Count.GetInt32() : values.Length;
        int? matched = envelope.CountMatched.ValueKind == JsonValueKind.Number ? envelope.CountMatched.GetInt32() : null;
        return new Api4Result(values, count, matched);
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
            var page = parameters.Clone();
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

        // One request: the API contact, with the current domain chained onto its row.
        var query = new Api4Params { Limit = 1 }.WithSelect("id", "display_name").WithWhere(Api4Condition.Eq("id", "user_contact_id"));
        query.Chain["domain"] = new Api4Chain("Domain", "get", new Api4Params { Limit = 1, Extra = { ["currentDomain"] = true } }.WithSelect("id", "name"));
        var me = await CallAsync("Contact", "get", query, none).ConfigureAwait(false);
        if (me.Values.Count == 0 || me.Values[0].GetInt64("id") is not long contactId)
        {
            throw new CiviCrmApiException(FailureKind.Configuration, "CiviCRM answered as an anonymous user: the API key did not authenticate (no X-Civi-Auth reached CiviCRM, or authx ignored it). Without this check every trigger would look empty. Check CmsUser:CiviCrm:ApiKey, that the authx extension is enabled, and that no proxy strips the X-Civi-Auth header.") { Entity = "Contact", Action = "get" };
        }

        var domainId = me.Values[0].TryGetProperty("domain", out var domains) && domains.ValueKind == JsonValueKind.Array && domains.GetArrayLength() > 0
            ? domains[0].GetInt64("id") ?? 1
            : 1;
        var identity = new CiviCrmIdentity(contactId, me.Values[0].GetString("display_name"), domainId);
        Log.Identity(_logger, identity.ContactId, identity.DisplayName, identity.DomainId);
        return identity;
    }

    private static bool IsRetrySafe(string action, Api4Params parameters) =>
        action.StartsWith("get", StringComparison.OrdinalIgnoreCase)
        || action is "update" or "delete"
        || (action == "save" && parameters.Match.Count > 0);
}

/// <summary>Who the CiviCRM client is.</summary>
/// <param name="ContactId">The API contact.</param>
/// <param name="DisplayName">Its display name.</param>
/// <param name="DomainId">The current CiviCRM domain.</param>
public sealed record CiviCrmIdentity(long ContactId, string? DisplayName, long DomainId);
