using CsCheck;
using Skvare.CmsUser.Engine;
using static Skvare.CmsUser.Tests.Properties.PersonNameProperties;

namespace Skvare.CmsUser.Tests.Properties;

/// <summary>
/// The CMS fields a create fills from <see cref="CmsUserOptions.FieldMappings"/> (<see cref="EngineSettings.FieldValues"/>)
/// are cleaned as the names a create sends are (<see cref="PersonNames.Clean"/>): a template that copies a name copied its
/// bidi controls and zero-width characters to the CMS too.
/// </summary>
public sealed class FieldTemplateProperties
{
    /// <summary>Templates as a site writes them: names alone or with text around, an invisible character in the text itself, ids.</summary>
    private static readonly Gen<string> Template = Gen.OneOf(
        "{contact.first_name}",
        "{contact.first_name} {contact.last_name}",
        "{contact.display_name}",
        "Dr. {contact.last_name}\u200B",
        "\u202E{contact.nick_name}",
        "{contact.contact_id}-{contact.first_name}");

    private static readonly Gen<Contact> Contacts = Gen.Select(AnyName, AnyName, AnyName, AnyName, Gen.Long[1, 1_000_000])
        .Select((first, last, display, nick, id) => new Contact { Id = id, FirstName = first, LastName = last, DisplayName = display, NickName = nick });

    [Fact]
    public void A_field_value_keeps_every_visible_character_of_the_template_as_rendered_and_loses_only_the_invisible_ones() =>
        Gen.Select(Template, Contacts).Sample((template, contact) =>
        {
            var settings = Settings(("field_name", template));
            var rendered = Skvare.CmsUser.Usernames.UsernameTemplate.Parse(template).Render(contact);

            var values = settings.FieldValues(contact);

            if (string.IsNullOrWhiteSpace(Visible(rendered)))
            {
                // Nothing visible: a value that held an invisible character (or nothing) is not sent at all, never as a blank.
                if (rendered.Length == 0 || Runes(rendered).Any(r => Dropped.Contains(r.Value) || r.Value is 0x200C or 0x200D))
                {
                    values.Should().BeNull(Show(rendered, values?.GetValueOrDefault("field_name")));
                }

                return;
            }

            var value = values.Should().NotBeNull().And.ContainKey("field_name").WhoseValue;
            Runes(value).Should().NotContain(r => Dropped.Contains(r.Value), Show(rendered, value));
            Visible(value).Should().Be(Visible(rendered), "only invisible characters and lone surrogates are dropped: " + Show(rendered, value));
            value.Should().Be(PersonNames.Clean(value), "cleaning twice changes nothing: " + Show(rendered, value));
        });

    [Theory]
    [InlineData("{contact.first_name} {contact.last_name}", "Ana Lima")]
    [InlineData("Dr. {contact.last_name}\u200B", "Dr. Lima")]
    [InlineData("{contact.display_name}", "مهدی\u200Cزاده")]
    [InlineData("{contact.contact_id}", "42")]
    public void Hand_picked_field_values(string template, string expected)
    {
        var contact = new Contact { Id = 42, FirstName = "\u2067Ana\u2069", LastName = "Li\u200Bma", DisplayName = "\u202Bمهدی\u200Cزاده\u202C" };

        Settings(("field", template)).FieldValues(contact).Should().Equal(new Dictionary<string, string> { ["field"] = expected });
    }

    [Fact]
    public void A_field_of_nothing_visible_is_not_sent_and_no_mapping_gives_no_dictionary()
    {
        var contact = new Contact { Id = 1, FirstName = "\u202E\u200B" };

        Settings(("field", "{contact.first_name}")).FieldValues(contact).Should().BeNull();
        Settings().FieldValues(contact).Should().BeNull();
    }

    private static EngineSettings Settings(params (string Field, string Template)[] mappings)
    {
        var options = new CmsUserOptions();
        foreach (var (field, template) in mappings)
        {
            options.FieldMappings[field] = template;
        }

        return new EngineSettings(options);
    }
}
