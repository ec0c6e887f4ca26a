using System.Text.Json;
using Skvare.CmsUser.CiviCrm.Api;

namespace Skvare.CmsUser.CiviCrm.Triggers;

/// <summary>
/// The website tokens (<c>{contact.url}</c>, <c>{contact.website_first.url}</c>, <c>{contact.primary_website.url}</c>) as
/// CiviCRM's token processor prints them. API v4 has no <c>website_first</c> on Contact (a plain <c>Contact.get</c> drops
/// it without a word): <c>CRM_Contact_Tokens::getContact</c> joins <c>Website AS website_first</c> itself (LEFT, on the
/// contact only, no order) and takes the first row, which MySQL gives in the order of the website's index on the contact:
/// the contact's website with the lowest id, whatever its type, even one without a URL (then the token prints nothing).
/// Checked on CiviCRM 6.17.2 with <c>WorkflowMessage.render</c> (recording <c>civicrm-6.17.2-websites-*</c>).
/// <para>
/// A join would repeat a page's rows once per website, so the SDK reads them apart: one <c>Website.get</c> of the page's
/// contacts (<c>contact_id IN</c>, ordered by id), sent beside the page's other requests and only when a pattern or a
/// field mapping uses a website token. A read that fails does not give anyone a name made without the website: each
/// contact gets the failure (<see cref="Contact.FieldsFailure"/>).
/// </para>
/// </summary>
internal static class WebsiteTokens
{
    /// <summary>The field the website tokens read (<c>ContactTokens</c> maps each spelling to it).</summary>
    public const string Path = "website_first.url";

    /// <summary>Whether the fields name a website token.</summary>
    public static bool Needed(IReadOnlyCollection<string> extraFields) => extraFields.Contains(Path, StringComparer.Ordinal);

    /// <summary>The read of the contacts' websites: every website of theirs, lowest id first.</summary>
    public static Api4Params Query(IReadOnlyCollection<long> contactIds)
    {
        var query = new Api4Params().WithSelect("contact_id", "url").WithWhere(Api4Condition.In("contact_id", contactIds));
        query.OrderBy.Add(new KeyValuePair<string, string>("id", "ASC"));
        return query;
    }

    /// <summary>
    /// Starts the read of the contacts' websites when the fields name a website token; <see langword="null"/> otherwise (no
    /// request). The task does not fail for CiviCRM's sake: a failed read is a <see cref="Websites"/> whose
    /// <see cref="Websites.Failure"/> says why. Only the caller's cancellation ends it otherwise.
    /// </summary>
    public static Task<Websites>? Start(CiviCrmApiClient client, IReadOnlyCollection<string> extraFields, IReadOnlyCollection<long> contactIds, CancellationToken cancellationToken) =>
        Needed(extraFields) ? ReadAsync(client, contactIds.Where(id => id > 0).Distinct().ToArray(), cancellationToken) : null;

    private static async Task<Websites> ReadAsync(CiviCrmApiClient client, long[] contactIds, CancellationToken cancellationToken)
    {
        if (contactIds.Length == 0)
        {
            return Websites.From([]);
        }

        try
        {
            var result = await client.CallAsync("Website", "get", Query(contactIds), cancellationToken).ConfigureAwait(false);
            return Websites.From(result.Values);
        }
        catch (CiviCrmApiException ex) when (ex.Kind == FailureKind.Configuration && ex.StatusCode is >= 200 and < 300)
        {
            // An answer that is not API v4, on the URL that just answered the contacts' read: not the site's address.
            return Websites.Failed(new CiviCrmApiException(FailureKind.Permanent,
                $"CiviCRM's answer to Website.get (HTTP {ex.StatusCode}) could not be read as API v4, so the contacts' websites ({{contact.url}}) are unknown and no username or field is made without them.",
                "Website", "get", ex.StatusCode, innerException: ex));
        }
        catch (CiviCrmApiException ex)
        {
            return Websites.Failed(ex);
        }
    }

    /// <summary>Waits for a read the caller no longer needs (its own request failed), so its end is observed.</summary>
    public static async Task ForgetAsync(Task<Websites>? read)
    {
        if (read is not null)
        {
            await Task.WhenAny(read).ConfigureAwait(false);
            _ = read.Exception;
        }
    }
}

/// <summary>
/// The first website of each contact as <see cref="WebsiteTokens"/> read it, or why it could not be read.
/// </summary>
internal sealed class Websites
{
    private readonly Dictionary<long, (string? Url, string? Problem)> _first;

    private Websites(Dictionary<long, (string? Url, string? Problem)> first, CmsUserException? failure)
    {
        _first = first;
        Failure = failure;
    }

    /// <summary>Why the read failed for every contact it was for, or <see langword="null"/>.</summary>
    public CmsUserException? Failure { get; }

    /// <summary>A read that failed.</summary>
    public static Websites Failed(CmsUserException failure) => new([], failure);

    /// <summary>
    /// The rows of <c>Website.get</c>: each contact's website with the lowest id (whatever order they came in). A row whose
    /// id or contact cannot be read fails the whole read (any contact's first website could be that row); a first website
    /// whose URL is not text is that contact's problem alone.
    /// </summary>
    public static Websites From(IReadOnlyList<JsonElement> rows)
    {
        var first = new Dictionary<long, (long Id, JsonElement Row)>();
        foreach (var row in rows)
        {
            if (ContactReader.SafeId(row, "id") is not long id || ContactReader.SafeId(row, "contact_id") is not long contactId)
            {
                return Failed(new CiviCrmApiException(FailureKind.Permanent,
                    "CiviCRM answered Website.get with a row whose id or contact_id cannot be read, so which website is each contact's first ({contact.url}) is unknown.",
                    "Website", "get"));
            }

            if (!first.TryGetValue(contactId, out var known) || id < known.Id)
            {
                first[contactId] = (id, row);
            }
        }

        return new Websites(first.ToDictionary(kv => kv.Key, kv => Url(kv.Value.Row)), null);
    }

    /// <summary>The URL of the contact's first website (<see langword="null"/>: none, or one without a URL); a problem is added to <paramref name="problems"/>.</summary>
    public string? UrlOf(long contactId, List<string> problems)
    {
        if (!_first.TryGetValue(contactId, out var first))
        {
            return null;
        }

        if (first.Problem is { } problem)
        {
            problems.Add(problem);
        }

        return first.Url;
    }

    private static (string? Url, string? Problem) Url(JsonElement row)
    {
        if (!row.TryGetProperty("url", out var url))
        {
            return (null, $"{WebsiteTokens.Path} is missing from its website's row");
        }

        return url.ValueKind switch
        {
            JsonValueKind.Null => (null, null),
            JsonValueKind.String when url.AsText() is { } text => (text, null),
            JsonValueKind.String => (null, $"{WebsiteTokens.Path} is not valid Unicode text"),
            _ => (null, $"{WebsiteTokens.Path} is a JSON {url.ValueKind.ToString().ToLowerInvariant()} where text was expected"),
        };
    }
}
