using System.Collections.Concurrent;
using System.Text.Json;
using Xunit.Abstractions;

namespace Skvare.CmsUser.Quartz.Tests;

/// <summary>
/// Three service instances (child processes) clustered on one MariaDB job store, ten sites on the fakes: every
/// contact gets one account, one link and at most one activity; the firings spread over the instances; one
/// instance is SIGKILLed in the middle of a site and another finishes that site as a recovery.
/// </summary>
public sealed class ClusterTests(ITestOutputHelper output) : IDisposable
{
    private const int Sites = 10;
    // 500 per site (5,000 in all) keep every site's run seconds long on any machine, so the firings still spread over the
    // three instances and the victim is killed mid-site; 1,000 doubled the test's CPU share of a loaded CI machine (about
    // 182 s at a load average of 20-50) without proving more. CMSUSER_QUARTZ_CONTACTS sets another size.
    private static readonly int ContactsPerSite = int.TryParse(Environment.GetEnvironmentVariable("CMSUSER_QUARTZ_CONTACTS"), out var n) ? n : 500;

    private readonly string _dir = Directory.CreateTempSubdirectory("cmsuser-quartz-").FullName;
    private readonly string _database = JobStore.UniqueName("cmsuser_quartz");
    private readonly List<FakeSite> _sites = [];
    private readonly List<Instance> _instances = [];

    public void Dispose()
    {
        foreach (var instance in _instances)
        {
            instance.Dispose();
        }

        foreach (var site in _sites)
        {
            site.Dispose();
        }

        Directory.Delete(_dir, recursive: true);
        JobStore.Drop(_database);
    }

    [MariaDbFact(Timeout = 630_000)]
    public async Task Ten_sites_on_three_instances_provision_every_contact_once_and_survive_a_killed_instance()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(600));
        var connection = await JobStore.CreateAsync(_database, timeout.Token);

        for (var i = 0; i < Sites; i++)
        {
            _sites.Add(new FakeSite($"site{i:00}", ContactsPerSite));
        }

        var settingsFile = Path.Combine(_dir, "settings.json");
        var gate = Path.Combine(_dir, "go");
        await File.WriteAllTextAsync(settingsFile, JsonSerializer.Serialize(new
        {
            CmsUser = new
            {
                Sites = _sites.ToDictionary(s => s.Name, s => s.Settings(TimeSpan.FromHours(1))),
                Quartz = new
                {
                    ConnectionString = connection,
                    MaxConcurrency = 3,
                    // An instance is taken for dead after missing its check-in by the threshold: a live instance on a
                    // loaded machine (a load average of 100 on 2 cores) can stall for seconds, and one taken for dead has
                    // its site run again beside it. 20 s is far beyond such a stall, and recovery of the killed instance
                    // still comes within half a minute.
                    CheckinInterval = "00:00:01",
                    CheckinMisfireThreshold = "00:00:20",
                    IdleWaitTime = "00:00:01",
                },
            },
        }), timeout.Token);

        // The victim: the instance running site03 when its WordPress has created a third of its accounts.
        var victimSite = _sites[3];
        var running = new ConcurrentDictionary<string, Instance>();
        var started = new ConcurrentBag<(int Instance, string Site, bool Recovering)>();
        var finished = new ConcurrentDictionary<string, int>();
        var allDone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Instance? killed = null;
        var created = 0;
        victimSite.WordPress.OnUserCreated(_ =>
        {
            if (Interlocked.Increment(ref created) >= ContactsPerSite / 3 && killed is null && running.TryGetValue(victimSite.Name, out var victim))
            {
                killed = victim;
                victim.Kill(); // inside the create: its answer never reaches the instance
            }
        });

        for (var i = 1; i <= 3; i++)
        {
            var instance = Instance.Start(i, settingsFile, gate);
            instance.JobEvent += (source, id, site, recovering) =>
            {
                if (id == 7000)
                {
                    running[site] = source;
                    started.Add((source.Number, site, recovering));
                }
                else if (!source.Killed)
                {
                    finished.AddOrUpdate(site, 1, (_, c) => c + 1);
                    if (finished.Count == Sites)
                    {
                        allDone.TrySetResult();
                    }
                }
            };
            _instances.Add(instance);
        }

        await Task.WhenAll(_instances.Select(i => i.Ready)).WaitAsync(timeout.Token);
        await File.WriteAllTextAsync(gate, "go", timeout.Token); // all three start their schedulers together
        try
        {
            // An instance that exits on its own (a start-up failure) ends the wait at once.
            var failed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            foreach (var instance in _instances)
            {
                _ = instance.Exited.ContinueWith(_ => { if (!instance.Killed) { failed.TrySetException(new InvalidOperationException($"Instance {instance.Number} exited:\n{string.Join('\n', instance.Lines.TakeLast(40))}")); } }, TaskScheduler.Default);
            }

            await await Task.WhenAny(allDone.Task, failed.Task).WaitAsync(timeout.Token);
        }
        finally
        {
            foreach (var instance in _instances)
            {
                output.WriteLine($"--- instance {instance.Number}{(instance.Killed ? " (killed)" : string.Empty)}");
                foreach (var line in instance.Lines.Where(l => !l.StartsWith("EVENT|7006", StringComparison.Ordinal)).Take(200))
                {
                    output.WriteLine(line);
                }
            }
        }

        killed.Should().NotBeNull("an instance was killed in the middle of site03");
        started.Where(s => s.Site == victimSite.Name && s.Instance != killed!.Number).Should().Contain(s => s.Recovering,
            "another instance recovered the killed instance's run of the site");
        started.Select(s => s.Instance).Distinct().Should().HaveCount(3, "the firings spread over the three instances");

        foreach (var site in _sites)
        {
            var users = site.WordPress.Users.Where(u => u.Username != site.WordPress.AdminUsername).ToList();
            users.Should().HaveCount(ContactsPerSite, $"{site.Name}: one account per contact");
            users.Select(u => u.Email.ToUpperInvariant()).Should().OnlyHaveUniqueItems($"{site.Name}: no duplicate accounts");
            var links = site.Civi.Links;
            links.Select(l => l.ContactId).Should().BeEquivalentTo(site.ContactIds, $"{site.Name}: every contact linked exactly once");
            links.Select(l => l.UfId).Should().OnlyHaveUniqueItems();
            var activities = site.Civi.Activities.Where(a => a.Type == "User Account Creation").SelectMany(a => a.Targets).ToList();
            activities.Should().OnlyHaveUniqueItems($"{site.Name}: no contact has two account activities");
            activities.Should().OnlyContain(id => site.ContactIds.Contains(id));
            site.ContactIds.Should().OnlyContain(id => site.Civi.GroupStatus(site.Trigger, id) != "Added", $"{site.Name}: every contact left the trigger");
        }
    }
}
