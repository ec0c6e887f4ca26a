namespace Skvare.CmsUser.Sites;

/// <summary>What a site name may be: it becomes a DI key, a Quartz job key, a log scope and a metric tag.</summary>
internal static class SiteName
{
    /// <summary>The longest accepted name.</summary>
    public const int MaxLength = 64;

    /// <summary>The name of the site the single-site layout (settings directly under <c>CmsUser</c>) becomes.</summary>
    public const string Default = "default";

    /// <summary>A site name: 1 to 64 ASCII letters, digits, <c>-</c>, <c>_</c> or <c>.</c>.</summary>
    public static bool IsValid(string? name) =>
        !string.IsNullOrEmpty(name) && name.Length <= MaxLength && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');

    /// <summary>Throws a clear error for an unusable name (the name is echoed only when it is printable and short).</summary>
    public static string Require(string? name)
    {
        if (IsValid(name))
        {
            return name!;
        }

        var shown = name is not null && name.Length <= MaxLength && name.All(c => !char.IsControl(c)) ? $"'{name}'" : "(not shown)";
        throw new ArgumentException(
            $"Site name {shown} is not valid: use 1 to {MaxLength} ASCII letters, digits, '-', '_' or '.' (CmsUser:Sites:{{name}}).",
            nameof(name));
    }
}
