using Microsoft.Extensions.DependencyInjection;
using Skvare.CmsUser.Testing;
using Skvare.CmsUser.Testing.Joomla;
using Skvare.CmsUser.Tests.Shared;

namespace Skvare.CmsUser.Joomla.Tests;

/// <summary>With the companion package the email after the create is its password reset (<see cref="CreateFollowUpContract"/>).</summary>
public sealed class CreateFollowUpTests : CreateFollowUpContract
{
    public CreateFollowUpTests()
    {
        var site = Own(new FakeJoomlaServer { CompanionEnabled = true, MailToUser = false });
        var services = Own(JoomlaNotification.Services(site, companion: true));
        Use(services.GetRequiredService<ICmsAccountProvider>(), site, to => site.Mails.Count(m => m.To == to));
    }

    protected override bool IsFollowUp(FakeFaultRequest request) => request.Path.Contains("/cmsuser/users/", StringComparison.Ordinal);
}
