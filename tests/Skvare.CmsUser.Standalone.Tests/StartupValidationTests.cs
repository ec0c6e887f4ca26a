using Skvare.CmsUser.Tests.Shared;

namespace Skvare.CmsUser.Standalone.Tests;

/// <summary>A library host sees each missing Standalone setting once: Standalone talks through the CiviCRM connection, so its required settings are CiviCRM's.</summary>
public sealed class StartupValidationTests : CiviCrmStartupValidationContract
{
    protected override void Add(ICmsUserBuilder builder) => builder.AddStandalone();
}
