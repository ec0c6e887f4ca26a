namespace Skvare.CmsUser.Shared;

/// <summary>Start-up checks of a configured base URL (shared source, compiled into each package).</summary>
internal static class HttpEndpointGuard
{
    /// <summary>Adds a failure message when the URL is missing, relative, not http(s), or plain http to a non-loopback host.</summary>
    public static void Validate(Uri? url, bool allowInsecureHttp, string settingKey, ICollection<string> failures)
    {
        if (url is null)
        {
            failures.Add($"{settingKey} is missing: set the site's base URL, e.g. https://www.example.org/.");
            return;
        }

        if (!url.IsAbsoluteUri || (url.Scheme != Uri.UriSchemeHttps && url.Scheme != Uri.UriSchemeHttp))
        {
            failures.Add($"{settingKey} '{url}' must be an absolute http(s) URL.");
            return;
        }

        if (url.Scheme == Uri.UriSchemeHttp && !url.IsLoopback && !allowInsecureHttp)
        {
            failures.Add($"{settingKey} '{url}' uses plain http to a host that is not loopback; credentials would travel in clear text. Use https, or set Http:AllowInsecureHttp to true if you really mean it.");
        }
    }

    /// <summary>Returns the URL with a trailing slash so relative paths append instead of replacing the last segment.</summary>
    public static Uri WithTrailingSlash(Uri url) =>
        url.AbsoluteUri.EndsWith('/') ? url : new Uri(url.AbsoluteUri + "/");

    /// <summary>A short, single-line excerpt of a response body for error messages.</summary>
    public static string Excerpt(string? body, int max = 300)
    {
        if (string.IsNullOrWhiteSpace(body))
        {
            return "(empty body)";
        }

        var oneLine = string.Join(' ', body.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        return oneLine.Length <= max ? oneLine : oneLine[..max] + "…";
    }
}
