using System.Globalization;
using System.Reflection;
using System.Text.Json;
using Skvare.CmsUser.Shared;

namespace Skvare.CmsUser.CiviCrm.Tests;

/// <summary>
/// The SDK's copy of CiviCRM 6.17.2's custom value printing against CiviCRM's own code: <c>CiviCrmText.json</c> holds
/// what its vendored <c>Soundasleep\Html2Text</c> (under PHP 8.2.36 and libxml2 2.9.14) made of hostile HTML, and what
/// its money and decimal formatting calls (Brick\Money and ICU 72.1's <c>NumberFormatter</c>, as
/// <c>CRM_Core_BAO_CustomField::formatDisplayValue</c> makes them) printed for numbers as API v4 sends them
/// (<c>eng/civicrm-text/generate.php</c> made it).
/// </summary>
public sealed class CustomValueOracleTests
{
    private static readonly JsonElement Oracle = JsonDocument.Parse(File.ReadAllText(Path.Combine(
        typeof(CustomValueOracleTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "RepositoryRoot").Value!,
        "tests", "Skvare.CmsUser.CiviCrm.Tests", "CiviCrmText.json"))).RootElement;

    private static IEnumerable<(string Input, string Expected)> Cases(string kind) =>
        Oracle.GetProperty(kind).EnumerateArray().Select(c => (c[0].GetString()!, c[1].GetString()!));

    [Fact]
    public void Html_converts_to_the_text_CiviCRM_printed()
    {
        var differences = Cases("text")
            .Select(c => (c.Input, c.Expected, Printed: HtmlText.Convert(c.Input)))
            .Where(c => c.Printed != c.Expected)
            .Select(c => $"{JsonSerializer.Serialize(c.Input)}: {JsonSerializer.Serialize(c.Printed)} where CiviCRM printed {JsonSerializer.Serialize(c.Expected)}")
            .ToList();
        differences.Should().BeEmpty($"{differences.Count} of the cases differ");
        Cases("text").Should().HaveCountGreaterThan(3000);
    }

    [Fact]
    public void Money_prints_as_CiviCRM_printed_it()
    {
        var differences = Cases("money")
            .Select(c => (c.Input, c.Expected, Printed: CiviNumber.Money(CiviNumber.PhpText(double.Parse(c.Input, CultureInfo.InvariantCulture)), CiviNumber.Separators.Default)))
            .Where(c => c.Printed != c.Expected)
            .Select(c => $"{c.Input}: {c.Printed} where CiviCRM printed {c.Expected}")
            .ToList();
        differences.Should().BeEmpty();
    }

    [Fact]
    public void Decimals_print_as_CiviCRM_printed_them()
    {
        var differences = Cases("decimal")
            .Select(c => (c.Input, c.Expected, Printed: CiviNumber.Decimal(CiviNumber.PhpText(double.Parse(c.Input, CultureInfo.InvariantCulture)), CiviNumber.Separators.Default)))
            .Where(c => c.Printed != c.Expected)
            .Select(c => $"{c.Input}: {c.Printed} where CiviCRM printed {c.Expected}")
            .ToList();
        differences.Should().BeEmpty();
    }
}
