using System.Text.Json;
using Skvare.CmsUser.Usernames;

namespace Skvare.CmsUser.CiviCrm.Tests;

/// <summary>
/// Replays <c>tests/recordings/civicrm-6.17.2-filters-wordpress-6.1.9/render-traffic.jsonl</c>: what CiviCRM 6.17.2's token
/// processor on PHP 8.2 printed (<c>WorkflowMessage.render</c> of a subject) for hostile first names through
/// <c>|upper</c>, <c>|lower</c> and <c>|capitalize</c>, and for custom fields of each type holding <c>0</c> and its
/// neighbours. Each rendered subject is a valid username pattern: the SDK renders the same pattern for the same data and
/// must print what CiviCRM printed (the message subject is trimmed at both ends, as PHP's <c>trim()</c> does).
/// </summary>
public sealed class FilterRecordingTests
{
    private const string Separator = "¦¦";

    private static List<RenderExchange> Exchanges() => RenderExchange.Read("civicrm-6.17.2-filters-wordpress-6.1.9");

    private static (string Pattern, string Subject) Render(RenderExchange exchange) =>
        (exchange.Params.GetProperty("messageTemplate").GetProperty("msg_subject").GetString()!,
         exchange.Response.GetProperty("values")[0].GetProperty("subject").GetString()!);

    // PHP's trim() of the whole subject.
    private static string PhpTrim(string text) => text.Trim(" \t\n\r\0\v".ToCharArray());

    [Fact]
    public void Upper_lower_and_capitalize_print_what_CiviCRM_printed_for_every_hostile_first_name()
    {
        var exchanges = Exchanges();
        var compared = 0;
        for (var i = 1; i < exchanges.Count; i++)
        {
            if (exchanges[i].Call != "WorkflowMessage/render" || exchanges[i - 1].Call != "Contact/update"
                || !exchanges[i - 1].Params.GetProperty("values").TryGetProperty("first_name", out var first))
            {
                continue;
            }

            var (pattern, subject) = Render(exchanges[i]);
            var printed = UsernameTemplate.Parse(pattern).Render(new Contact { Id = 4026, FirstName = first.GetString() });
            PhpTrim(printed).Should().Be(subject, $"CiviCRM printed it for {JsonSerializer.Serialize(first.GetString())} (seq {exchanges[i].Seq})");
            compared++;
        }

        compared.Should().Be(32, "the recording has 32 hostile first names");
    }

    // Where the SDK still prints otherwise, with the reason: (seq of the render, field, why).
    private static readonly (int Seq, string Field, string Why)[] KnownDifferences =
    [
        (76, "f20_memo: \"x\\ny\" where CiviCRM printed \"x y\"", "a message subject is one line; a pattern keeps the note's line break"),
        (76, "f20_memo|default: \"x\\ny\" where CiviCRM printed \"x y\"", "a message subject is one line; a pattern keeps the note's line break"),
    ];

    [Fact]
    public async Task Custom_fields_print_what_CiviCRM_printed_for_zero_and_its_neighbours()
    {
        var exchanges = Exchanges();
        using var h = new CiviHarness();
        h.Fake.Store.SetNextId("CustomField", 18);
        var fields = new (string Name, long Id)[]
        {
            ("f20_text", h.Fake.AddCustomField("filters20_g", "f20_text")),
            ("f20_int", h.Fake.AddCustomField("filters20_g", "f20_int", "Int")),
            ("f20_float", h.Fake.AddCustomField("filters20_g", "f20_float", "Float")),
            ("f20_money", h.Fake.AddCustomField("filters20_g", "f20_money", "Money")),
            ("f20_memo", h.Fake.AddCustomField("filters20_g", "f20_memo", "Memo", "TextArea")),
            ("f20_sel", h.Fake.AddCustomField("filters20_g", "f20_sel", "String", "Select", new Dictionary<string, string> { ["z"] = "0", ["1"] = "One", ["0"] = "Zero" })),
            ("f20_link", h.Fake.AddCustomField("filters20_g", "f20_link", "Link", "Link")),
            ("f20_bool", h.Fake.AddCustomField("filters20_g", "f20_bool", "Boolean", "Radio")),
            ("f20_intsel", h.Fake.AddCustomField("filters20_g", "f20_intsel", "Int", "Select", new Dictionary<string, string> { ["0"] = "None", ["5"] = "0" })),
        };
        fields.Select(f => f.Id).Should().Equal(18, 19, 20, 21, 22, 23, 24, 25, 26);
        var contact = h.Fake.AddContact("filters20-Zero", "filters20-Filters", null);
        var extra = fields.Select(f => $"custom_{f.Id}").ToArray();

        var differences = new List<(int Seq, string Field)>();
        var renders = 0;
        foreach (var exchange in exchanges.Where(e => e.Seq > 64))
        {
            if (exchange.Call == "Contact/update")
            {
                foreach (var value in exchange.Params.GetProperty("values").EnumerateObject())
                {
                    var id = fields.Single(f => "filters20_g." + f.Name == value.Name).Id;
                    h.Fake.SetCustomValue(contact, id, value.Value.ValueKind switch
                    {
                        JsonValueKind.String => value.Value.GetString(),
                        JsonValueKind.Number when value.Value.TryGetInt64(out var whole) => whole,
                        JsonValueKind.Number => value.Value.GetDouble(),
                        JsonValueKind.True => true,
                        JsonValueKind.False => false,
                        _ => null,
                    });
                }
            }

            if (exchange.Call != "WorkflowMessage/render")
            {
                continue;
            }

            var (pattern, subject) = Render(exchange);
            var read = (await ((IContactDirectory)h.Triggers).GetContactsAsync([contact], extra)).Single();
            var printed = UsernameTemplate.Parse(pattern).Render(read).Split(Separator);
            var expected = subject.Split(Separator);
            printed.Should().HaveSameCount(expected);
            printed[0] = printed[0].TrimStart(" \t\n\r\0\v".ToCharArray());
            printed[^1] = printed[^1].TrimEnd(" \t\n\r\0\v".ToCharArray());
            for (var i = 0; i < expected.Length; i++)
            {
                if (printed[i] != expected[i])
                {
                    differences.Add((exchange.Seq, $"{fields[i / 2].Name}{(i % 2 == 1 ? "|default" : "")}: {JsonSerializer.Serialize(printed[i])} where CiviCRM printed {JsonSerializer.Serialize(expected[i])}"));
                }
            }

            renders++;
        }

        renders.Should().Be(13);
        differences.Should().Equal(KnownDifferences.Select(k => (k.Seq, k.Field)));
    }
}
