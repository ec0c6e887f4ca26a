using System.Globalization;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;
using Polly.Telemetry;

namespace Skvare.CmsUser.Cli;

/// <summary>
/// Turns Polly's resilience events into one short line per HTTP retry at Information (method, host and
/// path, status or error, attempt and delay; never a header, query string or stack trace). Polly's own
/// records, with the exception and its stack, are lowered to Debug and shown with <c>--verbose</c>.
/// </summary>
internal sealed partial class RetryLog(ILogger logger) : TelemetryListener
{
    /// <summary>The category of the retry lines.</summary>
    public const string Category = "Skvare.CmsUser.Cli.Http";

    /// <summary>Polly's severities: every event at Debug, except an opening circuit, which matters.</summary>
    public static ResilienceEventSeverity Severity(SeverityProviderArguments args) =>
        args.Event.EventName == "OnCircuitOpened" ? ResilienceEventSeverity.Warning : ResilienceEventSeverity.Debug;

    /// <inheritdoc />
    public override void Write<TResult, TArgs>(in TelemetryEventArguments<TResult, TArgs> args)
    {
        if (args.Arguments is not OnRetryArguments<TResult> retry)
        {
            return;
        }

        var request = args.Context.GetRequestMessage();
        var target = request?.RequestUri is { } uri ? $"{request.Method} {Target(uri)}" : args.Source.PipelineName ?? "HTTP request";
        var cause = retry.Outcome switch
        {
            { Result: HttpResponseMessage response } => $"HTTP {(int)response.StatusCode} {response.ReasonPhrase}".TrimEnd(),
            { Exception: { } ex } => ex.GetType().Name.Replace("Exception", "", StringComparison.Ordinal) + ": " + FirstLine(ex.Message),
            _ => "failed",
        };
        LogRetry(logger, target, cause, retry.AttemptNumber + 1, Durations.Format(retry.RetryDelay));
    }

    /// <summary>
    /// Host, port and path of a request, and its route when the route is in the query string (CiviCRM on WordPress:
    /// <c>?civiwp=CiviCRM&amp;q=civicrm/ajax/api4/Contact/get</c>; on Joomla: <c>?option=com_civicrm&amp;task=…</c>), which
    /// would otherwise read as the site's home page. No other query parameter is shown: one could carry a secret.
    /// </summary>
    internal static string Target(Uri uri)
    {
        var target = $"{uri.Host}{(uri.IsDefaultPort ? "" : ":" + uri.Port.ToString(CultureInfo.InvariantCulture))}{uri.AbsolutePath}";
        foreach (var pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            if (equals > 0 && pair[..equals] is "q" or "task")
            {
                var route = Uri.UnescapeDataString(pair[(equals + 1)..].Replace('+', ' '));
                return route.Length == 0 ? target : $"{target}?{pair[..equals]}={route}";
            }
        }

        return target;
    }

    private static string FirstLine(string message)
    {
        var end = message.AsSpan().IndexOfAny('\r', '\n');
        return end < 0 ? message : message[..end];
    }

    [LoggerMessage(5000, LogLevel.Information, "{Target}: {Cause}; retry {Retry} in {Delay}")]
    private static partial void LogRetry(ILogger logger, string target, string cause, int retry, string delay);
}
