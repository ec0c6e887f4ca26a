namespace Skvare.CmsUser.Testing;

/// <summary>
/// The CMS-level operation a fake recognises in a request, for <see cref="IFakeCmsServer.FaultWhere"/>: the fakes
/// know their own routes, so a test can fault "the role change" without spelling each CMS's URL.
/// </summary>
public enum FakeCmsOperation
{
    /// <summary>Any other request (sign-in, status, a read by id, block, login link, ...).</summary>
    Other,

    /// <summary>A look-up of accounts by email or username.</summary>
    LookUp,

    /// <summary>An account's create.</summary>
    Create,

    /// <summary>A change of an existing account's roles (or Joomla groups).</summary>
    ChangeRoles,

    /// <summary>A new-account notification or a password reset email.</summary>
    Notify,
}

/// <summary>One request as a fault rule (<see cref="IFakeCmsServer.FaultWhere"/>) sees it, on arrival.</summary>
/// <param name="Method">The HTTP method, upper case.</param>
/// <param name="Path">The URL path, e.g. <c>/wp-json/wp/v2/users</c>.</param>
/// <param name="Query">The query string without its <c>?</c>, or <see langword="null"/>.</param>
/// <param name="Body">The body text, or <see langword="null"/> when empty (form bodies are left encoded).</param>
/// <param name="Operation">What the request does, as far as the fake knows.</param>
public sealed record FakeFaultRequest(string Method, string Path, string? Query, string? Body, FakeCmsOperation Operation)
{
    /// <summary>Whether the request mentions <paramref name="text"/> in its path, query or body (ordinal, case-insensitive).</summary>
    /// <param name="text">E.g. a contact's email; URL-encoded and form-encoded forms (<c>@</c> as <c>%40</c>) are matched too.</param>
    /// <returns>Whether it does.</returns>
    public bool Mentions(string text)
    {
        ArgumentException.ThrowIfNullOrEmpty(text);
        var encoded = Uri.EscapeDataString(text);
        return Contains(Path, text) || Contains(Query, text) || Contains(Body, text)
            || Contains(Query, encoded) || Contains(Body, encoded) || Contains(Path, encoded);

        static bool Contains(string? haystack, string needle) => haystack?.Contains(needle, StringComparison.OrdinalIgnoreCase) == true;
    }
}

/// <summary>
/// What a fault rule (<see cref="IFakeCmsServer.FaultWhere"/>) makes the fake answer to one request. Unlike the
/// queued <c>FailNext</c> faults, a rule is asked about every request, so a retry or a parallel request cannot take a
/// fault meant for another one.
/// </summary>
public sealed class FakeFault
{
    private FakeFault(FakeFaultKind kind, int statusCode, string? body, string? contentType, TimeSpan? delay)
    {
        Kind = kind;
        StatusCode = statusCode;
        Body = body;
        ContentType = contentType;
        Delay = delay;
    }

    /// <summary>The request is carried out, and its answer's body cut to half its length (at least one character): an answer the client cannot read, as a proxy that drops the connection's tail gives.</summary>
    public static FakeFault MalformedBody { get; } = new(FakeFaultKind.Malformed, 0, null, null, null);

    internal FakeFaultKind Kind { get; }

    internal int StatusCode { get; }

    internal string? Body { get; }

    internal string? ContentType { get; }

    internal TimeSpan? Delay { get; }

    /// <summary>
    /// The request is answered with <paramref name="statusCode"/>, not carried out. Pass the CMS's real error body for
    /// that status (its protocol's error shape); without one, the fake's own error page (as <c>FailNext</c> answers).
    /// </summary>
    /// <param name="statusCode">The status (100-599).</param>
    /// <param name="body">The body, or <see langword="null"/> for the fake's error page.</param>
    /// <param name="contentType">The <c>Content-Type</c> of <paramref name="body"/> (<c>application/json</c> when a body is given without one).</param>
    /// <returns>The fault.</returns>
    public static FakeFault Status(int statusCode, string? body = null, string? contentType = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(statusCode, 100);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(statusCode, 599);
        return new(FakeFaultKind.Before, statusCode, body, body is null ? null : contentType ?? "application/json", null);
    }

    /// <summary>
    /// The request is carried out (an account is created, a role changed, a mail sent), then answered with
    /// <paramref name="statusCode"/>: the reply is lost on its way back.
    /// </summary>
    /// <param name="statusCode">The status (100-599).</param>
    /// <param name="body">The body, or <see langword="null"/> for the fake's error page.</param>
    /// <param name="contentType">The <c>Content-Type</c> of <paramref name="body"/> (<c>application/json</c> when a body is given without one).</param>
    /// <returns>The fault.</returns>
    public static FakeFault AfterProcessing(int statusCode, string? body = null, string? contentType = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(statusCode, 100);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(statusCode, 599);
        return new(FakeFaultKind.After, statusCode, body, body is null ? null : contentType ?? "application/json", null);
    }

    /// <summary>
    /// The request waits: with a <paramref name="delay"/>, that long, then it is carried out and answered normally;
    /// without one, until the fake is disposed, and it is never carried out (the client's timeout decides).
    /// </summary>
    /// <param name="delay">How long, or <see langword="null"/> for ever.</param>
    /// <returns>The fault.</returns>
    public static FakeFault Hang(TimeSpan? delay = null)
    {
        if (delay is { } d)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(d, TimeSpan.Zero);
        }

        return new(FakeFaultKind.Hang, 0, null, null, delay);
    }

    /// <inheritdoc />
    public override string ToString() => Kind switch
    {
        FakeFaultKind.Before => $"HTTP {StatusCode}",
        FakeFaultKind.After => $"HTTP {StatusCode} after processing",
        FakeFaultKind.Malformed => "malformed body",
        _ => Delay is { } d ? "hang " + d.TotalMilliseconds.ToString("0", System.Globalization.CultureInfo.InvariantCulture) + " ms" : "hang",
    };
}

/// <summary>How a <see cref="FakeFault"/> acts.</summary>
internal enum FakeFaultKind
{
    Before,
    After,
    Malformed,
    Hang,
}
