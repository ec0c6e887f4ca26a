using System.Diagnostics;
using System.Reflection;
using System.Text.Json;
using System.Text.RegularExpressions;
using MySqlConnector;
using Skvare.CmsUser.Testing.CiviCrm;
using Skvare.CmsUser.Testing.WordPress;

namespace Skvare.CmsUser.Quartz.Tests;

/// <summary>The job-store database: MariaDB/MySQL on this machine, a database of our own, the schema applied from sql/quartz-mysql.sql.</summary>
internal static partial class JobStore
{
    public static string RepositoryRoot { get; } = typeof(JobStore).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "RepositoryRoot").Value!;

    /// <summary>Root over the local socket (how tests/real/wordpress/setup.sh leaves MariaDB), or CMSUSER_QUARTZ_MYSQL.</summary>
    public static string AdminConnectionString =>
        Environment.GetEnvironmentVariable("CMSUSER_QUARTZ_MYSQL")
        ?? "Server=/run/mysqld/mysqld.sock;Protocol=Unix;User ID=root;Pooling=false";

    /// <summary>Creates (empty) the database, applies the schema, and returns the connection string of the database.</summary>
    public static async Task<string> CreateAsync(string database, CancellationToken cancellationToken)
    {
        await using var admin = new MySqlConnection(AdminConnectionString);
        await admin.OpenAsync(cancellationToken);
        await ExecuteAsync(admin, $"DROP DATABASE IF EXISTS `{database}`; CREATE DATABASE `{database}` CHARACTER SET utf8mb4", cancellationToken);
        await admin.ChangeDatabaseAsync(database, cancellationToken);
        var ddl = await File.ReadAllTextAsync(Path.Combine(RepositoryRoot, "src/Skvare.CmsUser.Quartz/sql/quartz-mysql.sql"), cancellationToken);
        foreach (var statement in Statements(ddl))
        {
            await ExecuteAsync(admin, statement, cancellationToken);
        }

        var builder = new MySqlConnectionStringBuilder(AdminConnectionString) { Database = database, Pooling = true };
        return builder.ConnectionString;
    }

    /// <summary>Drops a database made by <see cref="CreateAsync"/> (best effort: a server gone away leaves it).</summary>
    public static void Drop(string database)
    {
        try
        {
            using var admin = new MySqlConnection(AdminConnectionString);
            admin.Open();
            using var command = new MySqlCommand($"DROP DATABASE IF EXISTS `{database}`", admin);
            command.ExecuteNonQuery();
        }
        catch (MySqlException)
        {
            // Nothing to clean up on a server that is not there.
        }
    }

    /// <summary>A database name of this process's own, so runs in parallel (two checkouts, CI) never share a store.</summary>
    public static string UniqueName(string prefix) => $"{prefix}_{Environment.ProcessId}";

    /// <summary>The statements of a script: comments dropped, split on ';' at line ends.</summary>
    public static IEnumerable<string> Statements(string script) =>
        CommentLine().Replace(script, string.Empty).Split(";\n").Select(s => s.Trim()).Where(s => s.Length > 0);

    private static async Task ExecuteAsync(MySqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new MySqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    [GeneratedRegex(@"^\s*--.*$", RegexOptions.Multiline)]
    private static partial Regex CommentLine();
}

/// <summary>One site on the fakes: a CiviCRM with contacts in a trigger group, and a WordPress.</summary>
internal sealed class FakeSite : IDisposable
{
    public FakeSite(string name, int contacts)
    {
        Name = name;
        Trigger = Civi.AddGroup("members");
        Civi.AddGroup("done");
        var ids = new List<long>(contacts);
        for (var i = 0; i < contacts; i++)
        {
            ids.Add(Civi.AddContact($"Given{i}", $"{name}Family{i}", $"c{i}@{name}.example.org"));
        }

        Civi.AddToGroup(Trigger, ids);
        ContactIds = ids;
    }

    public string Name { get; }

    public long Trigger { get; }

    public IReadOnlyList<long> ContactIds { get; }

    public FakeCiviCrmServer Civi { get; } = new();

    public FakeWordPressServer WordPress { get; } = new();

    public object Settings(TimeSpan interval) => new
    {
        CiviCrm = new { BaseUrl = Civi.Url.ToString(), ApiKey = Civi.ApiKey, Http = new { AttemptTimeout = "00:00:30" } },
        WordPress = new { BaseUrl = WordPress.BaseUrl.ToString(), Username = WordPress.AdminUsername, ApplicationPassword = WordPress.ApplicationPassword, CompanionPlugin = true },
        Rules = new[] { new { Name = "members", Trigger = new { Kind = "Group", Reference = "members" }, History = new { Kind = "Group", Reference = "done" } } },
        Schedule = new { Interval = interval.ToString("c", System.Globalization.CultureInfo.InvariantCulture) },
    };

    public void Dispose()
    {
        Civi.Dispose();
        WordPress.Dispose();
    }
}

/// <summary>A service instance: the test host in a child process, its event lines collected.</summary>
internal sealed partial class Instance : IDisposable
{
    private readonly Process _process;
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<string> _lines = [];
    private int _openStreams = 2;

    private Instance(Process process, int number)
    {
        _process = process;
        Number = number;
        process.OutputDataReceived += (_, e) => OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => OnLine(e.Data is null ? null : "STDERR|" + e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    /// <summary>Raised for every job event line: (instance, event id, site, recovering).</summary>
    public event Action<Instance, int, string, bool>? JobEvent;

    public int Number { get; }

    public bool Killed { get; private set; }

    public Task Ready => _ready.Task;

    /// <summary>Completes when the process's output and error streams have both ended (it exited or was killed), so its last words are in <see cref="Lines"/>.</summary>
    public Task Exited => _exited.Task;

    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_lines)
            {
                return _lines.ToArray();
            }
        }
    }

    public static Instance Start(int number, string settingsFile, string gateFile)
    {
        // artifacts/bin/<project>/<configuration>/: the host is built next to the calling project (it references it).
        var here = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var host = Path.Combine(here.Parent!.Parent!.FullName, "Skvare.CmsUser.Quartz.TestHost", here.Name, "Skvare.CmsUser.Quartz.TestHost.dll");
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(host);
        start.ArgumentList.Add(settingsFile);
        start.ArgumentList.Add(gateFile);
        start.Environment["CmsUser__Quartz__InstanceId"] = $"instance-{number}";
        start.Environment["DOTNET_gcServer"] = "0";
        return new Instance(Process.Start(start)!, number);
    }

    /// <summary>SIGKILL: no shutdown, no check-out from the cluster.</summary>
    public void Kill()
    {
        Killed = true;
        _process.Kill(entireProcessTree: true);
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }

        _process.Dispose();
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            // One stream ended; the other may still hold lines (an unhandled exception's text on stderr).
            if (Interlocked.Decrement(ref _openStreams) == 0)
            {
                _ready.TrySetException(new InvalidOperationException($"Instance {Number} exited early:\n{string.Join('\n', Lines)}"));
                _exited.TrySetResult();
            }

            return;
        }

        lock (_lines)
        {
            _lines.Add(line);
        }

        if (line == "READY")
        {
            _ready.TrySetResult();
        }

        var match = JobLine().Match(line);
        if (match.Success)
        {
            JobEvent?.Invoke(this, int.Parse(match.Groups["id"].Value, System.Globalization.CultureInfo.InvariantCulture), match.Groups["site"].Value, match.Groups["rec"].Value == "True");
        }
    }

    [GeneratedRegex(@"^EVENT\|(?<id>700[01])\|Site (?<site>[^:]+): provision job \w+.*?(recovering (?<rec>True|False))?\)?$")]
    private static partial Regex JobLine();
}
