using Microsoft.Extensions.Options;

namespace Skvare.CmsUser.AspNetCore;

/// <summary>
/// The data annotations of <see cref="WebhookOptions"/>, checked at start-up by source-generated code instead of
/// reflection, so the package stays trimming- and AOT-safe.
/// </summary>
[OptionsValidator]
internal sealed partial class WebhookOptionsAnnotationsValidator : IValidateOptions<WebhookOptions>;
