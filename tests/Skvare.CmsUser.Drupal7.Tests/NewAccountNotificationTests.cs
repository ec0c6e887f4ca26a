using Skvare.CmsUser.Tests.Shared;

namespace Skvare.CmsUser.Drupal7.Tests;

/// <summary>Drupal 7 sends its "account created by an administrator" email when the create says <c>notify: 1</c>.</summary>
public sealed class NewAccountNotificationTests : NewAccountNotificationContract
{
    public NewAccountNotificationTests()
    {
        _host = Own(new Drupal7TestHost());
        Use(_host.Provider, to => [.. _host.Server.Mails.Where(m => m.To == to).Select(m => m.Operation)]);
    }

    private readonly Drupal7TestHost _host;

    protected override IReadOnlyCollection<string> NotificationKinds => ["register_admin_created"];

    // user_register_submit() ignores drupal_mail()'s result and Services answers only the uid: Drupal 7 cannot tell.
    protected override CmsNotification ReportedWhenSent => CmsNotification.Unknown;

    protected override CmsNotification ReportedWhenMailFails => CmsNotification.Unknown;

    protected override void MakeMailFail() => _host.Server.MailFails = true;

    protected override void MakeEmailRequestsFail() => _host.Server.FaultWhere = EmailRequestsFail;

    // The email rides in the create.
    protected override bool EmailIsARequestOfItsOwn => false;
}
