using Skvare.CmsUser.Tests.Shared;

namespace Skvare.CmsUser.Drupal7.Tests;

/// <summary>Drupal 7 sends its "account created by an administrator" email when the create says <c>notify: 1</c>.</summary>
public sealed class NewAccountNotificationTests : NewAccountNotificationContract
{
    public NewAccountNotificationTests()
    {
        var host = Own(new Drupal7TestHost());
        Use(host.Provider, to => [.. host.Server.Mails.Where(m => m.To == to).Select(m => m.Operation)]);
    }

    protected override IReadOnlyCollection<string> NotificationKinds => ["register_admin_created"];
}
