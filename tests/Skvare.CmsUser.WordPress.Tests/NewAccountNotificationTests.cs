using Skvare.CmsUser.Testing.WordPress;
using Skvare.CmsUser.Tests.Shared;

namespace Skvare.CmsUser.WordPress.Tests;

/// <summary>Without the companion plugin WordPress tells the person with its password reset email.</summary>
public sealed class NewAccountNotificationTests : NewAccountNotificationContract
{
    public NewAccountNotificationTests()
    {
        _server = Own(new FakeWordPressServer());
        var host = Own(WordPressTestHost.For(_server, companion: false));
        Use(host.Provider, to => [.. _server.Mails.Where(m => m.To == to).Select(m => m.Kind)]);
    }

    private readonly FakeWordPressServer _server;

    protected override IReadOnlyCollection<string> NotificationKinds => ["password-reset"];

    // wp-login.php redirects only after wp_mail() succeeded; its 200 page says the mail failed.
    protected override void MakeMailFail() => _server.MailFails = true;

    protected override void MakeEmailRequestsFail() => _server.FaultWhere = EmailRequestsFail;
}

/// <summary>With the companion plugin WordPress sends its own new-user email (a set-password link).</summary>
public sealed class NewAccountNotificationWithCompanionTests : NewAccountNotificationContract
{
    public NewAccountNotificationWithCompanionTests()
    {
        _server = Own(new FakeWordPressServer());
        var host = Own(WordPressTestHost.For(_server, companion: true));
        Use(host.Provider, to => [.. _server.Mails.Where(m => m.To == to).Select(m => m.Kind)]);
    }

    private readonly FakeWordPressServer _server;

    protected override IReadOnlyCollection<string> NotificationKinds => ["new-account"];

    // Plugin 0.2.2: the create answers X-Skvare-CmsUser-Notified: failed.
    protected override void MakeMailFail() => _server.MailFails = true;

    protected override void MakeEmailRequestsFail() => _server.FaultWhere = EmailRequestsFail;

    // The email rides in the create.
    protected override bool EmailIsARequestOfItsOwn => false;
}

/// <summary>
/// With a companion plugin that cannot create (no <c>users</c> route) the email is a request of its own after core's create:
/// the plugin's notify route, which answers 503 <c>skvare_cmsuser_notify_failed</c> when the site cannot send it.
/// </summary>
public sealed class NewAccountNotificationThroughTheNotifyRouteTests : NewAccountNotificationContract
{
    public NewAccountNotificationThroughTheNotifyRouteTests()
    {
        _server = Own(new FakeWordPressServer { CompanionCreateAndLookup = false });
        var host = Own(WordPressTestHost.For(_server, companion: true));
        Use(host.Provider, to => [.. _server.Mails.Where(m => m.To == to).Select(m => m.Kind)]);
    }

    private readonly FakeWordPressServer _server;

    protected override IReadOnlyCollection<string> NotificationKinds => ["new-account"];

    protected override void MakeMailFail() => _server.MailFails = true;

    protected override void MakeEmailRequestsFail() => _server.FaultWhere = EmailRequestsFail;
}
