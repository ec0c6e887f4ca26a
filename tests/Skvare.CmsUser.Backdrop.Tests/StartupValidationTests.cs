using Skvare.CmsUser.Tests.Shared;

namespace Skvare.CmsUser.Backdrop.Tests;

/// <summary>A library host sees each missing Backdrop setting once, in the package's own sentence.</summary>
public sealed class StartupValidationTests : StartupValidationContract
{
    protected override IReadOnlyDictionary<string, string?> Valid { get; } = new Dictionary<string, string?>
    {
        ["CmsUser:Backdrop:BaseUrl"] = "https://www.example.org/",
        ["CmsUser:Backdrop:Secret"] = "0123456789abcdef0123456789abcdef",
    };

    [Theory]
    [InlineData("CmsUser:Backdrop:BaseUrl", null)]
    [InlineData("CmsUser:Backdrop:Secret", null)]
    public Task A_missing_required_setting_is_one_message_naming_its_key(string key, string? value) => OneMessageNamingTheKeyAsync(key, value);

    protected override void Add(ICmsUserBuilder builder) => builder.AddBackdrop();
}
