namespace Skvare.CmsUser.Testing.Drupal7;

/// <summary>A request <see cref="FakeDrupal7Server"/> received.</summary>
/// <param name="Method">The HTTP method.</param>
/// <param name="Path">The path, e.g. <c>/api/user.json</c>.</param>
/// <param name="Query">The query string without <c>?</c> (URL-decoded), or <see langword="null"/>.</param>
/// <param name="Body">The body, or <see langword="null"/>.</param>
/// <param name="Cookie">The <c>Cookie</c> header, or <see langword="null"/>.</param>
/// <param name="CsrfToken">The <c>X-CSRF-Token</c> header, or <see langword="null"/>.</param>
/// <param name="ContentType">The <c>Content-Type</c> header, or <see langword="null"/>.</param>
/// <param name="StatusCode">The status the fake answered with; 0 while the answer is still pending.</param>
public sealed record FakeDrupal7Request(string Method, string Path, string? Query, string? Body, string? Cookie, string? CsrfToken, string? ContentType, int StatusCode)
{
    /// <summary>Prints the request without the cookie, token or body (they carry the session and passwords).</summary>
    private bool PrintMembers(System.Text.StringBuilder builder)
    {
        builder.Append("Method = ").Append(Method)
            .Append(", Path = ").Append(Path)
            .Append(", Query = ").Append(Query)
            .Append(", StatusCode = ").Append(StatusCode);
        return true;
    }
}
