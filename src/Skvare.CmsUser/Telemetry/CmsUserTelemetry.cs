using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Skvare.CmsUser;

/// <summary>The names of the traces and metrics Skvare.CmsUser emits.</summary>
public static class CmsUserTelemetry
{
    /// <summary>The <see cref="ActivitySource"/> and <see cref="Meter"/> name: <c>Skvare.CmsUser</c>.</summary>
    public const string Name = "Skvare.CmsUser";

    /// <summary>Counter of processed contacts, tagged <c>outcome</c> and <c>rule</c>.</summary>
    public const string ContactsProcessed = "cmsuser.contacts.processed";

    /// <summary>Histogram of run durations in seconds, tagged <c>kind</c> (provision, reset).</summary>
    public const string RunDuration = "cmsuser.run.duration";

    /// <summary>Counter of runs stopped as quarantined.</summary>
    public const string RunsQuarantined = "cmsuser.runs.quarantined";

    internal static readonly ActivitySource ActivitySource = new(Name, typeof(CmsUserTelemetry).Assembly.GetName().Version?.ToString());

    internal static readonly Meter Meter = new(Name, typeof(CmsUserTelemetry).Assembly.GetName().Version?.ToString());

    internal static readonly Counter<long> Processed = Meter.CreateCounter<long>(ContactsProcessed, unit: "{contact}", description: "Contacts processed, by outcome.");

    internal static readonly Histogram<double> Duration = Meter.CreateHistogram<double>(RunDuration, unit: "s", description: "Duration of provisioning and reset runs.");

    internal static readonly Counter<long> Quarantined = Meter.CreateCounter<long>(RunsQuarantined, unit: "{run}", description: "Runs stopped because CiviCRM or the CMS looked down.");
}
