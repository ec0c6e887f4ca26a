using Skvare.CmsUser.Testing;
using Skvare.CmsUser.Testing.WordPress;
using Skvare.CmsUser.Tests.Shared;

namespace Skvare.CmsUser.WordPress.Tests;

/// <summary>Without the companion plugin the email after the create is WordPress's password reset (<see cref="CreateFollowUpContract"/>).</summary>
public sealed class CreateFollowUpTests : CreateFollowUpContract
{
    public CreateFollowUpTests()
    {
        var site = Own(new FakeWordPressServer());
        var host = Own(WordPressTestHost.For(site, companion: false));
        Use(host.Provider, site, to => site.Mails.Count(m => m.To == to));
    }

    protected override bool IsFollowUp(FakeFaultRequest request) => request.Path.EndsWith("/wp-login.php", StringComparison.Ordinal);
}
