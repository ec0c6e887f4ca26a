using Skvare.CmsUser.Tests.Shared;

namespace Skvare.CmsUser.Backdrop.Tests;

/// <summary>
/// Backdrop's cmsuser_provision module (<see cref="CutAnswerContract"/>): the look-ups by mail and name, the read by id, the
/// role list and the status are asked again when their answer is cut; the create, the role and block routes, the mail
/// route and the login link are not.
/// </summary>
public sealed class CutAnswerTests : CutAnswerContract
{
    public CutAnswerTests()
    {
        var host = Own(new BackdropTestHost());
        Use(host.Provider, host.Server);
    }

    protected override string Role => "editor";
}
