using Skvare.CmsUser.Tests.Shared;

namespace Skvare.CmsUser.Drupal.Tests;

/// <summary>Core REST has no welcome email: without the companion module Drupal tells the person with its password reset email.</summary>
public sealed class NewAccountNotificationTests : NewAccountNotificationContract
{
    public NewAccountNotificationTests()
    {
        _host = Own(new DrupalTestHost());
        Use(_host.Provider, to => [.. _host.Server.Mails.Where(m => m.To == to).Select(m => m.Operation)]);
    }

    private readonly DrupalTestHost _host;

    protected override IReadOnlyCollection<string> NotificationKinds => ["password_reset"];

    // Core's user/password answers 400 "Unable to send email" when the mail fails.
    protected override void MakeMailFail() => _host.Server.MailFails = true;

    protected override void MakeEmailRequestsFail() => _host.Server.FaultWhere = EmailRequestsFail;
}

/// <summary>With the companion module Drupal sends its "account created by an administrator" email.</summary>
public sealed class NewAccountNotificationWithCompanionTests : NewAccountNotificationContract
{
    public NewAccountNotificationWithCompanionTests()
    {
        _host = Own(new DrupalTestHost(o => o.UseCompanionModule = true));
        _host.Server.CompanionModuleEnabled = true;
        Use(_host.Provider, to => [.. _host.Server.Mails.Where(m => m.To == to).Select(m => m.Operation)]);
    }

    private readonly DrupalTestHost _host;

    protected override IReadOnlyCollection<string> NotificationKinds => ["register_admin_created"];

    // The create answers X-Cmsuser-Notified: failed.
    protected override void MakeMailFail() => _host.Server.MailFails = true;

    protected override void MakeEmailRequestsFail() => _host.Server.FaultWhere = EmailRequestsFail;

    // The email rides in the create.
    protected override bool EmailIsARequestOfItsOwn => false;
}

/// <summary>With a companion module older than 1.1.0 the email still goes out, through its own request.</summary>
public sealed class NewAccountNotificationWithOldCompanionTests : NewAccountNotificationContract
{
    public NewAccountNotificationWithOldCompanionTests()
    {
        _host = Own(new DrupalTestHost(o => o.UseCompanionModule = true));
        _host.Server.CompanionModuleEnabled = true;
        _host.Server.CompanionNotifiesOnCreate = false;
        Use(_host.Provider, to => [.. _host.Server.Mails.Where(m => m.To == to).Select(m => m.Operation)]);
    }

    private readonly DrupalTestHost _host;

    protected override IReadOnlyCollection<string> NotificationKinds => ["register_admin_created"];

    // The notify route answers {"sent": false}.
    protected override void MakeMailFail() => _host.Server.MailFails = true;

    protected override void MakeEmailRequestsFail() => _host.Server.FaultWhere = EmailRequestsFail;
}

/// <summary>The companion module 1.1.0 sends the new-account email inside the create: one request per new account.</summary>
public sealed class NotificationInsideCreateTests
{
    [Fact(Timeout = 120_000)]
    public async Task A_notified_create_is_one_request_with_one_mail()
    {
        using var host = new DrupalTestHost(o => o.UseCompanionModule = true);
        host.Server.CompanionModuleEnabled = true;

        var created = await host.Provider.CreateAsync(DrupalTestHost.NewAccount() with { Notify = true }, Timeout());

        var request = host.ApiRequests.Should().ContainSingle().Which;
        request.Path.Should().Be("/entity/user");
        request.Query.Should().Contain("cmsuser_notify=register_admin_created");
        host.Server.Mails.Should().ContainSingle().Which.Operation.Should().Be("register_admin_created");
        host.Server.Mails[0].Uid.Should().Be(created.UserId);
    }

    [Fact(Timeout = 120_000)]
    public async Task An_older_module_gets_the_email_through_its_notify_route()
    {
        using var host = new DrupalTestHost(o => o.UseCompanionModule = true);
        host.Server.CompanionModuleEnabled = true;
        host.Server.CompanionNotifiesOnCreate = false;

        await host.Provider.CreateAsync(DrupalTestHost.NewAccount() with { Notify = true }, Timeout());

        host.ApiRequests.Select(r => r.Path).Should().HaveCount(2);
        host.ApiRequests.Last().Path.Should().EndWith("/notify");
        host.Server.Mails.Should().ContainSingle();
    }

    [Fact(Timeout = 120_000)]
    public async Task A_mail_failure_inside_the_create_keeps_the_account_and_is_not_retried()
    {
        using var host = new DrupalTestHost(o => o.UseCompanionModule = true);
        host.Server.CompanionModuleEnabled = true;
        host.Server.MailFails = true;

        var created = await host.Provider.CreateAsync(DrupalTestHost.NewAccount() with { Notify = true }, Timeout());

        created.UserId.Should().BePositive();
        host.ApiRequests.Should().ContainSingle();
        host.Logs.GetSnapshot().Should().Contain(r => r.Id.Id == 3102);
    }

    [Fact(Timeout = 120_000)]
    public async Task Without_notification_the_create_carries_no_parameter_and_sends_nothing()
    {
        using var host = new DrupalTestHost(o => o.UseCompanionModule = true);
        host.Server.CompanionModuleEnabled = true;

        await host.Provider.CreateAsync(DrupalTestHost.NewAccount() with { Notify = false }, Timeout());

        host.ApiRequests.Should().ContainSingle().Which.Query.Should().NotContain("cmsuser_notify");
        host.Server.Mails.Should().BeEmpty();
    }

    // A bound, not a latency budget: a cold first request (server start, JIT) took over 20 s at load 100.
    private static CancellationToken Timeout() => new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token;
}
