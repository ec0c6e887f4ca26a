using System.Text.RegularExpressions;

namespace Skvare.CmsUser.Tests.Shared;

/// <summary>
/// What every package promises a library host (not the CLI): complete settings start, and a missing required
/// setting is reported once, in the package's own sentence that names the key (never again as a data annotation).
/// A package's test class names its settings and its required keys (as <c>[InlineData(key, value)]</c> rows of a
/// theory that calls <see cref="OneMessageNamingTheKeyAsync"/>).
/// </summary>
public abstract class StartupValidationContract
{
    /// <summary>Complete settings of the package.</summary>
    protected abstract IReadOnlyDictionary<string, string?> Valid { get; }

    /// <summary>Adds the package.</summary>
    protected abstract void Add(ICmsUserBuilder builder);

    [Fact]
    public async Task Complete_settings_start()
    {
        (await StartupProblems.OfAsync(Valid, Add)).Should().BeEmpty();
    }

    /// <summary>Starts with <paramref name="key"/> removed (<paramref name="value"/> null) or set to <paramref name="value"/>.</summary>
    protected async Task OneMessageNamingTheKeyAsync(string key, string? value)
    {
        var problems = await StartupProblems.OfAsync(StartupProblems.With(Valid, key, value), Add);

        problems.Should().ContainSingle().Which.Should().MatchRegex($"^{Regex.Escape(key)}[ :]").And.NotContain("DataAnnotation");
    }
}

/// <summary>The contract for the packages whose required settings are the CiviCRM connection's (CiviCRM, Standalone).</summary>
public abstract class CiviCrmStartupValidationContract : StartupValidationContract
{
    protected override IReadOnlyDictionary<string, string?> Valid { get; } = new Dictionary<string, string?>
    {
        ["CmsUser:CiviCrm:BaseUrl"] = "https://crm.example.org/",
        ["CmsUser:CiviCrm:ApiKey"] = "api-key-of-the-sdk",
    };

    [Theory]
    [InlineData("CmsUser:CiviCrm:BaseUrl", null)]
    [InlineData("CmsUser:CiviCrm:ApiKey", null)]
    public Task A_missing_required_CiviCrm_setting_is_one_message_naming_its_key(string key, string? value) => OneMessageNamingTheKeyAsync(key, value);
}
