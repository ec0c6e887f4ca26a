using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Skvare.CmsUser.Testing.CiviCrm;
using Skvare.CmsUser.Testing.InMemory;

namespace Skvare.CmsUser.AspNetCore.Tests;

/// <summary>
/// A caller that gives up while its contact's account is being created (the CiviCRM extension waits 10 s by default; a
/// slow CMS takes longer): the call stops where it was, the log names the contact and the event it left unfinished, and
/// the next call finishes it with one account and one record. Seen on the real pair (docs/realtime.md).
/// </summary>
public sealed class WebhookCallerLeftTests : IDisposable
{
    private readonly FakeCiviCrmServer _civi = new();
    private readonly FakeCmsAccountProvider _cms = new();

    public void Dispose() => _civi.Dispose();

    [Fact(Timeout = 60_000)]
    public async Task Caller_leaving_mid_create_is_logged_with_the_contact_and_event_and_the_next_call_finishes_it()
    {
        var group = _civi.AddGroup("members");
        _civi.AddGroup("done");
        var ana = _civi.AddContact("Ana", "Lima", "ana@example.org");
        _civi.AddToGroup(group, [ana]);
        await using var host = await WebhookHost.StartAsync(
            b =>
            {
                b.AddCiviCrm(o =>
                {
                    o.BaseUrl = _civi.Url;
                    o.ApiKey = _civi.ApiKey;
                    o.Http.MaxRetries = 0;
                });
                b.Services.Replace(ServiceDescriptor.Singleton<ICmsAccountProvider>(_cms));
                return b;
            },
            services: s => s.AddHttpContextAccessor());
        var accessor = host.App.Services.GetRequiredService<IHttpContextAccessor>();
        var arrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _cms.BeforeCreate = async account =>
        {
            // The CMS is slow: the caller gives up while the create is in flight. The site carries the create out anyway
            // (PHP runs on after the client has gone), and the client abandons it.
            var aborted = accessor.HttpContext!.RequestAborted;
            arrived.TrySetResult();
            await Task.Delay(Timeout.Infinite, aborted).ContinueWith(_ => { }, TaskScheduler.Default);
            _cms.BeforeCreate = null;
            _cms.AddAccount(account.Username, account.Email);
            aborted.ThrowIfCancellationRequested();
        };

        using (var caller = new CancellationTokenSource())
        {
            using var request = WebhookHost.Signed($$"""{"contactId": {{ana}}, "eventId": "evt-left"}""", host.Now);
            var sending = host.Http.SendAsync(request, caller.Token);
            await arrived.Task.WaitAsync(TimeSpan.FromSeconds(30));
            await caller.CancelAsync();
            await sending.Awaiting(s => s).Should().ThrowAsync<OperationCanceledException>();
        }

        FakeLogRecord? left = null;
        await foreach (var record in host.Logs.GetLogsAsync(WebhookHost.Timeout()))
        {
            if (record.Category == "Skvare.CmsUser.AspNetCore.Webhook" && record.Id.Id is 4001 or 4004 or 4005)
            {
                left = record;
                break;
            }
        }

        left.Should().NotBeNull();
        left!.Id.Id.Should().Be(4005, left.Message);
        left.Level.Should().Be(LogLevel.Warning);
        left.Message.Should().Contain($"contact {ana} (event evt-left) was being provisioned").And.Contain("stopped unfinished");
        _civi.Activities.Should().ContainSingle(a => a.Status == "Scheduled", "the attempt's record stays open for the call or run that finds the account");

        using var again = await host.PostAsync($$"""{"contactId": {{ana}}, "eventId": "evt-again"}""");

        again.StatusCode.Should().Be(HttpStatusCode.OK, await again.Content.ReadAsStringAsync());
        _cms.Accounts.Should().ContainSingle();
        _civi.Links.Should().ContainSingle(l => l.ContactId == ana);
        _civi.Activities.Should().ContainSingle("the open record is completed, not doubled")
            .Which.Status.Should().NotBe("Scheduled");
    }
}
