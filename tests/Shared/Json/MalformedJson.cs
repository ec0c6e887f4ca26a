using System.Globalization;
using CsCheck;

namespace Skvare.CmsUser.Tests.Shared;

/// <summary>
/// Generated JSON that a parser accepts only in part, or that reads as something else than it seems: text that is not
/// UTF-16 (lone surrogate escapes, in values and in member names), nesting deeper than any reader allows, numbers beyond
/// every numeric type, member names given twice, values of the wrong kind, and documents cut short. No PHP encoder writes
/// any of these; a proxy, a plugin's rewrite or a hostile server may.
/// </summary>
internal static class MalformedJson
{
    /// <summary>A JSON string whose text is not valid UTF-16 (an unpaired high or low surrogate, alone or among text).</summary>
    public static Gen<string> BrokenText { get; } = Gen.OneOf(
        Gen.Const("\"\\ud800\""), Gen.Const("\"\\udc00x\""), Gen.Const("\"jdoe\\uDBFF\""), Gen.Const("\"\\ud800\\u0041\""), Gen.Const("\"\\udfff\\ud800\""),
        Gen.Int[0xD800, 0xDFFF].Select(u => $"\"x\\u{u:x4}y\""));

    /// <summary>An array or object nested deeper than System.Text.Json's default limit of 64 (PHP's is 512).</summary>
    public static Gen<string> Deep { get; } = Gen.Select(Gen.Int[65, 600], Gen.Bool).Select((depth, objects) => objects
        ? string.Concat(Enumerable.Repeat("{\"a\":", depth)) + "1" + new string('}', depth)
        : new string('[', depth) + "1" + new string(']', depth));

    /// <summary>A number no integer type holds, or that overflows a double (PHP reads it as a float or INF).</summary>
    public static Gen<string> Huge { get; } = Gen.OneOf(
        Gen.Const("1e400"), Gen.Const("-1e400"), Gen.Const("1e-400"), Gen.Const("18446744073709551616"), Gen.Const("-9223372036854775809"),
        Gen.Int[20, 400].Select(digits => new string('9', digits)), Gen.Int[1, 400].Select(digits => "0." + new string('0', digits) + "1"),
        Gen.Long.Select(l => l.ToString(CultureInfo.InvariantCulture) + "e" + (l % 400).ToString(CultureInfo.InvariantCulture)));

    /// <summary>Any of the values above, or a value of another kind than expected (<see cref="OddJson.Value"/>).</summary>
    public static Gen<string> Value { get; } = Gen.Frequency((3, BrokenText), (1, Deep), (2, Huge), (3, OddJson.Value));

    /// <summary>
    /// A whole document built around <paramref name="shape"/> (a JSON object's members as text, e.g. <c>"id":5,"name":</c>
    /// followed by a generated value): as it is, with a member named twice, with a member name that is not UTF-16, inside
    /// deep nesting, or cut short.
    /// </summary>
    public static Gen<(string Body, string Shape)> Around(string members) => Gen.Select(Value, Gen.Int[0, 5], Gen.Int[1, 40]).Select((value, how, cut) =>
    {
        var whole = "{" + members + value + "}";
        return how switch
        {
            0 => (whole, $"malformed value {Short(value)}"),
            1 => ("{" + members + value + "," + members + "\"x\"}", $"members named twice, one {Short(value)}"),
            2 => ("{\"\\ud800\":1," + members + value + "}", $"member name not UTF-16, value {Short(value)}"),
            3 => ("[" + string.Concat(Enumerable.Repeat("[", 70)) + whole + new string(']', 71), "deeply nested document"),
            4 => (whole[..Math.Max(1, whole.Length - cut)], $"cut short by {cut}, value {Short(value)}"),
            _ => (value, $"bare {Short(value)}"),
        };
    });

    private static string Short(string value) => value.Length <= 24 ? value : value[..20] + "…(" + value.Length.ToString(CultureInfo.InvariantCulture) + ")";
}
