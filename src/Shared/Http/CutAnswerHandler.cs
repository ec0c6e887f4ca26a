namespace Skvare.CmsUser.Shared;

/// <summary>
/// Sits inside the resilience pipeline's retry, next to the socket: for a request marked
/// <see cref="HttpResilienceSetup.RepeatCutAnswer"/> (a read) it reads the whole body before the answer leaves the attempt, so
/// an answer that ends early is a failed attempt the retry repeats (<see cref="CutAnswerException"/>) instead of a failure
/// after the pipeline, which nothing repeats. Early means: the connection closed or broke while the body was read (the
/// <c>Content-Length</c> not met, a chunked body without its last chunk), or a successful answer whose JSON stops before
/// its end (what a body delimited by the connection's close looks like when the connection closed early). A complete body
/// that is not JSON (an HTML page) or is garbled JSON is left to the package's reader, as before: the same request would
/// get it again. The body read is part of the attempt, so the attempt timeout covers it. Other requests pass through.
/// </summary>
internal sealed class CutAnswerHandler : DelegatingHandler
{
    /// <inheritdoc />
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
        request.Options.TryGetValue(HttpResilienceSetup.RepeatCutAnswer, out var repeat) && repeat
            ? SendBufferedAsync(request, jsonOfSuccess: true, cancellationToken)
            : request.Options.TryGetValue(HttpResilienceSetup.FinalError, out _)
                ? SendBufferedAsync(request, jsonOfSuccess: false, cancellationToken)
                : base.SendAsync(request, cancellationToken);

    /// <summary>
    /// Reads the whole body inside the attempt: a read's (<paramref name="jsonOfSuccess"/>), and a request's that declares its
    /// refusals (<see cref="HttpResilienceSetup.FinalError"/>, a write as a rule), because the retry and the circuit breaker
    /// read an error body to tell a refusal from a server failure; a body that ended early there left the content half-read,
    /// and HttpClient's own read after the pipeline then threw <see cref="InvalidOperationException"/> (a defect, not a lost
    /// answer). Here an early end is a <see cref="CutAnswerException"/>: a lost answer, which the retry repeats only for a
    /// read (<see cref="HttpResilienceSetup"/>; a write's caller reads back what it did). JSON that stops before its end is
    /// cut too: a read's successful answer, a write's error answer (a write's successful answer is its caller's to read; a
    /// create's unreadable answer is already an unknown outcome).
    /// </summary>
    private async Task<HttpResponseMessage> SendBufferedAsync(HttpRequestMessage request, bool jsonOfSuccess, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        var status = (int)response.StatusCode;
        try
        {
            await response.Content.LoadIntoBufferAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException && !cancellationToken.IsCancellationRequested)
        {
            response.Dispose();
            throw new CutAnswerException($"The answer (HTTP {status}) ended early: the connection closed before its body was complete ({Cause(ex)})", ex);
        }

        if (response.IsSuccessStatusCode == jsonOfSuccess)
        {
            var body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
            if (IsCutJson(body))
            {
                response.Dispose();
                throw new CutAnswerException($"The answer (HTTP {status}) ended early: its JSON stops after {body.Length} bytes, before its end.", null);
            }
        }

        return response;
    }

    /// <summary>The innermost cause's kind and words (SocketsHttpHandler's, e.g. "ResponseEnded"); never a body.</summary>
    private static string Cause(Exception ex)
    {
        var inner = ex;
        while (inner.InnerException is { } next)
        {
            inner = next;
        }

        // SocketsHttpHandler's words already end with their kind: "The response ended prematurely. (ResponseEnded)".
        return inner is HttpIOException ? inner.Message : $"{inner.GetType().Name}: {inner.Message}";
    }

    /// <summary>
    /// Whether <paramref name="body"/> is a proper beginning of a JSON object or array: it starts one, contains nothing a JSON
    /// text could not continue with, and ends before the value does. A complete value (with or without trailing text) and
    /// anything that is not JSON are not cut.
    /// </summary>
    internal static bool IsCutJson(ReadOnlySpan<byte> body)
    {
        var start = body.StartsWith("\uFEFF"u8) ? 3 : 0;
        while (start < body.Length && body[start] is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n')
        {
            start++;
        }

        if (start == body.Length || body[start] is not ((byte)'{' or (byte)'['))
        {
            return false;
        }

        // Not the final block: a token the data stops inside is "needs more", not an error.
        var reader = new System.Text.Json.Utf8JsonReader(body[start..], isFinalBlock: false, state: default);
        try
        {
            while (reader.Read())
            {
                if (reader.CurrentDepth == 0 && reader.TokenType is System.Text.Json.JsonTokenType.EndObject or System.Text.Json.JsonTokenType.EndArray)
                {
                    return false;
                }
            }

            return true;
        }
        catch (System.Text.Json.JsonException)
        {
            return false;
        }
    }
}

/// <summary>
/// An answer to a read that ended before its body did (see <see cref="CutAnswerHandler"/>): a transport failure like a lost
/// connection, so the retry repeats the read. Its message names the status and the cause, never a header or the body.
/// </summary>
internal sealed class CutAnswerException(string message, Exception? inner) : HttpRequestException(HttpRequestError.ResponseEnded, message, inner);
