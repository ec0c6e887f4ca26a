using System.Net.Http.Headers;

namespace Skvare.CmsUser.Shared;

/// <summary>What the site answered, read to the end (the response itself is already disposed).</summary>
internal sealed class HttpAnswer
{
    private readonly byte[]? _utf8;
    private string? _body;

    /// <summary>Creates the answer from its body as text.</summary>
    public HttpAnswer(int status, string? reasonPhrase, string? mediaType, string body, HttpResponseHeaders headers)
    {
        Status = status;
        ReasonPhrase = reasonPhrase;
        MediaType = mediaType;
        _body = body;
        Headers = headers;
    }

    /// <summary>
    /// Creates the answer from its body as bytes that are valid UTF-8 without a byte-order mark (what
    /// <see cref="HttpContent.ReadAsStringAsync()"/> would decode as UTF-8 as they are): <see cref="Body"/> is decoded only
    /// when it is read, and JSON is read from the bytes.
    /// </summary>
    public HttpAnswer(int status, string? reasonPhrase, string? mediaType, byte[] utf8Body, HttpResponseHeaders headers)
    {
        Status = status;
        ReasonPhrase = reasonPhrase;
        MediaType = mediaType;
        _utf8 = utf8Body;
        Headers = headers;
    }

    /// <summary>The HTTP status code.</summary>
    public int Status { get; }

    /// <summary>The status line's text (Drupal 7's Services puts its error message there).</summary>
    public string? ReasonPhrase { get; }

    /// <summary>The body's media type, when the site named one.</summary>
    public string? MediaType { get; }

    /// <summary>The body as text (may be empty, or an HTML page).</summary>
    // Two threads that decode it at once make equal strings: no lock.
    public string Body => _body ??= System.Text.Encoding.UTF8.GetString(_utf8!);

    /// <summary>
    /// The body as valid UTF-8 without a byte-order mark, when it came so (most answers); <see langword="null"/> when it is
    /// known only as text. A successful answer's JSON is read from these bytes: no text is made of it, nor UTF-8 again.
    /// </summary>
    public byte[]? Utf8Body => _utf8;

    /// <summary>The response headers (paging totals, <c>Retry-After</c>).</summary>
    public HttpResponseHeaders Headers { get; }

    /// <summary>Whether the status is 2xx.</summary>
    public bool IsSuccess => Status is >= 200 and < 300;
}
