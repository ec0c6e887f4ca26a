using System.Globalization;
using CsCheck;

namespace Skvare.CmsUser.Tests.Shared;

/// <summary>
/// Generated JSON values of every kind a server could put where the SDK expects another: whole numbers in and out of
/// range, decimals, exponents, text (numeric and not, invalid UTF-16), null, booleans, arrays and objects.
/// </summary>
internal static class OddJson
{
    /// <summary>One JSON value, as its text.</summary>
    public static Gen<string> Value { get; } = Gen.OneOf(
        Gen.Long.Select(l => l.ToString(CultureInfo.InvariantCulture)),
        Gen.Int[-3, 12].Select(i => i.ToString(CultureInfo.InvariantCulture)),
        Gen.Double.Where(double.IsFinite).Select(d => d.ToString("R", CultureInfo.InvariantCulture)),
        Gen.Int[-3, 12].Select(i => "\"" + i.ToString(CultureInfo.InvariantCulture) + "\""),
        Gen.String[Gen.Char.AlphaNumeric, 0, 8].Select(s => "\"" + s + "\""),
        Gen.OneOf(Gen.Const("1e3"), Gen.Const("2.5"), Gen.Const("-0"), Gen.Const("99999999999999999999"), Gen.Const("\"1.5\""), Gen.Const("\"\\ud800\""),
            Gen.Const("\"\""), Gen.Const("null"), Gen.Const("true"), Gen.Const("false"), Gen.Const("[]"), Gen.Const("{}"), Gen.Const("[1,\"x\",null]"),
            Gen.Const("{\"1\":\"a\"}"), Gen.Const("{\"value\":1,\"value\":\"x\"}"), Gen.Const("[\"2\",\"10\"]"), Gen.Const("{\"2\":\"2\",\"10\":\"10\"}")));

    /// <summary>A JSON array of generated values (each may be of any kind).</summary>
    public static Gen<string> Array { get; } = Value.Array[0, 4].Select(items => "[" + string.Join(",", items) + "]");

    /// <summary>A JSON object whose keys are generated text (numeric and not) and whose values are generated.</summary>
    public static Gen<string> Object { get; } =
        Gen.Select(Gen.OneOf(Gen.Int[-3, 12].Select(i => i.ToString(CultureInfo.InvariantCulture)), Gen.String[Gen.Char.AlphaNumeric, 0, 4]), Value)
            .Array[0, 3].Select(members => "{" + string.Join(",", members.DistinctBy(m => m.Item1).Select(m => $"\"{m.Item1}\":{m.Item2}")) + "}");

    /// <summary>Any JSON value, arrays and objects with generated content included.</summary>
    public static Gen<string> Any { get; } = Gen.Frequency((3, Value), (1, Array), (1, Object));

    /// <summary>A member <c>"name": value</c> with a generated value, or nothing (the member left out).</summary>
    public static Gen<string> Member(string name) =>
        Gen.Frequency((5, Any.Select(v => $"\"{name}\":{v},")), (1, Gen.Const(string.Empty)));

    /// <summary>
    /// A JSON object of generated members (each <c>"name": value,</c> as <see cref="Member"/> gives, or nothing),
    /// closed by a last fixed member so the trailing commas stay valid.
    /// </summary>
    public static Gen<string> ObjectOf(params Gen<string>[] members) =>
        members.Aggregate(Gen.Const("{"), (text, member) => Gen.Select(text, member, (t, m) => t + m)).Select(t => t + "\"x\":0}");

    /// <summary>
    /// Reads an account from an answer of generated JSON: the provider gives an account, or refuses the answer as
    /// <see cref="CmsErrorReason.UnexpectedResponse"/>; any other exception fails the property.
    /// </summary>
    public static void ShouldGiveAccountOrUnexpectedResponse(Func<Task<CmsAccount?>> read)
    {
        try
        {
            read().GetAwaiter().GetResult().Should().NotBeNull();
        }
        catch (CmsProviderException ex)
        {
            ex.Reason.Should().Be(CmsErrorReason.UnexpectedResponse);
        }
    }
}
