namespace Skvare.CmsUser.Shared;

/// <summary>Start-up checks of a configured base URL (shared source, compiled into each package).</summary>
internal static class HttpEndpointGuard
{
    /// <summary>
    /// Adds a failure message when a secret that travels in an HTTP header holds a character a header cannot carry
    /// (HttpClient sends only printable ASCII there and would fail every request with an exception naming no setting).
    /// The message names the setting, never the value. A missing value is left to the caller's own message.
    /// </summary>
    public static void ValidateHeaderSecret(string? value, string settingKey, ICollection<string> failures)
    {
        if (string.IsNullOrWhiteSpace(value) || IsHeaderText(value))
        {
            return;
        }

        failures.Add($"{settingKey} holds a character an HTTP header cannot carry (only printable ASCII can be sent; a pasted key may have picked up a typographic quote, a non-breaking space or a line break): copy it again from its source.");
    }

    /// <summary>Whether <paramref name="value"/> is printable ASCII only (space to tilde), as an HTTP header value must be.</summary>
    public static bool IsHeaderText(string value)
    {
        foreach (var c in value)
        {
            if (c is < ' ' or > '~')
            {
                return false;
            }
        }

        return true;
    }

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
            // "crm.example.org" or "localhost:8082" (which .NET reads as the scheme "localhost") miss only the scheme.
            var text = url.OriginalString.Trim();
            var hint = text.Contains("://", StringComparison.Ordinal) ? " Use http:// or https://." : $" Add the scheme, e.g. 'https://{text.TrimEnd('/')}/'.";
            failures.Add($"{settingKey} '{url}' must be an absolute http(s) URL.{hint}");
            return;
        }

        if (url.Scheme == Uri.UriSchemeHttp && !url.IsLoopback && !allowInsecureHttp)
        {
            failures.Add($"{settingKey} '{url}' uses plain http to a host that is not loopback; credentials would travel in clear text. Use https, or set Http:AllowInsecureHttp to true if you really mean it.");
        }
    }

    /// <summary>
    /// Adds a failure message for each transport setting the resilience pipeline would refuse at the first request:
    /// a missing section, values outside their documented ranges, and timeouts Polly does not accept.
    /// </summary>
    /// <param name="http">The bound settings.</param>
    /// <param name="settingKey">The section's key, e.g. <c>CmsUser:Drupal:Http</c>.</param>
    /// <param name="failures">Where messages go.</param>
    [System.Diagnostics.CodeAnalysis.DynamicDependency(System.Diagnostics.CodeAnalysis.DynamicallyAccessedMemberTypes.PublicProperties, typeof(HttpClientSettings))]
    [System.Diagnostics.CodeAnalysis.UnconditionalSuppressMessage("Trimming", "IL2026:RequiresUnreferencedCode",
        Justification = "Validates HttpClientSettings only; the DynamicDependency keeps its public properties and their [Range] attributes.")]
    public static void ValidateHttp(HttpClientSettings? http, string settingKey, ICollection<string> failures)
    {
        if (http is null)
        {
            failures.Add($"{settingKey} must not be null.");
            return;
        }

        var results = new List<System.ComponentModel.DataAnnotations.ValidationResult>();
        if (!System.ComponentModel.DataAnnotations.Validator.TryValidateObject(http, new System.ComponentModel.DataAnnotations.ValidationContext(http), results, validateAllProperties: true))
        {
            foreach (var result in results)
            {
                failures.Add($"{settingKey}: {result.ErrorMessage}");
            }
        }

        if (http.AttemptTimeout < TimeSpan.FromMilliseconds(10) || http.AttemptTimeout > TimeSpan.FromHours(1))
        {
            failures.Add($"{settingKey}:AttemptTimeout '{http.AttemptTimeout}' must be between 10 milliseconds and 1 hour.");
        }

        if (http.RetryBaseDelay < TimeSpan.Zero || http.RetryBaseDelay > TimeSpan.FromMinutes(10))
        {
            failures.Add($"{settingKey}:RetryBaseDelay '{http.RetryBaseDelay}' must be between 0 and 10 minutes.");
        }

        if (http.CircuitBreakerBreakDuration < TimeSpan.FromMilliseconds(500) || http.CircuitBreakerBreakDuration > TimeSpan.FromDays(1))
        {
            failures.Add($"{settingKey}:CircuitBreakerBreakDuration '{http.CircuitBreakerBreakDuration}' must be between 0.5 seconds and 1 day.");
        }

        // Longer than the connection's whole lifetime (5 minutes) would mean nothing; negative is the runtime's "never".
        if (http.PooledConnectionIdleTimeout < TimeSpan.Zero || http.PooledConnectionIdleTimeout > HttpClientRegistration.PooledConnectionLifetime)
        {
            failures.Add($"{settingKey}:PooledConnectionIdleTimeout '{http.PooledConnectionIdleTimeout}' must be between 0 and 5 minutes; keep it below the server's keep-alive timeout.");
        }
    }

    /// <summary>Returns the URL with a trailing slash so relative paths append instead of replacing the last segment.</summary>
    public static Uri WithTrailingSlash(Uri url) =>
        url.AbsoluteUri.EndsWith('/') ? url : new Uri(url.AbsoluteUri + "/");

    /// <summary>
    /// Whether a body starts as a JSON object, array, string or literal but is not well-formed JSON (its tail is missing or
    /// garbled); a well-formed document of the wrong shape or kind is not cut short.
    /// </summary>
    public static bool IsCutShortJson(string? body)
    {
        if (body?.Trim() is not { Length: > 0 } text || !(text[0] is '{' or '[' or '"' || IsLiteralStart(text)))
        {
            return false;
        }

        try
        {
            using var document = System.Text.Json.JsonDocument.Parse(text);
            return false;
        }
        catch (System.Text.Json.JsonException)
        {
            return true;
        }
    }

    /// <summary>Whether <paramref name="text"/> is the start of a JSON literal (<c>true</c> cut to <c>tr</c>, as Drupal 7 answers a reset).</summary>
    private static bool IsLiteralStart(string text) =>
        "true".StartsWith(text, StringComparison.Ordinal) || "false".StartsWith(text, StringComparison.Ordinal) || "null".StartsWith(text, StringComparison.Ordinal);

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
