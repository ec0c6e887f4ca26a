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

    /// <summary>
    /// The tag (on every metric and on the <c>cmsuser.site</c> activity) naming the site a measurement belongs to, when
    /// the host serves several sites (<c>CmsUser:Sites</c>).
    /// </summary>
    public const string SiteTag = "site";

    internal static readonly ActivitySource ActivitySource = new(Name, typeof(CmsUserTelemetry).Assembly.GetName().Version?.ToString());

    internal static readonly Meter Meter = new(Name, typeof(CmsUserTelemetry).Assembly.GetName().Version?.ToString());

    internal static readonly SiteTagged<long> Processed = new(Meter.CreateCounter<long>(ContactsProcessed, unit: "{contact}", description: "Contacts processed, by outcome."));

    internal static readonly SiteTagged<double> Duration = new(Meter.CreateHistogram<double>(RunDuration, unit: "s", description: "Duration of provisioning and reset runs."));

    internal static readonly SiteTagged<long> Quarantined = new(Meter.CreateCounter<long>(RunsQuarantined, unit: "{run}", description: "Runs stopped because CiviCRM or the CMS looked down."));

    /// <summary>The site whose work runs on this async flow (set by the per-site provisioner), or <see langword="null"/>.</summary>
    internal static readonly AsyncLocal<string?> CurrentSite = new();

    /// <summary>An instrument that adds the <see cref="SiteTag"/> of the current site to every measurement.</summary>
    internal sealed class SiteTagged<T>(Instrument<T> instrument)
        where T : struct
    {
        /// <summary>Whether a listener takes the measurements (so tags worth building per contact are built only then).</summary>
        public bool Enabled => instrument.Enabled;

        public void Add(T delta, TagList tags = default) => Measure(delta, tags);

        public void Record(T value, TagList tags = default) => Measure(value, tags);

        private void Measure(T value, TagList tags)
        {
            if (CurrentSite.Value is { } site)
            {
                tags.Add(SiteTag, site);
            }

            switch (instrument)
            {
                case Counter<T> counter:
                    counter.Add(value, tags);
                    break;
                case Histogram<T> histogram:
                    histogram.Record(value, tags);
                    break;
            }
        }
    }
}
