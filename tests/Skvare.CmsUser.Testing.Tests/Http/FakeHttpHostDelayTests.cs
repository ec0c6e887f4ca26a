using System.Diagnostics;
using FluentAssertions;
using Skvare.CmsUser.Testing.Http;
using Xunit;

namespace Skvare.CmsUser.Testing.Tests.Http;

/// <summary>The fakes' response delay: never shorter than asked, and a stopping host does not wait for it.</summary>
public sealed class FakeHttpHostDelayTests
{
    [Fact(Timeout = 30_000)]
    public async Task An_answer_never_leaves_before_the_delay_after_arrival()
    {
        using var host = new FakeHttpHost<string>(r => r.Path, (r, _) => r, _ => new FakeAnswer(200, "ok", "text/plain"))
        {
            ResponseDelay = TimeSpan.FromMilliseconds(7.5),
        };
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };

        // The request arrives after it is sent, so send-to-answer can only be shorter than the delay if the answer left
        // early. Four at a time, so deadlines overlap.
        var elapsed = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            var times = new List<TimeSpan>();
            for (var i = 0; i < 10; i++)
            {
                var sent = Stopwatch.GetTimestamp();
                using var answer = await http.GetAsync(new Uri(host.BaseUrl, "slow"));
                await answer.Content.ReadAsStringAsync();
                times.Add(Stopwatch.GetElapsedTime(sent));
            }

            return times;
        })));

        elapsed.SelectMany(t => t).Should().HaveCount(40).And.OnlyContain(t => t >= host.ResponseDelay);
    }

    [Fact(Timeout = 30_000)]
    public async Task Disposing_a_host_releases_an_answer_still_waiting_for_its_delay()
    {
        var handled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var host = new FakeHttpHost<string>(r => r.Path, (r, _) => r, _ =>
        {
            handled.TrySetResult();
            return new FakeAnswer(200, "ok", "text/plain");
        })
        {
            ResponseDelay = TimeSpan.FromHours(1),
        };
        using var http = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
        var request = http.GetAsync(new Uri(host.BaseUrl, "slow"));
        await handled.Task;

        host.Dispose();

        // The client gets the answer or a closed connection, not an hour's wait (the test's timeout bounds it).
        var outcome = await Record.ExceptionAsync(async () => (await request).Dispose());
        outcome.Should().Match(e => e == null || e is HttpRequestException);
        host.Requests.Should().ContainSingle();
    }
}
