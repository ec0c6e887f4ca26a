using System.Text.Json;
using System.Text.RegularExpressions;
using Skvare.CmsUser.Usernames;

namespace Skvare.CmsUser.CiviCrm.Tests;

/// <summary>
/// Replays <c>tests/recordings/civicrm-6.17.2-money-wordpress-6.1.9/render-traffic.jsonl</c>: what CiviCRM 6.17.2's token
/// processor printed (<c>WorkflowMessage.render</c> of a subject) for money, decimal, text, note and yes/no custom fields
/// holding hostile values (negative, large and many-decimal numbers, entities, tags, links, scripts, comments, emoji, CJK,
/// right-to-left text and marks), each plain, through <c>|boolean</c> and <c>|default</c>, and <c>|boolean</c> of a name,
/// a date and an empty nickname. The fake answers what the site's API v4 answered (the recorded <c>Contact.get</c>); the
/// SDK reads it and renders the same pattern, and must print what CiviCRM printed. A message subject is one line: CiviCRM
/// printed each run of line breaks (a note's, or a paragraph's in HTML) as one space, so the SDK's are compared so.
/// </summary>
public sealed partial class MoneyRecordingTests
{
    private const string Separator = "¦¦";

    private static List<RenderExchange> Exchanges() => RenderExchange.Read("civicrm-6.17.2-money-wordpress-6.1.9");

    [GeneratedRegex("\n+")]
    private static partial Regex LineBreaks();

    [Fact]
    public async Task Money_decimal_html_and_boolean_tokens_print_what_CiviCRM_printed()
    {
        var exchanges = Exchanges();
        using var h = new CiviHarness();
        h.Fake.Store.SetNextId("CustomField", 43);
        var fields = new (string Name, long Id)[]
        {
            ("m21_money", h.Fake.AddCustomField("money21_g", "m21_money", "Money")),
            ("m21_float", h.Fake.AddCustomField("money21_g", "m21_float", "Float")),
            ("m21_text", h.Fake.AddCustomField("money21_g", "m21_text")),
            ("m21_memo", h.Fake.AddCustomField("money21_g", "m21_memo", "Memo", "TextArea")),
            ("m21_bool", h.Fake.AddCustomField("money21_g", "m21_bool", "Boolean", "Radio")),
        };
        fields.Select(f => f.Id).Should().Equal(43, 44, 45, 46, 47);
        var contact = h.Fake.AddContact("money21-Money", "money21-Tokens", null);

        var differences = new List<string>();
        var renders = 0;
        string? pattern = null;
        foreach (var exchange in exchanges)
        {
            if (exchange.Call == "Contact/get")
            {
                // What the site's API v4 answered, held by the fake.
                foreach (var value in exchange.Response.GetProperty("values")[0].EnumerateObject().Where(v => v.Name != "id"))
                {
                    if (value.Name == "birth_date")
                    {
                        h.Fake.SetContactValue(contact, "birth_date", value.Value.GetString());
                        continue;
                    }

                    var field = fields.Single(f => value.Name.StartsWith("money21_g." + f.Name, StringComparison.Ordinal));
                    h.Fake.SetCustomValue(contact, field.Id, value.Value.ValueKind switch
                    {
                        JsonValueKind.String when field.Name == "m21_bool" => value.Value.GetString() == "Yes",
                        JsonValueKind.String => value.Value.GetString(),
                        JsonValueKind.Number => value.Value.GetDouble(),
                        _ => null,
                    });
                }
            }

            if (exchange.Call != "WorkflowMessage/render")
            {
                continue;
            }

            pattern = exchange.Params.GetProperty("messageTemplate").GetProperty("msg_subject").GetString()!;
            var subject = exchange.Response.GetProperty("values")[0].GetProperty("subject").GetString()!;
            var template = UsernameTemplate.Parse(pattern);
            var read = (await ((IContactDirectory)h.Triggers).GetContactsAsync([contact], template.ExtraFields)).Single();
            read.DataError.Should().BeNull();
            var printed = LineBreaks().Replace(template.Render(read), " ").Split(Separator);
            var expected = subject.Split(Separator);
            printed.Should().HaveSameCount(expected);
            for (var i = 0; i < expected.Length; i++)
            {
                if (printed[i] != expected[i])
                {
                    differences.Add($"seq {exchange.Seq} token {i}: {JsonSerializer.Serialize(printed[i])} where CiviCRM printed {JsonSerializer.Serialize(expected[i])}");
                }
            }

            renders++;
        }

        renders.Should().Be(15);
        pattern.Should().Contain("|boolean}").And.Contain("{contact.custom_43}");
        differences.Should().BeEmpty();
    }
}
