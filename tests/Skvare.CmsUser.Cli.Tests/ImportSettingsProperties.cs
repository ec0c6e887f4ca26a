using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using CsCheck;
using Skvare.CmsUser.Testing;
using Skvare.CmsUser.Tests.Properties;
using Skvare.CmsUser.Tests.Shared;

namespace Skvare.CmsUser.Cli.Tests;

/// <summary>
/// <c>cmsuser import</c> over generated <c>Setting.get</c> answers: the extension's settings holding any JSON a site (or a
/// plugin's rewrite of its answer) could store, values of the wrong kind, text in any script or not valid UTF-16, very long
/// values, rows of odd shapes, and whole answers cut short, nested too deep or naming a member twice. The import either
/// gives settings that the engine's validator accepts, or a typed failure (exit 3 with a message); never a defect (exit 4),
/// and never the API key.
/// </summary>
public sealed class ImportSettingsProperties
{
    /// <summary>Samples per run: each runs the import in process against one generated answer (about a second on a loaded machine).</summary>
    private const int Samples = 25;

    /// <summary>A JSON string of <paramref name="text"/> with every character outside printable ASCII escaped, lone surrogates included (as a hostile server writes them).</summary>
    internal static string Escaped(string text)
    {
        var json = new StringBuilder("\"");
        foreach (var c in text)
        {
            if (c is >= ' ' and <= '~' and not ('"' or '\\'))
            {
                json.Append(c);
            }
            else
            {
                json.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
            }
        }

        return json.Append('"').ToString();
    }

    /// <summary>The values the extension's settings hold, and what else a site could answer there.</summary>
    private static Gen<string> Values(long group, long tag) => Gen.Frequency(
        (3, Gen.OneOf(Gen.Const($"\"{group}\""), Gen.Const($"\"{tag}\""), Gen.Const($"[\"{group}\"]"), Gen.Const($"{{\"1\":\"{tag}\"}}"), Gen.Const(group.ToString(CultureInfo.InvariantCulture)),
            Gen.Const("\"1\""), Gen.Const("\"0\""), Gen.Const("false"), Gen.Const("\"999999\""), Gen.Const("\"website_members\""), Gen.Const("[\"editor\",\"subscriber\"]"),
            Gen.Const("\"{contact.first_name}.{contact.last_name}\""), Gen.Const("\"field_a={contact.city}\\r\\nfield_b=x\""))),
        (3, OddJson.Any),
        (2, MalformedJson.Value),
        (3, HostileText.TextOrHuge.Select(Escaped)),
        (1, HostileText.Text.Array[0, 4].Select(items => "[" + string.Join(",", items.Select(Escaped)) + "]")),
        (1, HostileText.Text.Select(t => Escaped("field_" + t + "=" + t + "\n" + t + "=x"))),
        (1, Gen.Int[5_000, 200_000].Select(n => "\"" + new string('x', n) + "\"")));

    /// <summary>One <c>Setting.get</c> row: the extension's settings (and unknown ones), in the row shape CiviCRM answers or another.</summary>
    private static Gen<string> Rows(long group, long tag) => Gen.Select(
        Gen.Frequency(
            (8, Gen.OneOf([.. Import.ExtensionSettings.Known.Select(Gen.Const)])),
            (1, HostileText.Text.Select(t => "cmsuser_" + t)),
            (1, Gen.OneOf(Gen.Const("mailing_backend"), Gen.Const("cmsuser_"), Gen.Const("CMSUSER_pattern")))),
        Values(group, tag),
        Gen.Int[0, 9],
        OddJson.Value).Select((name, value, shape, odd) => shape switch
        {
            0 => $"{{\"name\":{Escaped(name)},\"value\":{value}}}",
            1 => $"{{\"name\":{Escaped(name)}}}",
            2 => $"{{\"name\":{odd},\"value\":{value},\"domain_id\":1}}",
            3 => $"{{\"name\":{Escaped(name)},\"value\":{value},\"domain_id\":{odd}}}",
            4 => odd,
            _ => $"{{\"name\":{Escaped(name)},\"value\":{value},\"domain_id\":1}}",
        });

    /// <summary>A whole <c>Setting.get</c> answer: CiviCRM's shape with generated rows, or that answer damaged.</summary>
    private static Gen<(string Body, string Shape)> Answers(long group, long tag) => Gen.Select(Rows(group, tag).Array[1, 12], Gen.Int[0, 9], Gen.Int[1, 40], OddJson.Value)
        .Select((rows, how, cut, odd) =>
        {
            var values = "[" + string.Join(",", rows) + "]";
            var whole = $"{{\"entity\":\"Setting\",\"action\":\"get\",\"version\":4,\"count\":{rows.Length},\"countFetched\":{rows.Length},\"values\":{values}}}";
            return how switch
            {
                0 => (whole[..Math.Max(1, whole.Length - cut)], $"cut short by {cut}"),
                1 => ("\uFEFF" + whole, "with a byte order mark"),
                2 => ($"{{\"count\":{odd},\"values\":{values},\"values\":[]}}", "values named twice"),
                3 => ($"{{\"count\":{odd},\"values\":{{\"0\":{rows[0]}}}}}", "values as an object, count " + odd),
                4 => ($"{{\"values\":{odd}}}", "values " + odd),
                _ => (whole, "whole"),
            };
        });

    [Fact(Timeout = 600_000)]
    public async Task Any_settings_answer_gives_valid_settings_or_a_typed_failure_and_never_a_defect_or_the_key()
    {
        using var sites = new Sites();
        using var folder = new TempFolder();
        var settings = sites.Settings();
        var civi = settings["CmsUser"]!["CiviCrm"]!.DeepClone();
        folder.Write("appsettings.json", Sites.Json(new JsonObject { ["CmsUser"] = new JsonObject { ["CiviCrm"] = civi } }));
        var body = "";
        sites.Civi.FaultWhere = request => IsSettingGet(request) ? FakeFault.Status(200, body, "application/json") : null;

        await Answers(sites.Members, sites.ResetTag).SampleAsync(
            async answer =>
            {
                body = answer.Body;
                var result = await Cli.RunAsync(folder.Path, null, "import", "--json");

                result.ExitCode.Should().BeOneOf([ExitCodes.Done, ExitCodes.SomeFailed, ExitCodes.Configuration, ExitCodes.Stopped], $"{answer.Shape}: a typed outcome, never a defect: {result}");
                result.All.Should().NotContain(sites.Civi.ApiKey).And.NotContain("Exception", $"{answer.Shape}: {result}");
                var json = result.Json;
                if (result.ExitCode is ExitCodes.Configuration or ExitCodes.Stopped)
                {
                    json.GetProperty("error").GetString().Should().NotBeNullOrWhiteSpace();
                    return;
                }

                var section = json.GetProperty("settings").GetProperty("CmsUser").GetRawText();
                Failures(section).Should().BeEmpty($"{answer.Shape}: what import prints is what the next start accepts: {section}");
            },
            iter: Samples,
            threads: 1,
            print: a => $"{a.Shape}: {(a.Body.Length > 600 ? a.Body[..600] + "…" : a.Body)}");
    }

    [Theory(Timeout = 120_000)]
    [InlineData("{\"name\":\"cmsuser_pattern\",\"value\":\"\\ud800\"}", "cmsuser_pattern")]
    [InlineData("{\"name\":\"cmsuser_cms_roles\",\"value\":[\"editor\",\"x\\udc00\"]}", "cmsuser_cms_roles")]
    [InlineData("{\"name\":\"cmsuser_\\ud800\",\"value\":\"1\"}", null)]
    [InlineData("{\"name\":\"cmsuser_group_create\",\"value\":{\"1\":\"\\udfff\"}}", "cmsuser_group_create")]
    [InlineData("{\"name\":\"cmsuser_notify\",\"value\":{\"\\ud800\":\"1\"}}", "cmsuser_notify")]
    public async Task A_setting_whose_text_is_not_valid_UTF16_is_named_not_a_defect(string row, string? named)
    {
        // Regression (found by the property above): the extension's settings were read with JsonElement.GetString, which
        // throws InvalidOperationException for an unpaired surrogate escape; the import stopped as a defect (exit 4).
        using var sites = new Sites();
        using var folder = new TempFolder();
        var civi = sites.Settings()["CmsUser"]!["CiviCrm"]!.DeepClone();
        folder.Write("appsettings.json", Sites.Json(new JsonObject { ["CmsUser"] = new JsonObject { ["CiviCrm"] = civi } }));
        var body = $"{{\"count\":2,\"values\":[{row},{{\"name\":\"cmsuser_preferred_language\",\"value\":\"1\"}}]}}";
        sites.Civi.FaultWhere = request => IsSettingGet(request) ? FakeFault.Status(200, body, "application/json") : null;

        var result = await Cli.RunAsync(folder.Path, null, "import", "--json");

        result.ExitCode.Should().BeOneOf([ExitCodes.Done, ExitCodes.SomeFailed], result.ToString());
        var why = result.Json.GetProperty("notImported").EnumerateArray().Select(n => (n.GetProperty("setting").GetString(), n.GetProperty("why").GetString()!)).ToList();
        if (named is null)
        {
            // A name that is not text cannot be an extension's setting: it is not read, and the others are.
            result.Json.GetProperty("settings").GetProperty("CmsUser").GetProperty("MapLanguage").GetBoolean().Should().BeTrue("the readable settings are still imported");
            return;
        }

        why.Should().Contain(w => w.Item1 == named && w.Item2.Contains("not valid Unicode", StringComparison.Ordinal), "the setting is named, not read as something else: " + result);
        var section = result.Json.GetProperty("settings").GetProperty("CmsUser");
        section.GetProperty("MapLanguage").GetBoolean().Should().BeTrue("the readable settings are still imported");
        section.TryGetProperty("Notify", out _).Should().BeFalse("an unreadable flag is not read as on or off, and no other row sets it");
    }

    private static bool IsSettingGet(FakeFaultRequest request) =>
        $"{request.Path}?{Uri.UnescapeDataString(request.Query ?? "")}".Contains("/Setting/get", StringComparison.Ordinal);

    /// <summary>The engine validator's failures for a <c>CmsUser</c> section, as the next start of the tool reports them (no rule is no failure here).</summary>
    private static List<string> Failures(string section) =>
        [.. Import.ExtensionImport.Failures(JsonNode.Parse(section)!.AsObject()).Where(f => !f.StartsWith("CmsUser:Rules is empty", StringComparison.Ordinal))];
}
