using System.Text;

namespace Skvare.CmsUser.Shared;

/// <summary>
/// One request as a package describes it: what to send and how to read the answer. <see cref="HttpChannel"/> turns it
/// into HTTP (credentials, <c>Accept</c>, retry marking) and the answer back into JSON or a classified exception.
/// Packages derive from it when their error classifier needs more (which API a call went to).
/// </summary>
/// <param name="Method">The HTTP method.</param>
/// <param name="Path">Where to send it, relative to the channel's base (or absolute).</param>
/// <param name="Route">The call as logs and messages name it (<c>user/{uid}</c>): no ids, no query values, no secrets.</param>
internal record HttpCall(HttpMethod Method, string Path, string Route)
{
    /// <summary>The body, or <see langword="null"/> for none.</summary>
    public HttpBody? Body { get; init; }

    /// <summary>The media type asked for; <see langword="null"/> uses the channel's default.</summary>
    public string? Accept { get; init; }

    /// <summary>
    /// Whether the call creates an account: when it fails after the request may have reached the site, the
    /// classifier says the outcome is unknown (the account may exist) instead of "unavailable".
    /// </summary>
    public bool IsCreate { get; init; }

    /// <summary>
    /// Whether the call may be sent again after a transient failure that may have reached the site: a write whose repeat
    /// leaves the same state and has no other effect (a whole role set, a login link that does not void the last one, a
    /// token request), or a read sent as POST. GET, HEAD and OPTIONS are retry-safe anyway; PUT and DELETE only when marked
    /// (a PUT of a Drupal 7 account's status mails the person, and two tries of it could both mail). A request that never
    /// left (its connection could not be opened) is retried whatever this says.
    /// </summary>
    public bool RetrySafe { get; init; }

    /// <summary>
    /// Whether the call only reads (it changes nothing, however often it is sent): a GET look-up, or a POST that is a read by
    /// its protocol (API v4 <c>get</c>, a bulk look-up). It is retry-safe whatever its method, and an answer whose body ends
    /// early (the connection closed mid-body, <c>Content-Length</c> not met, JSON cut off) is retried as a lost connection is
    /// (<see cref="HttpResilienceSetup.RepeatCutAnswer"/>). Not for writes, idempotent ones included, nor for a call that
    /// issues something (a login link, a session, a token): each try would issue another.
    /// </summary>
    public bool IsRead { get; init; }

    /// <summary>
    /// Recognises, in the JSON object of an error answer under a 5xx status, a refusal that is final for the data sent
    /// (the same request would get the same answer: WordPress's taken username or email, CiviCRM's unique-key "DB Error:
    /// already exists"). Such an answer is the contact's problem, not the site's: it is neither retried nor counted by the
    /// circuit breaker; the classifier still turns it into the call's error.
    /// </summary>
    public Func<System.Text.Json.JsonElement, bool>? FinalError { get; init; }

    /// <summary>
    /// A <see cref="FinalError"/> that recognises a JSON error object by its text <c>code</c> (the shape WordPress's REST
    /// API and the Backdrop module answer): one of <paramref name="codes"/>.
    /// </summary>
    /// <param name="codes">The error codes that are final.</param>
    public static Func<System.Text.Json.JsonElement, bool> ErrorCodeIn(params string[] codes) =>
        error => error.TryGetProperty("code", out var code) && code.ValueKind == System.Text.Json.JsonValueKind.String && Array.Exists(codes, c => code.ValueEquals(c));

    /// <summary>Whether an answer the classifier reads as "no such resource" is returned as <see langword="null"/> instead of thrown.</summary>
    public bool NullWhenNotFound { get; init; }

    /// <summary>Whether a successful answer with a blank body is an answer without JSON rather than an unreadable one.</summary>
    public bool EmptyAnswer { get; init; }

    /// <summary>Whether the call is sent without the channel's credentials (a login, a token request, a public form).</summary>
    public bool Anonymous { get; init; }

    /// <summary>
    /// Values this call sends that are secrets of their own (a new account's password): taken out of the answer before a
    /// failure is made from it, as the channel's <see cref="HttpChannel.Secrets"/> are.
    /// </summary>
    public IReadOnlyList<string?> Secrets { get; init; } = [];

    /// <summary>
    /// The JSON members of this call's answer that carry a credential the server issues (<c>access_token</c>, a session id,
    /// a login link's <c>url</c>): their values, read even from a body cut short, are taken out of the answer (wherever
    /// else it repeats them too) before a failure is made from it. Register them with <see cref="HttpChannel.Issued"/>
    /// once read, so later answers are cleared of them as well.
    /// </summary>
    public IReadOnlyList<string> SecretMembers { get; init; } = [];

    /// <summary>
    /// Whether the caller reads the answer itself, whatever its status (a form that redirects on success). Transport
    /// failures and 429 still throw; nothing is parsed.
    /// </summary>
    public bool RawAnswer { get; init; }
}

/// <summary>A request body that can be sent again (a fresh <see cref="HttpContent"/> per attempt). Never printed: forms carry secrets.</summary>
internal abstract class HttpBody
{
    /// <summary>A JSON text, sent as <c>application/json; charset=utf-8</c>.</summary>
    public static HttpBody Json(string json) => new JsonBody(json);

    /// <summary>Form fields, sent as <c>application/x-www-form-urlencoded</c>.</summary>
    public static HttpBody Form(IEnumerable<KeyValuePair<string, string>> fields) => new FormBody([.. fields]);

    /// <summary>The content for one attempt.</summary>
    public abstract HttpContent CreateContent();

    /// <inheritdoc />
    public override string ToString() => GetType().Name;

    private sealed class JsonBody(string json) : HttpBody
    {
        public override HttpContent CreateContent() => new StringContent(json, Encoding.UTF8, "application/json");
    }

    /// <summary>
    /// The bytes <see cref="FormUrlEncodedContent"/> sends (UTF-8, <see cref="Uri.EscapeDataString(string)"/>'s escapes, a
    /// space as <c>+</c>), written straight into one array of the exact length: a CiviCRM call's <c>params</c> can be tens
    /// of kilobytes of JSON, which <see cref="FormUrlEncodedContent"/> escapes into a growing text buffer first.
    /// </summary>
    private sealed class FormBody(KeyValuePair<string, string>[] fields) : HttpBody
    {
        public override HttpContent CreateContent()
        {
            var length = Math.Max(0, fields.Length - 1);
            foreach (var (key, value) in fields)
            {
                length += Escape(key, []) + 1 + Escape(value, []);
            }

            var bytes = new byte[length];
            var at = 0;
            for (var i = 0; i < fields.Length; i++)
            {
                if (i > 0)
                {
                    bytes[at++] = (byte)'&';
                }

                at += Escape(fields[i].Key, bytes.AsSpan(at));
                bytes[at++] = (byte)'=';
                at += Escape(fields[i].Value, bytes.AsSpan(at));
            }

            var content = new ByteArrayContent(bytes);
            content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/x-www-form-urlencoded");
            return content;
        }

        /// <summary>Writes <paramref name="text"/> escaped into <paramref name="destination"/> (or only counts, when it is empty); returns the length.</summary>
        private static int Escape(string? text, Span<byte> destination)
        {
            if (string.IsNullOrEmpty(text))
            {
                return 0;
            }

            var count = destination.IsEmpty;
            Span<byte> utf8 = stackalloc byte[4];
            var at = 0;

            // Rune by rune in UTF-8, as Uri.EscapeDataString takes the text: a lone surrogate becomes U+FFFD.
            foreach (var rune in text.EnumerateRunes())
            {
                foreach (var b in utf8[..rune.EncodeToUtf8(utf8)])
                {
                    if (IsUnreserved(b) || b == (byte)' ')
                    {
                        if (!count)
                        {
                            destination[at] = b == (byte)' ' ? (byte)'+' : b;
                        }

                        at++;
                    }
                    else
                    {
                        if (!count)
                        {
                            destination[at] = (byte)'%';
                            destination[at + 1] = (byte)"0123456789ABCDEF"[b >> 4];
                            destination[at + 2] = (byte)"0123456789ABCDEF"[b & 0xF];
                        }

                        at += 3;
                    }
                }
            }

            return at;
        }

        // RFC 3986's unreserved characters, which Uri.EscapeDataString leaves as they are.
        private static bool IsUnreserved(byte b) => char.IsAsciiLetterOrDigit((char)b) || b is (byte)'-' or (byte)'.' or (byte)'_' or (byte)'~';
    }
}
