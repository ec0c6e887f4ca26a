using Microsoft.Extensions.Options;

namespace Skvare.CmsUser.Shared;

/// <summary>
/// Refuses at start a <c>FieldMappings</c> key that names a part of a compound field (<c>field_address[0][locality]</c>)
/// for a CMS whose API takes one value per field.
/// </summary>
/// <param name="cms">The CMS, as the message names it.</param>
/// <param name="why">Why it takes none, as the end of a sentence.</param>
internal sealed class FlatFieldMappingsValidator(string cms, string why) : IValidateOptions<CmsUserOptions>
{
    public ValidateOptionsResult Validate(string? name, CmsUserOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var compound = options.FieldMappings.Keys
            .Where(k => CmsFieldKey.TryParse(k, out var key, out _) && key.IsCompound)
            .Select(k => $"CmsUser:FieldMappings:{k} names a part of a compound field, which {cms} cannot take: {why}")
            .ToArray();
        return compound.Length == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(compound);
    }
}
