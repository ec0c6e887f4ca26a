using Skvare.CmsUser.Drupal;
using Skvare.CmsUser.Tests.Shared;

namespace Skvare.CmsUser.Drupal.Tests;

/// <summary>
/// Regression (session 21): SocketsHttpHandler sends a request without a body again, up to three more times, on a
/// connection that closes before any answer, whether the server read it or not. The companion module's new-account email
/// is such a request (a POST with nothing to send): a server that read it, sent the email and closed the connection
/// without a word got it four times. Now every write that is not retry-safe is put on the wire once, and a look-up once
/// per try. Served by a raw socket; the test host's retries are 2, 1 ms apart.
/// </summary>
public sealed class UnansweredRequestTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task The_new_account_email_without_a_body_is_put_on_the_wire_once(bool closesAtOnce)
    {
        using var server = closesAtOnce ? CuttingServer.ClosingAtOnce() : new CuttingServer((_, _) => CutReply.Nothing);
        using var host = new DrupalTestHost(o =>
        {
            o.BaseUrl = server.BaseUrl;
            o.UseCompanionModule = true;
        });

        var act = () => ((DrupalAccountProvider)host.Provider).SendNewAccountNotificationAsync(new CmsAccount(7, "resend21", "resend21@example.org"));

        await act.Should().ThrowAsync<CmsProviderException>();
        server.Connections.Should().Be(1, "an email is asked for once, by the retry and by the handler (was 4)");
        if (!closesAtOnce)
        {
            server.Requests.Should().ContainSingle().Which.Should().Contain("/notify");
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task An_email_look_up_puts_each_try_on_the_wire_once(bool closesAtOnce)
    {
        using var server = closesAtOnce ? CuttingServer.ClosingAtOnce() : new CuttingServer((_, _) => CutReply.Nothing);
        using var host = new DrupalTestHost(o => o.BaseUrl = server.BaseUrl);

        var act = () => host.Provider.FindByEmailAsync("resend21@example.org");

        (await act.Should().ThrowAsync<CmsProviderException>()).Which.Reason.Should().Be(CmsErrorReason.Unavailable);
        server.Connections.Should().Be(ProviderTestHost.FastHttp().MaxRetries + 1, "each try is one request on the wire (was 4 each)");
    }
}
