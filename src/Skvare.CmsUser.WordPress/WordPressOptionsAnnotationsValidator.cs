using Microsoft.Extensions.Options;

namespace Skvare.CmsUser.WordPress;

/// <summary>
/// The data annotations of <see cref="WordPressOptions"/>, checked at start-up by source-generated code instead of reflection,
/// so the package stays trimming- and AOT-safe. Cross-field checks are in <see cref="WordPressOptionsValidator"/>.
/// </summary>
[OptionsValidator]
internal sealed partial class WordPressOptionsAnnotationsValidator : IValidateOptions<WordPressOptions>;
