using Microsoft.Extensions.DependencyInjection;
using Skvare.CmsUser.Testing;
using Skvare.CmsUser.Testing.WordPress;

namespace Skvare.CmsUser.WordPress.Tests;

/// <summary>
/// A host whose defaults give every <see cref="HttpClient"/> a resilience handler of its own (the .NET Aspire service
/// defaults call <c>ConfigureHttpClientDefaults(http =&gt; http.AddStandardResilienceHandler())</c>): the package's client
/// keeps its own pipeline only, so a create is still never sent twice and the host's timeouts do not cut its requests.
/// </summary>
public sealed class HostHttpDefaultsTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_create_whose_answer_is_lost_is_sent_once_when_the_host_adds_resilience_to_every_client(bool defaultsFirst)
    {
        using var server = new FakeWordPressServer();
        var creates = 0;
        server.FaultWhere = r => r.Operation == FakeCmsOperation.Create && Interlocked.Increment(ref creates) > 0 ? FakeFault.AfterProcessing(503) : null;
        var services = new ServiceCollection().AddLogging();
        if (defaultsFirst)
        {
            AddHostDefaults(services);
        }

        services.AddCmsUserProvisioning().AddWordPress(o =>
        {
            o.BaseUrl = server.BaseUrl;
            o.Username = server.AdminUsername;
            o.ApplicationPassword = server.ApplicationPassword;
            o.Http.RetryBaseDelay = TimeSpan.FromMilliseconds(1);
        });
        if (!defaultsFirst)
        {
            AddHostDefaults(services);
        }

        await using var provider = services.BuildServiceProvider();
        var wordPress = provider.GetRequiredService<ICmsAccountProvider>();

        var create = async () => await wordPress.CreateAsync(new NewCmsAccount { Username = "ana.lima", Email = "ana@example.org" }).WaitAsync(TimeSpan.FromSeconds(60));

        await create.Should().ThrowAsync<CmsProviderException>();
        Volatile.Read(ref creates).Should().Be(1, "a create is never sent again: the host's retries must not apply to the package's client");
        server.Users.Should().ContainSingle(u => u.Email == "ana@example.org");
    }

    private static void AddHostDefaults(IServiceCollection services) =>
        services.ConfigureHttpClientDefaults(http => http.AddStandardResilienceHandler(o => o.Retry.Delay = TimeSpan.FromMilliseconds(1)));
}
