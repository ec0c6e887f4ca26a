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
    [InlineData("{first_name}", "tokens look like {contact.first_name}. Did you mean {contact.first_name}?")]
    [InlineData("{contact.first_name", "without a matching")]
    [InlineData("contact.first_name}", "without a matching")]
    // Found in trial17: {contact.frist_name} listed every known token but said nothing about first_name.
    [InlineData("{contact.lastname}", "uses the unknown token '{contact.lastname}'. Did you mean {contact.last_name}?")]
    [InlineData("{contact.frist_name}.x", "Did you mean {contact.first_name}?")]
    [InlineData("{Contact.First_Name}", "tokens look like {contact.first_name}. Did you mean {contact.first_name}?")]
    public void Unknown_or_malformed_tokens_are_configuration_errors(string pattern, string message)
    {
        var act = () => UsernameTemplate.Parse(pattern);

        act.Should().Throw<CmsUserConfigurationException>().Which.Message.Should().Contain(message).And.Contain(pattern);
    }

    [Fact]
    public void A_token_nothing_is_near_suggests_nothing() =>
        FluentActions.Invoking(() => UsernameTemplate.Parse("{contact.zzzzzzzzzz}")).Should().Throw<CmsUserConfigurationException>()
            .Which.Message.Should().NotContain("Did you mean");

    [Fact]
    public void Custom_field_tokens_are_reported_as_extra_fields() =>
        UsernameTemplate.Parse("{contact.custom_3}{contact.first_name}{contact.custom_3}").ExtraFields.Should().Equal("custom_3");

    [Fact]
    public void Missing_values_are_detected() =>
        UsernameTemplate.Parse("{contact.first_name}{contact.middle_name}").HasAllValues(Ana).Should().BeFalse();

    // What CiviCRM 6.17.2's token processor renders for the same names (checked with WorkflowMessage.render on a real site):
    // first name "Ana María" |lower → "ana maría"; last name "o'BRIEN-smith van der berg" |capitalize → "O'brien-Smith Van Der Berg";
    // an empty nick name, or "0", |default:"member" → "member".
    [Theory]
    [InlineData("{contact.first_name|lower}.{contact.last_name|upper}", "ana maría.O'BRIEN-SMITH VAN DER BERG")]
    [InlineData("{contact.nick_name|default:\"member\"}_{contact.id}", "member_42")]
    [InlineData("{contact.first_name|default:\"member\"}", "Ana María")]
    [InlineData("{contact.external_identifier|default:\"none\"}", "none")]
    [InlineData("{contact.last_name|capitalize}", "O'brien-Smith Van Der Berg")]
    [InlineData("{ contact.first_name | upper }", "ANA MARÍA")]
    public void CiviCRM_token_filters_apply_to_the_value(string pattern, string expected) =>
        UsernameTemplate.Parse(pattern).Render(Filtered).Should().Be(expected);

    // CiviCRM 6.17.2's StandardFilters::boolean, (int) (bool) $value (recording civicrm-6.17.2-money-*): "0.00", "-0" and
    // "No" print 1, nothing and "0" print 0; a date prints 1 when the contact has it.
    [Theory]
    [InlineData("{contact.first_name|boolean}", null, "0")]
    [InlineData("{contact.first_name|boolean}", "", "0")]
    [InlineData("{contact.first_name|boolean}", "0", "0")]
    [InlineData("{contact.first_name|boolean}", "00", "1")]
    [InlineData("{contact.first_name|boolean}", "0.00", "1")]
    [InlineData("{contact.first_name|boolean}", "-0", "1")]
    [InlineData("{contact.first_name|boolean}", "No", "1")]
    [InlineData("{contact.first_name|boolean}", " ", "1")]
    [InlineData("{contact.first_name | boolean }", "😀", "1")]
    public void Boolean_prints_1_for_what_PHP_finds_true(string pattern, string? value, string expected)
    {
        var template = UsernameTemplate.Parse(pattern);
        template.Render(Filtered with { FirstName = value }).Should().Be(expected);
        template.HasAllValues(Filtered with { FirstName = value }).Should().BeTrue("0 is a value");
    }

    [Theory]
    [InlineData(null, "0")]
    [InlineData("February 29th, 2000", "1")]
    public void Boolean_of_a_date_prints_whether_the_contact_has_it(string? printedDate, string expected)
    {
        var template = UsernameTemplate.Parse("{contact.birth_date|boolean}");
        template.ExtraFields.Should().Equal("birth_date");
        template.Render(Filtered with { Fields = new Dictionary<string, string?> { ["birth_date"] = printedDate } }).Should().Be(expected);
    }

    [Fact]
    public void Boolean_takes_no_argument() =>
        FluentActions.Invoking(() => UsernameTemplate.Parse("{contact.first_name|boolean:\"x\"}")).Should().Throw<CmsUserConfigurationException>().WithMessage("*|boolean*");

    [Fact]
    public void A_default_fills_a_missing_value_so_the_pattern_is_not_incomplete()
    {
        UsernameTemplate.Parse("{contact.nick_name}").HasAllValues(Filtered).Should().BeFalse();
        UsernameTemplate.Parse("{contact.nick_name|default:\"member\"}").HasAllValues(Filtered).Should().BeTrue();
    }

    [Theory]
    [InlineData("{contact.city}", "address_primary.city", "Recife")]
    [InlineData("{contact.address_primary.city}", "address_primary.city", "Recife")]
    [InlineData("{contact.primary_address.city}", "address_primary.city", "Recife")]
    [InlineData("{contact.state_province}", "address_primary.state_province_id:abbr", "PE")]
    [InlineData("{contact.job_title|lower}", "job_title", "dev")]
    [InlineData("{contact.individual_prefix}", "prefix_id:label", "Ms.")]
    [InlineData("{contact.current_employer}", "employer_id.display_name", "Acme")]
    [InlineData("{contact.phone}", "phone_primary.phone", "555-0100")]
    public void CiviCRMs_other_contact_tokens_and_their_old_names_read_the_API_field(string pattern, string field, string expected)
    {
        var template = UsernameTemplate.Parse(pattern);

        template.ExtraFields.Should().Equal(field);
        template.Render(Filtered).Should().Be(expected);
    }

    [Theory]
    [InlineData("{contact.url}")]
    [InlineData("{contact.website_first.url}")]
    [InlineData("{contact.primary_website.url}")]
    public void Every_spelling_of_the_website_token_reads_the_first_website(string pattern) =>
        UsernameTemplate.Parse(pattern).ExtraFields.Should().Equal("website_first.url");

    [Theory]
    [InlineData("{contact.custom_012}", "{contact.custom_12}")]
    [InlineData("x{contact.custom_07|default:\"none\"}", "{contact.custom_7}")]
    [InlineData("{contact.custom_0}", "start at 1")]
    [InlineData("{contact.custom_000}", "start at 1")]
    public void A_custom_field_token_with_leading_zeros_is_refused_as_CiviCRM_prints_nothing_for_it(string pattern, string fix) =>
        FluentActions.Invoking(() => UsernameTemplate.Parse(pattern)).Should().Throw<CmsUserConfigurationException>()
            .Which.Message.Should().Contain("leading zeros").And.Contain(fix).And.Contain(pattern);

    [Fact]
    public void The_primary_email_token_is_the_standard_email() =>
        UsernameTemplate.Parse("{contact.email_primary.email}").Render(Ana).Should().Be("ana@example.org");

    [Theory]
    [InlineData("{contact.first_name|shout}", "Known filters")]
    [InlineData("{contact.first_name|lower|upper}", "Known filters")]
    [InlineData("{contact.first_name|default:member}", "double quotes")]
    [InlineData("{contact.first_name|default}", "double quotes")]
    [InlineData("{contact.checksum}", "unknown token")]
    [InlineData("{contact.hash}", "unknown token")]
    [InlineData("{contact.birthdate}", "Did you mean {contact.birth_date}")]
    [InlineData("{contact.first_name|crmDate:\"%Y\"}", "not a date")]
    public void Unknown_filters_and_tokens_left_out_on_purpose_are_configuration_errors(string pattern, string message) =>
        FluentActions.Invoking(() => UsernameTemplate.Parse(pattern)).Should().Throw<CmsUserConfigurationException>()
            .Which.Message.Should().Contain(message).And.Contain(pattern);

    [Theory]
    [InlineData("{contact.birth_date}", "birth_date")]
    [InlineData("{contact.deceased_date|crmDate}", "deceased_date|crmDate")]
    [InlineData("{contact.created_date | crmDate:\"Full\" }", "created_date|crmDate:\"Full\"")]
    [InlineData("{contact.modified_date|crmDate:\"shortdate\"}", "modified_date|crmDate:\"shortdate\"")]
    [InlineData("{contact.birth_date|crmDate:\"%d.%m.%Y %H:%M (%a)\"}", "birth_date|crmDate:\"%d.%m.%Y %H:%M (%a)\"")]
    [InlineData("{contact.birth_date|crmDate:\"%%Y 100%% %%x\"}", "birth_date|crmDate:\"%%Y 100%% %%x\"")]
    public void A_date_token_is_read_as_a_field_that_carries_its_crmDate_filter(string pattern, string field)
    {
        var template = UsernameTemplate.Parse(pattern);

        template.ExtraFields.Should().Equal(field);
        var contact = new Contact { Id = 7, Fields = new Dictionary<string, string?> { [field] = "February 29th, 2000" } };
        template.Render(contact).Should().Be("February 29th, 2000", "the contact read prints the date; the pattern takes its text as it is");
        template.EmptyToken(contact with { Fields = new Dictionary<string, string?> { [field] = null } }).Should().Be("{contact." + field + "}");
    }

    [Theory]
    [InlineData("{contact.birth_date|upper}", "only CiviCRM's |crmDate")]
    [InlineData("{contact.birth_date|default:\"none\"}", "only CiviCRM's |crmDate")]
    [InlineData("{contact.birth_date|crmDate:Full}", "double quotes")]
    [InlineData("{contact.birth_date|crmDate:\"\"}", "double quotes")]
    [InlineData("{contact.birth_date|crmDate:\"%Y\":\"x\"}", "double quotes")]
    [InlineData("{contact.birth_date|crmDate:\"%Y年\"}", "token syntax allows only")]
    [InlineData("{contact.birth_date|crmDate:\"%e|%E\"}", "token syntax allows only")]
    [InlineData("{contact.birth_date|crmDate:\"Timestamp\"}", "time zone")]
    [InlineData("{contact.created_date|crmDate:\"%H %Z\"}", "time zone")]
    [InlineData("{contact.created_date|crmDate:\"%%Z\"}", "CiviCRM prints %%Z as % and the name")]
    [InlineData("{contact.custom_3|crmDate:\"\"}", "double quotes")]
    [InlineData("{contact.custom_3|crmDate:\"%Y年\"}", "token syntax allows only")]
    public void Date_forms_CiviCRM_fails_or_prints_with_the_servers_time_zone_are_refused_at_start(string pattern, string message) =>
        FluentActions.Invoking(() => UsernameTemplate.Parse(pattern)).Should().Throw<CmsUserConfigurationException>()
            .Which.Message.Should().Contain(message).And.Contain(pattern.Split('|')[0]);

    [Theory]
    [InlineData("{contact.custom_3|crmDate}")]
    [InlineData("{contact.custom_3|crmDate:\"%Y\"}")]
    [InlineData("{contact.custom_3 | crmDate:\"Full\" }")]
    [InlineData("{contact.custom_3|crmDate:\"%Z\"}")]
    [InlineData("{contact.custom_3|crmDate:\"Timestamp\"}")]
    public void CrmDate_on_a_custom_field_prints_the_fields_own_text_as_CiviCRM_does(string pattern)
    {
        var template = UsernameTemplate.Parse(pattern);

        template.ExtraFields.Should().Equal("custom_3");
        var contact = new Contact { Id = 7, Fields = new Dictionary<string, string?> { ["custom_3"] = "February 29, 2000 1:05PM" } };
        template.Render(contact).Should().Be("February 29, 2000 1:05PM", "CiviCRM 6.17.2 prints a custom field's display text whatever |crmDate says");
        template.EmptyToken(contact with { Fields = new Dictionary<string, string?>() }).Should().Be("{contact.custom_3}");
    }

    private static readonly Contact Filtered = new()
    {
        Id = 42, FirstName = "Ana María", LastName = "o'BRIEN-smith van der berg", Email = "ana@example.org",
        Fields = new Dictionary<string, string?>
        {
            ["address_primary.city"] = "Recife", ["address_primary.state_province_id:abbr"] = "PE", ["job_title"] = "Dev",
            ["prefix_id:label"] = "Ms.", ["employer_id.display_name"] = "Acme", ["phone_primary.phone"] = "555-0100",
        },
    };
}
