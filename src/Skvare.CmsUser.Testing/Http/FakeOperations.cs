namespace Skvare.CmsUser.Testing.Http;

/// <summary>Helpers the fakes use to tell which <see cref="FakeCmsOperation"/> a request is.</summary>
internal static class FakeOperations
{
    /// <summary>The path's segments; the last one without a <c>.json</c> suffix (Drupal 7 Services).</summary>
    public static string[] Segments(string? path)
    {
        var parts = (path ?? "/").Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length > 0 && parts[^1].EndsWith(".json", StringComparison.Ordinal))
        {
            parts[^1] = parts[^1][..^5];
        }

        return parts;
    }

    /// <summary>Whether a JSON body carries the key <paramref name="key"/>.</summary>
    public static bool HasKey(string? body, string key) =>
        body is not null && body.Contains('"' + key + '"', StringComparison.Ordinal);
}
