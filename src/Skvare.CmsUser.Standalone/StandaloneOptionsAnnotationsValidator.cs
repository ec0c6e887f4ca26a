using Microsoft.Extensions.Options;

namespace Skvare.CmsUser.Standalone;

/// <summary>
/// The data annotations of <see cref="StandaloneOptions"/>, checked at start-up by source-generated code instead of reflection,
/// so the package stays trimming- and AOT-safe. Cross-field checks are in <see cref="StandaloneOptionsValidator"/>.
/// </summary>
[OptionsValidator]
internal sealed partial class StandaloneOptionsAnnotationsValidator : IValidateOptions<StandaloneOptions>;
