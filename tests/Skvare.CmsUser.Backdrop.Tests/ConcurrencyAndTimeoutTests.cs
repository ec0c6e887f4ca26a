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
        _host.Server.Users.Count(u => u.Email == "jdoe@example.org").Should().Be(1);
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
