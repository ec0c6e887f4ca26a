using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using CsCheck;
using Skvare.CmsUser.Tests.Properties;
using Skvare.CmsUser.Tests.Shared;

namespace Skvare.CmsUser.Cli.Tests;

/// <summary>
/// The tool's reading of <c>appsettings.json</c> over generated files: a working file with one value replaced by any JSON (the
/// wrong kind, numbers beyond every type, text in any script or not valid UTF-16, very long), a member named twice, bytes
/// that are not UTF-8, a byte-order mark, comments, the file cut short or nested too deep. <c>cmsuser check</c> either runs
/// (the fakes answer) or stops with a configuration failure (exit 3) that says what is wrong; never a defect (exit 4), and
/// never a configured secret.
/// </summary>
public sealed class SettingsFileProperties
{
    /// <summary>Samples per run: each runs <c>cmsuser check</c> in process (it stops before connecting when the file is wrong).</summary>
    private const int Samples = 25;

    /// <summary>A line <c>"Key": value,</c> of the indented file whose value is a scalar (not an object or array opening).</summary>
    private static readonly Regex ScalarLine = new("^(\\s*\"[^\"]+\": )([^\\[{].*?)(,?)$", RegexOptions.Multiline | RegexOptions.CultureInvariant, TimeSpan.FromSeconds(5));

    private static Gen<string> Values { get; } = Gen.Frequency(
        (3, OddJson.Any),
        (2, MalformedJson.Value),
        (2, HostileText.TextOrHuge.Select(ImportSettingsProperties.Escaped)),
        (1, Gen.OneOf(Gen.Const("\"00:00:00\""), Gen.Const("\"-1.00:00:00\""), Gen.Const("\"10675199.02:48:05.4775807\""), Gen.Const("\"ftp://x\""), Gen.Const("\"http://\""),
            Gen.Const("\"Group\""), Gen.Const("\"Tag\""), Gen.Const("\"SavedSearch\""), Gen.Const("\"wordpress\""), Gen.Const("\"Drupal7\""), Gen.Const("\" \""))));

    /// <summary>How the working file is changed: its bytes and what was done, for the failure message.</summary>
    private static Gen<(byte[] File, string Change)> Files(string text)
    {
        var lines = ScalarLine.Matches(text);
        return Gen.Select(Gen.Int[0, lines.Count - 1], Values, Gen.Int[0, 7], Gen.Int[0, text.Length - 1], Gen.Byte.Array[1, 4]).Select((line, value, how, at, bytes) =>
        {
            var match = lines[line];
            var replaced = text[..match.Index] + match.Groups[1].Value + value + match.Groups[3].Value + text[(match.Index + match.Length)..];
            var name = match.Groups[1].Value.Trim();
            var utf8 = Encoding.UTF8.GetBytes(replaced);
            return how switch
            {
                0 => (utf8[..Math.Min(utf8.Length, at)], $"cut at {at}, {name} {Short(value)}"),
                1 => ([0xEF, 0xBB, 0xBF, .. utf8], $"byte-order mark, {name} {Short(value)}"),
                2 => ([.. utf8[..at], .. bytes, .. utf8[at..]], $"bytes {Convert.ToHexString(bytes)} at {at}, {name} {Short(value)}"),
                3 => (Encoding.UTF8.GetBytes(text[..match.Index] + match.Groups[1].Value + value + ",\n" + match.Value + text[(match.Index + match.Length)..]), $"{name} twice, once {Short(value)}"),
                4 => (Encoding.UTF8.GetBytes("// my settings\n" + replaced.Replace("\n", " /* c */\n", StringComparison.Ordinal)), $"comments, {name} {Short(value)}"),
                5 => (Encoding.UTF8.GetBytes(value), $"the whole file {Short(value)}"),
                _ => (utf8, $"{name} {Short(value)}"),
            };
        });
    }

    private static string Short(string value) => value.Length <= 40 ? value : value[..36] + "…(" + value.Length.ToString(CultureInfo.InvariantCulture) + ")";

    [Fact(Timeout = 600_000)]
    public async Task Any_settings_file_runs_or_stops_with_a_configuration_failure_never_a_defect_or_a_secret()
    {
        using var sites = new Sites();
        using var folder = new TempFolder();
        var text = Sites.Json(sites.Settings());
        var file = Path.Combine(folder.Path, "appsettings.json");
        string[] secrets = [sites.Civi.ApiKey, sites.WordPress.ApplicationPassword];

        await Files(text).SampleAsync(
            async sample =>
            {
                await File.WriteAllBytesAsync(file, sample.File);
                var result = await Cli.RunAsync(folder.Path, null, "check");

                result.ExitCode.Should().BeOneOf([ExitCodes.Done, ExitCodes.SomeFailed, ExitCodes.Stopped, ExitCodes.Configuration], $"{sample.Change}: a typed outcome, never a defect: {result}");
                result.All.Should().NotContain("Exception", $"{sample.Change}: {result}");
                foreach (var secret in secrets)
                {
                    result.All.Should().NotContain(secret, $"{sample.Change}: no configured secret is shown");
                }

                if (result.ExitCode == ExitCodes.Configuration)
                {
                    result.All.Trim().Should().NotBeEmpty($"{sample.Change}: the failure says what is wrong: {result}");
                }
            },
            iter: Samples,
            threads: 1,
            print: s => s.Change);
    }
}
