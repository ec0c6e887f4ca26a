using System.Text.Json.Nodes;

namespace Skvare.CmsUser.Shared;

/// <summary>One role a roles route lists.</summary>
/// <param name="Name">The machine name a rule gives (never empty nor only whitespace).</param>
/// <param name="Label">The name the site shows, when the route gives one.</param>
/// <param name="Assignable">Whether the API account may give the role, when the route says (the WordPress companion plugin does).</param>
internal sealed record CmsSiteRole(string Name, string? Label, bool? Assignable);

/// <summary>
/// Reads the answer of a companion's roles route, which the WordPress companion plugin (<c>GET roles</c>, 0.2.3) and the
/// Backdrop module (<c>GET roles</c>, API 1.3.0) give in one shape: <c>{"roles":[{"name":"editor","label":"Editor"}]}</c>,
/// WordPress adding <c>"assignable": true|false</c>. Both encode every name and label as text (PHP casts them).
/// </summary>
/// <remarks>
/// Any JSON may come back (a proxy's page, an older component's other answer), so every member is read only from the
/// type it must have. The list is read whole or not at all: an entry that is not a role (not an object, a name that is
/// not text, is empty or is only whitespace, a label that is not text, an <c>assignable</c> that is not a boolean) makes the answer
/// unreadable, since a role skipped would be reported as missing from the site. A missing member, or <c>null</c>, is
/// absent. The failure is the typed <see cref="CmsErrorReason.UnexpectedResponse"/>, never another exception.
/// </remarks>
internal static class CmsRoleList
{
    /// <summary>Reads the role list of <paramref name="answer"/> (the answer's JSON, as the channel parsed it).</summary>
    /// <param name="answer">The answer's body.</param>
    /// <param name="cms">The CMS name the failure carries (<see cref="CmsProviderException.Cms"/>).</param>
    /// <param name="source">What answered, as the failure's message names it after the CMS: <c>companion plugin</c>.</param>
    /// <returns>The site's roles, in the answer's order.</returns>
    /// <exception cref="CmsProviderException"><see cref="CmsErrorReason.UnexpectedResponse"/>: the answer is not a role list.</exception>
    public static IReadOnlyList<CmsSiteRole> Read(JsonNode? answer, string cms, string source)
    {
        if (answer is not JsonObject body || body["roles"] is not JsonArray list)
        {
            throw Unreadable(cms, source, "without a role list");
        }

        var roles = new List<CmsSiteRole>(list.Count);
        for (var i = 0; i < list.Count; i++)
        {
            var n = (i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (list[i] is not JsonObject role)
            {
                throw Unreadable(cms, source, $"with role {n} not an object");
            }

            if (!TryText(role["name"], out var name) || string.IsNullOrEmpty(name))
            {
                throw Unreadable(cms, source, $"with role {n} without a name as text");
            }

            if (string.IsNullOrWhiteSpace(name))
            {
                // No rule can name it (configuration validation refuses a blank role name), and a check would list it unseen.
                throw Unreadable(cms, source, $"with role {n}'s name only whitespace");
            }

            if (!TryText(role["label"], out var label))
            {
                throw Unreadable(cms, source, $"with role {n}'s label not text");
            }

            bool? assignable = role["assignable"] switch
            {
                null => null,
                JsonValue v when v.TryGetValue<bool>(out var flag) => flag,
                _ => throw Unreadable(cms, source, $"with role {n}'s \"assignable\" not true or false"),
            };
            roles.Add(new CmsSiteRole(name, label, assignable));
        }

        return roles;
    }

    /// <summary>
    /// A JSON string's text, or <see langword="null"/> for a missing member or JSON <c>null</c>; <see langword="false"/> for
    /// another kind, or text that is not valid UTF-16 (a lone surrogate escape, which <c>TryGetValue</c> throws on).
    /// </summary>
    private static bool TryText(JsonNode? node, out string? text)
    {
        text = null;
        if (node is null)
        {
            return true;
        }

        try
        {
            return node is JsonValue v && v.TryGetValue(out text);
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    private static CmsProviderException Unreadable(string cms, string source, string what) =>
        new(cms, CmsErrorReason.UnexpectedResponse, $"{cms}'s {source} answered its roles route {what}; update it.");
}
