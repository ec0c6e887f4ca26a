using System.Globalization;

namespace Skvare.CmsUser.Testing.Tests.Conformance;

/// <summary>The outcome of a replay.</summary>
/// <param name="Folder">The recording folder.</param>
/// <param name="Total">Exchanges replayed.</param>
/// <param name="Matching">Exchanges whose answers agreed.</param>
/// <param name="Mismatches">One line per difference, with the exchange.</param>
public sealed record ConformanceResult(string Folder, int Total, int Matching, IReadOnlyList<string> Mismatches)
{
    /// <summary>"<c>folder</c>: N of M recorded exchanges match".</summary>
    public string Summary => string.Create(CultureInfo.InvariantCulture, $"`{Folder}`: {Matching} of {Total} recorded exchanges match");
}

/// <summary>Replays a recording, in order, against the fakes an adapter set up.</summary>
public static class ConformanceReplay
{
    /// <summary>Seeds, replays every exchange and compares each answer.</summary>
    /// <param name="recording">The recording.</param>
    /// <param name="adapter">The adapter for its folder.</param>
    /// <param name="cancellationToken">Stops the replay.</param>
    public static async Task<ConformanceResult> RunAsync(Recording recording, RecordingAdapter adapter, CancellationToken cancellationToken)
    {
        adapter.Seed(recording);
        using var handler = new HttpClientHandler { UseCookies = false, AllowAutoRedirect = false };
        using var client = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(30) };
        var mismatches = new List<string>();
        var matching = 0;
        foreach (var exchange in recording.Exchanges)
        {
            adapter.BeforeExchange(exchange);
            using var request = adapter.BuildRequest(exchange);
            using var response = await client.SendAsync(request, cancellationToken);
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            var differences = ExchangeComparer.Compare(exchange, (int)response.StatusCode, response.Content.Headers.ContentType?.ToString(), body);
            if (differences.Count == 0)
            {
                matching++;
            }
            else
            {
                mismatches.AddRange(differences.Select(d => $"{exchange}: {d}"));
                mismatches.Add($"    fake answered: {(body.Length > 600 ? body[..600] + "…" : body)}");
            }
        }

        return new ConformanceResult(recording.Folder, recording.Exchanges.Count, matching, mismatches);
    }
}
