using System.Globalization;
using System.Text.Json;
using Skvare.CmsUser.CiviCrm.Api;

namespace Skvare.CmsUser.Cli.Import;

/// <summary>
/// Turns the group and tag ids the extension stored into the references a trigger takes: the name (readable, and the same
/// on a copy of the site), or the id where a name would not find exactly that group or tag again (a name of digits reads
/// as an id; a group's name can be another group's title; a name with spaces around it is trimmed when looked up).
/// </summary>
internal static class ReferenceNames
{
    /// <summary>A group or tag found, and the reference to write for it.</summary>
    /// <param name="Id">Its id.</param>
    /// <param name="Name">Its name (as CiviCRM has it).</param>
    /// <param name="Reference">What the trigger should name: the name, or the id.</param>
    /// <param name="Note">Why the id was kept, or that the group is disabled; <see langword="null"/> otherwise.</param>
    public sealed record Found(long Id, string Name, string Reference, string? Note);

    /// <summary>
    /// Resolves ids (and names, which a setting changed by hand may hold) in at most two <c>get</c> calls: the rows, then
    /// for groups every group whose name or title is one of their names (to find a name that is not unique).
    /// </summary>
    public static async Task<IReadOnlyDictionary<string, Found>> ResolveAsync(CiviCrmApiClient client, TriggerKind kind, IEnumerable<string> references, CancellationToken cancellationToken)
    {
        var wanted = references.Distinct(StringComparer.Ordinal).ToList();
        var found = new Dictionary<string, Found>(StringComparer.Ordinal);
        if (wanted.Count == 0)
        {
            return found;
        }

        var entity = kind == TriggerKind.Group ? "Group" : "Tag";
        string[] select = kind == TriggerKind.Group ? ["id", "name", "title", "is_active"] : ["id", "name"];
        var ids = wanted.Where(IsId).Select(r => long.Parse(r, NumberStyles.None, CultureInfo.InvariantCulture)).ToList();
        var names = wanted.Where(r => !IsId(r)).ToList();
        var rows = await GetAsync(client, entity, select, ids, names, kind, cancellationToken).ConfigureAwait(false);

        // Every group or tag a found name would also match when a run looks it up (name, or a group's title; case does not matter).
        var foundNames = rows.Select(r => r.GetString("name")).OfType<string>().Where(n => n.Length > 0).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        var namesakes = foundNames.Count == 0 ? rows : await GetAsync(client, entity, select, [], foundNames, kind, cancellationToken).ConfigureAwait(false);

        foreach (var reference in wanted)
        {
            var matches = rows.Where(r => Matches(r, reference, kind)).ToList();
            if (matches.Count != 1)
            {
                continue;
            }

            var row = matches[0];
            var id = row.GetInt64("id") ?? 0;
            var name = row.GetString("name") ?? "";
            var why = NameProblem(name, id, namesakes, kind);
            var disabled = kind == TriggerKind.Group && row.TryGetProperty("is_active", out var active) && active.ValueKind == JsonValueKind.False
                ? "the group is disabled in CiviCRM. "
                : "";
            var note = why is null ? disabled.Length > 0 ? disabled.TrimEnd() : null : $"{disabled}kept the id {id}: {why}";
            found[reference] = new Found(id, name, why is null ? name : id.ToString(CultureInfo.InvariantCulture), note);
        }

        return found;
    }

    private static async Task<IReadOnlyList<JsonElement>> GetAsync(CiviCrmApiClient client, string entity, string[] select, List<long> ids, List<string> names, TriggerKind kind, CancellationToken cancellationToken)
    {
        var any = new List<Api4Condition>();
        if (ids.Count > 0)
        {
            any.Add(Api4Condition.In("id", ids));
        }

        if (names.Count > 0)
        {
            any.Add(Api4Condition.In("name", names));
            if (kind == TriggerKind.Group)
            {
                any.Add(Api4Condition.In("title", names));
            }
        }

        var query = new Api4Params { Limit = 0 }.WithSelect(select);
        query.Where.Add(any.Count == 1 ? any[0] : Api4Condition.Or([.. any]));
        return (await client.CallAsync(entity, "get", query, cancellationToken).ConfigureAwait(false)).Values;
    }

    private static bool IsId(string reference) => reference.Length is > 0 and <= 18 && reference.All(char.IsAsciiDigit);

    private static bool Matches(JsonElement row, string reference, TriggerKind kind) => IsId(reference)
        ? row.GetInt64("id") == long.Parse(reference, NumberStyles.None, CultureInfo.InvariantCulture)
        : string.Equals(row.GetString("name"), reference, StringComparison.OrdinalIgnoreCase)
          || (kind == TriggerKind.Group && string.Equals(row.GetString("title"), reference, StringComparison.OrdinalIgnoreCase));

    /// <summary>Why the name would not find this group or tag again; <see langword="null"/> when it would.</summary>
    private static string? NameProblem(string name, long id, IReadOnlyList<JsonElement> namesakes, TriggerKind kind)
    {
        if (name.Trim().Length == 0)
        {
            return "it has no name.";
        }

        if (name.All(char.IsAsciiDigit))
        {
            return $"its name '{name}' is a number, which a trigger reads as an id.";
        }

        if (name.Trim() != name)
        {
            return $"its name '{name}' has spaces around it, which a trigger trims.";
        }

        var others = namesakes.Where(r => r.GetInt64("id") != id && Matches(r, name, kind)).Select(r => r.GetInt64("id")).ToList();
        return others.Count > 0
            ? $"its name '{name}' is also the {(kind == TriggerKind.Group ? "name or title" : "name")} of {(kind == TriggerKind.Group ? "group" : "tag")} {string.Join(", ", others)}."
            : null;
    }
}
