using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Skvare.CmsUser.Tests.Shared;

/// <summary>
/// What a CMS package says at start about a <c>FieldMappings</c> key naming a part of a compound field
/// (<c>field_address[0][locality]</c>) beside a plain one: the failures of <see cref="CmsUserOptions"/>' validation.
/// </summary>
internal static class CompoundFieldKeys
{
    public const string Key = "field_address[0][locality]";

    public static string[] Failures(Func<ICmsUserBuilder, ICmsUserBuilder> addCms)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        addCms(services.AddCmsUserProvisioning(o =>
        {
            o.Rules.Add(new ProvisioningRule { Trigger = TriggerDefinition.Group("members") });
            o.FieldMappings[Key] = "{contact.city}";
            o.FieldMappings["field_member_no"] = "{contact.custom_1}";
        }));
        using var provider = services.BuildServiceProvider();
        try
        {
            _ = provider.GetRequiredService<IOptions<CmsUserOptions>>().Value;
            return [];
        }
        catch (OptionsValidationException ex)
        {
            return [.. ex.Failures];
        }
    }
}
