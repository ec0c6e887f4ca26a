using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Polly.Timeout;
using Skvare.CmsUser.CiviCrm;

namespace Skvare.CmsUser.Cli;

/// <summary>
/// How long <c>cmsuser check</c> waits for each answer, and the servers that gave none in time. A run waits as its
/// settings say (30 s a request, retried: about 2 minutes for a server that accepts connections and never answers);
/// an admin running <c>check</c> wants an answer in seconds, so its requests are not retried and each gets
/// <see cref="Timeout"/>. A server that missed it is not asked again within the same check: its later requests fail at
/// once, so the check ends after one wait per server.
/// </summary>
internal sealed class CheckDeadline
{
    /// <summary>The default of <c>--timeout</c>, in seconds.</summary>
    public const int DefaultSeconds = 10;

    /// <summary>The largest <c>--timeout</c>, in seconds.</summary>
    public const int MaxSeconds = 600;

    private readonly ConcurrentDictionary<string, byte> _missed = new(StringComparer.OrdinalIgnoreCase);
    private int _count;

    public CheckDeadline(TimeSpan timeout, TimeProvider? clock = null)
    {
        Timeout = timeout;
        Clock = clock ?? TimeProvider.System;
    }

    /// <summary>How long one request may wait for its answer.</summary>
    public TimeSpan Timeout { get; }

    /// <summary>The clock the waits run on.</summary>
    public TimeProvider Clock { get; }

    /// <summary>How many servers missed the deadline so far (to tell which probe met one: the probes run one after another).</summary>
    public int MissedCount => Volatile.Read(ref _count);

    /// <summary>The timeout as the messages say it: <c>10 s</c>.</summary>
    public string Text => Timeout.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture) + " s";

    /// <summary>
    /// Makes every package's requests wait at most <see cref="Timeout"/> for an answer, without retries. The packages' own
    /// attempt timeout is set above it, so the answer a server did not give is always this deadline's to report.
    /// </summary>
    public void Apply(IServiceCollection services)
    {
        services.ConfigureHttpClientDefaults(http => http.AddHttpMessageHandler(() => new Handler(this)));
        void Probe(HttpClientSettings settings)
        {
            settings.MaxRetries = 0;
            settings.AttemptTimeout = Timeout * 2;
        }

        services.PostConfigure<CiviCrmOptions>(o => Probe(o.Http));
        services.PostConfigure<WordPress.WordPressOptions>(o => Probe(o.Http));
        services.PostConfigure<Drupal.DrupalOptions>(o => Probe(o.Http));
        services.PostConfigure<Drupal7.Drupal7Options>(o => Probe(o.Http));
        services.PostConfigure<Backdrop.BackdropOptions>(o => Probe(o.Http));
        services.PostConfigure<Joomla.JoomlaOptions>(o => Probe(o.Http));
    }

    private void Missed(string server)
    {
        if (_missed.TryAdd(server, 0))
        {
            Interlocked.Increment(ref _count);
        }
    }

    /// <summary>
    /// The outermost handler of every package's client (the defaults come before a client's own handlers): it cuts a
    /// request after <see cref="Timeout"/> with the <see cref="TimeoutRejectedException"/> every package reads as "no
    /// answer" (a server that could not be reached), and refuses at once a request to a server that already missed it.
    /// </summary>
    private sealed class Handler(CheckDeadline deadline) : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var server = request.RequestUri?.GetLeftPart(UriPartial.Authority) ?? "";
            if (deadline._missed.ContainsKey(server))
            {
                throw new TimeoutRejectedException($"not asked: {server} did not answer an earlier request of this check within {deadline.Text}", deadline.Timeout);
            }

            using var timer = new CancellationTokenSource(deadline.Timeout, deadline.Clock);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timer.Token);
            try
            {
                return await base.SendAsync(request, linked.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or TimeoutRejectedException && timer.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                deadline.Missed(server);
                throw new TimeoutRejectedException($"no answer within {deadline.Text} ('cmsuser check --timeout' waits longer)", deadline.Timeout, ex);
            }
        }
    }
}

/// <summary>One target of <c>cmsuser check</c>: its report, and whether a server of it gave no answer within the deadline.</summary>
/// <param name="Report">The report.</param>
/// <param name="TimedOut">Whether a request of this probe got no answer within <see cref="CheckDeadline.Timeout"/>.</param>
internal sealed record CheckedTarget(ConnectivityReport Report, bool TimedOut);
