using System.Globalization;
using System.Text.Json;

namespace Skvare.CmsUser.AspNetCore;

/// <summary>
/// The signed body: <c>{"contactId": 42}</c> (or <c>contact_id</c>, number or digit string), plus optional
/// <c>rule</c> (string), <c>includeLoginLink</c> (boolean) and <c>eventId</c> (the sender's id for this
/// event: letters, digits and <c>. _ : -</c>, logged and echoed). Other members are ignored, so senders may add context such as the group.
/// </summary>
internal sealed record WebhookRequest(long ContactId, string? Rule, bool IncludeLoginLink, string? EventId)
{
    /// <summary>Longest accepted <c>rule</c> or <c>eventId</c>.</summary>
    public const int MaxTextLength = 200;

    private static readonly JsonDocumentOptions Strict = new()
    {
        // A signed body that says two things (two contact ids) is refused, not read one way or the other.
        AllowDuplicateProperties = false,
        MaxDepth = 16,
    };

    private static ReadOnlySpan<byte> Utf8Bom => [0xEF, 0xBB, 0xBF];

    /// <summary>Parses a body; never throws. On failure <paramref name="problem"/> says what to fix.</summary>
    public static bool TryParse(ReadOnlyMemory<byte> body, out WebhookRequest request, out string problem)
    {
        request = new WebhookRequest(0, null, false, null);
        problem = "";

        // RFC 8259 lets a parser ignore a byte order mark; the signature still covers the bytes as sent.
        if (body.Span.StartsWith(Utf8Bom))
        {
            body = body[Utf8Bom.Length..];
        }

        if (body.IsEmpty)
        {
            problem = "The body is empty; send a JSON object such as {\"contactId\": 42}.";
            return false;
        }

        try
        {
            using var document = JsonDocument.Parse(body, Strict);
            return TryRead(document.RootElement, out request, out problem);
        }
        catch (JsonException ex) when (ex.LineNumber is null)
        {
            // The reader's errors carry a position; the duplicate check's do not.
            problem = "The body names a member twice; a signed body must mean one thing.";
            return false;
        }
        catch (JsonException ex)
        {
            problem = $"The body is not valid JSON (line {ex.LineNumber + 1}, byte {ex.BytePositionInLine + 1}).";
            return false;
        }
        catch (InvalidOperationException)
        {
            // Text that does not decode: an escape naming a lone surrogate ("\ud800") or bytes that are not UTF-8,
            // in a value (GetString) or in a member name (the duplicate check decodes every name while parsing).
            problem = "The body holds a member name or string that is not valid Unicode (a lone surrogate escape such as \\ud800, or bytes that are not UTF-8).";
            return false;
        }
    }

    private static bool TryRead(JsonElement root, out WebhookRequest request, out string problem)
    {
        request = new WebhookRequest(0, null, false, null);
        problem = "";
        if (root.ValueKind != JsonValueKind.Object)
        {
            problem = "The body must be a JSON object such as {\"contactId\": 42}.";
            return false;
        }

        var hasCamel = root.TryGetProperty("contactId", out var camel);
        var hasSnake = root.TryGetProperty("contact_id", out var snake);
        if (hasCamel && hasSnake)
        {
            problem = "Send contactId or contact_id, not both.";
            return false;
        }

        var id = hasCamel ? camel : snake;
        var contactId = id.ValueKind switch
        {
            JsonValueKind.Number when id.TryGetInt64(out var n) => n,
            JsonValueKind.String when long.TryParse(id.GetString(), NumberStyles.None, CultureInfo.InvariantCulture, out var s) => s,
            _ => 0,
        };
        if (contactId <= 0)
        {
            problem = "contactId (or contact_id) must be a positive whole contact id.";
            return false;
        }

        if (!TryText(root, "rule", out var rule, ref problem) || !TryText(root, "eventId", out var eventId, ref problem))
        {
            return false;
        }

        if (eventId is not null && !eventId.All(IsEventIdChar))
        {
            // It goes into logs: no control characters, no markup, nothing to escape.
            problem = "eventId may hold only letters, digits and . _ : -";
            return false;
        }

        var includeLoginLink = false;
        if (root.TryGetProperty("includeLoginLink", out var link))
        {
            if (link.ValueKind is not (JsonValueKind.True or JsonValueKind.False or JsonValueKind.Null))
            {
                problem = "includeLoginLink must be true or false.";
                return false;
            }

            includeLoginLink = link.ValueKind == JsonValueKind.True;
        }

        request = new WebhookRequest(contactId, rule, includeLoginLink, eventId);
        return true;
    }

    private static bool IsEventIdChar(char c) => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or ':' or '-';

    private static bool TryText(JsonElement root, string name, out string? value, ref string problem)
    {
        value = null;
        if (!root.TryGetProperty(name, out var element) || element.ValueKind == JsonValueKind.Null)
        {
            return true;
        }

        if (element.ValueKind != JsonValueKind.String)
        {
            problem = $"{name} must be a string.";
            return false;
        }

        var text = element.GetString()!;
        if (text.Length == 0 || text.Length > MaxTextLength)
        {
            problem = $"{name} must hold 1 to {MaxTextLength} characters.";
            return false;
        }

        value = text;
        return true;
    }
}
