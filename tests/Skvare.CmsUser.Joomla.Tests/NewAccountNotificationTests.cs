using Microsoft.Extensions.DependencyInjection;
using Skvare.CmsUser.Joomla;
using Skvare.CmsUser.Testing.Joomla;
using Skvare.CmsUser.Tests.Shared;

namespace Skvare.CmsUser.Joomla.Tests;

/// <summary>
/// The documented set-up: the companion package installed and the "User - Joomla!" plugin's "Notification
/// Mail to User" off, so the one email is the companion's password reset email (no password in it).
/// </summary>
public sealed class NewAccountNotificationTests : NewAccountNotificationContract
{
    public NewAccountNotificationTests()
    {
        _site = Own(new FakeJoomlaServer { CompanionEnabled = true, MailToUser = false });
        var services = Own(JoomlaNotification.Services(_site, companion: true));
        Use(services.GetRequiredService<ICmsAccountProvider>(), to => JoomlaNotification.Kinds(_site, to));
    }

    private readonly FakeJoomlaServer _site;

    protected override IReadOnlyCollection<string> NotificationKinds => ["password_reset"];

    // The companion's reset route answers 500 "The password reset email could not be sent."
    protected override void MakeMailFail() => _site.MailFails = true;

    protected override void MakeEmailRequestsFail() => _site.FaultWhere = EmailRequestsFail;
}

/// <summary>Without the companion package the only email Joomla can send is its plugin's own, which the provider does not control.</summary>
public sealed class NewAccountNotificationWithoutCompanionTests : IDisposable
{
    private readonly FakeJoomlaServer _site = new();
    private ServiceProvider? _services;

    public void Dispose()
    {
        _services?.Dispose();
        _site.Dispose();
    }

    [Theory(Timeout = 30_000)]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Joomlas_plugin_mails_new_users_itself_whatever_notify_says(bool notify)
    {
        _services = JoomlaNotification.Services(_site, companion: false);

        await _services.GetRequiredService<ICmsAccountProvider>().CreateAsync(new NewCmsAccount { Username = "plugin", Email = "plugin@example.org", Notify = notify });

        JoomlaNotification.Kinds(_site, "plugin@example.org").Should().Equal("plugin_new_user");
        _site.Requests.Should().NotContain(r => r.Path.Contains("cmsuser", StringComparison.Ordinal));
    }
}

internal static class JoomlaNotification
{
    public static ServiceProvider Services(FakeJoomlaServer site, bool companion)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddCmsUserProvisioning().AddJoomla(o =>
        {
            o.BaseUrl = site.BaseUrl;
            o.ApiToken = site.Token;
            o.UseCompanionPlugin = companion;
        });
        return services.BuildServiceProvider();
    }

    // The fake records bodies: the companion's reset email, or the plugin's email with the clear-text password.
    public static IReadOnlyList<string> Kinds(FakeJoomlaServer site, string to) =>
        [.. site.Mails.Where(m => m.To == to).Select(m => m.Body.Contains("password reset", StringComparison.OrdinalIgnoreCase) ? "password_reset" : "plugin_new_user")];
}
