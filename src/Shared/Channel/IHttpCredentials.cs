using System.Net.Http.Headers;
using System.Text;

namespace Skvare.CmsUser.Shared;

/// <summary>How a package authenticates its calls: static headers, a cached token or a session that can be renewed.</summary>
internal interface IHttpCredentials
{
    /// <summary>Puts the credentials on <paramref name="request"/>; may obtain them first through <paramref name="channel"/> (anonymously).</summary>
    /// <returns>What was used, so that a refusal renews exactly that; <see langword="null"/> when nothing can be renewed.</returns>
    ValueTask<object?> ApplyAsync(HttpRequestMessage request, HttpChannel channel, CancellationToken cancellationToken);

    /// <summary>
    /// Whether <paramref name="answer"/> refused the credentials <paramref name="used"/> in a way fresh ones may fix
    /// (an expired token or session). When it returns <see langword="true"/> it has forgotten them, and the channel
    /// sends the call once more.
    /// </summary>
    bool Renew(HttpCall call, HttpAnswer answer, object used);
}

/// <summary>Credentials that are fixed headers (an application password, an API token, an API key). Never printed.</summary>
internal sealed class HeaderCredentials : IHttpCredentials
{
    private readonly KeyValuePair<string, string>[] _headers;
    private readonly AuthenticationHeaderValue? _authorization;

    private HeaderCredentials(AuthenticationHeaderValue? authorization, KeyValuePair<string, string>[] headers)
    {
        _authorization = authorization;
        _headers = headers;
    }

    /// <summary>HTTP Basic with <paramref name="username"/> and <paramref name="password"/>.</summary>
    public static HeaderCredentials Basic(string? username, string? password) =>
        new(new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{username}:{password}"))), []);

    /// <summary>Headers sent as they are (empty values are left out).</summary>
    public static HeaderCredentials Headers(params KeyValuePair<string, string?>[] headers) =>
        new(null, [.. headers.Where(h => !string.IsNullOrEmpty(h.Value)).Select(h => new KeyValuePair<string, string>(h.Key, h.Value!))]);

    /// <inheritdoc />
    public ValueTask<object?> ApplyAsync(HttpRequestMessage request, HttpChannel channel, CancellationToken cancellationToken)
    {
        request.Headers.Authorization = _authorization;
        foreach (var (name, value) in _headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        return ValueTask.FromResult<object?>(null);
    }

    /// <inheritdoc />
    public bool Renew(HttpCall call, HttpAnswer answer, object used) => false;

    /// <inheritdoc />
    public override string ToString() => "HeaderCredentials(***)";
}
