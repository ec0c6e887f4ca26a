using Skvare.CmsUser.Tests.Shared;

namespace Skvare.CmsUser.Drupal.Tests;

/// <summary>
/// Drupal 8+ with the companion module (<see cref="CutAnswerContract"/>): the JSON:API look-ups and role list, the core REST
/// read by id and the module's status are asked again when their answer is cut; the create, the PATCHes, the reset email
/// and the login link are not.
/// </summary>
public sealed class CutAnswerTests : CutAnswerContract
{
    public CutAnswerTests()
    {
        var host = Own(new DrupalTestHost(o => o.UseCompanionModule = true));
        host.Server.CompanionModuleEnabled = true;
        Use(host.Provider, host.Server);
    }

    protected override string Role => "editor";
}
