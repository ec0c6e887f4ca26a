using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using CsCheck;
using Skvare.CmsUser.Cli.Import;
using Skvare.CmsUser.Tests.Properties;

namespace Skvare.CmsUser.Cli.Tests;

/// <summary>
/// <c>cmsuser import --write</c>'s edit of a settings file (<see cref="SettingsFileMerge"/>) over generated files and
/// imports: files with comments, trailing commas, CRLF, tabs, a byte-order mark, the section's name in another case, other
/// settings of any kind and text in any script; imports of every key the import writes. The merged file reads back, holds
/// every imported value, and every other setting keeps its value.
/// </summary>
public sealed class SettingsFileMergeProperties
{
    private static readonly UTF8Encoding Strict = new(false, true);

    /// <summary>Text in any script (valid UTF-16: a settings file with a lone surrogate is refused before any merge).</summary>
    private static readonly Gen<string> Text = HostileText.TextOrHuge.Where(t =>
    {
        try
        {
            return Strict.GetByteCount(t) >= 0;
        }
        catch (ArgumentException)
        {
            return false;
        }
    });

    private static readonly Gen<string> Key = Gen.OneOf(
        Gen.OneOf(Gen.Const("UsernamePattern"), Gen.Const("usernamepattern"), Gen.Const("Notify"), Gen.Const("MapLanguage"), Gen.Const("LoginLinks"), Gen.Const("loginlinks"),
            Gen.Const("FieldMappings"), Gen.Const("Rules"), Gen.Const("PasswordResets"), Gen.Const("MaxConcurrency"), Gen.Const("AllowExistingUsers"), Gen.Const("BlockedRoles")),
        Gen.String[Gen.Char.AlphaNumeric, 1, 8]);

    private static readonly Gen<JsonNode?> Scalar = Gen.OneOf(
        Text.Select(t => (JsonNode?)JsonValue.Create(t)),
        Gen.Long.Select(l => (JsonNode?)JsonValue.Create(l)),
        Gen.Double.Where(double.IsFinite).Select(d => (JsonNode?)JsonValue.Create(d)),
        Gen.Bool.Select(b => (JsonNode?)JsonValue.Create(b)),
        Gen.Const<JsonNode?>(() => null));

    /// <summary>A value of any kind, objects and arrays two levels deep.</summary>
    private static readonly Gen<JsonNode?> Value = Nested(Nested(Scalar));

    private static Gen<JsonNode?> Nested(Gen<JsonNode?> inner) => Gen.Frequency(
        (4, Scalar),
        (1, inner.Array[0, 3].Select(items => (JsonNode?)new JsonArray([.. items]))),
        (1, Gen.Select(Key, inner).Array[0, 4].Select(members => (JsonNode?)Object(members))));

    private static JsonObject Object(IEnumerable<(string Key, JsonNode? Value)> members) =>
        new(members.DistinctBy(m => m.Key, StringComparer.OrdinalIgnoreCase).Select(m => KeyValuePair.Create(m.Key, m.Value)));

    /// <summary>What an import writes: its keys with values of the kinds it gives them.</summary>
    private static readonly Gen<JsonObject> Section = Gen.Select(
        Gen.Frequency((1, Gen.Const<string?>(() => null)), (2, Text.Select(t => (string?)t))),
        Gen.Frequency((1, Gen.Const<bool?>(() => null)), (2, Gen.Bool.Select(b => (bool?)b))),
        Gen.Select(Gen.Bool, Text.Array[0, 3]).Array[0, 1],
        Gen.Select(Gen.String[Gen.Char.AlphaNumeric, 1, 10], Text).Array[0, 4],
        Gen.Select(Text, Text.Array[0, 2]).Array[0, 2]).Select((pattern, notify, links, fields, rules) =>
    {
        var section = new JsonObject();
        if (pattern is not null)
        {
            section["UsernamePattern"] = pattern;
        }

        if (notify is { } n)
        {
            section["Notify"] = n;
        }

        foreach (var (allow, roles) in links)
        {
            section["LoginLinks"] = new JsonObject { ["AllowExistingUsers"] = allow, ["BlockedRoles"] = new JsonArray([.. roles.Select(r => (JsonNode?)JsonValue.Create(r))]) };
        }

        if (fields.Length > 0)
        {
            section["FieldMappings"] = Object(fields.Select(f => (f.Item1, (JsonNode?)JsonValue.Create(f.Item2))));
        }

        if (rules.Length > 0)
        {
            section["Rules"] = new JsonArray([.. rules.Select(r => (JsonNode?)new JsonObject
            {
                ["Name"] = r.Item1,
                ["Trigger"] = new JsonObject { ["Kind"] = "Group", ["Reference"] = r.Item1 },
                ["Roles"] = new JsonArray([.. r.Item2.Select(x => (JsonNode?)JsonValue.Create(x))]),
            })]);
        }

        return section;
    });

    /// <summary>An existing file: other settings, a CmsUser section (in any case, or none) with settings of any kind, written in any style.</summary>
    private static readonly Gen<(string Text, JsonObject File, string SectionName)> Files = Gen.Select(
        Gen.Select(Key, Value).Array[0, 6],
        Gen.Select(Key, Value).Array[0, 3],
        Gen.OneOf(Gen.Const("CmsUser"), Gen.Const("cmsuser"), Gen.Const("CMSUSER"), Gen.Const("")),
        Gen.Int[0, 5],
        Gen.Bool).Select((cms, other, name, style, bom) =>
    {
        var file = Object(other.Where(o => !o.Item1.Equals("CmsUser", StringComparison.OrdinalIgnoreCase)));
        if (name.Length > 0)
        {
            file[name] = Object(cms);
        }

        var text = file.ToJsonString(new JsonSerializerOptions { WriteIndented = style != 0 });
        text = style switch
        {
            2 => "// my settings\n" + text.Replace("\n", " // a comment\n", StringComparison.Ordinal),
            3 => Regex.Replace(text, "(?m)^(  )+", m => new string('\t', m.Length / 2), RegexOptions.None, TimeSpan.FromSeconds(5)).Replace("\n", "\r\n", StringComparison.Ordinal),
            4 => text.Replace("\n}", ",\n}", StringComparison.Ordinal),
            5 => "/* settings */ " + text + "\n",
            _ => text,
        };
        return ((bom ? "\uFEFF" : "") + text, file, name);
    });

    private static readonly JsonDocumentOptions Reading = new() { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };

    [Fact]
    public void A_merged_file_reads_back_with_every_imported_value_and_every_other_setting_as_it_was()
    {
        Gen.Select(Files, Section).Sample((existing, section) =>
        {
            var (text, changes) = SettingsFileMerge.Merge(existing.Text, section);

            text.StartsWith('\uFEFF').Should().Be(existing.Text.StartsWith('\uFEFF'), "a byte-order mark stays as it was");
            var merged = JsonNode.Parse(text.TrimStart('\uFEFF'), documentOptions: Reading)!.AsObject();
            var cmsUser = Find(merged, "CmsUser")!.AsObject();
            Holds(cmsUser, section, "CmsUser");
            foreach (var (key, value) in existing.File)
            {
                if (!key.Equals("CmsUser", StringComparison.OrdinalIgnoreCase))
                {
                    JsonNode.DeepEquals(Find(merged, key), value).Should().BeTrue($"the setting {key} stays as it was");
                }
                else if (value is JsonObject before)
                {
                    foreach (var (inner, was) in before.Where(b => Find(section, b.Key) is null))
                    {
                        JsonNode.DeepEquals(Find(cmsUser, inner), was).Should().BeTrue($"CmsUser:{inner} is not imported and stays as it was");
                    }
                }
            }

            changes.Select(c => c.Key.ToUpperInvariant()).Should().OnlyHaveUniqueItems();
            SettingsFileMerge.Merge(text, section).Changes.Should().BeEmpty("merging the same import again changes nothing");
        }, iter: 200, print: t => $"file:\n{t.Item1.Text}\nsection: {t.Item2.ToJsonString()}");
    }

    /// <summary>Every imported value is in <paramref name="target"/>: an object key by key where the file had an object, anything else as imported.</summary>
    private static void Holds(JsonObject target, JsonObject imported, string path)
    {
        foreach (var (key, value) in imported)
        {
            var found = Find(target, key);
            if (value is JsonObject inner && found is JsonObject merged)
            {
                Holds(merged, inner, $"{path}:{key}");
            }
            else
            {
                JsonNode.DeepEquals(found, value).Should().BeTrue($"{path}:{key} is {value?.ToJsonString()}, found {found?.ToJsonString() ?? "nothing"}");
            }
        }
    }

    /// <summary>A member as configuration finds it: case does not matter.</summary>
    private static JsonNode? Find(JsonObject node, string key) => node.FirstOrDefault(p => p.Key.Equals(key, StringComparison.OrdinalIgnoreCase)).Value;
}
