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

}
