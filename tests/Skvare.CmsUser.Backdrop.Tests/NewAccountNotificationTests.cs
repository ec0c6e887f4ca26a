using Skvare.CmsUser.Tests.Shared;

namespace Skvare.CmsUser.Backdrop.Tests;

/// <summary>Backdrop sends its "account created by an administrator" email (<c>notify: register_admin_created</c>).</summary>
public sealed class NewAccountNotificationTests : NewAccountNotificationContract
{
    public NewAccountNotificationTests()
    {
        var host = Own(new BackdropTestHost());
        Use(host.Provider, to => [.. host.Server.Mails.Where(m => m.To == to).Select(m => m.Operation)]);
    }

    protected override IReadOnlyCollection<string> NotificationKinds => ["register_admin_created"];
}
