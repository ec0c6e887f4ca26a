using System.Net;
using Skvare.CmsUser.Tests.Shared.Sites;

namespace Skvare.CmsUser.WordPress.Tests;

/// <summary>
/// The lock-step round counter the request budgets use (tests/Shared/Sites/RoundTrips.cs): requests sent together share a
/// round whatever happens between their sends, a request sent after an answer is a round deeper, and waits between
/// branches count the other branch's rounds. The answers come from an in-process handler at once, so without the gate
/// the first answer would be back before a slow second send.
/// </summary>
[Collection(nameof(RoundTripsCollection))]
public sealed class RoundTripsTests : IDisposable
{
    private readonly RoundTrips _rounds = new();
    private readonly HttpClient _client;

    public RoundTripsTests()
    {
        var handler = _rounds.NewHandler();
        handler.InnerHandler = new Answering();
        _client = new HttpClient(handler) { BaseAddress = new Uri("http://site.invalid/") };
    }

    public void Dispose() => _client.Dispose();

    [Fact(Timeout = 600_000)]
    public async Task Requests_sent_together_share_a_round_however_much_work_runs_between_the_sends()
    {
        var run = await _rounds.RunAsync(async () =>
        {
            var first = Get("a");

            // Thousands of hops through the thread pool before the second send: far longer than an answer takes.
            await Task.Run(async () =>
            {
                for (var i = 0; i < 5_000; i++)
                {
                    await Task.Yield();
                }
            });
            var second = Get("b");
            await Task.WhenAll(first, second);
            return 0;
        });

        run.Requests.Select(r => (Path(r.Request), r.Round)).Should().BeEquivalentTo([("/a", 1), ("/b", 1)], run.Describe());
        run.Depth.Should().Be(1);
    }

    [Fact(Timeout = 600_000)]
    public async Task A_request_sent_after_an_answer_is_one_round_deeper()
    {
        var run = await _rounds.RunAsync(async () =>
        {
            await Get("a");
            await Get("b");
            await Task.WhenAll(Get("c"), Get("d"));
            return 0;
        });

        run.Requests.Select(r => (Path(r.Request), r.Round)).Should().BeEquivalentTo([("/a", 1), ("/b", 2), ("/c", 3), ("/d", 3)], run.Describe());
        run.Depth.Should().Be(3);
        run.DepthBefore(r => Path(r) == "/c").Should().Be(2);
        run.DepthBefore(r => Path(r) == "/none").Should().Be(-1);
    }

    [Fact(Timeout = 600_000)]
    public async Task A_branch_that_waits_for_another_counts_that_branch_s_round_trips()
    {
        var run = await _rounds.RunAsync(async () =>
        {
            using var done = new SemaphoreSlim(0);
            var chain = Task.Run(async () =>
            {
                await Get("a");
                await Get("b");
                done.Release();
            });
            var waiting = Task.Run(async () =>
            {
                await done.WaitAsync();
                await Get("c");
            });
            await Task.WhenAll(chain, waiting, Get("alone"));
            return 0;
        });

        run.Requests.Select(r => (Path(r.Request), r.Round)).Should().BeEquivalentTo([("/a", 1), ("/alone", 1), ("/b", 2), ("/c", 3)], run.Describe());
    }

    [Fact(Timeout = 600_000)]
    public async Task A_request_left_behind_by_a_finished_operation_is_released_and_the_next_operation_is_counted_from_one()
    {
        var answered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var first = await _rounds.RunAsync(async () =>
        {
            await Get("a");
            _ = Task.Run(async () =>
            {
                await Get("behind");
                answered.SetResult();
            });
            return 0;
        });
        await answered.Task.WaitAsync(TimeSpan.FromSeconds(30));
        var second = await _rounds.RunAsync(async () =>
        {
            await Get("b");
            return 0;
        });

        first.Requests.Should().Contain(r => Path(r.Request) == "/a" && r.Round == 1, first.Describe());
        second.Requests.Select(r => (Path(r.Request), r.Round)).Should().BeEquivalentTo([("/b", 1)], second.Describe());
    }

    private static string Path(HttpRequestMessage request) => request.RequestUri!.AbsolutePath;

    private async Task Get(string path)
    {
        using var response = await _client.GetAsync(path);
        response.EnsureSuccessStatusCode();
    }

    /// <summary>Answers every request at once, on the caller's thread.</summary>
    private sealed class Answering : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent("{}"), RequestMessage = request });
    }
}
