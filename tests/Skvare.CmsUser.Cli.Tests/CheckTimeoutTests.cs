using System.Net;
using System.Net.Sockets;

namespace Skvare.CmsUser.Cli.Tests;

/// <summary>
/// <c>check</c> against a server that accepts connections and never answers: found in trial17, it took about 2 minutes (a
/// run's 30 s attempt timeout, retried). <c>check</c> waits <c>--timeout</c> for each answer, retries nothing, asks a silent
/// server nothing more, and names the server that did not answer and how long it waited. Nothing here measures time: the
/// outcome, the message and the connections the silent server got are asserted.
/// </summary>
public sealed class CheckTimeoutTests
{
    [Fact(Timeout = 120_000)]
    public async Task Check_names_a_CiviCRM_that_accepts_connections_and_never_answers()
    {
        using var silent = new SilentServer();
        using var sites = new Sites();
        var settings = sites.Settings();
        settings["CmsUser"]!["CiviCrm"]!["BaseUrl"] = silent.Url.ToString();
        using var folder = new TempFolder();
        folder.Write("appsettings.json", Sites.Json(settings));

        var check = await Cli.RunAsync(folder.Path, null, "check", "--timeout", "1");

        check.ExitCode.Should().Be(ExitCodes.Stopped, check.ToString());
        check.Stdout.Should().Contain($"CiviCRM {silent.Url} did not answer within 1 s: 'cmsuser check' waits 1 s for each answer and retries nothing")
            .And.Contain("'cmsuser check --timeout 60'")
            .And.Contain("no answer within 1 s", "the failed check's detail says it too");
        (await silent.ConnectionsAsync()).Should().Be(1, "one request, not retried, and the silent server is not asked again");
    }

    [Fact(Timeout = 120_000)]
    public async Task Check_names_a_CMS_that_accepts_connections_and_never_answers_and_asks_it_nothing_more()
    {
        using var silent = new SilentServer();
        using var sites = new Sites();
        var settings = sites.Settings();
        settings["CmsUser"]!["WordPress"]!["BaseUrl"] = silent.Url.ToString();
        using var folder = new TempFolder();
        folder.Write("appsettings.json", Sites.Json(settings));

        var check = await Cli.RunAsync(folder.Path, null, "check", "--json", "--timeout", "1");

        check.ExitCode.Should().Be(ExitCodes.Stopped, check.ToString());
        check.Json.GetProperty("timeoutSeconds").GetDouble().Should().Be(1);
        var targets = check.Json.GetProperty("targets").EnumerateArray().ToArray();
        var wordPress = targets.Should().ContainSingle(t => t.GetProperty("target").GetString() == $"WordPress {silent.Url}").Subject;
        wordPress.GetProperty("timedOut").GetBoolean().Should().BeTrue();
        wordPress.GetProperty("healthy").GetBoolean().Should().BeFalse();
        var failed = wordPress.GetProperty("checks").EnumerateArray().ToArray();
        failed.Should().HaveCount(2, "the API account and the companion plugin").And.OnlyContain(c => !c.GetProperty("passed").GetBoolean() && c.GetProperty("why").GetString() == "unavailable");
        failed[0].GetProperty("detail").GetString().Should().Contain("no answer within 1 s");
        failed[1].GetProperty("detail").GetString().Should().Contain($"not asked: {silent.Url.GetLeftPart(UriPartial.Authority)} did not answer an earlier request of this check within 1 s");
        var roles = targets.Should().ContainSingle(t => t.GetProperty("target").GetString() == "WordPress roles of the rules").Subject;
        roles.GetProperty("timedOut").GetBoolean().Should().BeFalse("the roles were not waited for: the site had already missed the deadline");
        roles.GetProperty("checks")[0].GetProperty("detail").GetString().Should().Contain("not asked");
        (await silent.ConnectionsAsync()).Should().Be(1, "one request, not retried, and the silent server is not asked again");
    }

    [Theory(Timeout = 60_000)]
    [InlineData("0")]
    [InlineData("601")]
    [InlineData("soon")]
    public async Task A_timeout_that_is_not_a_number_of_seconds_from_1_to_600_is_a_usage_error(string timeout)
    {
        using var folder = new TempFolder();

        var check = await Cli.RunAsync(folder.Path, null, "check", "--timeout", timeout);

        check.ExitCode.Should().Be(ExitCodes.Configuration, check.ToString());
        check.Stderr.Should().Contain("--timeout").And.Contain("cmsuser check --help");
    }

    /// <summary>A loopback server that accepts every connection and never sends a byte; counts the connections.</summary>
    private sealed class SilentServer : IDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly List<Socket> _accepted = [];
        private readonly Task _accepting;
        private readonly TaskCompletionSource _first = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public SilentServer()
        {
            _listener.Start();
            Url = new Uri($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/");
            _accepting = AcceptAsync();
        }

        public Uri Url { get; }

        /// <summary>The connections accepted, once the first is (the client connected before the check ended).</summary>
        public async Task<int> ConnectionsAsync()
        {
            await _first.Task.WaitAsync(TimeSpan.FromSeconds(30));
            lock (_accepted)
            {
                return _accepted.Count;
            }
        }

        private async Task AcceptAsync()
        {
            try
            {
                while (true)
                {
                    var socket = await _listener.AcceptSocketAsync();
                    lock (_accepted)
                    {
                        _accepted.Add(socket);
                    }

                    _first.TrySetResult();
                }
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
                // Stopped.
            }
        }

        public void Dispose()
        {
            _listener.Stop();
            _accepting.Wait(TimeSpan.FromSeconds(30));
            lock (_accepted)
            {
                _accepted.ForEach(s => s.Dispose());
            }
        }
    }
}
