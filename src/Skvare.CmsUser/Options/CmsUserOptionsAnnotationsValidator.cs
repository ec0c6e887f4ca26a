using Microsoft.Extensions.Options;

namespace Skvare.CmsUser;

/// <summary>
/// The data annotations of <see cref="CmsUserOptions"/> (<c>[Required]</c>, <c>[Range]</c>), checked at start-up by
/// source-generated code instead of reflection, so the package stays trimming- and AOT-safe.
/// </summary>
[OptionsValidator]
internal sealed partial class CmsUserOptionsAnnotationsValidator : IValidateOptions<CmsUserOptions>;
