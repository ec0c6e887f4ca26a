using System.Text.Json;
using Skvare.CmsUser.CiviCrm.Api;

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

    public ContactReader(CiviCrmApiClient client, CiviCrmOptions options)
    {
        _client = client;
        _options = options;
    }

    /// <summary>The base query: not deleted, not deceased, with the link join and the fields.</summary>
    public async Task<Api4Params> BaseQueryAsync(IReadOnlyCollection<string> extraFields, CancellationToken cancellationToken)
    {
        var identity = await _client.GetIdentityAsync(cancellationToken).ConfigureAwait(false);
        var query = new Api4Params().WithSelect(StandardFields).WithSelect($"{LinkAlias}.uf_id", $"{LinkAlias}.uf_name");
        foreach (var field in extraFields)
        {
            query.Select.Add(field);
        }

        query.Join.Add(new Api4Join("UFMatch", LinkAlias, Api4JoinSide.Left,
        [
            Api4Condition.Field($"{LinkAlias}.contact_id", "=", "id"),
            Api4Condition.Field($"{LinkAlias}.domain_id", "=", identity.DomainId),
        ]));
        query.Where.Add(Api4Condition.Eq("is_deleted", false));
        query.Where.Add(Api4Condition.Eq("is_deceased", false));
        return query;
    }

    /// <summary>Turns a page of rows into contacts, adding links from other domains.</summary>
    public async Task<IReadOnlyList<Contact>> ToContactsAsync(IReadOnlyList<JsonElement> rows, IReadOnlyCollection<string> extraFields, CancellationToken cancellationToken)
    {
        if (rows.Count == 0)
        {
            return [];
        }

        if (!rows[0].Has($"{LinkAlias}.uf_id"))
        {
            // A join the API user may not read is dropped silently: links would look absent and every contact would get a second account.
            throw new CiviCrmApiException(FailureKind.Configuration, "CiviCRM dropped the UFMatch join from Contact.get: the API user cannot read UFMatch. Give its role the permission \"administer CiviCRM\" (UFMatch requires it for every action).") { Entity = "Contact", Action = "get" };
        }

        var others = _options.ReadOtherDomainLinks
            ? await OtherDomainLinksAsync(rows.Select(r => r.GetInt64("id") ?? 0).ToArray(), cancellationToken).ConfigureAwait(false)
            : Array.Empty<AccountLink>().ToLookup(l => l.ContactId);
        return rows.Select(row => ToContact(row, extraFields, others)).ToArray();
    }

    private async Task<ILookup<long, AccountLink>> OtherDomainLinksAsync(long[] contactIds, CancellationToken cancellationToken)
    {
        var identity = await _client.GetIdentityAsync(cancellationToken).ConfigureAwait(false);
        var query = new Api4Params { Limit = contactIds.Length * 10 }
            .WithSelect("contact_id", "uf_id", "uf_name", "domain_id")
            .WithWhere(Api4Condition.In("contact_id", contactIds), Api4Condition.Field("domain_id", "!=", identity.DomainId));
        var result = await _client.CallAsync("UFMatch", "get", query, cancellationToken).ConfigureAwait(false);
        return result.Values
            .Where(r => r.GetInt64("uf_id") is not null)
            .Select(r => new AccountLink(r.GetInt64("contact_id") ?? 0, r.GetInt64("uf_id")!.Value, r.GetString("uf_name"), IsCurrentDomain: false))
            .ToLookup(l => l.ContactId);
    }

    private static Contact ToContact(JsonElement row, IReadOnlyCollection<string> extraFields, ILookup<long, AccountLink> others)
    {
        var id = row.GetInt64("id") ?? 0;
        var links = new List<AccountLink>();
        if (row.GetInt64($"{LinkAlias}.uf_id") is long ufId)
        {
            links.Add(new AccountLink(id, ufId, row.GetString($"{LinkAlias}.uf_name")));
        }

        links.AddRange(others[id]);
        var fields = extraFields.ToDictionary(f => f, f => row.GetString(f), StringComparer.Ordinal);
        return new Contact
        {
            Id = id,
            FirstName = Blank(row.GetString("first_name")),
            MiddleName = Blank(row.GetString("middle_name")),
            LastName = Blank(row.GetString("last_name")),
            NickName = Blank(row.GetString("nick_name")),
            DisplayName = Blank(row.GetString("display_name")),
            ExternalIdentifier = Blank(row.GetString("external_identifier")),
            PreferredLanguage = Blank(row.GetString("preferred_language")),
            Email = Blank(row.GetString("email_primary.email")),
            EmailOnHold = row.GetFlag("email_primary.on_hold"),
            Links = links,
            Fields = fields,
        };
    }

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
