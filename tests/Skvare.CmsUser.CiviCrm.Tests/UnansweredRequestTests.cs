using Microsoft.Extensions.DependencyInjection;
using Skvare.CmsUser.CiviCrm.Api;
using Skvare.CmsUser.Tests.Shared;

namespace Skvare.CmsUser.CiviCrm.Tests;

/// <summary>
/// How many requests one API v4 call puts on the wire when CiviCRM (or a proxy before it) closes every connection without a
/// word (session 21): a read 1 + <c>Http:MaxRetries</c> times at most, a create once. Every API v4 call carries a form body,
/// which SocketsHttpHandler never sends again on its own; these tests keep it that way for the shared pipeline. Served by a
/// raw socket that closes at once, after reading the request, or after half a status line; retries 1 ms apart.
/// </summary>
public sealed class UnansweredRequestTests
{
    private const int MaxRetries = 2;

    public static TheoryData<string> Servers => ["at once", "after reading", "mid status line"];

    private static CuttingServer Start(string kind) => kind switch
    {
        "at once" => CuttingServer.ClosingAtOnce(),
        "after reading" => new CuttingServer((_, _) => CutReply.Nothing),
        _ => new CuttingServer((_, _) => CutReply.HalfStatusLine),
    };

    [Theory]
    [MemberData(nameof(Servers))]
    public async Task A_read_puts_each_try_on_the_wire_once(string kind)
    {
        using var server = Start(kind);
        using var services = Services(server);

        var act = () => services.GetRequiredService<CiviCrmApiClient>().CallAsync("Contact", "get", new Api4Params { Limit = 1 }, Token());

        (await act.Should().ThrowAsync<CiviCrmApiException>()).Which.Kind.Should().Be(FailureKind.Transient);
        server.Connections.Should().Be(MaxRetries + 1, "the first try and Http:MaxRetries more, each one request");
        if (kind != "at once")
        {
            server.Requests.Should().HaveCount(MaxRetries + 1).And.OnlyContain(r => r.Contains("Contact/get", StringComparison.Ordinal));
        }
    }

    [Theory]
    [MemberData(nameof(Servers))]
    public async Task A_create_is_put_on_the_wire_once(string kind)
    {
        using var server = Start(kind);
        using var services = Services(server);
        var parameters = new Api4Params();
        parameters.Values["subject"] = "resend21";

        var act = () => services.GetRequiredService<CiviCrmApiClient>().CallAsync("Activity", "create", parameters, Token());

        var failure = (await act.Should().ThrowAsync<CiviCrmApiException>()).Which;
        failure.Kind.Should().Be(FailureKind.Transient);
        server.Connections.Should().Be(1, "a create is never sent twice");
    }

    private static ServiceProvider Services(CuttingServer server)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddCmsUserProvisioning(o => o.Rules.Add(new ProvisioningRule { Trigger = TriggerDefinition.Group("members") }))
            .AddCiviCrm(o =>
            {
                o.BaseUrl = server.BaseUrl;
                o.ApiKey = "resend21-api-key-Zq8vK2mW7xP4";
                o.Http.RetryBaseDelay = TimeSpan.FromMilliseconds(1);
                o.Http.AttemptTimeout = TimeSpan.FromSeconds(30);
                o.Http.MaxRetries = MaxRetries;
            });
        return services.BuildServiceProvider();
    }

    private static CancellationToken Token() => new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token;
}
