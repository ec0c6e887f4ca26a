using System.Text;
using System.Text.Json;
using CsCheck;
using Skvare.CmsUser.CiviCrm.Triggers;

namespace Skvare.CmsUser.CiviCrm.Tests;

/// <summary>
/// The <c>Website.get</c> answer read as CiviCRM's token processor reads a contact's websites: whatever order the rows
/// come in and whatever their URLs hold (unicode, emoji, controls, nothing), each contact gets the URL of its website
/// with the lowest id; an answer that cannot be read never throws and never gives a contact another website's URL.
/// </summary>
public sealed class WebsiteReadProperties
{
    private static readonly string?[] Urls =
    [
        null, "", "https://example.org/", "https://例え.jp/😀?q=ü&x=<b>", "https://x.example/👨‍👩‍👧‍👦", "http://a.b/\u200bzw", "שלום.example",
        "https://x.example/\u0000nul", "  spaced  ", "https://x.example/" + new string('a', 3000),
    ];

    private static readonly Gen<string?> Url = Gen.Frequency(
        (4, Gen.OneOf(Urls.Select(Gen.Const).ToArray())),
        (2, Gen.String.Select(s => (string?)s)),
        (1, Gen.Char.Array[1, 8].Select(c => (string?)new string(c))));

    /// <summary>Websites: (contact, URL, a key that sets the order the rows are answered in); ids are given in list order.</summary>
    private static readonly Gen<(long Contact, string? Url, int Order)[]> Sites =
        Gen.Select(Gen.Long[1, 4], Url, Gen.Int).Array[0, 12];

    [Fact]
    public void Each_contact_reads_its_lowest_id_website_whatever_the_answer_order_and_text()
    {
        Sites.Sample(sites =>
        {
            var rows = sites.Select((s, i) => (Id: (long)(i + 1), s.Contact, s.Url, s.Order)).ToArray();
            var answer = JsonSerializer.Serialize(rows.OrderBy(r => r.Order).Select(r => new { id = r.Id, contact_id = r.Contact, url = r.Url }));
            using var document = JsonDocument.Parse(answer);

            var read = Websites.From(document.RootElement.EnumerateArray().ToArray());

            read.Failure.Should().BeNull();
            for (var contact = 1L; contact <= 4; contact++)
            {
                var problems = new List<string>();
                var expected = rows.Where(r => r.Contact == contact).OrderBy(r => r.Id).Select(r => r.Url).FirstOrDefault();
                read.UrlOf(contact, problems).Should().Be(expected);
                problems.Should().BeEmpty();
            }
        }, iter: 500);
    }

    private static readonly string[] AnyValue =
    [
        "null", "1", "2", "\"3\"", "-1", "0", "1.5", "true", "{}", "[]", "\"\"", "\"x\"", "\"\\ud800\"", "\"https://ok.example/\"", "1e400",
        "\"😀\"", "[1,2]", "{\"a\":1}",
    ];

    /// <summary>A row of any shape: keys present or not, values of any JSON kind, text CiviCRM never sends.</summary>
    private static readonly Gen<string> HostileRow = Gen.Select(Gen.OneOf(AnyValue.Select(Gen.Const).ToArray()).Array[3], Gen.Bool.Array[3], Gen.Int[0, 9])
        .Select(t =>
        {
            if (t.Item3 == 0)
            {
                return t.Item1[0];
            }

            var builder = new StringBuilder("{");
            var keys = new[] { "id", "contact_id", "url" };
            var first = true;
            for (var i = 0; i < keys.Length; i++)
            {
                if (t.Item2[i])
                {
                    builder.Append(first ? "" : ",").Append('"').Append(keys[i]).Append("\":").Append(t.Item1[i]);
                    first = false;
                }
            }

            return builder.Append('}').ToString();
        });

    [Fact]
    public void Any_answer_is_read_without_throwing_and_a_contact_gets_its_lowest_id_website_or_a_failure()
    {
        HostileRow.Array[0, 8].Sample(rows =>
        {
            using var document = JsonDocument.Parse("[" + string.Join(",", rows) + "]");
            var elements = document.RootElement.EnumerateArray().ToArray();

            var read = Websites.From(elements);

            if (read.Failure is not null)
            {
                read.Failure.Kind.Should().Be(FailureKind.Permanent);
                read.UrlOf(1, []).Should().BeNull("a failed read gives no one a URL");
                return;
            }

            // Every row had a readable id and contact: each contact's value is its lowest id row's URL, or a problem.
            var parsed = elements.Select(e => (Id: ContactReader.SafeId(e, "id")!.Value, Contact: ContactReader.SafeId(e, "contact_id")!.Value, Row: e)).ToArray();
            foreach (var group in parsed.GroupBy(p => p.Contact))
            {
                var firstRow = group.OrderBy(p => p.Id).First().Row;
                var problems = new List<string>();
                var url = read.UrlOf(group.Key, problems);
                var value = firstRow.TryGetProperty("url", out var u) ? u : default;
                if (value.ValueKind == JsonValueKind.String && TryText(value) is { } text)
                {
                    url.Should().Be(text);
                    problems.Should().BeEmpty();
                }
                else if (value.ValueKind == JsonValueKind.Null)
                {
                    url.Should().BeNull();
                    problems.Should().BeEmpty();
                }
                else
                {
                    url.Should().BeNull();
                    problems.Should().ContainSingle().Which.Should().Contain("website_first.url");
                }
            }
        }, iter: 1000);
    }

    private static string? TryText(JsonElement value)
    {
        try
        {
            return value.GetString();
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    [Fact]
    public void The_read_asks_for_the_contacts_websites_lowest_id_first() =>
        WebsiteTokens.Query([7, 9]).ToJson().Should().Be("""{"select":["contact_id","url"],"where":[["contact_id","IN",[7,9]]],"orderBy":{"id":"ASC"}}""");

    [Fact]
    public void Ids_in_any_JSON_form_CiviCRM_may_use_are_read() =>
        Websites.From(JsonDocument.Parse("""[{"id":"5","contact_id":"2","url":"b"},{"id":4,"contact_id":2,"url":"a"}]""").RootElement.EnumerateArray().ToArray())
            .UrlOf(2, []).Should().Be("a", "id 4 comes before id 5");
}
