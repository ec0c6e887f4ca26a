namespace Skvare.CmsUser.Drupal.Tests;

public sealed class ConcurrencyAndTimeoutTests
{
    [Fact]
    public async Task Concurrent_creates_each_make_one_account()
    {
        using var host = new DrupalTestHost(oauth: true);

        var created = await Task.WhenAll(Enumerable.Range(0, 10).Select(i => host.Provider.CreateAsync(DrupalTestHost.NewAccount($"user{i}", $"user{i}@example.org"))));

        created.Select(c => c.UserId).Should().OnlyHaveUniqueItems();
        host.Server.Users.Should().HaveCount(12);
        host.Server.TokensIssued.Should().Be(1);
    }

    [Fact]
    public async Task A_slow_lookup_is_retried_and_then_answers()
    {
        using var host = new DrupalTestHost(o => o.Http.AttemptTimeout = TimeSpan.FromMilliseconds(300));
        host.Server.AddUser("jdoe", "jdoe@example.org");
        host.Server.HangNext(1, TimeSpan.FromSeconds(2));

        var found = await host.Provider.FindByEmailAsync("jdoe@example.org");

        found.Should().NotBeNull();
        host.Server.Requests.Should().HaveCount(2);
    }

    [Fact]
    public async Task Cancellation_is_not_reported_as_a_provider_error()
    {
        using var host = new DrupalTestHost();
        host.Server.HangNext(1, TimeSpan.FromSeconds(2));
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

        var act = () => host.Provider.GetByIdAsync(1, cts.Token);

        await act.Should().ThrowAsync<OperationCanceledException>();
    }
}
