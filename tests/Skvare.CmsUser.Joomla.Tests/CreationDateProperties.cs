using System.Globalization;
using CsCheck;
using Skvare.CmsUser.Shared;

namespace Skvare.CmsUser.Joomla.Tests;

/// <summary>
/// The creation dates the CMSs answer (compiled into every provider from src/Shared/CmsProvider/CmsDates.cs): any instant
/// written as a CMS writes it reads back as that instant, and any other text is unknown, never an exception.
/// </summary>
public sealed class CreationDateProperties
{
    // Whole seconds from 1971 to 9998, as the CMSs store them.
    private static readonly Gen<DateTimeOffset> Instant =
        Gen.Long[new DateTime(1971, 1, 1).Ticks / TimeSpan.TicksPerSecond, new DateTime(9998, 12, 31).Ticks / TimeSpan.TicksPerSecond]
            .Select(seconds => new DateTimeOffset(seconds * TimeSpan.TicksPerSecond, TimeSpan.Zero));

    private static readonly Gen<TimeSpan> Offset = Gen.Int[-14 * 60, 14 * 60].Select(minutes => TimeSpan.FromMinutes(minutes));

    [Fact]
    public void An_rfc3339_date_in_any_offset_reads_as_its_instant() =>
        Gen.Select(Instant, Offset).Where((at, offset) => at.UtcDateTime + offset > new DateTime(1971, 1, 2) && at.UtcDateTime + offset < new DateTime(9999, 1, 1)).Sample((at, offset) =>
        {
            // WordPress registered_date and Drupal created: Y-m-d\TH:i:sP.
            var text = at.ToOffset(offset).ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture);
            CmsDates.FromText(text).Should().Be(at);
            CmsDates.FromText(text)!.Value.Offset.Should().Be(TimeSpan.Zero);
        });

    [Fact]
    public void A_utc_date_without_an_offset_and_unix_seconds_read_as_their_instant() =>
        Instant.Sample(at =>
        {
            // Joomla registerDate: the database's UTC value.
            CmsDates.FromText(at.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)).Should().Be(at);
            // Drupal 7 created.
            CmsDates.FromUnixSeconds(at.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)).Should().Be(at);
        });

    [Fact]
    public void Any_other_text_is_no_date_and_never_an_exception()
    {
        Gen.String.Sample(text =>
        {
            var read = () => (CmsDates.FromText(text), CmsDates.FromUnixSeconds(text));
            read.Should().NotThrow();
        }, iter: 5000);
        CmsDates.FromText("0000-00-00 00:00:00").Should().BeNull("Joomla's empty date");
        CmsDates.FromText(null).Should().BeNull();
        CmsDates.FromText("").Should().BeNull();
        CmsDates.FromText("25/11/2026").Should().BeNull();
        CmsDates.FromUnixSeconds("0").Should().BeNull();
        CmsDates.FromUnixSeconds("-5").Should().BeNull();
        CmsDates.FromUnixSeconds("99999999999999999999").Should().BeNull();
        CmsDates.FromUnixSeconds("1e9").Should().BeNull();
    }
}
