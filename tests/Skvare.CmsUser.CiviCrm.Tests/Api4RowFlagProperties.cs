using System.Text.Json;
using CsCheck;
using Skvare.CmsUser.CiviCrm.Api;

namespace Skvare.CmsUser.CiviCrm.Tests;

/// <summary>
/// <see cref="Api4Row.GetFlag"/> reads a string flag with the shared PHP truth (<c>PhpTruth</c>) in place of its own copy.
/// Its input is a JSON string, escapes included (<c>"\u0030"</c> is <c>"0"</c>; a lone surrogate is no text at all): on
/// any of them it answers as the removed copy did, kept here verbatim as the oracle.
/// </summary>
public sealed class Api4RowFlagProperties
{
    /// <summary>The body of a JSON string: plain characters and escapes, zeros and white space written either way.</summary>
    internal static readonly Gen<string> StringBody = Gen.OneOf(
            Gen.Const("0"), Gen.Const(" "), Gen.Const("00"), Gen.Const("\\u0030"), Gen.Const("\\u0000"), Gen.Const("\\t"), Gen.Const("\\n"),
            Gen.Const("\\\""), Gen.Const("\\\\"), Gen.Const("\\ud800"), Gen.Const("\\udc00"), Gen.Const("\\ud83d\\ude00"), Gen.Const("\\uFF10"),
            Gen.Const("false"), Gen.Const("1"), Gen.Const("é"), Gen.String[Gen.Char["0 .-x1"], 1, 3])
        .Array[0, 4].Select(parts => string.Concat(parts));

    [Fact]
    public void A_string_flag_is_true_as_the_removed_copy_found_it() =>
        StringBody.Sample(body =>
        {
            using var document = JsonDocument.Parse($$"""{"is_active":"{{body}}"}""");
            var row = document.RootElement;

            row.GetFlag("is_active").Should().Be(RemovedCopy(row.GetProperty("is_active")), body);
        }, iter: 20_000);

    [Theory]
    [InlineData("\"0\"", false)]
    [InlineData("\"\\u0030\"", false)]
    [InlineData("\"\"", false)]
    [InlineData("\"\\ud800\"", false)]
    [InlineData("\"00\"", true)]
    [InlineData("\" 0\"", true)]
    [InlineData("\"false\"", true)]
    [InlineData("0", false)]
    [InlineData("0.0", false)]
    [InlineData("2", true)]
    [InlineData("true", true)]
    [InlineData("null", false)]
    public void Reads_a_flag_as_PHP_does(string json, bool expected)
    {
        using var document = JsonDocument.Parse($$"""{"f":{{json}}}""");

        document.RootElement.GetFlag("f").Should().Be(expected);
    }

    // Api4Row.GetFlag's string case before PhpTruth, verbatim.
    private static bool RemovedCopy(JsonElement v) => v.AsText() is { Length: > 0 } s && s != "0";
}
