using System.Globalization;
using System.Text;
using System.Text.Json;
using CsCheck;
using Skvare.CmsUser.CiviCrm.Triggers;

namespace Skvare.CmsUser.CiviCrm.Tests;

/// <summary>
/// Whatever CiviCRM sends in a row (names, emails and ids of the wrong JSON type, nulls, invalid Unicode
/// escapes, huge strings), reading a page never throws: a bad row fails its own contact, never the page.
/// </summary>
public sealed class ContactReaderProperties
{
    private static readonly string[] Fields =
    [
        "first_name", "middle_name", "last_name", "nick_name", "display_name", "external_identifier",
        "preferred_language", "email_primary.email", "email_primary.on_hold", "uf.uf_name", "custom_1",
    ];

    private static readonly string[] Texts =
    [
        "Ana", "😀", "👨‍👩‍👧‍👦", "\\ud800", "\\udc00x", "\\u0000", "a\\u200bb", "שלום", "o'brien+x@example.org",
        "ANA@EXAMPLE.ORG", "é", "", " ", "\\\"", "</script>", "ana@exämple.org",
    ];

    /// <summary>A JSON value of any type, including text with escapes JSON allows but Unicode does not.</summary>
    private static readonly Gen<string> AnyValue = Gen.Frequency(
        (5, Gen.OneOf(Texts).Select(t => "\"" + t + "\"")),
        (1, Gen.Const("\"" + new string('x', 20_000) + "\"")),
        (2, Gen.Long.Select(n => n.ToString(CultureInfo.InvariantCulture))),
        (1, Gen.Double.Where(double.IsFinite).Select(d => d.ToString("R", CultureInfo.InvariantCulture))),
        (1, Gen.OneOf("true", "false", "null", "{}", "[]", "{\"a\":[1,2]}", "[\"x\"]", "\"12\"", "\"-3\"", "\"abc\"", "1e400")));

    private static readonly Gen<string> Row =
        Gen.Select(AnyValue, AnyValue.Array[Fields.Length], Gen.Bool)
            .Select(t =>
            {
                var builder = new StringBuilder("{\"id\":").Append(t.Item1).Append(",\"uf.uf_id\":").Append(t.Item3 ? "null" : t.Item2[0]);
                for (var i = 0; i < Fields.Length; i++)
                {
                    builder.Append(",\"").Append(Fields[i]).Append("\":").Append(t.Item2[i]);
                }

                return builder.Append('}').ToString();
            });

    [Fact]
    public void Reading_any_page_never_throws_and_keeps_only_rows_with_a_usable_id()
    {
        using var h = new CiviHarness(o => o.ReadOtherDomainLinks = false);
        var reader = new ContactReader(h.Client, new CiviCrmOptions { BaseUrl = h.Fake.Url, ApiKey = h.Fake.ApiKey, ReadOtherDomainLinks = false });

        Row.Array[1, 8].Sample(rows =>
        {
            using var document = JsonDocument.Parse("[" + string.Join(",", rows) + "]");
            var elements = document.RootElement.EnumerateArray().ToArray();

            var contacts = reader.ToContactsAsync(elements, ["custom_1"], CancellationToken.None).GetAwaiter().GetResult();

            contacts.Where(c => c.Id <= 0).Should().BeEmpty();
            contacts.Select(c => c.Id).Should().OnlyHaveUniqueItems();
            contacts.Count.Should().BeLessThanOrEqualTo(elements.Length);
            foreach (var contact in contacts)
            {
                // Whatever the reader kept is text .NET can handle: rendering a username from it never throws.
                _ = Usernames.UsernameSanitizer.Sanitize(string.Concat(contact.FirstName, contact.LastName, contact.Email), UsernameRules.Default);
            }
        }, iter: 400);
    }

    [Fact]
    public async Task A_row_with_an_unreadable_name_fails_that_contact_only()
    {
        using var h = new CiviHarness(o => o.ReadOtherDomainLinks = false);
        var reader = new ContactReader(h.Client, new CiviCrmOptions { BaseUrl = h.Fake.Url, ApiKey = h.Fake.ApiKey, ReadOtherDomainLinks = false });
        using var document = JsonDocument.Parse("""
            [
              {"id": 1, "uf.uf_id": null, "first_name": {"x": 1}, "email_primary.email": "a@example.org"},
              {"id": "2", "uf.uf_id": null, "first_name": "Bea", "last_name": "\ud800", "email_primary.email": "b@example.org"},
              {"id": {"bad": true}, "uf.uf_id": null, "first_name": "Nobody"},
              {"id": 4, "uf.uf_id": null, "first_name": "Dan", "email_primary.email": ["d@example.org"]},
              {"id": 5, "uf.uf_id": null, "first_name": "Eve", "email_primary.email": "e@example.org"}
            ]
            """);

        var contacts = await reader.ToContactsAsync(document.RootElement.EnumerateArray().ToArray(), [], CancellationToken.None);

        contacts.Select(c => c.Id).Should().Equal(1, 2, 4, 5);
        contacts.Single(c => c.Id == 1).DataError.Should().Contain("first_name");
        contacts.Single(c => c.Id == 4).DataError.Should().Contain("email_primary.email");
        contacts.Single(c => c.Id == 5).DataError.Should().BeNull();
        contacts.Single(c => c.Id == 5).FirstName.Should().Be("Eve");
    }
}
