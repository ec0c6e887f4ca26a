using System.Globalization;
using CsCheck;
using Skvare.CmsUser.Usernames;

namespace Skvare.CmsUser.Tests.Properties;

/// <summary>
/// <c>{contact.custom_N}</c> as CiviCRM 6.17.2's token processor takes it: the id without leading zeros reads field N;
/// written with leading zeros (<c>custom_012</c>) CiviCRM prints nothing, so the pattern is refused at start, naming the
/// token to write instead.
/// </summary>
public sealed class CustomFieldTokenProperties
{
    [Fact]
    public void A_custom_field_id_reads_that_field_and_the_same_id_with_leading_zeros_is_refused() =>
        Gen.Select(Gen.Long[1, long.MaxValue], Gen.Int[1, 6]).Sample(input =>
        {
            var (id, zeros) = input;
            var canonical = "custom_" + id.ToString(CultureInfo.InvariantCulture);
            var padded = "custom_" + new string('0', zeros) + id.ToString(CultureInfo.InvariantCulture);

            var template = UsernameTemplate.Parse("{contact." + canonical + "}");
            template.ExtraFields.Should().Equal(canonical);
            template.Render(new Contact { Id = 1, Fields = new Dictionary<string, string?> { [canonical] = "v" } }).Should().Be("v");

            FluentActions.Invoking(() => UsernameTemplate.Parse("{contact." + padded + "|lower}")).Should().Throw<CmsUserConfigurationException>()
                .Which.Message.Should().Contain("{contact." + canonical + "}");
        }, iter: 300);
}
