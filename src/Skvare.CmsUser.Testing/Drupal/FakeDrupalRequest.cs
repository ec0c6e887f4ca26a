namespace Skvare.CmsUser.Testing.Drupal;

/// <summary>A request <see cref="FakeDrupalServer"/> received.</summary>
/// <param name="Method">The HTTP method.</param>
/// <param name="Path">The path, e.g. <c>/entity/user</c>.</param>
/// <param name="Query">The raw query string without <c>?</c> (URL-decoded), or <see langword="null"/>.</param>
/// <param name="Body">The body, or <see langword="null"/>.</param>
/// <param name="Authorization">The <c>Authorization</c> header, or <see langword="null"/>.</param>
/// <param name="ContentType">The <c>Content-Type</c> header, or <see langword="null"/>.</param>
/// <param name="Accept">The <c>Accept</c> header, or <see langword="null"/>.</param>
/// <param name="StatusCode">The status the fake answered with; 0 while the answer is still pending.</param>
public sealed record FakeDrupalRequest(string Method, string Path, string? Query, string? Body, string? Authorization, string? ContentType, string? Accept, int StatusCode)
{
    /// <summary>Prints the request without the Authorization value or the body (they may hold secrets).</summary>
    private bool PrintMembers(System.Text.StringBuilder builder)
    {
        builder.Append("Method = ").Append(Method)
            .Append(", Path = ").Append(Path)
            .Append(", Query = ").Append(Query)
            .Append(", StatusCode = ").Append(StatusCode);
        return true;
    }
}
