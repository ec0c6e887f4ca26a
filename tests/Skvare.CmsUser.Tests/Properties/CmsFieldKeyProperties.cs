using CsCheck;

namespace Skvare.CmsUser.Tests.Properties;

/// <summary>
/// The <c>FieldMappings</c> key parser over any text: never an exception but a configuration error with a sentence, the
/// same answer twice, a key without brackets kept as it is, and a parsed key written back as it was read.
/// </summary>
public sealed class CmsFieldKeyProperties
{
    private static readonly Gen<string> Bracketed = Gen.Select(
        Gen.OneOf<string>("field_address", "meta.key", "", " ", "x"),
        Gen.OneOf(Gen.OneOf<string>("0", "12", "locality", "", " ", "a]b", "a[b", "und"), HostileText.Text).Array[0, 4],
        Gen.OneOf<string>("", "]", "[", "x", "[]"))
        .Select((name, parts, tail) => name + string.Concat(parts.Select(p => "[" + p + "]")) + tail);

    [Fact]
    public void Any_key_parses_or_fails_with_a_sentence_and_a_parsed_key_reads_back_as_written() =>
        Gen.OneOf(HostileText.Text, Bracketed).Sample(key =>
        {
            var ok = CmsFieldKey.TryParse(key, out var parsed, out var error);
            CmsFieldKey.TryParse(new string(key.AsSpan()), out var again, out var error2).Should().Be(ok);
            if (!ok)
            {
                error.Should().NotBeNullOrWhiteSpace().And.Contain(key);
                error2.Should().Be(error);
                FluentActions.Invoking(() => CmsFieldKey.Parse(key)).Should().Throw<CmsUserConfigurationException>().WithMessage(error);
                return;
            }

            parsed!.ToString().Should().Be(key);
            again!.Parts.Should().Equal(parsed.Parts);
            if (!key.Contains('[', StringComparison.Ordinal) && !key.Contains(']', StringComparison.Ordinal))
            {
                parsed.Should().BeEquivalentTo(new { Field = key, IsCompound = false });
            }
            else
            {
                parsed.Field.Should().NotContainAny("[", "]").And.NotBeNullOrWhiteSpace();
                parsed.Parts.Should().NotBeEmpty().And.OnlyContain(p => !string.IsNullOrWhiteSpace(p) && !p.Contains('[', StringComparison.Ordinal) && !p.Contains(']', StringComparison.Ordinal));
                var (item, path) = parsed.ItemPath();
                item.Should().BeGreaterThanOrEqualTo(0);
                path.Should().NotBeEmpty();
            }
        }, iter: 5000);

    [Fact]
    public void Unbalanced_brackets_and_empty_parts_are_refused() =>
        Gen.Select(Gen.OneOf<string>("field_a", "f"), Gen.OneOf<string>("[", "]", "[]", "[ ]", "[0", "0]", "[0]x", "[a[b]]", "][", "[0]]"))
            .Sample((name, bad) => CmsFieldKey.TryParse(name + bad, out _, out _).Should().BeFalse(name + bad), iter: 200);

    [Theory]
    [InlineData("field_address[0][locality]", "field_address", 0, "locality")]
    [InlineData("field_address[locality]", "field_address", 0, "locality")]
    [InlineData("field_address[2][locality]", "field_address", 2, "locality")]
    [InlineData("field_x[1]", "field_x", 1, "value")]
    [InlineData("field_link[0][options][class]", "field_link", 0, "options/class")]
    public void A_compound_key_names_the_item_and_the_property(string key, string field, int item, string path)
    {
        var parsed = CmsFieldKey.Parse(key);

        parsed.Field.Should().Be(field);
        parsed.IsCompound.Should().BeTrue();
        parsed.ItemPath().Item.Should().Be(item);
        string.Join('/', parsed.ItemPath().Path).Should().Be(path);
    }

    [Theory]
    [InlineData("meta.key.with.dots")]
    [InlineData("field first name")]
    [InlineData("")]
    public void A_key_without_brackets_is_a_plain_field_as_written(string key) =>
        CmsFieldKey.Parse(key).Should().BeEquivalentTo(new { Field = key, IsCompound = false, Parts = Array.Empty<string>() });
}
