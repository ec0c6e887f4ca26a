using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Skvare.CmsUser.Benchmarks.Provisioning;

/// <summary>
/// <c>provisioning --trace</c>: a timeline of one batch run, from the engine's <c>cmsuser.batch.*</c> spans (the
/// <c>Skvare.CmsUser</c> activity source) and HttpClient's request spans (<c>System.Net.Http</c>). Every moment a
/// worker holds no contact is charged to what the run was waiting on then: before the first contact the set-up, the
/// first read and the first preparation; between contacts the launcher's waits (the next page, a page look-up, the
/// write-back bound, a worker handing over); after the last contact the last write-back. The contacts' own time above
/// the injected latency (CPU per request on both sides) is the other part of the gap to the latency bound.
/// </summary>
internal sealed class BatchTrace : IDisposable
{
    private const string HttpSpan = "System.Net.Http.HttpRequestOut";
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;
    private readonly ConcurrentQueue<Span> _spans = new();
    private readonly ActivityListener _listener;

    public BatchTrace()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name is "Skvare.CmsUser" or "System.Net.Http",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = a => _spans.Enqueue(new Span(a.OperationName, a.StartTimeUtc, a.StartTimeUtc + a.Duration, Label(a))),
        };
        ActivitySource.AddActivityListener(_listener);
    }

    public void Dispose() => _listener.Dispose();

    /// <summary>Charges the idle worker time of the run to its causes; writes the timeline to <paramref name="timelinePath"/>.</summary>
    public Breakdown Analyse(int concurrency, TimeSpan latency, string timelinePath)
    {
        var spans = _spans.ToArray();

        var run = spans.Last(s => s.Name == "cmsuser.run");
        var inRun = spans.Where(s => s.Start >= run.Start && s.End <= run.End.AddMilliseconds(1)).ToArray();
        var contacts = inRun.Where(s => s.Name == "cmsuser.batch.contact").ToArray();
        var firstContact = contacts.Min(c => c.Start);
        var lastContact = contacts.Max(c => c.End);

        // Every start and end is an event; between two events the state is constant.
        var times = inRun.SelectMany(s => new[] { s.Start, s.End }).Append(run.Start).Append(run.End)
            .Where(t => t >= run.Start && t <= run.End).Distinct().Order().ToArray();
        var idle = new Dictionary<string, double>(StringComparer.Ordinal);
        var lines = new StringBuilder();
        lines.AppendLine("# ms from run start | busy workers | launcher waits on | engine steps in flight | CiviCRM requests in flight | CMS requests in flight");
        var nextLine = run.Start;
        for (var i = 0; i + 1 < times.Length; i++)
        {
            var (from, to) = (times[i], times[i + 1]);
            var mid = from + ((to - from) / 2);
            var busy = contacts.Count(c => c.Start <= mid && c.End > mid);
            var free = Math.Max(0, concurrency - busy);
            if (free > 0)
            {
                var cause = Cause(inRun, mid, firstContact, lastContact);
                idle[cause] = idle.GetValueOrDefault(cause) + (free * (to - from).TotalSeconds);
            }

            if (from >= nextLine)
            {
                lines.AppendLine(Inv, $"{(from - run.Start).TotalMilliseconds,8:0.0} | {busy,3} | {Active(inRun, mid, "cmsuser.batch.wait"),-8} | {Steps(inRun, mid),-30} | {Requests(inRun, mid, civi: true),2} | {Requests(inRun, mid, civi: false),2}");
                nextLine = from.AddMilliseconds(latency.TotalMilliseconds / 4);
            }
        }

        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(timelinePath))!);
        File.WriteAllText(timelinePath, lines.ToString());
        var wall = (run.End - run.Start).TotalSeconds;
        var creates = inRun.Where(s => s.Name == HttpSpan && s.Label.StartsWith("CMS POST", StringComparison.Ordinal) && !s.Label.Contains("lookup", StringComparison.Ordinal)).ToArray();
        return new Breakdown(
            wall,
            contacts.Length,
            contacts.Average(c => (c.End - c.Start).TotalMilliseconds),
            creates.Length == 0 ? 0 : creates.Average(c => (c.End - c.Start).TotalMilliseconds),
            idle.OrderByDescending(kv => kv.Value).ToDictionary(kv => kv.Key, kv => kv.Value / (concurrency * wall), StringComparer.Ordinal),
            inRun.Where(s => s.Name.StartsWith("cmsuser.batch.", StringComparison.Ordinal)).GroupBy(s => s.Name)
                .ToDictionary(g => g.Key, g => new StepTime(g.Count(), g.Average(s => (s.End - s.Start).TotalMilliseconds)), StringComparer.Ordinal));
    }

    private static string Cause(Span[] spans, DateTime at, DateTime firstContact, DateTime lastContact)
    {
        if (at < firstContact)
        {
            return "start: " + (IsActive(spans, at, "cmsuser.batch.setup") ? "set-up" + (IsActive(spans, at, "cmsuser.batch.read") ? " (first read in flight)" : "")
                : IsActive(spans, at, "cmsuser.batch.prepare") ? "first page prepared (failure count, Scheduled records)"
                : IsActive(spans, at, "cmsuser.batch.read") ? "first page read"
                : "launching (CPU)");
        }

        if (at >= lastContact)
        {
            return "end: " + (IsActive(spans, at, "cmsuser.batch.write") ? "last page's write-back" : "summary (CPU)");
        }

        return Active(spans, at, "cmsuser.batch.wait") switch
        {
            "page" => "next page not ready: " + (IsActive(spans, at, "cmsuser.batch.read") ? "read" : IsActive(spans, at, "cmsuser.batch.prepare") ? "preparation" : "other"),
            "lookup" => "page look-up at launch",
            "write" => "write-back bound (pages behind)",
            "worker" => "hand-over between contacts (CPU)",
            "drain" => "last page's tail: no contact left to start",
            "" => "page tail: workers with no contact left in the page, launcher busy (CPU)",
            var other => other,
        };
    }

    private static bool IsActive(Span[] spans, DateTime at, string name) => spans.Any(s => s.Name == name && s.Start <= at && s.End > at);

    private static string Active(Span[] spans, DateTime at, string name) =>
        spans.Where(s => s.Name == name && s.Start <= at && s.End > at).Select(s => s.Label).FirstOrDefault() ?? "";

    private static string Steps(Span[] spans, DateTime at) => string.Join(
        ",",
        spans.Where(s => s.Name is "cmsuser.batch.setup" or "cmsuser.batch.read" or "cmsuser.batch.prepare" or "cmsuser.batch.write" && s.Start <= at && s.End > at)
            .Select(s => s.Name["cmsuser.batch.".Length..]).Order(StringComparer.Ordinal));

    private static int Requests(Span[] spans, DateTime at, bool civi) =>
        spans.Count(s => s.Name == HttpSpan && s.Start <= at && s.End > at && s.Label.StartsWith("CiviCRM", StringComparison.Ordinal) == civi);

    private static string Label(Activity activity)
    {
        if (activity.Source.Name == "System.Net.Http")
        {
            var url = activity.GetTagItem("url.full") as string ?? "";
            var method = activity.GetTagItem("http.request.method") as string ?? "";
            var marker = url.IndexOf("/civicrm/ajax/api4/", StringComparison.Ordinal);
            return marker >= 0 ? "CiviCRM " + url[(marker + 19)..].Split('?')[0] : $"CMS {method} {new Uri(url).AbsolutePath}";
        }

        return activity.GetTagItem("cmsuser.wait") as string ?? "";
    }

    /// <summary>One finished span.</summary>
    private sealed record Span(string Name, DateTime Start, DateTime End, string Label);

    /// <summary>Count and mean duration of one engine step.</summary>
    public sealed record StepTime(int Count, double MeanMs);

    /// <summary>What the trace found.</summary>
    /// <param name="WallSeconds">The run's duration.</param>
    /// <param name="Contacts">Contacts processed.</param>
    /// <param name="ContactMs">Mean time a worker holds a contact.</param>
    /// <param name="CreateMs">Mean time of a CMS create request (send to answer).</param>
    /// <param name="Idle">Idle worker time by cause, as a share of concurrency × wall time.</param>
    /// <param name="Steps">The engine's steps: count and mean duration.</param>
    public sealed record Breakdown(double WallSeconds, int Contacts, double ContactMs, double CreateMs, IReadOnlyDictionary<string, double> Idle, IReadOnlyDictionary<string, StepTime> Steps)
    {
        /// <summary>The share of concurrency × wall time workers held a contact.</summary>
        public double Busy => 1 - Idle.Values.Sum();
    }
}
