using CsCheck;
using Skvare.CmsUser.Usernames;

namespace Skvare.CmsUser.Tests.Properties;

/// <summary>
/// The argument of <c>|crmDate:"…"</c> over generated formats of CiviCRM's <c>%</c> codes, <c>%%</c> followed by any
/// character the token syntax allows, and plain text: on a date, every argument is accepted and handed to the contact read
/// unchanged, except the ones that print the CiviCRM server's time zone (<c>"Timestamp"</c>, and <c>%Z</c> wherever it
/// stands, <c>%%Z</c> included: CiviCRM has no escape for <c>%</c> and prints <c>%</c> and the zone's name, seen on
/// 6.17.2 as <c>%UTC</c>); on a custom field every such argument is accepted and changes nothing (CiviCRM prints the
/// field's own display text). The decision is computed apart, from the argument's text.
/// </summary>
public sealed class DateTokenArgumentProperties
{
    // CiviCRM's filter argument characters (TokenProcessor::visitTokens), quotes excluded.
    private const string Allowed = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_: %-()[]+/#@!,.?";

    private static readonly Gen<string> Piece = Gen.OneOf(
        Gen.Char[Allowed].Select(c => "%" + c),
        Gen.Char[Allowed].Select(c => "%%" + c),
        Gen.Char[Allowed].Select(c => c.ToString()),
        Gen.OneOf(Gen.Const("%%"), Gen.Const("%"), Gen.Const("Timestamp"), Gen.Const("Full"), Gen.Const("%Z")));

    private static readonly Gen<string> Argument = Piece.Array[1, 8].Select(parts => string.Concat(parts));

    [Fact]
    public void On_a_date_an_argument_is_refused_exactly_when_it_prints_the_servers_time_zone() =>
        Gen.Select(Argument, Gen.OneOf(DateTokens.Fields.Select(Gen.Const).ToArray())).Sample((argument, field) =>
        {
            var zone = argument == "Timestamp" || ContainsZoneCode(argument);
            var pattern = $"{{contact.{field}|crmDate:\"{argument}\"}}";
            try
            {
                var template = UsernameTemplate.Parse(pattern);
                return !zone && template.ExtraFields.SequenceEqual([$"{field}|crmDate:\"{argument}\""]);
            }
            catch (CmsUserConfigurationException ex)
            {
                return zone && ex.Message.Contains("time zone", StringComparison.Ordinal);
            }
        }, iter: 3000);

    [Fact]
    public void On_a_custom_field_any_argument_is_accepted_and_prints_the_fields_own_text() =>
        Gen.Select(Argument, Gen.Long[1, 99999], Gen.String[0, 20]).Sample((argument, id, text) =>
        {
            var field = $"custom_{id}";
            var template = UsernameTemplate.Parse($"<{{contact.{field}|crmDate:\"{argument}\"}}>");
            return template.ExtraFields.SequenceEqual([field])
                && template.Render(new Contact { Id = 1, Fields = new Dictionary<string, string?> { [field] = text } }) == $"<{text}>";
        }, iter: 2000);

    // CRM_Utils_Date::customFormat's codes (6.17.2), %D aside (it becomes %m/%d/%y first).
    private const string Codes = "AabBdeEfHhIklmMipPYysSZ";

    /// <summary>Whether CiviCRM's <c>strtr</c>, reading the codes left to right, replaces a <c>%Z</c> of the text.</summary>
    private static bool ContainsZoneCode(string argument)
    {
        var i = 0;
        while (i < argument.Length)
        {
            if (argument[i] == '%' && i + 1 < argument.Length && Codes.Contains(argument[i + 1], StringComparison.Ordinal))
            {
                if (argument[i + 1] == 'Z')
                {
                    return true;
                }

                i += 2;
            }
            else
            {
                i++;
            }
        }

        return false;
    }
}
