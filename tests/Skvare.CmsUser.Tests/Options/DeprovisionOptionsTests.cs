using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Skvare.CmsUser.Tests.Options;

public sealed class DeprovisionOptionsTests
{
    private static readonly Dictionary<string, string?> Valid = new()
    {
        ["CmsUser:Rules:0:Name"] = "members",
        ["CmsUser:Rules:0:Trigger:Kind"] = "Group",
        ["CmsUser:Rules:0:Trigger:Reference"] = "website_members",
        ["CmsUser:Rules:0:History:Kind"] = "Tag",
        ["CmsUser:Rules:0:History:Reference"] = "has_login",
        ["CmsUser:Rules:0:Roles:0"] = "subscriber",
        ["CmsUser:Rules:0:Deprovision:When"] = "Revoked",
        ["CmsUser:Rules:0:Deprovision:Revoked:Kind"] = "SavedSearch",
        ["CmsUser:Rules:0:Deprovision:Revoked:Reference"] = "lapsed_memberships",
        ["CmsUser:Rules:0:Deprovision:Action"] = "RemoveRoles",
        ["CmsUser:LoginLinks:AllowExistingUsers"] = "true",
        ["CmsUser:LoginLinks:BlockedRoles:0"] = "shop_manager",
    };

    private static IHost BuildHost(Dictionary<string, string?> settings) => OptionsValidationTests.BuildHost(settings);

    [Fact]
    public async Task Deprovision_and_login_link_settings_bind_from_configuration()
    {
        using var host = BuildHost(Valid);
        await host.StartAsync();

        var options = host.Services.GetRequiredService<IOptions<CmsUserOptions>>().Value;
        var deprovision = options.Rules.Single().Deprovision!;
        deprovision.When.Should().Be(DeprovisionWhen.Revoked);
        deprovision.Revoked!.Kind.Should().Be(TriggerKind.SavedSearch);
        deprovision.Action.Should().Be(DeprovisionAction.RemoveRoles);
        options.LoginLinks.AllowExistingUsers.Should().BeTrue();
        options.LoginLinks.BlockedRoles.Should().Equal("shop_manager");
        await host.StopAsync();
    }

    [Theory]
    [InlineData("CmsUser:Rules:0:History:Reference", null, "needs CmsUser:Rules:0:History")]
    [InlineData("CmsUser:Rules:0:Deprovision:Revoked:Reference", "", "Deprovision:Revoked is missing")]
    [InlineData("CmsUser:Rules:0:Deprovision:Revoked:Reference", "website_members", "must be a set of its own")]
    [InlineData("CmsUser:Rules:0:Roles:0", null, "RemoveRoles needs CmsUser:Rules:0:Roles")]
    [InlineData("CmsUser:Rules:0:Deprovision:When", "LeftTrigger", "Revoked is set but When is LeftTrigger")]
    [InlineData("CmsUser:LoginLinks:BlockedRoles:0", " ", "CmsUser:LoginLinks:BlockedRoles:0 is a blank role name (only whitespace)")]
    [InlineData("CmsUser:Rules:0:Roles:0", "\u00A0\t", "CmsUser:Rules:0:Roles:0 is a blank role name (only whitespace)")]
    public async Task Invalid_deprovisioning_fails_at_start_naming_the_setting(string key, string? value, string message)
    {
        var settings = new Dictionary<string, string?>(Valid);
        if (value is null)
        {
            settings.Remove(key);
            if (key.EndsWith(":History:Reference", StringComparison.Ordinal))
            {
                settings.Remove("CmsUser:Rules:0:History:Kind");
            }
        }
        else
        {
            settings[key] = value;
        }

        if (key == "CmsUser:Rules:0:Deprovision:Revoked:Reference" && value == "website_members")
        {
            settings["CmsUser:Rules:0:Deprovision:Revoked:Kind"] = "Group";
        }

        using var host = BuildHost(settings);

        var act = () => host.StartAsync();

        (await act.Should().ThrowAsync<OptionsValidationException>()).Which.Message.Should().Contain(message);
    }

    [Fact]
    public async Task Leaving_a_saved_search_cannot_be_the_deprovisioning_event()
    {
        var settings = new Dictionary<string, string?>(Valid)
        {
            ["CmsUser:Rules:0:Trigger:Kind"] = "SavedSearch",
            ["CmsUser:Rules:0:Deprovision:When"] = "LeftTrigger",
        };
        settings.Remove("CmsUser:Rules:0:Deprovision:Revoked:Kind");
        settings.Remove("CmsUser:Rules:0:Deprovision:Revoked:Reference");
        using var host = BuildHost(settings);

        var act = () => host.StartAsync();

        (await act.Should().ThrowAsync<OptionsValidationException>()).Which.Message.Should().Contain("a saved search cannot be left");
    }
}
