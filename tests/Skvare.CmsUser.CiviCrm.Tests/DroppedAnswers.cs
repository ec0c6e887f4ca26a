using System.Text.RegularExpressions;

namespace Skvare.CmsUser.CiviCrm.Tests;

/// <summary>
/// A connection between the SDK and CiviCRM that drops: a matching request reaches CiviCRM, which carries it out, and the
/// connection then closes before the answer (the client sees what SocketsHttpHandler throws then); requests that match
/// <paramref name="cut"/> meanwhile never reach it (connection refused, as through a stopped proxy). Rules are asked about
/// every request, so a retry meets the rule meant for it. WireMock cannot reset a connection, so the drop is the client's
/// side of it, after the fake's real handling.
/// </summary>
/// <param name="drop">Which request's answer is lost after CiviCRM carried it out (its decoded form body).</param>
/// <param name="cut">Which requests never reach CiviCRM (path and decoded body), or null for none.</param>
internal sealed partial class DroppedAnswers(Func<string, bool> drop, Func<string, string, bool>? cut = null) : DelegatingHandler
{
    /// <summary>Whether a request writes anything (its action, or a chained call's, is not a read).</summary>
    public static bool Writes(string path, string body) => !path.EndsWith("/get", StringComparison.Ordinal) || ChainedWrite().IsMatch(body);

    /// <summary>The page write-back's chained write.</summary>
    public static bool IsPageWrite(string body) => body.Contains("\"activities\":[\"Activity\",\"save\"", StringComparison.Ordinal);

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var body = request.Content is null ? "" : Uri.UnescapeDataString((await request.Content.ReadAsStringAsync(cancellationToken)).Replace('+', ' '));
        if (cut?.Invoke(request.RequestUri!.AbsolutePath, body) == true)
        {
            throw new HttpRequestException(HttpRequestError.ConnectionError, "Connection refused (localhost:8082)");
        }

        var response = await base.SendAsync(request, cancellationToken);
        if (!drop(body))
        {
            return response;
        }

        response.Dispose();
        throw new HttpRequestException(HttpRequestError.ResponseEnded, "The response ended prematurely. (ResponseEnded)");
    }

    [GeneratedRegex("\\[\"[A-Za-z]+\",\"(save|delete|create|update|replace)\"")]
    private static partial Regex ChainedWrite();
}
