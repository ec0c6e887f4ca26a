using Skvare.CmsUser.Usernames;

namespace Skvare.CmsUser.Tests.Usernames;

public sealed class UsernameTemplateTests
{
    private static readonly Contact Ana = new()
    {
        Id = 42, FirstName = "Ana", LastName = "Lima", DisplayName = "Ana Lima", Email = "ana@example.org",
        ExternalIdentifier = "EXT-1", Fields = new Dictionary<string, string?> { ["custom_12"] = "blue" },
    };

    [Theory]
    [InlineData("{contact.first_name}.{contact.last_name}", "Ana.Lima")]
    [InlineData("{contact.first_name}_{contact.contact_id}", "Ana_42")]
    [InlineData("{ contact.id }-{contact.external_identifier}", "42-EXT-1")]
    [InlineData("{contact.email}", "ana@example.org")]
    [InlineData("member-{contact.custom_12}", "member-blue")]
    [InlineData("static", "static")]
    public void Renders_tokens(string pattern, string expected) =>
        UsernameTemplate.Parse(pattern).Render(Ana).Should().Be(expected);

    [Theory]
    [InlineData("{contact.nickname}", "unknown token")]
    [InlineData("{first_name}", "tokens look like")]
    [InlineData("{contact.first_name", "without a matching")]
    [InlineData("contact.first_name}", "without a matching")]
    public void Unknown_or_malformed_tokens_are_configuration_errors(string pattern, string message)
    {
        var act = () => UsernameTemplate.Parse(pattern);

        act.Should().Throw<CmsUserConfigurationException>().Which.Message.Should().Contain(message).And.Contain(pattern);
    }

    [Fact]
    public void Custom_field_tokens_are_reported_as_extra_fields() =>
        UsernameTemplate.Parse("{contact.custom_3}{contact.first_name}{contact.custom_3}").ExtraFields.Should().Equal("custom_3");

    [Fact]
    public void Missing_values_are_detected() =>
        UsernameTemplate.Parse("{contact.first_name}{contact.middle_name}").HasAllValues(Ana).Should().BeFalse();
}
