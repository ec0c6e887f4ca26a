using Skvare.CmsUser.Tests.Shared;

namespace Skvare.CmsUser.Drupal.Tests;

/// <summary>A library host sees each missing Drupal 8+ setting once, in the package's own sentence.</summary>
public sealed class StartupValidationTests : StartupValidationContract
{
    protected override IReadOnlyDictionary<string, string?> Valid { get; } = new Dictionary<string, string?>
    {
        ["CmsUser:Drupal:BaseUrl"] = "https://www.example.org/",
        ["CmsUser:Drupal:Username"] = "api",
        ["CmsUser:Drupal:Password"] = "secret-password",
    };

    [Theory]
    [InlineData("CmsUser:Drupal:BaseUrl", null)]
    [InlineData("CmsUser:Drupal:Username", null)]
    [InlineData("CmsUser:Drupal:Password", null)]
    public Task A_missing_required_setting_is_one_message_naming_its_key(string key, string? value) => OneMessageNamingTheKeyAsync(key, value);

    protected override void Add(ICmsUserBuilder builder) => builder.AddDrupal();
}
