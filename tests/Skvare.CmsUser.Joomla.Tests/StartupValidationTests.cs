using Skvare.CmsUser.Tests.Shared;

namespace Skvare.CmsUser.Joomla.Tests;

/// <summary>A library host sees each missing Joomla setting once, in the package's own sentence.</summary>
public sealed class StartupValidationTests : StartupValidationContract
{
    protected override IReadOnlyDictionary<string, string?> Valid { get; } = new Dictionary<string, string?>
    {
        ["CmsUser:Joomla:BaseUrl"] = "https://www.example.org/",
        ["CmsUser:Joomla:ApiToken"] = "c2hhMjU2OjQyOmFiY2RlZg==",
    };

    [Theory]
    [InlineData("CmsUser:Joomla:BaseUrl", null)]
    [InlineData("CmsUser:Joomla:ApiToken", null)]
    [InlineData("CmsUser:Joomla:ApiPath", "")]
    public Task A_missing_required_setting_is_one_message_naming_its_key(string key, string? value) => OneMessageNamingTheKeyAsync(key, value);

    protected override void Add(ICmsUserBuilder builder) => builder.AddJoomla();
}
