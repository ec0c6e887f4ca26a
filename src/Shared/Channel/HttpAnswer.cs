using System.Net.Http.Headers;

namespace Skvare.CmsUser.Shared;

/// <summary>What the site answered, read to the end (the response itself is already disposed).</summary>
internal sealed class HttpAnswer
{
    /// <summary>Creates the answer.</summary>
    public HttpAnswer(int status, string? reasonPhrase, string? mediaType, string body, HttpResponseHeaders headers)
    {
        Status = status;
        ReasonPhrase = reasonPhrase;
        MediaType = mediaType;
        Body = body;
        Headers = headers;
    }

    /// <summary>The HTTP status code.</summary>
    public int Status { get; }

    /// <summary>The status line's text (Drupal 7's Services puts its error message there).</summary>
    public string? ReasonPhrase { get; }

    /// <summary>The body's media type, when the site named one.</summary>
    public string? MediaType { get; }

    /// <summary>The body as text (may be empty, or an HTML page).</summary>
    public string Body { get; }

    /// <summary>The response headers (paging totals, <c>Retry-After</c>).</summary>
    public HttpResponseHeaders Headers { get; }

    /// <summary>Whether the status is 2xx.</summary>
    public bool IsSuccess => Status is >= 200 and < 300;
}
