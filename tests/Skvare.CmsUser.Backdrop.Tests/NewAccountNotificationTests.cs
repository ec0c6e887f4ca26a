using Skvare.CmsUser.Tests.Shared;

namespace Skvare.CmsUser.Backdrop.Tests;

/// <summary>Backdrop sends its "account created by an administrator" email (<c>notify: register_admin_created</c>).</summary>
public sealed class NewAccountNotificationTests : NewAccountNotificationContract
{
    public NewAccountNotificationTests()
    {
        _host = Own(new BackdropTestHost());
        Use(_host.Provider, to => [.. _host.Server.Mails.Where(m => m.To == to).Select(m => m.Operation)]);
    }

    private readonly BackdropTestHost _host;

    protected override IReadOnlyCollection<string> NotificationKinds => ["register_admin_created"];

    // The module's create answers "mail_sent": false.
    protected override void MakeMailFail() => _host.Server.MailFails = true;

    protected override void MakeEmailRequestsFail() => _host.Server.FaultWhere = EmailRequestsFail;

    // The email rides in the create.
    protected override bool EmailIsARequestOfItsOwn => false;
}
