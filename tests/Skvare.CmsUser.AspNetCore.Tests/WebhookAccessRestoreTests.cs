using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Skvare.CmsUser.Testing.InMemory;

namespace Skvare.CmsUser.AspNetCore.Tests;

/// <summary>
/// A contact whose account its rule's deprovisioning blocked, back in the trigger and sent to the webhook: the answer and
/// event 4001 carry <c>accessRestored</c>, as <c>cmsuser run --json</c> does.
/// </summary>
public sealed class WebhookAccessRestoreTests : IAsyncLifetime
{
    private readonly FakeCiviCrm _civi = new();
    private readonly FakeCmsAccountProvider _cms = new();
    private WebhookHost _host = null!;

    public async Task InitializeAsync() => _host = await WebhookHost.StartAsync(
        b => b.UseInMemory(_civi, _cms),
        rule: r => r.Deprovision = new DeprovisionOptions { When = DeprovisionWhen.LeftTrigger, Action = DeprovisionAction.Block });

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private static async Task<JsonElement> JsonOf(HttpResponseMessage response) => await response.Content.ReadFromJsonAsync<JsonElement>();

    /// <summary>Provisions Ana through the webhook, then takes her out of the trigger and lets a run block her account.</summary>
    private async Task<Contact> BlockedByDeprovisioningAsync()
    {
        var ana = _civi.AddContact("Ana", "Lima", "ana@example.org");
        _civi.AddToGroup("members", ana.Id);
        using (var created = await _host.PostAsync($$"""{"contactId": {{ana.Id}}, "eventId": "join-1"}"""))
        {
            created.StatusCode.Should().Be(HttpStatusCode.OK);
            var json = await JsonOf(created);
            json.GetProperty("outcome").GetString().Should().Be("Created");
            json.GetProperty("accessRestored").GetBoolean().Should().BeFalse("an answer always says whether access was restored");
        }

        _civi.RemoveFromGroup("members", ana.Id);
        var provisioner = _host.App.Services.GetRequiredService<IUserProvisioner>();
        (await provisioner.RunOnceAsync(cancellationToken: WebhookHost.Timeout())).Count(OutcomeKind.Blocked).Should().Be(1);
        _cms.Accounts.Single().Active.Should().BeFalse();
        _host.Time.Advance(TimeSpan.FromMinutes(5));
        return ana;
    }

    [Fact(Timeout = 60_000)]
    public async Task A_blocked_contact_back_in_the_trigger_is_answered_AlreadyLinked_with_accessRestored_true()
    {
        var ana = await BlockedByDeprovisioningAsync();
        _civi.AddToGroup("members", ana.Id);

        using var response = await _host.PostAsync($$"""{"contactId": {{ana.Id}}, "eventId": "rejoin-1"}""");

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        var json = await JsonOf(response);
        json.GetProperty("outcome").GetString().Should().Be("AlreadyLinked");
        json.GetProperty("accessRestored").GetBoolean().Should().BeTrue();
        json.GetProperty("cmsUserId").GetInt64().Should().Be(_cms.Accounts.Single().Id);
        _cms.Accounts.Single().Active.Should().BeTrue("the webhook unblocked the account");
        _civi.Activities.Should().ContainSingle(a => a.Kind == ActivityKind.AccessRestored).Which.ContactId.Should().Be(ana.Id);
        _civi.GroupStatus("done", ana.Id).Should().Be("Added");
        var logged = _host.Logs.GetSnapshot().Should().ContainSingle(r => r.Id.Id == 4001 && r.Message.Contains("rejoin-1", StringComparison.Ordinal)).Subject;
        logged.Message.Should().Contain("AlreadyLinked (access restored: True)");
        logged.StructuredState.Should().Contain(new KeyValuePair<string, string?>("AccessRestored", "True"));
    }

    [Fact(Timeout = 60_000)]
    public async Task Access_is_restored_once_a_second_call_answers_accessRestored_false()
    {
        var ana = await BlockedByDeprovisioningAsync();
        _civi.AddToGroup("members", ana.Id);
        (await _host.PostAsync($$"""{"contactId": {{ana.Id}}, "eventId": "rejoin-1"}""")).Dispose();

        using var again = await _host.PostAsync($$"""{"contactId": {{ana.Id}}, "eventId": "rejoin-2"}""");

        again.StatusCode.Should().Be(HttpStatusCode.OK);
        var json = await JsonOf(again);
        json.GetProperty("outcome").GetString().Should().Be("AlreadyLinked");
        json.GetProperty("accessRestored").GetBoolean().Should().BeFalse();
        _cms.Calls.GetValueOrDefault("Unblock").Should().Be(1);
        _civi.Activities.Count(a => a.Kind == ActivityKind.AccessRestored).Should().Be(1);
        _host.Logs.GetSnapshot().Should().ContainSingle(r => r.Id.Id == 4001 && r.Message.Contains("rejoin-2", StringComparison.Ordinal))
            .Which.Message.Should().NotContain("access restored");
    }
}
