namespace Skvare.CmsUser.Backdrop.Tests;

public sealed class ConcurrencyAndTimeoutTests : IDisposable
{
    private readonly BackdropTestHost _host = new();

    public void Dispose() => _host.Dispose();

    [Fact]
    public async Task Parallel_creates_of_one_person_yield_one_account()
    {
        var attempts = Enumerable.Range(0, 8)
            .Select(i => Capture(() => _host.Provider.CreateAsync(BackdropTestHost.NewAccount("jdoe" + i))))
            .ToList();

        var outcomes = await Task.WhenAll(attempts);

        outcomes.Count(o => o is null).Should().Be(1);
        outcomes.Where(o => o is not null).Should().OnlyContain(o => o!.Reason == CmsErrorReason.DuplicateEmail);
        _host.Server.Users.Count(u => u.Mail == "jdoe@example.org").Should().Be(1);
    }

    [Fact]
    public async Task Parallel_creates_of_different_people_get_distinct_ids()
    {
        var created = await Task.WhenAll(Enumerable.Range(0, 10)
            .Select(i => _host.Provider.CreateAsync(BackdropTestHost.NewAccount("user" + i, $"user{i}@example.org"))));

        created.Select(a => a.UserId).Should().OnlyHaveUniqueItems();
        _host.Server.Users.Should().HaveCount(11);
    }

    [Fact]
    public async Task Lookup_slower_than_the_attempt_timeout_is_retried()
    {
        using var host = new BackdropTestHost(o => o.Http.AttemptTimeout = TimeSpan.FromMilliseconds(300));
        host.Server.AddUser("jdoe", "jdoe@example.org");
        host.Server.HangNext(1, TimeSpan.FromSeconds(3));

        var found = await host.Provider.FindByEmailAsync("jdoe@example.org");

        found.Should().NotBeNull();
        host.Server.Requests.Should().HaveCount(2);
    }

    [Fact]
    public async Task Lookup_that_keeps_timing_out_is_Unavailable()
    {
        using var host = new BackdropTestHost(o =>
        {
            o.Http.AttemptTimeout = TimeSpan.FromMilliseconds(200);
            o.Http.MaxRetries = 1;
        });
        host.Server.HangNext(2, TimeSpan.FromSeconds(3));

        var act = () => host.Provider.GetByIdAsync(1);

        var ex = (await act.Should().ThrowAsync<CmsProviderException>()).Which;
        ex.Reason.Should().Be(CmsErrorReason.Unavailable);
        ex.StatusCode.Should().BeNull();
    }

    private static async Task<CmsProviderException?> Capture(Func<Task> action)
    {
        try
        {
            await action();
            return null;
        }
        catch (CmsProviderException ex)
        {
            return ex;
        }
    }
}
