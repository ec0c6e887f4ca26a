using System.Net.Sockets;
using CsCheck;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Polly.Timeout;
using Skvare.CmsUser.CiviCrm.Api;
using Skvare.CmsUser.Testing.CiviCrm;
using Skvare.CmsUser.Tests.Shared;

namespace Skvare.CmsUser.CiviCrm.Tests;

/// <summary>
/// CiviCRM's side of the transport rules redone in session 23: a write that is not safe to repeat (<c>create</c>) is sent
/// once when its answer is lost, and its failure says it "may have reached CiviCRM and been carried out"; an idempotent
/// write (<c>update</c>) is sent again; a request that never left is always sent again, a create included; a timeout "did not
/// answer in time", never "could not be reached"; no message quotes the API key or the site key. Faults sit between the
/// client and the fake, per attempt.
/// </summary>
public sealed class RetrySafeWriteTests
{
    private static Func<HttpMethod, string, string, bool> Api(string entityAction) =>
        (method, path, _) => method == HttpMethod.Post && path.Contains("/" + entityAction, StringComparison.Ordinal);

    private static Api4Params NewContact(string name) => new() { Values = { ["contact_type"] = "Individual", ["first_name"] = name } };

    [Fact]
    public async Task A_create_whose_answer_is_lost_is_sent_once_and_says_it_may_have_been_carried_out()
    {
        using var fake = new FakeCiviCrmServer();
        var faults = new WireFaults(WireFaults.LoseFirst(int.MaxValue, Api("Contact/create")));
        await using var host = Start(fake, faults);

        var create = () => host.GetRequiredService<CiviCrmApiClient>().CallAsync("Contact", "create", NewContact("Lost23"));

        var failure = (await create.Should().ThrowAsync<CiviCrmApiException>()).Which;
        fake.CallCount("Contact", "create").Should().Be(1);
        failure.Kind.Should().Be(FailureKind.Transient);
        failure.NeverSent.Should().BeFalse();
        failure.Message.Should().StartWith("CiviCRM ended the connection without an answer (call: Contact.create;")
            .And.EndWith("the request may have reached CiviCRM and been carried out, so it was not sent again: check CiviCRM before repeating it.")
            .And.NotContain("could not be reached");
    }

    [Fact]
    public async Task An_update_whose_answer_is_lost_is_sent_again()
    {
        using var fake = new FakeCiviCrmServer();
        var id = fake.AddContact("Before", "Update", "update23@example.org");
        var faults = new WireFaults(WireFaults.LoseFirst(1, Api("Contact/update")));
        await using var host = Start(fake, faults);
        var update = new Api4Params { Values = { ["first_name"] = "After" } }.WithWhere(Api4Condition.Eq("id", id));

        await host.GetRequiredService<CiviCrmApiClient>().CallAsync("Contact", "update", update);

        faults.AnswersLost.Should().Be(1);
        fake.CallCount("Contact", "update").Should().Be(2, "an update sets the same values again");
    }

    [Fact]
    public async Task A_create_whose_connection_was_refused_is_sent_again_and_creates_one_contact()
    {
        using var fake = new FakeCiviCrmServer();
        var faults = new WireFaults(WireFaults.RefuseFirst(1, Api("Contact/create")));
        await using var host = Start(fake, faults);
        var client = host.GetRequiredService<CiviCrmApiClient>();

        await client.CallAsync("Contact", "create", NewContact("Refused23"));

        faults.Refused.Should().Be(1);
        fake.CallCount("Contact", "create").Should().Be(1, "the refused try never reached CiviCRM");
        (await client.CallAsync("Contact", "get", new Api4Params().WithWhere(Api4Condition.Eq("first_name", "Refused23")))).Values.Should().ContainSingle();
    }

    [Fact]
    public async Task An_idle_pooled_connection_is_dropped_before_Apache_closes_it()
    {
        using var fake = new FakeCiviCrmServer();
        await using var host = Start(fake, new WireFaults((_, _, _) => WireFault.None));

        PooledConnections.IdleTimeout(host, CiviCrmApiClient.HttpClientName).Should().BePositive().And.BeLessThan(PooledConnections.ApacheKeepAliveTimeout);
    }

    [Theory]
    [InlineData("refused", "CiviCRM could not be reached (call: Contact.create;", ": the request was never sent, so nothing was done.")]
    [InlineData("dns", "CiviCRM could not be reached (call: Contact.create;", ": the request was never sent, so nothing was done.")]
    [InlineData("tls", "CiviCRM could not be reached (call: Contact.create;", ": the request was never sent, so nothing was done.")]
    [InlineData("timeout", "CiviCRM did not answer in time (call: Contact.create;", "check CiviCRM before repeating it.")]
    [InlineData("ended", "CiviCRM ended the connection without an answer (call: Contact.create;", "check CiviCRM before repeating it.")]
    public async Task Each_failure_kind_has_its_words(string kind, string start, string end)
    {
        var act = () => Client(Failure(kind, "words")).CallAsync("Contact", "create", NewContact("Words23"), Token());

        var failure = (await act.Should().ThrowAsync<CiviCrmApiException>()).Which;
        failure.Message.Should().StartWith(start).And.EndWith(end);
        failure.NeverSent.Should().Be(kind is "refused" or "dns" or "tls");
    }

    [Fact]
    public async Task A_read_that_timed_out_did_not_answer_in_time_and_says_nothing_of_carrying_out()
    {
        var act = () => Client(Failure("timeout", "words")).CallAsync("Contact", "get", new Api4Params { Limit = 1 }, Token());

        (await act.Should().ThrowAsync<CiviCrmApiException>()).Which.Message.Should().StartWith("CiviCRM did not answer in time (call: Contact.get;").And.EndWith(").").And.NotContain("carried out");
    }

    [Fact]
    public void No_failure_words_quote_the_API_key_or_the_site_key()
    {
        var secret = Gen.String[Gen.Char.AlphaNumeric, 16, 40];
        var kind = Gen.OneOf("refused", "dns", "tls", "timeout", "ended");
        Gen.Select(secret, secret, kind, Gen.String).Sample((apiKey, siteKey, k, filler) =>
        {
            var client = Client(Failure(k, $"{filler} https://crm.example/civicrm?key={siteKey}&api_key={apiKey} {apiKey}"), apiKey, siteKey);

            var failure = Assert.ThrowsAsync<CiviCrmApiException>(() => client.CallAsync("Contact", "create", NewContact("Secret23"), Token())).GetAwaiter().GetResult();

            failure.Message.Should().NotContain(apiKey).And.NotContain(siteKey).And.Contain("crm.example");
        });
    }

    private static Exception Failure(string kind, string words) => kind switch
    {
        "refused" => new HttpRequestException(HttpRequestError.ConnectionError, $"Connection refused {words}", new SocketException((int)SocketError.ConnectionRefused)),
        "dns" => new HttpRequestException(HttpRequestError.NameResolutionError, $"Name or service not known {words}"),
        "tls" => new HttpRequestException(HttpRequestError.SecureConnectionError, $"The SSL connection could not be established {words}"),
        "timeout" => new TimeoutRejectedException($"The operation didn't complete within the allowed timeout of '00:00:30'. {words}"),
        _ => new HttpRequestException(HttpRequestError.ResponseEnded, $"An error occurred while sending the request. {words}"),
    };

    private static CiviCrmApiClient Client(Exception failure, string apiKey = "key-0123456789abcdef", string? siteKey = null) =>
        new(new HttpClient(new Throwing(failure)), Options.Create(new CiviCrmOptions { BaseUrl = new Uri("https://crm.example/"), ApiKey = apiKey, SiteKey = siteKey }));

    private static CancellationToken Token() => new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token;

    private static ServiceProvider Start(FakeCiviCrmServer fake, WireFaults faults)
    {
        var services = new ServiceCollection().AddLogging();
        services.AddCmsUserProvisioning(o => o.Rules.Add(new ProvisioningRule { Trigger = TriggerDefinition.Group("members") }))
            .AddCiviCrm(o =>
            {
                o.BaseUrl = fake.Url;
                o.ApiKey = fake.ApiKey;
                o.Http.RetryBaseDelay = TimeSpan.FromMilliseconds(1);
                o.Http.MaxRetries = 2;
                o.Http.AttemptTimeout = TimeSpan.FromSeconds(30);
                o.Http.CircuitBreakerFailureRatio = 1.0;
            });
        faults.AddTo(services, CiviCrmApiClient.HttpClientName);
        return services.BuildServiceProvider();
    }

    private sealed class Throwing(Exception failure) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) => Task.FromException<HttpResponseMessage>(failure);
    }
}
