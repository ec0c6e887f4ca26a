using System.Text.Json;
using CsCheck;

namespace Skvare.CmsUser.Testing.Tests.Conformance;

/// <summary>The comparison itself: it must see every difference client code relies on and nothing else.</summary>
public sealed class ExchangeComparerTests
{
    private static readonly Gen<string> Key = Gen.String[Gen.Char.AlphaNumeric, 1, 12];

    private static RecordedExchange Recorded(int status, string contentType, string body) =>
        new(1, "POST", "/", [], new Dictionary<string, string>(), null, null, status, contentType,
            body.TrimStart().StartsWith('{') || body.TrimStart().StartsWith('[') ? JsonDocument.Parse(body).RootElement.Clone() : null,
            body.TrimStart().StartsWith('{') || body.TrimStart().StartsWith('[') ? null : body, null);

    private static string Envelope(IEnumerable<string> keys, int rows, bool countMatched, int offset = 0) =>
        JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["values"] = Enumerable.Range(0, rows).Select(i => keys.Distinct().ToDictionary(k => k, k => (object?)(k.Length * 31 + i + offset))).ToArray(),
            ["entity"] = "Contact", ["action"] = "get", ["debug"] = null, ["version"] = 4, ["count"] = rows, ["countFetched"] = rows,
        }.Concat(countMatched ? [new KeyValuePair<string, object?>("countMatched", rows)] : []).ToDictionary());

    [Fact]
    public void The_same_shape_with_other_values_matches()
    {
        Gen.Select(Key.Array[1, 6], Gen.Int[0, 5], Gen.Bool).Sample((keys, rows, matched) =>
        {
            var real = Envelope(keys, rows, matched);
            var fake = Envelope(keys, rows, matched, offset: 1000);
            return ExchangeComparer.Compare(Recorded(200, "application/json; charset=UTF-8", real), 200, "application/json;charset=utf-8", fake).Count == 0;
        });
    }

    [Fact]
    public void A_missing_key_a_count_or_a_status_is_a_difference()
    {
        Gen.Select(Key.Array[2, 6], Gen.Int[1, 5]).Where((keys, _) => keys.Distinct().Count() >= 2).Sample((keys, rows) =>
        {
            var real = Envelope(keys, rows, countMatched: true);
            var recorded = Recorded(200, "application/json", real);
            return ExchangeComparer.Compare(recorded, 200, "application/json", Envelope(keys.Distinct().Skip(1), rows, countMatched: true)).Count > 0
                && ExchangeComparer.Compare(recorded, 200, "application/json", Envelope(keys, rows + 1, countMatched: true)).Count > 0
                && ExchangeComparer.Compare(recorded, 200, "application/json", Envelope(keys, rows, countMatched: false)).Count > 0
                && ExchangeComparer.Compare(recorded, 500, "application/json", real).Count > 0
                && ExchangeComparer.Compare(recorded, 200, "text/html", real).Count > 0;
        });
    }

    [Fact]
    public void Message_classes_ignore_numbers_quoted_values_and_error_ids_but_not_words()
    {
        var id = Gen.String[Gen.Char.AlphaNumeric, 4, 4].Array[3].Select(p => string.Join('-', p));
        Gen.Select(Gen.Int.Positive, Gen.Int.Positive, id, Key).Sample((a, b, errorId, word) =>
            ExchangeComparer.MessageClass($"Failed {a} times for '{word}' (Error ID: {errorId})") == ExchangeComparer.MessageClass($"Failed {b} times for 'x' (Error ID: AAAA-BBBB-CCCC)")
            && ExchangeComparer.MessageClass($"Failed {a} times") != ExchangeComparer.MessageClass($"Refused {a} times"));
    }

    [Fact]
    public void Error_codes_and_classes_of_messages_are_compared()
    {
        var real = """{"code":"existing_user_login","message":"Sorry, that username already exists!","data":null}""";
        var recorded = Recorded(500, "application/json; charset=UTF-8", real);
        ExchangeComparer.Compare(recorded, 500, "application/json; charset=UTF-8", real).Should().BeEmpty();
        ExchangeComparer.Compare(recorded, 500, "application/json; charset=UTF-8", real.Replace("existing_user_login", "existing_user_email", StringComparison.Ordinal))
            .Should().ContainSingle().Which.Should().Contain("code");
        ExchangeComparer.Compare(recorded, 500, "application/json; charset=UTF-8", """{"code":"existing_user_login","message":"Sorry, that username already exists!","data":{"status":500}}""")
            .Should().NotBeEmpty("a null data and an object differ");
        ExchangeComparer.Compare(Recorded(401, "text/plain;charset=UTF-8", "HTTP 401 Invalid credential"), 401, "text/plain;charset=UTF-8", "HTTP 401 Login not permitted.")
            .Should().ContainSingle().Which.Should().Contain("message");
    }
}
