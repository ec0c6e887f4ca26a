using System.Text.Json;

namespace Skvare.CmsUser.Testing.Tests.Conformance;

/// <summary>
/// What <c>cmsuser import</c> reads (<c>civicrm-6.17.2-import-*</c>): <c>Extension.get</c>, <c>Setting.get</c> of every
/// setting (an extension's settings stored without metadata among them) and with a <c>select</c> of such names (refused),
/// and the group and tag look-ups, against <see cref="Testing.CiviCrm.FakeCiviCrmServer"/> seeded with the folder's README
/// data (ids as on the real site) and every setting the real site answered.
/// </summary>
public sealed class CiviCrmImportAdapter : CiviCrmApiAdapter
{
    /// <inheritdoc />
    public override void Seed(Recording recording)
    {
        SeedApiUserAndActivityTypes();

        // README: groups 60–62 (63 deleted), tags 23–25; the webhook extension installed, com.skvare.cmsuser not known.
        Civi.Store.SetNextId("Group", 60);
        Civi.AddGroup("import16_members", "import16 Членство 会員");
        Civi.AddGroup("import16_done", "import16 done");
        Civi.AddGroup("import16_reset", "import16 reset");
        Civi.Store.SetNextId("Tag", 23);
        Civi.AddTag("import16_vip");
        Civi.AddTag("import16_vip_done");
        Civi.AddTag("import16_tag_reset");
        Civi.SetExtensionStatus("com.skvare.cmsuserwebhook", "installed");

        // Every setting the site stored, in the order it answered them.
        var all = recording.Exchanges.First(e => e.Path == "/" && e.QueryValue("q") == "civicrm/ajax/api4/Setting/get" && e.Status == 200);
        foreach (var row in Rows(all))
        {
            Civi.SetSetting(row.GetProperty("name").GetString()!, row.GetProperty("value").GetRawText());
        }
    }

    /// <inheritdoc />
    public override IEnumerable<string> ExtraDifferences(RecordedExchange expected, int status, string? contentType, string body)
    {
        // The extension's settings come back with the values stored, shape for shape (text, list, false).
        using var document = JsonDocument.Parse(body);
        if (!document.RootElement.TryGetProperty("values", out var values) || values.ValueKind != JsonValueKind.Array)
        {
            yield break;
        }

        var fake = values.EnumerateArray().Where(r => r.TryGetProperty("name", out var n) && n.GetString()?.StartsWith("cmsuser_", StringComparison.Ordinal) == true)
            .Select(r => r.GetProperty("name").GetString() + "=" + Value(r)).ToList();
        var real = Rows(expected).Where(r => r.TryGetProperty("name", out var n) && n.GetString()?.StartsWith("cmsuser_", StringComparison.Ordinal) == true)
            .Select(r => r.GetProperty("name").GetString() + "=" + Value(r)).ToList();
        if (!fake.SequenceEqual(real))
        {
            yield return $"extension settings [{string.Join(", ", fake)}], real [{string.Join(", ", real)}]";
        }
    }

    /// <summary>The value as JSON written one way (the fake and the site escape differently; the values must not differ).</summary>
    private static string Value(JsonElement row) => System.Text.Json.Nodes.JsonNode.Parse(row.GetProperty("value").GetRawText())?.ToJsonString() ?? "null";
}
