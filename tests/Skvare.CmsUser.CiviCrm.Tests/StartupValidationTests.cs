using Skvare.CmsUser.Tests.Shared;

namespace Skvare.CmsUser.CiviCrm.Tests;

/// <summary>A library host sees each missing CiviCRM setting once, in the package's own sentence.</summary>
public sealed class StartupValidationTests : CiviCrmStartupValidationContract
{
    protected override void Add(ICmsUserBuilder builder) => builder.AddCiviCrm();
}
