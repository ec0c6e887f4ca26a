using System.Diagnostics;
using Xunit.Abstractions;

namespace Skvare.CmsUser.FaultTests;

/// <summary>
/// A child process running a batch of 300 is killed with SIGKILL at a random moment, 20 times, each time followed
/// by a normal run. The fakes live in this (the parent) process, so what the child did survives it.
/// </summary>
public sealed class CrashTests(ITestOutputHelper output)
{
    private const int Iterations = 20;
    private const int Batch = 300;

    internal static void Configure(CmsUserOptions options)
    {
        options.PageSize = 50;
        options.MaxConcurrency = 16;
    }

    [Fact(Timeout = 170_000)]
    public async Task Killed_runs_leave_no_duplicate_no_unlinked_account_no_unaudited_link_and_lose_no_contact()
    {
        using var h = new FaultHarness();
        var random = new Random(20261130);
        var all = new List<long>();
        var killedAt = new List<int>();
        var finishedBeforeKill = 0;
        var normalRuns = new List<int>();
        for (var i = 0; i < Iterations; i++)
        {
            all.AddRange(h.AddMembers(Batch, $"k{i}-"));
            var before = h.Wp.Requests.Count;

            // A random moment: after 0 to ~3 requests per contact of the batch (lookup, lookup, create).
            var killAfter = random.Next(0, Batch * 3);
            using var child = StartChild(h.Where);
            using var budget = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            while (!child.HasExited && h.Wp.Requests.Count - before < killAfter && !budget.IsCancellationRequested)
            {
                // Waiting for the child's progress (requests the fake received), not for time.
                await Task.Delay(2, CancellationToken.None);
            }

            if (child.HasExited)
            {
                finishedBeforeKill++;
            }
            else
            {
                child.Kill(entireProcessTree: true);
            }

            await child.WaitForExitAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(20));
            killedAt.Add(h.Wp.Requests.Count - before);

            using var engine = h.NewEngine(Configure);
            var normal = await engine.Provisioner.RunOnceAsync();
            normalRuns.Add(normal.Total);
            normal.StopReason.Should().BeNull();

            var now = Invariants.Read(h.Civi, h.Wp, h.TriggerId, all);
            now.DuplicateAccounts.Should().Be(0, $"iteration {i}");
            now.AccountsWithoutLink.Should().Be(0, $"iteration {i}");
            now.LinkedWithoutAudit.Should().Be(0, $"iteration {i}");
            now.LinkedWithSeveralAudits.Should().Be(0, $"iteration {i}");
            now.LeftWithoutAccountOrGaveUp.Should().Be(0, $"iteration {i}");
        }

        var end = Invariants.Read(h.Civi, h.Wp, h.TriggerId, all);
        var open = h.Civi.Activities.Count(a => a.Status == "Scheduled");
        output.WriteLine($"crash: {Iterations} kills of a {Batch}-contact batch (killed after {string.Join("/", killedAt)} WordPress requests; {finishedBeforeKill} finished first; the normal runs after them handled {string.Join("/", normalRuns)} contacts); end: {end}; open Scheduled records left: {open}");
        end.Accounts.Should().Be(Iterations * Batch);
        end.StillInTrigger.Should().Be(0);
        end.FailedActivities.Should().Be(0);
    }

    private static Process StartChild(Endpoints where)
    {
        var host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet";
        var info = new ProcessStartInfo(host) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add("exec");
        info.ArgumentList.Add(typeof(CrashWorker).Assembly.Location);
        info.ArgumentList.Add("crash-worker");
        foreach (var arg in where.ToArgs())
        {
            info.ArgumentList.Add(arg);
        }

        var process = Process.Start(info)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }
}
