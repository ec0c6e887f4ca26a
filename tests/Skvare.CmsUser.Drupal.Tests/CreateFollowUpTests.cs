using Skvare.CmsUser.Testing;
using Skvare.CmsUser.Tests.Shared;

namespace Skvare.CmsUser.Drupal.Tests;

/// <summary>Without the companion module the email after the create is Drupal's password reset (<see cref="CreateFollowUpContract"/>).</summary>
public sealed class CreateFollowUpTests : CreateFollowUpContract
{
    public CreateFollowUpTests()
    {
        var host = Own(new DrupalTestHost());
        Use(host.Provider, host.Server, to => host.Server.Mails.Count(m => m.To == to));
    }

    protected override bool IsFollowUp(FakeFaultRequest request) => request.Path.EndsWith("/user/password", StringComparison.Ordinal);
}
