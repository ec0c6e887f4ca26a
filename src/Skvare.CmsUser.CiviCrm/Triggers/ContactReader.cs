using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using Skvare.CmsUser.CiviCrm.Api;
using Skvare.CmsUser.Shared;

namespace Skvare.CmsUser.CiviCrm.Triggers;

/// <summary>
/// Reads contacts as the engine needs them: one <c>Contact.get</c> per page bringing names, primary
/// email, language and this domain's UFMatch link (a join), plus one UFMatch read for other domains.
/// </summary>
internal sealed class ContactReader
{
    private const string LinkAlias = "uf";
    private static readonly string[] StandardFields =
    [
        "id", "first_name", "middle_name", "last_name", "nick_name", "display_name", "external_identifier",
        "preferred_language", "email_primary.email", "email_primary.on_hold",
    ];

    private readonly CiviCrmApiClient _client;
    private readonly CiviCrmOptions _options;

    // custom_N → the API v4 field path that reads it (empty: no such field on the site), looked up once per process.
    private readonly ConcurrentDictionary<string, string> _customPaths = new(StringComparer.Ordinal);

    // custom_N of a date field → the PHP date() format CiviCRM displays it with (empty: it prints nothing), written before
    // the field's path; looked up with it (CustomDateFields).
    private readonly ConcurrentDictionary<string, string> _customDates = new(StringComparer.Ordinal);

    // custom_N → the field's html_type and data_type (CustomFieldText), written before the field's path.
    private readonly ConcurrentDictionary<string, (string HtmlType, string DataType)> _customTypes = new(StringComparer.Ordinal);

    // The site's date formats and language for the date tokens, and its separators for money and decimal custom fields,
    // read together once per process (null: not read yet).
    private volatile SiteSettings? _site;

    // The one Setting.get of the site's settings, shared by the reads under way while it is answered (null: none yet; a
    // read that failed is tried again by the next read that needs it). Written under _siteSettingsGate.
    private readonly Lock _siteSettingsGate = new();
    private Task<SiteSettings>? _siteSettingsRead;

    public ContactReader(CiviCrmApiClient client, CiviCrmOptions options)
    {
        _client = client;
        _options = options;
    }

    /// <summary>
    /// The current domain in a join's ON clause without knowing its id: CiviCRM turns the literal <c>current_domain</c> of a
    /// <c>domain_id</c> field into the current domain's id (checked against CiviCRM 6.17.2: a link in another domain is
    /// not joined, a link here is).
    /// </summary>
    public const string CurrentDomain = "'current_domain'";

    /// <summary>The base query: not deleted, not deceased, with the link join and the fields.</summary>
    /// <param name="extraFields">The extra fields to select.</param>
    /// <param name="cancellationToken">Cancels the identity read.</param>
    /// <param name="domain">The link join's domain when not the identity's id (<see cref="CurrentDomain"/>: a read that may go before the identity is known).</param>
    public async Task<Api4Params> BaseQueryAsync(IReadOnlyCollection<string> extraFields, CancellationToken cancellationToken, object? domain = null)
    {
        domain ??= (await _client.GetIdentityAsync(cancellationToken).ConfigureAwait(false)).DomainId;
        await ResolveCustomFieldsAsync(extraFields, cancellationToken).ConfigureAwait(false);
        await ResolveSiteSettingsAsync(extraFields, cancellationToken).ConfigureAwait(false);
        var query = new Api4Params().WithSelect(StandardFields).WithSelect($"{LinkAlias}.uf_id", $"{LinkAlias}.uf_name");
        foreach (var field in extraFields)
        {
            // Several date tokens may read one date (birth_date, birth_date|crmDate:"%Y").
            if (PathOf(field) is { Length: > 0 } path && !query.Select.Contains(path))
            {
                query.Select.Add(path);
            }
        }

        query.Join.Add(new Api4Join("UFMatch", LinkAlias, Api4JoinSide.Left,
        [
            Api4Condition.Field($"{LinkAlias}.contact_id", "=", "id"),
            Api4Condition.Field($"{LinkAlias}.domain_id", "=", domain),
        ]));
        query.Where.Add(Api4Condition.Eq("is_deleted", false));
        query.Where.Add(Api4Condition.Eq("is_deceased", false));
        return query;
    }

    /// <summary>
    /// API v4 has no <c>custom_N</c> field (CiviCRM 6.17.2 drops it from a <c>select</c> without a word): a custom field is
    /// <c>group_name.field_name</c>, and its option label <c>…:label</c> (Yes/No for a yes/no field), which is what
    /// CiviCRM's token processor prints for <c>{contact.custom_N}</c>. One <c>CustomField.get</c> per process for the
    /// fields not looked up yet; a field the site does not have reads as empty (as CiviCRM renders an unknown token's
    /// value), and is not looked up again until the process restarts. The same read brings a date field's display settings
    /// (<see cref="CustomDateFields"/>).
    /// </summary>
    private async Task ResolveCustomFieldsAsync(IReadOnlyCollection<string> extraFields, CancellationToken cancellationToken)
    {
        var missing = extraFields.Where(f => CustomFieldId(f) is not null && !_customPaths.ContainsKey(f)).ToArray();
        if (missing.Length == 0)
        {
            return;
        }

        var ids = missing.Select(f => CustomFieldId(f)!.Value).ToArray();
        var query = new Api4Params { Limit = ids.Length }
            .WithSelect("id", "name", "custom_group_id.name", "data_type", "option_group_id").WithSelect(CustomDateFields.Select)
            .WithWhere(Api4Condition.In("id", ids));
        var result = await _client.CallAsync("CustomField", "get", query, cancellationToken).ConfigureAwait(false);
        foreach (var row in result.Values)
        {
            if (SafeId(row, "id") is long id && row.GetString("name") is { Length: > 0 } name && row.GetString("custom_group_id.name") is { Length: > 0 } group)
            {
                // Asking for the label of a field without options fails the whole read (500 "No option list found").
                var labelled = SafeId(row, "option_group_id") is not null || row.GetString("data_type") == "Boolean";
                if (CustomDateFields.FormatOf(row) is { } dateFormat)
                {
                    _customDates[CustomFieldPrefix + id.ToString(CultureInfo.InvariantCulture)] = dateFormat;
                }

                _customTypes[CustomFieldPrefix + id.ToString(CultureInfo.InvariantCulture)] = (row.GetString("html_type") ?? "", row.GetString("data_type") ?? "");

                _customPaths[CustomFieldPrefix + id.ToString(CultureInfo.InvariantCulture)] = $"{group}.{name}{(labelled ? ":label" : "")}";
            }
        }

        foreach (var field in missing)
        {
            _customPaths.TryAdd(field, "");
        }
    }

    private const string CustomFieldPrefix = "custom_";

    /// <summary>
    /// The site's settings the tokens print with: the date formats and language of the date tokens (<see cref="DateTokens"/>),
    /// and the <c>monetaryThousandSeparator</c> and <c>monetaryDecimalPoint</c> of a money or decimal custom field (HTML type
    /// <c>Text</c>, <see cref="CiviNumber"/>). Exactly one <c>Setting.get</c> per process, bringing both, the first time a
    /// read needs either (pages read at once wait for that one), none after: a setting changed on the site is seen after a
    /// restart, as CiviCRM's own settings cache does until it is cleared. Each read then checks that its date tokens can
    /// be printed as CiviCRM prints them with these formats.
    /// </summary>
    private async Task ResolveSiteSettingsAsync(IReadOnlyCollection<string> extraFields, CancellationToken cancellationToken)
    {
        var dates = DateTokens.NeedSettings(extraFields);
        var numbers = extraFields.Any(f => _customTypes.TryGetValue(f, out var t) && t.HtmlType == CustomFieldText.Text && t.DataType is CustomFieldText.Money or CustomFieldText.Float);
        if (!dates && !numbers)
        {
            return;
        }

        var site = _site;
        if (site is null)
        {
            Task<SiteSettings> read;
            lock (_siteSettingsGate)
            {
                if (_siteSettingsRead is null or { IsFaulted: true } or { IsCanceled: true })
                {
                    // Not tied to this read's token: the others wait for it too. Each waits with its own token.
                    _siteSettingsRead = ReadSiteSettingsAsync();
                }

                read = _siteSettingsRead;
            }

            site = await read.WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        if (dates)
        {
            DateTokens.Check(site.Dates, extraFields);
        }
    }

    private async Task<SiteSettings> ReadSiteSettingsAsync()
    {
        // Off the caller's lock before anything else runs.
        await Task.Yield();
        var query = DateTokens.SettingsQuery().WithSelect(ThousandsSetting, DecimalSetting);
        var result = await _client.CallAsync("Setting", "get", query, CancellationToken.None).ConfigureAwait(false);
        var site = new SiteSettings(DateTokens.ReadSettings(result.Values), ReadSeparators(result.Values));
        _site = site;
        return site;
    }

    /// <summary>The site's settings the tokens print with, read once (<see cref="ResolveSiteSettingsAsync"/>).</summary>
    private sealed record SiteSettings(DateTokens.SiteDateFormats Dates, CiviNumber.Separators Separators);

    private const string ThousandsSetting = "monetaryThousandSeparator", DecimalSetting = "monetaryDecimalPoint";

    /// <summary>The separators from <c>Setting.get</c>'s rows (a missing or non-text value: CiviCRM's default; an empty one stays empty, as CiviCRM prints it).</summary>
    internal static CiviNumber.Separators ReadSeparators(IReadOnlyList<JsonElement> rows)
    {
        var separators = CiviNumber.Separators.Default;
        foreach (var row in rows)
        {
            if (row.ValueKind != JsonValueKind.Object || !row.TryGetProperty("value", out var value))
            {
                continue;
            }

            var text = value.ValueKind == JsonValueKind.Null ? "" : value.ValueKind == JsonValueKind.String ? value.AsText() : null;
            separators = (row.GetString("name"), text) switch
            {
                (ThousandsSetting, { } t) => separators with { Thousands = t },
                (DecimalSetting, { } t) => separators with { Decimal = t },
                _ => separators,
            };
        }

        return separators;
    }

    /// <summary>
    /// The id of a <c>custom_N</c> field, written as CiviCRM files the value: without leading zeros (the patterns refuse
    /// <c>custom_012</c>, which CiviCRM prints as nothing; any other spelling is a plain path, which API v4 drops).
    /// </summary>
    private static long? CustomFieldId(string field) =>
        field.StartsWith(CustomFieldPrefix, StringComparison.Ordinal)
        && field.Length > CustomFieldPrefix.Length && field[CustomFieldPrefix.Length] != '0'
        && long.TryParse(field.AsSpan(CustomFieldPrefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var id) ? id : null;

    /// <summary>
    /// The API v4 field path of a token's field: itself, a date token's date (<c>birth_date</c> of
    /// <c>birth_date|crmDate:"%Y"</c>), or a custom field's (empty when the site has no such field), or empty for the
    /// website tokens (read apart, <see cref="WebsiteTokens"/>).
    /// </summary>
    private string PathOf(string field) =>
        field == WebsiteTokens.Path ? "" : DateTokens.PathOf(field) ?? (CustomFieldId(field) is null ? field : _customPaths.GetValueOrDefault(field, ""));

    /// <summary>The chain that brings a row's links in other domains with the row itself (see <see cref="ChainOtherDomainLinksAsync"/>).</summary>
    public const string OtherLinksChain = "uf_other";

    /// <summary>
    /// For a read of one contact: its links in other domains come chained onto its row, so the read is one request
    /// (a page reads them in one bulk call instead: a chain runs once per row).
    /// </summary>
    public async Task ChainOtherDomainLinksAsync(Api4Params query, CancellationToken cancellationToken)
    {
        if (!_options.ReadOtherDomainLinks)
        {
            return;
        }

        var identity = await _client.GetIdentityAsync(cancellationToken).ConfigureAwait(false);
        query.Chain[OtherLinksChain] = new Api4Chain("UFMatch", "get", new Api4Params { Limit = 10 }
            .WithSelect("contact_id", "uf_id", "uf_name", "domain_id")
            .WithWhere(Api4Condition.Eq("contact_id", "$id"), Api4Condition.Field("domain_id", "!=", identity.DomainId)));
    }

    /// <summary>Whether the contacts' links in other domains are read (<see cref="CiviCrmOptions.ReadOtherDomainLinks"/>).</summary>
    public bool ReadsOtherDomainLinks => _options.ReadOtherDomainLinks;

    /// <summary>
    /// Starts the read of the website tokens' values for these contacts (<see cref="WebsiteTokens"/>) when the fields name
    /// one, to go beside the contacts' own read; <see langword="null"/> (no request) otherwise.
    /// </summary>
    public Task<Websites>? StartWebsites(IReadOnlyCollection<string> extraFields, IReadOnlyCollection<long> contactIds, CancellationToken cancellationToken) =>
        WebsiteTokens.Start(_client, extraFields, contactIds, cancellationToken);

    /// <summary>
    /// The contacts' own read (<c>Contact.get</c> of <paramref name="query"/>) with the website tokens' read of
    /// <paramref name="contactIds"/> started beside it (<see cref="StartWebsites"/>): the answer, and the websites' read to
    /// hand to <see cref="ToContactsAsync"/>.
    /// </summary>
    public async Task<(Api4Result Result, Task<Websites>? Websites)> ReadWithWebsitesAsync(Api4Params query, IReadOnlyCollection<string> extraFields, IReadOnlyCollection<long> contactIds, CancellationToken cancellationToken)
    {
        var websites = StartWebsites(extraFields, contactIds, cancellationToken);
        try
        {
            return (await _client.CallAsync("Contact", "get", query, cancellationToken).ConfigureAwait(false), websites);
        }
        catch
        {
            await WebsiteTokens.ForgetAsync(websites).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Turns a page of rows into contacts, adding links from other domains and, when the fields name a website token, the
    /// websites (<paramref name="websites"/> when the caller started their read beside the rows' own, else read now, beside
    /// the links).
    /// </summary>
    public async Task<IReadOnlyList<Contact>> ToContactsAsync(IReadOnlyList<JsonElement> rows, IReadOnlyCollection<string> extraFields, CancellationToken cancellationToken, Task<Websites>? websites = null)
    {
        if (rows.Count == 0)
        {
            await WebsiteTokens.ForgetAsync(websites).ConfigureAwait(false);
            return [];
        }

        websites ??= StartWebsites(extraFields, RowIds(rows), cancellationToken);
        ILookup<long, AccountLink> others;
        try
        {
            CheckLinkJoin(rows);
            others = !_options.ReadOtherDomainLinks
                ? NoLinks
                : rows.All(r => r.ValueKind == JsonValueKind.Object && r.TryGetProperty(OtherLinksChain, out var chained) && chained.ValueKind == JsonValueKind.Array)
                    ? ToLinks(rows.SelectMany(r => r.GetProperty(OtherLinksChain).EnumerateArray()))
                    : await OtherDomainLinksAsync(RowIds(rows), cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await WebsiteTokens.ForgetAsync(websites).ConfigureAwait(false);
            throw;
        }

        return ToContacts(rows, extraFields, others, websites is null ? null : await websites.ConfigureAwait(false));
    }

    /// <summary>
    /// Turns a page of rows into contacts with the given links in other domains (<see cref="NoLinks"/> before they are
    /// read) and websites (<see langword="null"/>: not read, the website tokens read as empty; only for contacts whose
    /// usernames are not made, such as the page's bare contacts that open its records). Throws when CiviCRM dropped this
    /// domain's link join.
    /// </summary>
    public IReadOnlyList<Contact> ToContacts(IReadOnlyList<JsonElement> rows, IReadOnlyCollection<string> extraFields, ILookup<long, AccountLink> others, Websites? websites)
    {
        if (rows.Count == 0)
        {
            return [];
        }

        CheckLinkJoin(rows);

        // One contact per id even when a join repeats a row (two links of one contact in a domain).
        return rows.Select(row => ToContact(row, extraFields, others, websites)).OfType<Contact>().DistinctBy(c => c.Id).ToArray();
    }

    /// <summary>No links in other domains.</summary>
    public static ILookup<long, AccountLink> NoLinks { get; } = Array.Empty<AccountLink>().ToLookup(l => l.ContactId);

    /// <summary>The readable positive ids of a page's rows, each once.</summary>
    public static long[] RowIds(IReadOnlyList<JsonElement> rows) =>
        rows.Select(r => SafeId(r, "id") ?? 0).Where(id => id > 0).Distinct().ToArray();

    private static void CheckLinkJoin(IReadOnlyList<JsonElement> rows)
    {
        if (!rows[0].Has($"{LinkAlias}.uf_id"))
        {
            // A join the API user may not read is dropped silently: links would look absent and every contact would get a second account.
            throw new CiviCrmApiException(FailureKind.Configuration, "CiviCRM dropped the UFMatch join from Contact.get: the API user cannot read UFMatch. Give its role the permission \"administer CiviCRM\" (UFMatch requires it for every action).", "Contact", "get");
        }
    }

    /// <summary>The read of the contacts' links in other domains (one <c>UFMatch.get</c>).</summary>
    public async Task<Api4Params> OtherDomainLinksQueryAsync(long[] contactIds, CancellationToken cancellationToken)
    {
        var identity = await _client.GetIdentityAsync(cancellationToken).ConfigureAwait(false);
        return new Api4Params { Limit = contactIds.Length * 10 }
            .WithSelect("contact_id", "uf_id", "uf_name", "domain_id")
            .WithWhere(Api4Condition.In("contact_id", contactIds), Api4Condition.Field("domain_id", "!=", identity.DomainId));
    }

    private async Task<ILookup<long, AccountLink>> OtherDomainLinksAsync(long[] contactIds, CancellationToken cancellationToken)
    {
        if (contactIds.Length == 0)
        {
            return NoLinks;
        }

        var query = await OtherDomainLinksQueryAsync(contactIds, cancellationToken).ConfigureAwait(false);
        var result = await _client.CallAsync("UFMatch", "get", query, cancellationToken).ConfigureAwait(false);
        return ToLinks(result.Values);
    }

    /// <summary>Links in other domains from <c>UFMatch</c> rows.</summary>
    public static ILookup<long, AccountLink> ToLinks(IEnumerable<JsonElement> rows) =>
        rows.Where(r => r.ValueKind == JsonValueKind.Object && SafeId(r, "uf_id") is not null)
            .Select(r => new AccountLink(SafeId(r, "contact_id") ?? 0, SafeId(r, "uf_id")!.Value, r.GetString("uf_name"), IsCurrentDomain: false))
            .ToLookup(l => l.ContactId);

    private Contact? ToContact(JsonElement row, IReadOnlyCollection<string> extraFields, ILookup<long, AccountLink> others, Websites? websites)
    {
        // A row without a readable positive id cannot be acted on or recorded against anyone: it is left out.
        // Any other defect fails only this contact (Contact.DataError), never the page.
        if (SafeId(row, "id") is not long id || id <= 0)
        {
            return null;
        }

        var problems = new List<string>();
        var links = new List<AccountLink>();
        if (SafeId(row, $"{LinkAlias}.uf_id") is long ufId)
        {
            links.Add(new AccountLink(id, ufId, Text(row, $"{LinkAlias}.uf_name", problems)));
        }

        links.AddRange(others[id]);
        // Most rules read no extra field: no dictionary (and no closures) per contact then.
        var fields = extraFields.Count == 0 ? NoFields : extraFields.ToDictionary(f => f, f => f == WebsiteTokens.Path ? websites?.UrlOf(id, problems) : FieldText(row, f, problems), StringComparer.Ordinal);
        var contact = new Contact
        {
            Id = id,
            FirstName = Blank(Text(row, "first_name", problems)),
            MiddleName = Blank(Text(row, "middle_name", problems)),
            LastName = Blank(Text(row, "last_name", problems)),
            NickName = Blank(Text(row, "nick_name", problems)),
            DisplayName = Blank(Text(row, "display_name", problems)),
            ExternalIdentifier = Blank(Text(row, "external_identifier", problems)),
            PreferredLanguage = Blank(Text(row, "preferred_language", problems)),
            Email = Blank(Text(row, "email_primary.email", problems)),
            EmailOnHold = Flag(row, "email_primary.on_hold", problems),
            Links = links,
            Fields = fields,
            FieldsFailure = websites?.Failure,
        };
        return problems.Count == 0
            ? contact
            : contact with { DataError = $"CiviCRM sent contact {id} with unreadable data: {string.Join("; ", problems)}." };
    }

    /// <summary>
    /// A token's field: a date printed as CiviCRM's token prints it, a custom field through its API v4 path, a multi-valued one's labels joined with ", " as CiviCRM's
    /// <c>CRM_Core_BAO_CustomField::displayValue</c> prints them, a date field in its own display format (<see cref="CustomDateFields"/>);
    /// nothing for a custom field's value that the token processor prints as nothing (<c>0</c>: <see cref="CustomFieldText"/>).
    /// </summary>
    private string? FieldText(JsonElement row, string field, List<string> problems)
    {
        if (DateTokens.PathOf(field) is not null)
        {
            return DateTokens.Text(row, field, _site?.Dates, problems);
        }

        if (CustomFieldId(field) is null)
        {
            return Text(row, field, problems);
        }

        var path = PathOf(field);
        if (path.Length > 0 && _customDates.TryGetValue(field, out var dateFormat))
        {
            return CustomDateFields.Text(row, path, dateFormat, problems);
        }

        var (htmlType, dataType) = _customTypes.GetValueOrDefault(field);
        if (path.Length == 0 || row.ValueKind != JsonValueKind.Object || !row.TryGetProperty(path, out var value) || value.ValueKind != JsonValueKind.Array)
        {
            return path.Length == 0 ? null : CustomFieldText.Printed(Text(row, path, problems), htmlType, dataType, _site?.Separators);
        }

        var items = value.EnumerateArray().ToArray();
        if (items.Any(i => i.ValueKind is JsonValueKind.Object or JsonValueKind.Array || (i.ValueKind == JsonValueKind.String && i.AsText() is null)))
        {
            problems.Add($"{field} is a list of values that are not text");
            return null;
        }

        return CustomFieldText.Printed(
            string.Join(", ", items.Select(i => i.ValueKind == JsonValueKind.String ? i.AsText() : i.ValueKind == JsonValueKind.Number ? i.GetRawText() : null).Where(t => !string.IsNullOrEmpty(t))),
            htmlType,
            dataType,
            _site?.Separators);
    }

    private static readonly IReadOnlyDictionary<string, string?> NoFields = new Dictionary<string, string?>(StringComparer.Ordinal);

    internal static long? SafeId(JsonElement row, string field)
    {
        try
        {
            return row.GetInt64(field);
        }
        catch (Exception ex) when (ex is InvalidOperationException or FormatException or ArgumentException)
        {
            return null;
        }
    }

    /// <summary>A text field; a value of the wrong JSON type or invalid text is noted as a problem (never quoted: it may be anything).</summary>
    private static string? Text(JsonElement row, string field, List<string> problems)
    {
        if (row.ValueKind != JsonValueKind.Object || !row.TryGetProperty(field, out var value))
        {
            return null;
        }

        if (value.ValueKind is JsonValueKind.Object or JsonValueKind.Array)
        {
            problems.Add($"{field} is a JSON {value.ValueKind.ToString().ToLowerInvariant()} where text was expected");
            return null;
        }

        if (value.ValueKind == JsonValueKind.String && value.AsText() is null)
        {
            problems.Add($"{field} is not valid Unicode text");
            return null;
        }

        return row.GetString(field);
    }

    private static bool Flag(JsonElement row, string field, List<string> problems)
    {
        if (row.ValueKind == JsonValueKind.Object && row.TryGetProperty(field, out var value)
            && value.ValueKind == JsonValueKind.String && value.AsText() is null)
        {
            problems.Add($"{field} is not a flag");
            return false;
        }

        return row.GetFlag(field);
    }

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
