using Skvare.CmsUser.Tests.Shared;

namespace Skvare.CmsUser.Drupal7.Tests;

/// <summary>A library host sees each missing Drupal 7 setting once, in the package's own sentence.</summary>
public sealed class StartupValidationTests : StartupValidationContract
{
    protected override IReadOnlyDictionary<string, string?> Valid { get; } = new Dictionary<string, string?>
    {
        ["CmsUser:Drupal7:BaseUrl"] = "https://www.example.org/",
        ["CmsUser:Drupal7:Endpoint"] = "api",
        ["CmsUser:Drupal7:Username"] = "api",
        ["CmsUser:Drupal7:Password"] = "secret-password",
    };

    [Theory]
    [InlineData("CmsUser:Drupal7:BaseUrl", null)]
    [InlineData("CmsUser:Drupal7:Endpoint", null)]
    [InlineData("CmsUser:Drupal7:Username", null)]
    [InlineData("CmsUser:Drupal7:Password", null)]
    public Task A_missing_required_setting_is_one_message_naming_its_key(string key, string? value) => OneMessageNamingTheKeyAsync(key, value);

    protected override void Add(ICmsUserBuilder builder) => builder.AddDrupal7();
}
