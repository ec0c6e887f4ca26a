using Skvare.CmsUser.Testing.WordPress;
using Skvare.CmsUser.Tests.Shared;

namespace Skvare.CmsUser.WordPress.Tests;

/// <summary>Without the companion plugin WordPress tells the person with its password reset email.</summary>
public sealed class NewAccountNotificationTests : NewAccountNotificationContract
{
    public NewAccountNotificationTests()
    {
        var server = Own(new FakeWordPressServer());
        var host = Own(WordPressTestHost.For(server, companion: false));
        Use(host.Provider, to => [.. server.Mails.Where(m => m.To == to).Select(m => m.Kind)]);
    }

    protected override IReadOnlyCollection<string> NotificationKinds => ["password-reset"];
}

/// <summary>With the companion plugin WordPress sends its own new-user email (a set-password link).</summary>
public sealed class NewAccountNotificationWithCompanionTests : NewAccountNotificationContract
{
    public NewAccountNotificationWithCompanionTests()
    {
        var server = Own(new FakeWordPressServer());
        var host = Own(WordPressTestHost.For(server, companion: true));
        Use(host.Provider, to => [.. server.Mails.Where(m => m.To == to).Select(m => m.Kind)]);
    }

    protected override IReadOnlyCollection<string> NotificationKinds => ["new-account"];
}
