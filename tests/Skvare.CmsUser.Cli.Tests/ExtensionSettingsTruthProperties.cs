using System.Text.Json;
using CsCheck;
using Skvare.CmsUser.Cli.Import;

namespace Skvare.CmsUser.Cli.Tests;

/// <summary>
/// <see cref="ExtensionSettings.IsSet"/> (PHP's <c>!empty()</c>) reads a JSON string with the shared PHP truth
/// (<c>PhpTruth</c>) in place of its own copy; on any JSON string, escapes included, it answers as the removed copy did,
/// kept here verbatim as the oracle. (The field lines' filter takes plain trimmed text: PhpTruthProperties covers it.)
/// </summary>
public sealed class ExtensionSettingsTruthProperties
{
    private static readonly Gen<string> StringBody = Gen.OneOf(
            Gen.Const("0"), Gen.Const(" "), Gen.Const("00"), Gen.Const("\\u0030"), Gen.Const("\\u0000"), Gen.Const("\\t"), Gen.Const("\\n"),
            Gen.Const("\\\""), Gen.Const("\\\\"), Gen.Const("\\ud800"), Gen.Const("\\udc00"), Gen.Const("\\ud83d\\ude00"), Gen.Const("\\uFF10"),
            Gen.Const("false"), Gen.Const("1"), Gen.Const("é"), Gen.String[Gen.Char["0 .-x1"], 1, 3])
        .Array[0, 4].Select(parts => string.Concat(parts));

    [Fact]
    public void A_setting_given_as_text_is_set_as_the_removed_copy_found_it() =>
        StringBody.Sample(body =>
        {
            using var document = JsonDocument.Parse($"\"{body}\"");
            var value = document.RootElement;

            // A lone surrogate is refused by GetString in both: the outcome, exception included, is the same.
            Outcome(() => ExtensionSettings.IsSet(value)).Should().Be(Outcome(() => RemovedCopy(value)), body);
        }, iter: 20_000);

    private static string Outcome(Func<bool> read)
    {
        try
        {
            return read() ? "true" : "false";
        }
        catch (InvalidOperationException ex)
        {
            return ex.GetType().Name;
        }
    }

    // ExtensionSettings.IsSet's string case before PhpTruth, verbatim.
    private static bool RemovedCopy(JsonElement value) => value.GetString() is { Length: > 0 } s && s != "0";
}
