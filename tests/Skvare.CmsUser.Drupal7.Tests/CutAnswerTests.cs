using Skvare.CmsUser.Testing;
using Skvare.CmsUser.Tests.Shared;

namespace Skvare.CmsUser.Drupal7.Tests;

/// <summary>
/// Drupal 7 Services (<see cref="CutAnswerContract"/>): the user resource's index and retrieve are asked again when their
/// answer is cut; the create, the PUTs and the mail actions are not (nor the login, which opens a session: not a read).
/// Services lists no roles and issues no login link, so those send nothing.
/// </summary>
public sealed class CutAnswerTests : CutAnswerContract
{
    public CutAnswerTests()
    {
        var host = Own(new Drupal7TestHost());
        Use(host.Provider, host.Server);
    }

    protected override string Role => "editor";

    protected override bool IsWrite(FakeFaultRequest request) => base.IsWrite(request) && !request.Path.EndsWith("/user/login.json", StringComparison.Ordinal);

    protected override IReadOnlyCollection<string> ReadsWithoutRequest => ["roles"];

    protected override IReadOnlyCollection<string> WritesWithoutRequest => ["login link"];
}
