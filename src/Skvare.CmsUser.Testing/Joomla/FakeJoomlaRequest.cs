namespace Skvare.CmsUser.Testing.Joomla;

/// <summary>A request <see cref="FakeJoomlaServer"/> received.</summary>
/// <param name="Method">The HTTP method.</param>
/// <param name="Path">The path, e.g. <c>/api/index.php/v1/users</c>.</param>
/// <param name="Query">The query string without <c>?</c>, or <see langword="null"/>.</param>
/// <param name="Body">The body, or <see langword="null"/>.</param>
/// <param name="HasToken">Whether a token header (<c>X-Joomla-Token</c> or <c>Authorization</c>) was sent (its value is not kept).</param>
/// <param name="Accept">The <c>Accept</c> header, or <see langword="null"/>.</param>
/// <param name="Status">The status the fake answered with; 0 while the answer is still pending.</param>
public sealed record FakeJoomlaRequest(string Method, string Path, string? Query, string? Body, bool HasToken, string? Accept, int Status)
{
    /// <summary>Prints the request without its body (it may carry a password).</summary>
    private bool PrintMembers(System.Text.StringBuilder builder)
    {
        builder.Append("Method = ").Append(Method)
            .Append(", Path = ").Append(Path)
            .Append(", Query = ").Append(Query)
            .Append(", Status = ").Append(Status);
        return true;
    }
}
