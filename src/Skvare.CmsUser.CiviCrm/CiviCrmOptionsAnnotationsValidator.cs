using Microsoft.Extensions.Options;

namespace Skvare.CmsUser.CiviCrm;

/// <summary>
/// The data annotations of <see cref="CiviCrmOptions"/>, checked at start-up by source-generated code instead of reflection,
/// so the package stays trimming- and AOT-safe. Cross-field checks are in <see cref="CiviCrmOptionsValidator"/>.
/// </summary>
[OptionsValidator]
internal sealed partial class CiviCrmOptionsAnnotationsValidator : IValidateOptions<CiviCrmOptions>;
