using Skvare.CmsUser.Tests.Shared;

namespace Skvare.CmsUser.WordPress.Tests;

/// <summary>A library host sees each missing WordPress setting once, in the package's own sentence.</summary>
public sealed class StartupValidationTests : StartupValidationContract
{
    protected override IReadOnlyDictionary<string, string?> Valid { get; } = new Dictionary<string, string?>
    {
        ["CmsUser:WordPress:BaseUrl"] = "https://www.example.org/",
        ["CmsUser:WordPress:Username"] = "api",
        ["CmsUser:WordPress:ApplicationPassword"] = "abcd abcd abcd abcd abcd abcd",
    };

    [Theory]
    [InlineData("CmsUser:WordPress:BaseUrl", null)]
    [InlineData("CmsUser:WordPress:Username", null)]
    [InlineData("CmsUser:WordPress:ApplicationPassword", null)]
    [InlineData("CmsUser:WordPress:CompanionRoute", "")]
    public Task A_missing_required_setting_is_one_message_naming_its_key(string key, string? value) => OneMessageNamingTheKeyAsync(key, value);

    protected override void Add(ICmsUserBuilder builder) => builder.AddWordPress();
}
