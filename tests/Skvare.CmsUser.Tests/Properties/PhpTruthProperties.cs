using CsCheck;
using Skvare.CmsUser.Shared;
using Skvare.CmsUser.Usernames;

namespace Skvare.CmsUser.Tests.Properties;

/// <summary>
/// <see cref="PhpTruth"/> replaced three copies of PHP's truth of a string (the token filters', the HTML-to-text
/// converter's and a custom field's). On any string it answers as each of them did; the copies are kept here verbatim as
/// the oracles. Session 24 replaced four more: a date token's empty format (<c>DateTokens</c>, a plain string) and the
/// extension's field lines (<c>FieldLines</c>, trimmed text) take the strings these properties generate; a string flag of
/// an API v4 row (<c>Api4Row.GetFlag</c>) and a setting of the extension (<c>ExtensionSettings.IsSet</c>) take JSON, escapes
/// included, and have properties of their own (<c>Api4RowFlagProperties</c>, <c>ExtensionSettingsTruthProperties</c>).
/// </summary>
public sealed class PhpTruthProperties
{
    /// <summary>Text that is, or nearly is, what PHP finds false: zeros in other forms, with white space, in other scripts.</summary>
    private static readonly Gen<string?> Value = Gen.Frequency(
        (1, Gen.Const(() => (string?)null)),
        (3, Gen.OneOf<string?>("", "0", "00", " 0", "0 ", "\t0\n", "0.0", "-0", "+0", "0x0", "false", "null", "\u0660", "\uFF10", "0\0", "\00", "O", "1", " ", "\u200B0")),
        (2, Gen.String[Gen.Char["0 \t\n\0-.1"], 0, 4].Select(s => (string?)s)),
        (4, HostileText.Text.Select(s => (string?)s)));

    [Fact]
    public void Answers_as_the_token_filters_did() =>
        Value.Sample(value => PhpTruth.IsTrue(value).Should().Be(TokenFilterIsTrue(value), $"'{value}'"), iter: 20_000);

    [Fact]
    public void Answers_as_the_html_to_text_converter_did() =>
        Value.Sample(value =>
        {
            PhpTruth.IsTrue(value).Should().Be(HtmlTextIsTrue(value));
            if (value is not null)
            {
                // Html2Text::getDocument's empty document, and an image's title or alt.
                PhpTruth.IsTrue(value).Should().Be(!(value.Length == 0 || value == "0"));
                PhpTruth.IsTrue(value).Should().Be(value is { Length: > 0 } && value != "0");
            }
        }, iter: 20_000);

    [Fact]
    public void Answers_as_a_custom_link_field_did() =>
        Value.Where(v => v is not null).Sample(value => PhpTruth.IsTrue(value).Should().Be(!(value is "" or "0")), iter: 20_000);

    [Fact]
    public void Answers_as_the_date_tokens_and_the_field_lines_did() =>
        Value.Where(v => v is not null).Sample(value =>
        {
            PhpTruth.IsTrue(value).Should().Be(!DateTokensIsFalse(value!));
            PhpTruth.IsTrue(value).Should().Be(FieldLinesKeeps(value!));
        }, iter: 20_000);

    [Fact]
    public void The_token_filters_give_the_same_values() =>
        Gen.Select(Value, Gen.String[Gen.Char.AlphaNumeric, 0, 6]).Sample((value, fallback) =>
        {
            TokenFilter.Parse("p", "boolean").Apply(value).Should().Be(TokenFilterIsTrue(value) ? "1" : "0");
            TokenFilter.Parse("p", $"default:\"{fallback}\"").Apply(value).Should().Be(TokenFilterIsTrue(value) ? value : fallback);
        }, iter: 5_000);

    // The removed copies, verbatim.

    // DateTokens.CustomFormat and DateTokens' format list: PHP's !$format.
    private static bool DateTokensIsFalse(string format) => format is "" or "0";

    // FieldLines.Parse: array_filter drops "" and "0".
    private static bool FieldLinesKeeps(string line) => line.Length > 0 && line != "0";

    // TokenFilter: PHP's truth of a string: not empty and not "0".
    private static bool TokenFilterIsTrue(string? value) => !string.IsNullOrEmpty(value) && value != "0";

    // HtmlText: PHP's truth of a string: not empty and not 0.
    private static bool HtmlTextIsTrue(string? text) => !string.IsNullOrEmpty(text) && text != "0";
}
