using CsCheck;
using Microsoft.Extensions.Options;
using Skvare.CmsUser.Shared;

namespace Skvare.CmsUser.WordPress.Tests;

/// <summary>
/// The one validator every package registers (shared source, here WordPress's copy): the package's own sentences
/// and its data annotations, each problem once, annotations named by their configuration key.
/// </summary>
public sealed class PackageOptionsValidatorTests
{
    [Fact]
    public void An_annotation_about_a_key_the_package_sentence_names_is_dropped()
    {
        var merged = Merge(
            ["CmsUser:WordPress:BaseUrl is missing: set the site's base URL, e.g. https://www.example.org/."],
            ["BaseUrl: The WordPressOptions.BaseUrl field is required."]);

        merged.Should().Equal("CmsUser:WordPress:BaseUrl is missing: set the site's base URL, e.g. https://www.example.org/.");
    }

    [Theory]
    [InlineData("CompanionRoute: The WordPressOptions.CompanionRoute field is required.", "CmsUser:WordPress:CompanionRoute: The CompanionRoute field is required.")]
    [InlineData("DataAnnotation validation failed for 'WordPressOptions' members: 'Http.MaxRetries' with the error: 'The field MaxRetries must be between 0 and 10.'.", "CmsUser:WordPress:Http:MaxRetries: The field MaxRetries must be between 0 and 10.")]
    [InlineData("Something the options library may say one day", "Something the options library may say one day")]
    public void An_annotation_only_failure_names_its_configuration_key(string annotation, string expected) =>
        Merge([], [annotation]).Should().Equal(expected);

    [Fact]
    public void A_sentence_about_a_setting_inside_a_section_does_not_hide_a_problem_of_the_section()
    {
        var merged = Merge(
            ["CmsUser:WordPress:Http:MaxRetries is 99; it must be between 0 and 10."],
            ["Http: The WordPressOptions.Http field is required."]);

        merged.Should().HaveCount(2).And.Contain("CmsUser:WordPress:Http: The Http field is required.");
    }

    [Fact]
    public void Valid_options_pass_and_a_package_without_annotations_keeps_its_sentences()
    {
        Merge([], []).Should().BeEmpty();
        new PackageOptionsValidator<WordPressOptions>("CmsUser:WordPress", new Fixed("CmsUser:WordPress:Username is missing."), null)
            .Validate(null, new()).Failures.Should().Equal("CmsUser:WordPress:Username is missing.");
    }

    [Fact]
    public void Whatever_the_texts_nothing_is_lost_and_nothing_is_told_twice()
    {
        var text = Gen.OneOf(
            Gen.String[Gen.Char.AlphaNumeric, 0, 12],
            Gen.String,
            Gen.Select(Gen.String[Gen.Char.AlphaNumeric, 1, 10], Gen.String, (member, error) => $"{member}: {error}"),
            Gen.Select(Gen.String[Gen.Char.AlphaNumeric, 1, 10], Gen.String, (member, error) => $"CmsUser:WordPress:{member} {error}"));
        Gen.Select(text.Array[0, 4], text.Array[0, 4]).Sample((own, annotations) =>
        {
            var merged = Merge(own, annotations);

            merged.Should().OnlyHaveUniqueItems();
            own.Distinct().Should().BeSubsetOf(merged);
            merged.Count.Should().BeLessThanOrEqualTo(own.Distinct().Count() + annotations.Length);
            var told = own.Any(o => o.StartsWith("CmsUser:WordPress:", StringComparison.Ordinal));
            foreach (var annotation in annotations)
            {
                // Kept as it is, or named by its key ("member: error" becomes "CmsUser:WordPress:member: error"),
                // or dropped only because one of the package's sentences names a key.
                var kept = merged.Contains(annotation) || merged.Contains("CmsUser:WordPress:" + annotation);
                (kept || told).Should().BeTrue($"'{annotation}' is reported or told by a package sentence ({string.Join(" | ", merged)})");
            }

            merged.Except(own).All(m => annotations.Contains(m) || m.StartsWith("CmsUser:WordPress:", StringComparison.Ordinal))
                .Should().BeTrue("what the package did not say comes from an annotation, as it was or named by its key");
        }, iter: 2_000);
    }

    private static List<string> Merge(string[] own, string[] annotations)
    {
        var result = new PackageOptionsValidator<WordPressOptions>("CmsUser:WordPress", new Fixed(own), new Fixed(annotations)).Validate(null, new());
        return result.Failed ? [.. result.Failures] : [];
    }

    private sealed class Fixed(params string[] failures) : IValidateOptions<WordPressOptions>
    {
        public ValidateOptionsResult Validate(string? name, WordPressOptions options) =>
            failures.Length == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
