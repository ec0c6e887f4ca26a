using Skvare.CmsUser.Tests.Shared;

namespace Skvare.CmsUser.Drupal.Tests;

/// <summary>Core REST has no welcome email: without the companion module Drupal tells the person with its password reset email.</summary>
public sealed class NewAccountNotificationTests : NewAccountNotificationContract
{
    public NewAccountNotificationTests()
    {
        var host = Own(new DrupalTestHost());
        Use(host.Provider, to => [.. host.Server.Mails.Where(m => m.To == to).Select(m => m.Operation)]);
    }

    protected override IReadOnlyCollection<string> NotificationKinds => ["password_reset"];
}

/// <summary>With the companion module Drupal sends its "account created by an administrator" email.</summary>
public sealed class NewAccountNotificationWithCompanionTests : NewAccountNotificationContract
{
    public NewAccountNotificationWithCompanionTests()
    {
        var host = Own(new DrupalTestHost(o => o.UseCompanionModule = true));
        host.Server.CompanionModuleEnabled = true;
        Use(host.Provider, to => [.. host.Server.Mails.Where(m => m.To == to).Select(m => m.Operation)]);
    }

    protected override IReadOnlyCollection<string> NotificationKinds => ["register_admin_created"];
}
