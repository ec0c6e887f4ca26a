using Microsoft.Extensions.Options;

namespace Skvare.CmsUser.Joomla;

/// <summary>
/// The data annotations of <see cref="JoomlaOptions"/>, checked at start-up by source-generated code instead of reflection,
/// so the package stays trimming- and AOT-safe. Cross-field checks are in <see cref="JoomlaOptionsValidator"/>.
/// </summary>
[OptionsValidator]
internal sealed partial class JoomlaOptionsAnnotationsValidator : IValidateOptions<JoomlaOptions>;
