using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Skvare.CmsUser.Testing.Http;
using WireMock;
using static Skvare.CmsUser.Testing.Http.FakeHttp;

namespace Skvare.CmsUser.Testing.CiviCrm;

/// <summary>
/// A stateful fake CiviCRM that answers the part of API v4 (with authx) the SDK uses, over real HTTP,
/// with the same URLs, headers, bodies, status codes and error shapes as CiviCRM 6.x: params only from
/// the form field <c>params</c>, <c>401 text/plain</c> for a bad key, <c>400</c> without
/// <c>X-Requested-With</c> (unless <c>X-Civi-Auth</c> is used), <c>405</c> for writes over GET, HTML error
/// pages for unknown entities, generic messages without "view debug output", anonymous access that
/// silently reads nothing, unique keys that fail with "DB Error: already exists".
/// </summary>
public partial class FakeCiviCrmServer : IDisposable
{
    private readonly FakeHttpHost<FakeApi4Request> _host;
    private readonly FakeApi4Engine _engine;
    private readonly List<(string To, string Subject)> _mails = [];
    private readonly Dictionary<long, Func<IReadOnlyDictionary<string, object?>, bool>> _smartGroups = [];

    /// <summary>Starts a fake on a free loopback port.</summary>
    /// <param name="apiKey">The API key it accepts (random when null).</param>
    public FakeCiviCrmServer(string? apiKey = null)
    {
        ApiKey = apiKey ?? Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        SiteKey = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        Store = new FakeApi4Store();
        _engine = new FakeApi4Engine(this);
        ApiContactId = AddContact("API", "User", "api@example.org");
        _host = new FakeHttpHost<FakeApi4Request>(
            Record,
            (r, status) => r with { Status = status },
            Respond,
            operation: Operation,
            errorPage: status => ($"{{\"status_code\":{status},\"status_message\":\"Temporarily unavailable for maintenance.\"}}", "application/json"));
    }

    /// <summary>The base URL, e.g. <c>http://127.0.0.1:PORT/</c> (the same as <see cref="BaseUrl"/>).</summary>
    public Uri Url => _host.BaseUrl;

    /// <summary>The base URL, e.g. <c>http://127.0.0.1:PORT/</c>: the name every fake server of this package uses (<see cref="Url"/> is the same).</summary>
    public Uri BaseUrl => _host.BaseUrl;

    /// <summary>The API key that authenticates as <see cref="ApiContactId"/>.</summary>
    public string ApiKey { get; }

    /// <summary>The site key (<c>X-Civi-Key</c>).</summary>
    public string SiteKey { get; }

    /// <summary>The API user's contact id (the contact the API key belongs to; <c>user_contact_id</c>). Set it to another seeded contact to mirror a real site.</summary>
    public long ApiContactId { get; set; }

    /// <summary>The current domain id.</summary>
    public long DomainId { get; set; } = 1;

    /// <summary>The tables.</summary>
    public FakeApi4Store Store { get; }

    /// <summary>The server clock (activity dates).</summary>
    public TimeProvider Clock { get; set; } = TimeProvider.System;

    /// <summary>
    /// The site's time zone. As on a real site, API v4 date-times (<c>activity_date_time</c>,
    /// <c>SubscriptionHistory.date</c>) are the site's wall-clock time without an offset. Default UTC.
    /// </summary>
    public TimeZoneInfo SiteTimeZone { get; set; } = TimeZoneInfo.Utc;

    /// <summary>
    /// Whether API v3 <c>System.get</c> (<c>civicrm/ajax/rest</c>) answers, as for an API user with "administer CiviCRM".
    /// When <see langword="false"/> it answers <c>is_error</c> 1 with CiviCRM's permission message. Default <see langword="true"/>.
    /// </summary>
    public bool Api3SystemGet { get; set; } = true;

    /// <summary>The CMS that API v3 <c>System.get</c> reports as <c>uf</c> and <c>cms.type</c>. Default <c>WordPress</c>.</summary>
    public string UserFramework { get; set; } = "WordPress";

    /// <summary><see cref="Clock"/>'s now as the site's wall-clock time (<c>yyyy-MM-dd HH:mm:ss</c>).</summary>
    public string SiteNow() =>
        TimeZoneInfo.ConvertTime(Clock.GetUtcNow(), SiteTimeZone).ToString("yyyy-MM-dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>
    /// Appends a <c>SubscriptionHistory</c> row for a membership row's current status, as CiviCRM does on every
    /// group membership change (method <c>Admin</c>, <c>API</c>, <c>Email</c> or <c>Web</c>).
    /// </summary>
    internal void RecordSubscription(Dictionary<string, object?> groupContact, string method)
    {
        Store.Insert("SubscriptionHistory", new()
        {
            ["contact_id"] = groupContact["contact_id"],
            ["group_id"] = groupContact["group_id"],
            ["date"] = SiteNow(),
            ["method"] = method,
            ["status"] = groupContact.GetValueOrDefault("status") ?? "Added",
            ["tracking"] = null,
        });
    }

    /// <summary>
    /// The <c>Content-Type</c> of JSON answers: <c>application/json</c> as CiviCRM Standalone sends it (the default);
    /// CiviCRM inside WordPress answers <c>application/json; charset=UTF-8</c>.
    /// </summary>
    public string JsonContentType { get; set; } = "application/json";

    /// <summary>Whether the API user has "view debug output" (readable error messages). Default <see langword="true"/>.</summary>
    public bool DebugOutput { get; set; } = true;

    /// <summary>Whether the API user has "administer CiviCRM": without it the UFMatch join vanishes and UFMatch calls get 403. Default <see langword="true"/>.</summary>
    public bool AdministerCiviCrm { get; set; } = true;

    /// <summary>Whether the key needs the site key (the "perm" guard fails). Default <see langword="false"/>.</summary>
    public bool RequireSiteKey { get; set; }

    /// <summary>
    /// Whether UFMatch refuses a second row with the same (<c>uf_id</c>, <c>domain_id</c>). CiviCRM 6.17's schema
    /// declares that index non-unique, so a fresh site accepts such a row (the default, <see langword="false"/>); the
    /// 5.69 upgrade made it unique only on sites that had no duplicates then (<see langword="true"/> emulates those).
    /// (<c>contact_id</c>, <c>domain_id</c>) and (<c>uf_name</c>, <c>domain_id</c>) are unique either way.
    /// </summary>
    public bool UniqueUfIdPerDomain { get; set; }

    /// <summary>Whether a smart group's cache still lists members that were set to Removed (the 5-minute cache lag). Default <see langword="true"/>.</summary>
    public bool SmartGroupCacheLag { get; set; } = true;

    /// <summary>Standalone: whether the API user has "administer users". Default <see langword="true"/>.</summary>
    public bool AdministerUsers { get; set; } = true;

    /// <summary>Standalone: the API user's own login password, which a password write must repeat as <c>actorPassword</c>.</summary>
    public string ActorPassword { get; set; } = "actor-password";

    /// <summary>Mails the fake "sent" (Standalone password reset emails): recipient and subject.</summary>
    public IReadOnlyList<(string To, string Subject)> Mails
    {
        get
        {
            lock (Store)
            {
                return _mails.ToArray();
            }
        }
    }

    /// <summary>Adds a Standalone role; returns its id.</summary>
    public long AddRole(string name, string? label = null)
    {
        lock (Store)
        {
            return (long)Store.Insert("Role", new() { ["name"] = name, ["label"] = label ?? name, ["is_active"] = true })["id"]!;
        }
    }

    /// <summary>Adds a Standalone user (its row is also the contact's UFMatch link); returns its id.</summary>
    public long AddUser(string username, string? email, long? contactId, bool isActive = true, params long[] roleIds)
    {
        lock (Store)
        {
            var row = Store.Insert("User", new()
            {
                ["domain_id"] = DomainId, ["uf_name"] = email, ["contact_id"] = contactId, ["username"] = username, ["is_active"] = isActive,
                ["hashed_password"] = "", ["roles"] = roleIds.Select(r => (object?)r).ToList(), ["language"] = null, ["timezone"] = null,
                ["when_created"] = SiteNow(),
            });
            row["uf_id"] = row["id"];
            return (long)row["id"]!;
        }
    }

    internal void RecordMail(string to, string subject) => _mails.Add((to, subject));

    /// <summary>
    /// How long after a request arrives it is answered (a slow site), as the HTTP host's response delay: the fake's own
    /// work, including the wait for the store's lock behind other requests, counts towards it, as a real server's PHP
    /// and database time counts towards its latency. The request is carried out on arrival and the answer leaves at
    /// arrival + <see cref="Latency"/>, or when the work is done if that takes longer.
    /// </summary>
    public TimeSpan Latency
    {
        get => _host.ResponseDelay;
        set => _host.ResponseDelay = value;
    }

    /// <summary>Every request received, in order of arrival (a request the client gave up on is listed too).</summary>
    public IReadOnlyList<FakeApi4Request> Requests => _host.Requests;

    /// <summary>API calls received per <c>Entity.action</c>.</summary>
    public int CallCount(string entity, string action) => Requests.Count(r => r.Entity == entity && r.Action == action);

    /// <summary>Makes the next <paramref name="count"/> requests fail with this status, unhandled (the maintenance-mode JSON body unless given).</summary>
    public void FailNext(int status, int count = 1, string? body = null, string contentType = "application/json") =>
        _host.FailBefore(count, status, body ?? $"{{\"status_code\":{status},\"status_message\":\"Temporarily unavailable for maintenance.\"}}", contentType);

    /// <summary>The next <paramref name="count"/> requests are carried out, then answered with this status (a reply lost after the write).</summary>
    public void FailNextAfterProcessing(int status, int count = 1, string? body = null, string contentType = "text/html; charset=UTF-8") =>
        _host.FailAfter(count, status, body ?? "<!DOCTYPE html><html><head><title>Error</title></head><body>Gateway error</body></html>", contentType);

    /// <summary>
    /// When set, asked with (entity, action) for every API request; a status it returns is answered (with a
    /// 503-style JSON body) without touching state. Lets a test make CiviCRM fail at one step, such as the
    /// page write after the CMS creates.
    /// </summary>
    public Func<string, string, int?>? FailWhere { get; set; }

    /// <summary>
    /// When set, asked about every API v4 call (<see cref="FakeApi4Call"/>), including each call chained onto a request; a message
    /// it returns makes CiviCRM refuse that call as it refuses a call that fails (HTTP 500, <c>error_message</c>). As on
    /// CiviCRM 6.17, which runs a request without a transaction, the calls chained before it stay written and the calls
    /// after it do not run. Lets a test fail the second or third call of a chained write.
    /// </summary>
    public Func<FakeApi4Call, string?>? RefuseWhere { get; set; }

    /// <summary>
    /// When set, asked about every record a <c>save</c> or <c>create</c> writes (<see cref="FakeApi4Record"/>), as it is
    /// written; a message it returns makes the database refuse that record: the call fails as CiviCRM fails it (HTTP 500,
    /// <c>error_message</c>), and, as on CiviCRM 6.17.2 (API v4 runs no transaction; checked with an <c>Activity.save</c> of
    /// three records whose second names a contact that does not exist), the records before it in the same call stay
    /// written and the records after it are not written. (The real server also leaves the refused activity's own row,
    /// without its target contact; no read of the SDK sees it, and the fake does not keep it.)
    /// </summary>
    public Func<FakeApi4Record, string?>? RefuseRecordWhere { get; set; }

    /// <summary>
    /// When set, asked about every request on arrival; the <see cref="FakeFault"/> it returns is what that request meets
    /// (<see langword="null"/> lets it through), so a retry or a parallel request never takes a fault meant for another.
    /// The operation is <see cref="FakeCmsOperation.LookUp"/> for <c>User.get</c>, <see cref="FakeCmsOperation.Create"/>
    /// for <c>User.create</c>/<c>save</c>, <see cref="FakeCmsOperation.ChangeRoles"/> for a <c>User.update</c> of
    /// <c>roles</c> and <see cref="FakeCmsOperation.Notify"/> for <c>User.sendPasswordResetEmail</c> (the Standalone
    /// users); every other call is <see cref="FakeCmsOperation.Other"/>: pick those by <see cref="FakeFaultRequest.Path"/>
    /// or <see cref="FakeFaultRequest.Query"/> (<c>Entity/action</c>) and the body. It wins over the queued faults and
    /// <see cref="FailWhere"/>, runs on the server's threads (keep it thread-safe) and must not throw.
    /// </summary>
    public Func<FakeFaultRequest, FakeFault?>? FaultWhere
    {
        get => _host.FaultWhere;
        set => _host.FaultWhere = value;
    }

    /// <summary>Makes the next request wait this long before answering normally (to trigger client timeouts).</summary>
    public void HangNext(TimeSpan delay) => _host.Hang(1, delay);

    /// <summary>The next <paramref name="count"/> requests wait <paramref name="delay"/>, then are answered normally.</summary>
    private protected void Hang(int count, TimeSpan delay) => _host.Hang(count, delay);

    // ---------- seeding ----------

    /// <summary>Adds a contact with an optional primary email; returns its id.</summary>
    public long AddContact(string? firstName, string? lastName, string? email, Action<Dictionary<string, object?>>? configure = null, bool emailOnHold = false)
    {
        lock (Store)
        {
            var display = string.Join(' ', new[] { firstName, lastName }.Where(s => !string.IsNullOrEmpty(s)));
            var row = new Dictionary<string, object?>(StringComparer.Ordinal)
            {
                ["contact_type"] = "Individual", ["first_name"] = firstName, ["last_name"] = lastName, ["middle_name"] = null, ["nick_name"] = null,
                ["display_name"] = display.Length > 0 ? display : email,
                ["sort_name"] = string.Join(", ", new[] { lastName, firstName }.Where(s => !string.IsNullOrEmpty(s))) is { Length: > 0 } sort ? sort : email,
                ["external_identifier"] = null,
                ["preferred_language"] = "en_US", ["is_deleted"] = false, ["is_deceased"] = false,
            };
            configure?.Invoke(row);
            var id = (long)Store.Insert("Contact", row)["id"]!;
            if (email is not null)
            {
                Store.Insert("Email", new() { ["contact_id"] = id, ["email"] = email, ["is_primary"] = true, ["on_hold"] = emailOnHold ? 1L : 0L, ["location_type_id"] = 1L });
            }

            return id;
        }
    }

    /// <summary>
    /// Sets one of the contact's values that CiviCRM's contact tokens read beyond the standard fields, under the API v4
    /// path the token reads (what <c>{contact.city}</c> reads is <c>address_primary.city</c>, <c>{contact.phone}</c>
    /// <c>phone_primary.phone</c>, <c>{contact.individual_prefix}</c> <c>prefix_id:label</c>, <c>{contact.job_title}</c>
    /// <c>job_title</c>): a <c>Contact.get</c> that selects the path answers it, and <see langword="null"/> for a contact
    /// without it, as CiviCRM 6.17.2 does. <c>employer_id.display_name</c> is read from the contact <c>employer_id</c> names.
    /// </summary>
    /// <param name="contactId">The contact.</param>
    /// <param name="field">The API v4 path, e.g. <c>address_primary.city</c>, <c>phone_primary.phone</c>, <c>employer_id</c>.</param>
    /// <param name="value">The value (text, a whole number, or <see langword="null"/> to clear it).</param>
    /// <exception cref="ArgumentException">The contact or the path is unknown.</exception>
    public void SetContactValue(long contactId, string field, object? value)
    {
        ArgumentNullException.ThrowIfNull(field);
        if (!FakeApi4Engine.ContactValuePaths.Contains(field))
        {
            throw new ArgumentException($"'{field}' is not a contact value the fake keeps; use an API v4 path such as address_primary.city, phone_primary.phone or prefix_id:label (docs/testing.md lists them).", nameof(field));
        }

        lock (Store)
        {
            ContactRow(contactId)[field] = StoredValue(value, nameof(value));
        }
    }

    /// <summary>
    /// Adds a custom field for contacts (and its custom group when new); returns the field's id, the <c>N</c> of
    /// <c>{contact.custom_N}</c>. API v4 reads it as <c>groupName.fieldName</c> (<c>…:label</c> for the label of an option,
    /// Yes/No for <c>Boolean</c>), and <c>CustomField.get</c> lists it.
    /// </summary>
    /// <param name="groupName">The custom group's name.</param>
    /// <param name="fieldName">The field's name.</param>
    /// <param name="dataType">CiviCRM's data type: <c>String</c>, <c>Int</c>, <c>Boolean</c>, …</param>
    /// <param name="htmlType">CiviCRM's HTML type: <c>Text</c>, <c>Select</c>, <c>CheckBox</c> (several values), <c>Radio</c>, …</param>
    /// <param name="options">The options (value → label) of a field with an option list.</param>
    public long AddCustomField(string groupName, string fieldName, string dataType = "String", string htmlType = "Text", IReadOnlyDictionary<string, string>? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(groupName);
        ArgumentException.ThrowIfNullOrEmpty(fieldName);
        ArgumentException.ThrowIfNullOrEmpty(dataType);
        ArgumentException.ThrowIfNullOrEmpty(htmlType);
        lock (Store)
        {
            var group = Store.Table("CustomGroup").FirstOrDefault(g => FakeApi4Store.Same(g["name"], groupName))
                ?? Store.Insert("CustomGroup", new() { ["name"] = groupName, ["title"] = groupName, ["extends"] = "Contact", ["is_active"] = true });
            group.TryAdd("table_name", $"civicrm_value_{groupName.ToLowerInvariant()}_{group["id"]}");
            object? optionGroup = null;
            if (options is not null)
            {
                optionGroup = Store.Insert("OptionGroup", new() { ["name"] = $"{groupName}_{fieldName}", ["title"] = fieldName })["id"];
                foreach (var (value, label) in options)
                {
                    Store.Insert("OptionValue", new() { ["option_group_id"] = optionGroup, ["name"] = label, ["label"] = label, ["value"] = value, ["is_active"] = true });
                }
            }

            var field = Store.Insert("CustomField", new()
            {
                ["custom_group_id"] = group["id"], ["name"] = fieldName, ["label"] = fieldName, ["data_type"] = dataType, ["html_type"] = htmlType,
                ["option_group_id"] = optionGroup, ["serialize"] = htmlType == "CheckBox" ? 1L : 0L, ["is_active"] = true,
                ["date_format"] = null, ["time_format"] = null,
            });
            field["column_name"] = $"{fieldName.ToLowerInvariant()}_{field["id"]}";
            return (long)field["id"]!;
        }
    }

    /// <summary>
    /// Adds a date custom field for contacts (data type <c>Date</c>, HTML type <c>Select Date</c>) with its display settings;
    /// returns its id. API v4 reads a value as <c>yyyy-MM-dd</c> without a time format and <c>yyyy-MM-dd HH:mm:ss</c> with
    /// one, as CiviCRM 6.17.2 does (recording <c>civicrm-6.17.2-customdates-*</c>); <c>CustomField.get</c> answers the settings.
    /// </summary>
    /// <param name="groupName">The custom group's name.</param>
    /// <param name="fieldName">The field's name.</param>
    /// <param name="dateFormat">The date picker format (<c>mm/dd/yy</c>, <c>MM d, yy</c>, …), or <see langword="null"/> for none.</param>
    /// <param name="timeFormat">The time format: <see langword="null"/> (date only), 1 (12-hour) or 2 (24-hour).</param>
    public long AddDateCustomField(string groupName, string fieldName, string? dateFormat = "mm/dd/yy", int? timeFormat = null)
    {
        var id = AddCustomField(groupName, fieldName, "Date", "Select Date");
        lock (Store)
        {
            var field = Store.Find("CustomField", id)!;
            field["date_format"] = dateFormat;
            field["time_format"] = timeFormat is null ? null : (long)timeFormat.Value;
        }

        return id;
    }

    /// <summary>Sets a contact's value of a custom field (<see cref="AddCustomField"/>): an option's value, not its label.</summary>
    /// <param name="contactId">The contact.</param>
    /// <param name="customFieldId">The custom field.</param>
    /// <param name="value">Text, a whole number, a decimal number (<see cref="double"/>, <see cref="decimal"/>, finite) for a <c>Float</c> or <c>Money</c> field, <see langword="true"/>/<see langword="false"/>, the values of a field with several (a list of text), or <see langword="null"/>; a date field's value is <c>yyyy-MM-dd</c> or <c>yyyy-MM-dd HH:mm:ss</c>.</param>
    /// <exception cref="ArgumentException">The contact or the field is unknown, or the value is not one CiviCRM answers.</exception>
    public void SetCustomValue(long contactId, long customFieldId, object? value)
    {
        lock (Store)
        {
            if (Store.Find("CustomField", customFieldId) is null)
            {
                throw new ArgumentException($"There is no custom field {customFieldId}.", nameof(customFieldId));
            }

            ContactRow(contactId)[FakeApi4Engine.CustomFieldName(customFieldId)] = value switch
            {
                IEnumerable<string> many => many.Select(v => (object?)v).ToList(),
                // A decimal or money field's value: API v4 answers a float (FormattingUtil::convertDataType).
                double d when double.IsFinite(d) => d,
                float f when float.IsFinite(f) => (double)f,
                decimal m => (double)m,
                _ => StoredValue(value, nameof(value)),
            };
        }
    }

    /// <summary>
    /// Adds a website to a contact; returns its id. <c>{contact.url}</c> (and <c>{contact.website_first.url}</c>) prints the
    /// URL of the contact's website with the lowest id, as CiviCRM 6.17.2 does, whatever its type, and nothing when that
    /// website has no URL; <c>Website.get</c> answers the rows (recording <c>civicrm-6.17.2-websites-*</c>).
    /// </summary>
    /// <param name="contactId">The contact.</param>
    /// <param name="url">The URL, as stored (CiviCRM stores an empty one as <see langword="null"/>, and so does the fake).</param>
    /// <param name="websiteTypeId">The website type's value (on a new CiviCRM 6.17 site 1 is Work, 2 Main), or <see langword="null"/>.</param>
    /// <exception cref="ArgumentException">The contact is unknown.</exception>
    public long AddWebsite(long contactId, string? url, long? websiteTypeId = null)
    {
        lock (Store)
        {
            ContactRow(contactId);
            return (long)Store.Insert("Website", new() { ["contact_id"] = contactId, ["url"] = string.IsNullOrEmpty(url) ? null : url, ["website_type_id"] = websiteTypeId })["id"]!;
        }
    }

    private Dictionary<string, object?> ContactRow(long contactId) =>
        Store.Find("Contact", contactId) ?? throw new ArgumentException($"There is no contact {contactId}.", nameof(contactId));

    private static object? StoredValue(object? value, string parameter) => value switch
    {
        null or string or long or bool => value,
        int or short or byte or uint => Convert.ToInt64(value, CultureInfo.InvariantCulture),
        _ => throw new ArgumentException($"A {value.GetType().Name} is not a value CiviCRM answers: use text, a whole number or true/false.", parameter),
    };

    /// <summary>Adds a static group; returns its id.</summary>
    public long AddGroup(string name, string? title = null)
    {
        lock (Store)
        {
            return (long)Store.Insert("Group", new() { ["name"] = name, ["title"] = title ?? name, ["saved_search_id"] = null, ["is_active"] = true })["id"]!;
        }
    }

    /// <summary>Adds a smart group whose members are the contacts matching <paramref name="criteria"/>; returns its id.</summary>
    public long AddSmartGroup(string name, Func<IReadOnlyDictionary<string, object?>, bool> criteria)
    {
        lock (Store)
        {
            var search = (long)Store.Insert("SavedSearch", new() { ["name"] = name + "_search", ["label"] = name, ["api_entity"] = "Contact", ["api_params"] = "{}" })["id"]!;
            var id = (long)Store.Insert("Group", new() { ["name"] = name, ["title"] = name, ["saved_search_id"] = search, ["is_active"] = true })["id"]!;
            _smartGroups[id] = criteria;
            return id;
        }
    }

    /// <summary>Sets group membership rows (status <c>Added</c> by default).</summary>
    public void AddToGroup(long groupId, IEnumerable<long> contactIds, string status = "Added")
    {
        lock (Store)
        {
            foreach (var contactId in contactIds)
            {
                var row = Store.Table("GroupContact").FirstOrDefault(r => Equals(r["group_id"], groupId) && Equals(r["contact_id"], contactId));
                if (row is null)
                {
                    RecordSubscription(Store.Insert("GroupContact", new() { ["group_id"] = groupId, ["contact_id"] = contactId, ["status"] = status }), "Admin");
                }
                else if (!Equals(row["status"], status))
                {
                    row["status"] = status;
                    RecordSubscription(row, "Admin");
                }
            }
        }
    }

    /// <summary>Adds an option value (e.g. an activity type or status) to an option group; returns its id.</summary>
    /// <param name="optionGroup">The option group name (<c>activity_type</c>, <c>activity_status</c>).</param>
    /// <param name="name">The option's name.</param>
    /// <param name="value">Its value (next free number in the group when null).</param>
    /// <param name="label">Its label (the name when null).</param>
    public long AddOptionValue(string optionGroup, string name, string? value = null, string? label = null)
    {
        lock (Store)
        {
            var group = Store.Table("OptionGroup").FirstOrDefault(g => FakeApi4Store.Same(g["name"], optionGroup))?["id"]
                ?? throw new ArgumentException($"Unknown option group '{optionGroup}'.", nameof(optionGroup));
            value ??= (Store.Table("OptionValue").Where(r => Equals(r["option_group_id"], group))
                .Select(r => long.TryParse(Convert.ToString(r["value"], CultureInfo.InvariantCulture), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : 0)
                .DefaultIfEmpty(0).Max() + 1).ToString(CultureInfo.InvariantCulture);
            return (long)Store.Insert("OptionValue", new() { ["option_group_id"] = group, ["name"] = name, ["label"] = label ?? name, ["value"] = value, ["is_active"] = true })["id"]!;
        }
    }

    /// <summary>Adds a tag; returns its id.</summary>
    public long AddTag(string name)
    {
        lock (Store)
        {
            return (long)Store.Insert("Tag", new() { ["name"] = name, ["label"] = name, ["parent_id"] = null })["id"]!;
        }
    }

    /// <summary>Tags contacts.</summary>
    public void TagContacts(long tagId, IEnumerable<long> contactIds)
    {
        lock (Store)
        {
            foreach (var contactId in contactIds)
            {
                Store.Insert("EntityTag", new() { ["entity_table"] = "civicrm_contact", ["entity_id"] = contactId, ["tag_id"] = tagId });
            }
        }
    }

    /// <summary>Adds a SearchKit saved search on contacts with the given API v4 <c>where</c> (JSON array); returns its id.</summary>
    public long AddSavedSearch(string name, string whereJson)
    {
        lock (Store)
        {
            return (long)Store.Insert("SavedSearch", new() { ["name"] = name, ["label"] = name, ["api_entity"] = "Contact", ["api_params"] = $"{{\"version\":4,\"select\":[\"id\"],\"where\":{whereJson}}}" })["id"]!;
        }
    }

    /// <summary>
    /// Adds a SearchKit saved search as SearchKit stores it: on <paramref name="apiEntity"/> (<c>Contact</c>, <c>Individual</c>,
    /// or another entity) with the given API v4 <c>api_params</c> (a JSON object: <c>where</c>, <c>join</c>, …); returns its id.
    /// </summary>
    public long AddSavedSearch(string name, string apiEntity, string apiParamsJson)
    {
        lock (Store)
        {
            return (long)Store.Insert("SavedSearch", new() { ["name"] = name, ["label"] = name, ["api_entity"] = apiEntity, ["api_params"] = apiParamsJson })["id"]!;
        }
    }

    /// <summary>Adds a UFMatch link.</summary>
    public void AddLink(long contactId, long cmsUserId, string ufName, long? domainId = null)
    {
        lock (Store)
        {
            Store.Insert("UFMatch", new() { ["domain_id"] = domainId ?? DomainId, ["uf_id"] = cmsUserId, ["uf_name"] = ufName, ["contact_id"] = contactId, ["language"] = null });
        }
    }

    /// <summary>
    /// What the CMS's CiviCRM plugin does when a CMS user is created: link it to the contact with that
    /// email when that contact has no link in the domain, otherwise create a new contact and link that one.
    /// </summary>
    /// <returns>The contact that got linked.</returns>
    public long LinkNewCmsUser(long cmsUserId, string email)
    {
        lock (Store)
        {
            var candidate = Store.Table("Email").Where(e => FakeApi4Store.Same(e["email"], email))
                .OrderByDescending(e => e.GetValueOrDefault("is_primary") is true)
                .Select(e => (long)e["contact_id"]!)
                .FirstOrDefault(c => Store.Find("Contact", c)?["is_deleted"] is false && !Store.Table("UFMatch").Any(u => Equals(u["contact_id"], c) && Equals(u["domain_id"], DomainId)));
            var contactId = candidate != 0 ? candidate : AddContact(null, null, email);
            if (!Store.Table("UFMatch").Any(u => Equals(u["domain_id"], DomainId) && (Equals(u["uf_id"], cmsUserId) || FakeApi4Store.Same(u["uf_name"], email))))
            {
                AddLink(contactId, cmsUserId, email);
            }

            return contactId;
        }
    }

    // ---------- reading the state ----------

    /// <summary>The group status of a contact (<c>Added</c>, <c>Removed</c>) or <see langword="null"/>.</summary>
    public string? GroupStatus(long groupId, long contactId)
    {
        lock (Store)
        {
            return Store.Table("GroupContact").FirstOrDefault(r => Equals(r["group_id"], groupId) && Equals(r["contact_id"], contactId))?["status"] as string;
        }
    }

    /// <summary>Whether a contact has a tag.</summary>
    public bool HasTag(long tagId, long contactId)
    {
        lock (Store)
        {
            return Store.Table("EntityTag").Any(r => Equals(r["tag_id"], tagId) && Equals(r["entity_id"], contactId));
        }
    }

    /// <summary>The UFMatch links.</summary>
    public IReadOnlyList<(long ContactId, long UfId, string? UfName, long DomainId)> Links
    {
        get
        {
            lock (Store)
            {
                return Store.Table("UFMatch").Select(r => ((long)r["contact_id"]!, (long)r["uf_id"]!, r["uf_name"] as string, (long)r["domain_id"]!)).ToArray();
            }
        }
    }

    /// <summary>The activities with their type and status names and target contacts.</summary>
    public IReadOnlyList<FakeActivity> Activities
    {
        get
        {
            lock (Store)
            {
                return Store.Table("Activity").Select(a => new FakeActivity(
                    (long)a["id"]!,
                    Store.OptionNameFor("Activity", "activity_type_id", a.GetValueOrDefault("activity_type_id")),
                    Store.OptionNameFor("Activity", "status_id", a.GetValueOrDefault("status_id")),
                    a.GetValueOrDefault("subject") as string,
                    a.GetValueOrDefault("details") as string,
                    Store.Table("ActivityContact").Where(ac => Equals(ac["activity_id"], a["id"]) && Equals(ac["record_type_id"], 3L)).Select(ac => (long)ac["contact_id"]!).ToArray(),
                    a.GetValueOrDefault("activity_date_time") as string) { Result = a.GetValueOrDefault("result") as string }).ToArray();
            }
        }
    }

    internal bool IsInGroup(long contactId, long groupId, Dictionary<(long Group, long Contact), string?> rows)
    {
        var status = rows.GetValueOrDefault((groupId, contactId));
        if (!_smartGroups.TryGetValue(groupId, out var criteria))
        {
            return status is "Added";
        }

        if (status is "Added")
        {
            return true;
        }

        if (status is "Removed" && !SmartGroupCacheLag)
        {
            return false;
        }

        return Store.Find("Contact", contactId) is { } contact && criteria(contact);
    }

    /// <summary>Stops the server.</summary>
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Stops the server.</summary>
    /// <param name="disposing">Whether managed resources are released.</param>
    protected virtual void Dispose(bool disposing)
    {
        if (disposing)
        {
            _host.Dispose();
        }
    }

    // ---------- HTTP ----------

    private static FakeApi4Request Record(IRequestMessage request)
    {
        if (IsApi3(request))
        {
            // API v3 is recorded with its entity and action and the json form field as the parameters.
            var form = ParseForm(request.Body ?? "");
            return new FakeApi4Request(request.Method, form.GetValueOrDefault("entity"), form.GetValueOrDefault("action"), form.GetValueOrDefault("json"), 0, Header(request, "X-Requested-With") is not null, Header(request, "X-Civi-Auth") is not null);
        }

        var (entity, action) = Route(request);
        return new FakeApi4Request(request.Method, entity, action, ParamsJson(request), 0, Header(request, "X-Requested-With") is not null, Header(request, "X-Civi-Auth") is not null);
    }

    private static string? ParamsJson(IRequestMessage request)
    {
        if (request.Method == "GET")
        {
            return ParseForm(request.RawQuery?.TrimStart('?') ?? "").GetValueOrDefault("params");
        }

        return request.Method == "POST" && (Header(request, "Content-Type") ?? "").Contains("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase)
            ? ParseForm(request.Body ?? "").GetValueOrDefault("params")
            : null;
    }

    private FakeAnswer Respond(IRequestMessage request)
    {
        if (IsApi3(request))
        {
            var form = ParseForm(request.Body ?? "");
            var api3 = FailWhere?.Invoke(form.GetValueOrDefault("entity") ?? "", form.GetValueOrDefault("action") ?? "") is int down
                ? new Answer(down, $"{{\"status_code\":{down},\"status_message\":\"Temporarily unavailable for maintenance.\"}}", "application/json")
                : Api3(request);
            return new FakeAnswer(api3.Status, api3.Body, api3.ContentType);
        }

        var (entity, action) = Route(request);
        var answer = entity is null
            ? new Answer(404, "<!DOCTYPE html><html><head><title>Page not found</title></head><body><h1>Page not found</h1></body></html>", "text/html; charset=UTF-8")
            : FailWhere?.Invoke(entity, action ?? "") is int failStatus
                ? new Answer(failStatus, $"{{\"status_code\":{failStatus},\"status_message\":\"Temporarily unavailable for maintenance.\"}}", "application/json")
                : Dispatch(request, entity, action!, ParamsJson(request));

        // Every answer opens a PHP session, which is why a client must not keep cookies.
        return new FakeAnswer(answer.Status, answer.Body, answer.ContentType, new Dictionary<string, string>
        {
            ["Set-Cookie"] = "PHPSESSID=" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8)) + "; path=/; HttpOnly",
        });
    }

    private Answer Dispatch(IRequestMessage request, string entity, string action, string? paramsJson)
    {
        if (request.Method == "GET" && !action.StartsWith("get", StringComparison.OrdinalIgnoreCase) && action != "autocomplete")
        {
            return Json(405, "{\"error_code\":405,\"error_message\":\"SECURITY: All requests that modify the database must be http POST, not GET.\"}");
        }

        var xheader = Header(request, "X-Civi-Auth");
        var authorization = Header(request, "Authorization");
        var credential = xheader ?? authorization;
        var authenticated = false;
        if (!string.IsNullOrEmpty(credential))
        {
            if (!credential.StartsWith("Bearer ", StringComparison.Ordinal) || credential[7..] != ApiKey)
            {
                return new Answer(401, "HTTP 401 Invalid credential", "text/plain;charset=UTF-8");
            }

            if (RequireSiteKey && Header(request, "X-Civi-Key") != SiteKey)
            {
                return new Answer(401, "HTTP 401 Login not permitted. Must satisfy guard (site_key, perm).", "text/plain;charset=UTF-8");
            }

            authenticated = true;
        }

        if (Header(request, "X-Requested-With") != "XMLHttpRequest" && xheader is null)
        {
            return Json(400, "{\"error_code\":400,\"error_message\":\"SECURITY ALERT: Ajax requests can only be issued by javascript clients, eg. CRM.api4().\"}");
        }

        JsonElement parameters;
        try
        {
            using var document = JsonDocument.Parse(string.IsNullOrEmpty(paramsJson) ? "{}" : paramsJson);
            FakeJson.Check(document.RootElement);
            parameters = document.RootElement.ValueKind == JsonValueKind.Object ? document.RootElement.Clone() : throw new JsonException();
        }
        catch (JsonException)
        {
            return ErrorPage("TypeError: Civi\\Api4\\Utils\\CoreUtil::checkAccessDelegated(): Argument #1 must be of type array, null given");
        }

        if (!authenticated)
        {
            // Anonymous: reads see nothing, writes are refused with a generic message.
            return action.StartsWith("get", StringComparison.OrdinalIgnoreCase) && FakeApi4Store.Schema.ContainsKey(entity)
                ? Json(200, Envelope(entity, action, [], 0, null))
                : Json(403, $"{{\"error_code\":\"1\",\"error_message\":\"Sorry an error occurred and your request was not completed. (Error ID: {ErrorId()})\",\"status\":403}}");
        }

        try
        {
            var countMatched = action == "save" || (parameters.TryGetProperty("select", out var s) && s.GetRawText().Contains("row_count", StringComparison.Ordinal));

            // The answer is written out after the lock is released: its rows are copies whose values a later call
            // replaces rather than changes, except a Standalone user's role list, which a role write extends in place.
            var sharesRows = entity == "User" || parameters.GetRawText().Contains("\"User\"", StringComparison.Ordinal);
            List<Dictionary<string, object?>> values;
            int count;
            int? matched;
            lock (Store)
            {
                (values, count, matched) = _engine.Execute(entity, action, parameters);
                if (sharesRows)
                {
                    return Json(200, Envelope(entity, action, values, count, countMatched ? matched ?? count : null));
                }
            }

            return Json(200, Envelope(entity, action, values, count, countMatched ? matched ?? count : null));
        }
        catch (FakeApi4Error error) when (error.Status == 500 && error.Message.Contains("does not exist", StringComparison.Ordinal))
        {
            return ErrorPage(error.Message);
        }
        catch (FakeApi4Error error)
        {
            var id = ErrorId();
            return DebugOutput
                ? Json(error.Status, $"{{\"error_id\":\"{id}\",\"error_code\":0,\"error_message\":{JsonSerializer.Serialize(error.Message, FakeCiviCrmJson.Default.String)},\"status\":{error.Status}}}")
                : Json(error.Status, $"{{\"error_code\":\"1\",\"error_message\":\"Sorry an error occurred and your request was not completed. (Error ID: {id})\",\"status\":{error.Status}}}");
        }
    }

    private static string Envelope(string entity, string action, List<Dictionary<string, object?>> values, int count, int? countMatched)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteStartArray("values");
            foreach (var row in values)
            {
                w.WriteStartObject();
                foreach (var (k, v) in row)
                {
                    w.WritePropertyName(k);
                    WriteValue(w, v);
                }

                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteString("entity", entity);
            w.WriteString("action", action);
            w.WriteNull("debug");
            w.WriteNumber("version", 4);
            w.WriteNumber("count", count);
            w.WriteNumber("countFetched", values.Count);
            if (countMatched is int m)
            {
                w.WriteNumber("countMatched", m);
            }

            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    internal static void WriteValue(Utf8JsonWriter w, object? value)
    {
        switch (value)
        {
            case null: w.WriteNullValue(); break;
            case string s when s.StartsWith('{') && s.EndsWith('}'):
                try
                {
                    using var doc = JsonDocument.Parse(s);
                    doc.RootElement.WriteTo(w);
                }
                catch (JsonException)
                {
                    w.WriteStringValue(s);
                }

                break;
            case string s: w.WriteStringValue(s); break;
            case bool b: w.WriteBooleanValue(b); break;
            case JsonElement element: element.WriteTo(w); break;
            case long l: w.WriteNumberValue(l); break;
            case double d: w.WriteNumberValue(d); break;
            case Dictionary<string, object?> nested:
                w.WriteStartObject();
                foreach (var (k, v) in nested)
                {
                    w.WritePropertyName(k);
                    WriteValue(w, v);
                }

                w.WriteEndObject();
                break;
            case List<object?> list:
                w.WriteStartArray();
                foreach (var item in list)
                {
                    WriteValue(w, item);
                }

                w.WriteEndArray();
                break;
            default: w.WriteStringValue(Convert.ToString(value, CultureInfo.InvariantCulture)); break;
        }
    }

    private static (string? Entity, string? Action) Route(IRequestMessage request)
    {
        var query = ParseForm(request.RawQuery?.TrimStart('?') ?? "");
        var path = query.GetValueOrDefault("q") ?? query.GetValueOrDefault("task") ?? request.Path.TrimStart('/');
        const string prefix = "civicrm/ajax/api4/";
        if (!path.StartsWith(prefix, StringComparison.Ordinal))
        {
            return (null, null);
        }

        var parts = path[prefix.Length..].TrimEnd('/').Split('/');
        return parts.Length == 2 ? (parts[0], parts[1]) : (null, null);
    }

    private static FakeCmsOperation Operation(IRequestMessage request)
    {
        var (entity, action) = Route(request);
        if (entity != "User" || IsApi3(request))
        {
            return FakeCmsOperation.Other;
        }

        return action switch
        {
            "get" => FakeCmsOperation.LookUp,
            "create" or "save" => FakeCmsOperation.Create,
            "sendPasswordResetEmail" => FakeCmsOperation.Notify,
            "update" when FakeOperations.HasKey(ParamsJson(request), "roles") => FakeCmsOperation.ChangeRoles,
            _ => FakeCmsOperation.Other,
        };
    }

    private static bool IsApi3(IRequestMessage request)
    {
        var query = ParseForm(request.RawQuery?.TrimStart('?') ?? "");
        var path = query.GetValueOrDefault("q") ?? query.GetValueOrDefault("task") ?? request.Path.TrimStart('/');
        return path.TrimEnd('/') == "civicrm/ajax/rest";
    }

    /// <summary>
    /// API v3 over <c>civicrm/ajax/rest</c> (form fields <c>entity</c>, <c>action</c>, <c>json</c>), only <c>System.get</c>:
    /// the keys a real CiviCRM 6.17 answers (<c>php.tz</c> is PHP's default time zone, which CiviCRM sets to the site's
    /// for the request; <c>mysql.vars.time_zone</c> the session offset it set), with smaller lists. Errors are 200 with
    /// <c>is_error</c> 1, as CiviCRM's REST endpoint answers them.
    /// </summary>
    private Answer Api3(IRequestMessage request)
    {
        var credential = Header(request, "X-Civi-Auth");
        if (credential is not null && credential != "Bearer " + ApiKey)
        {
            return new Answer(401, "HTTP 401 Invalid credential", "text/plain;charset=UTF-8");
        }

        var form = ParseForm(request.Body ?? "");
        var entity = form.GetValueOrDefault("entity") ?? "";
        var action = form.GetValueOrDefault("action") ?? "";
        if (!string.Equals(entity, "System", StringComparison.OrdinalIgnoreCase) || !string.Equals(action, "get", StringComparison.OrdinalIgnoreCase))
        {
            return Api3Json($"{{\"error_code\":\"not-found\",\"entity\":\"{entity}\",\"action\":\"{action}\",\"is_error\":1,\"error_message\":\"API ({entity}, {action}) does not exist (join the API team and implement it!)\"}}");
        }

        if (credential is null)
        {
            // Recorded on CiviCRM 6.17.2: without a credential the route itself refuses, with a 500 HTML page.
            return ErrorPage("You do not have permission to access this page.");
        }

        if (!Api3SystemGet)
        {
            return Api3Json("{\"error_code\":\"unauthorized\",\"entity\":\"System\",\"action\":\"get\",\"is_error\":1,\"error_message\":\"API permission check failed for System/get call; insufficient permission: require administer CiviCRM\"}");
        }

        var now = Clock.GetUtcNow();
        var offset = SiteTimeZone.GetUtcOffset(now);
        var sessionZone = (offset < TimeSpan.Zero ? "-" : "+") + offset.Duration().ToString(@"hh\:mm", CultureInfo.InvariantCulture);
        var unix = now.ToUnixTimeSeconds();
        var values = new JsonObject
        {
            ["version"] = "6.17.2",
            ["uf"] = UserFramework,
            ["php"] = new JsonObject { ["version"] = "8.2.29", ["time"] = unix, ["tz"] = SiteTimeZone.Id, ["sapi"] = "apache2handler", ["extensions"] = new JsonArray("Core", "date", "json", "mysqli"), ["ini"] = new JsonObject() },
            ["mysql"] = new JsonObject { ["version"] = "10.11.14-MariaDB-0+deb12u2", ["time"] = unix.ToString(CultureInfo.InvariantCulture), ["vars"] = new JsonObject { ["system_time_zone"] = "UTC", ["time_zone"] = sessionZone } },
            ["cms"] = new JsonObject { ["version"] = "6.1.9", ["type"] = UserFramework, ["modules"] = new JsonArray() },
            ["civi"] = new JsonObject { ["version"] = "6.17.2", ["dev"] = false, ["components"] = new JsonArray("CiviContribute", "CiviMember"), ["extensions"] = new JsonObject(), ["multidomain"] = false, ["settings"] = new JsonObject() },
            ["http"] = new JsonObject { ["software"] = "Apache/2.4.62 (Debian)", ["forwarded"] = false, ["port"] = "Nonstandard" },
            ["os"] = new JsonObject { ["type"] = "Linux", ["release"] = "6.1.0", ["version"] = "#1 SMP", ["machine"] = "x86_64" },
        };
        var body = new JsonObject { ["is_error"] = 0, ["version"] = 3, ["count"] = 1, ["id"] = 0, ["values"] = new JsonArray(values) };
        return Api3Json(body.ToJsonString());
    }

    // API v3's REST endpoint answers plain application/json (recorded), whatever the CMS.
    private static Answer Api3Json(string body) => new(200, body, "application/json");

    private static Dictionary<string, string> ParseForm(string body)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in body.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            var key = WebUtility.UrlDecode(eq < 0 ? pair : pair[..eq]);
            result[key] = eq < 0 ? "" : WebUtility.UrlDecode(pair[(eq + 1)..]);
        }

        return result;
    }

    private Answer Json(int status, string body) => new(status, body, JsonContentType);

    private static Answer ErrorPage(string message) => new(500,
        $"<!DOCTYPE html><html><head><title>CiviCRM</title></head><body><div class=\"messages status no-popup\"><div class=\"crm-error-message\">{WebUtility.HtmlEncode(message)}</div></div></body></html>",
        "text/html; charset=UTF-8");

    private static string ErrorId()
    {
        const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        var chars = Enumerable.Range(0, 12).Select(_ => alphabet[RandomNumberGenerator.GetInt32(alphabet.Length)]).ToArray();
        return $"{new string(chars, 0, 4)}-{new string(chars, 4, 4)}-{new string(chars, 8, 4)}";
    }

    private sealed record Answer(int Status, string Body, string ContentType);
}

/// <summary>One request the fake received.</summary>
/// <param name="Method">HTTP method.</param>
/// <param name="Entity">API entity, or <see langword="null"/> when the URL was not an API route.</param>
/// <param name="Action">API action.</param>
/// <param name="ParamsJson">The <c>params</c> field as received.</param>
/// <param name="Status">The status answered.</param>
/// <param name="HadXRequestedWith">Whether <c>X-Requested-With</c> was sent.</param>
/// <param name="HadXCiviAuth">Whether <c>X-Civi-Auth</c> was sent.</param>
public sealed record FakeApi4Request(string Method, string? Entity, string? Action, string? ParamsJson, int Status, bool HadXRequestedWith, bool HadXCiviAuth)
{
    /// <summary>Prints the request without its <c>params</c> (a Standalone user write carries passwords).</summary>
    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append("Method = ").Append(Method)
            .Append(", Entity = ").Append(Entity)
            .Append(", Action = ").Append(Action)
            .Append(", Status = ").Append(Status)
            .Append(", HadXRequestedWith = ").Append(HadXRequestedWith)
            .Append(", HadXCiviAuth = ").Append(HadXCiviAuth);
        return true;
    }
}

/// <summary>One API v4 call as <see cref="FakeCiviCrmServer.RefuseWhere"/> sees it.</summary>
/// <param name="Entity">The entity.</param>
/// <param name="Action">The action.</param>
/// <param name="Chained">Whether the call is chained onto another call of the request.</param>
/// <param name="ParamsJson">Its parameters (for a chained call, after <c>$field</c> substitution).</param>
public sealed record FakeApi4Call(string Entity, string Action, bool Chained, string ParamsJson);

/// <summary>One record of a <c>save</c> or <c>create</c> as <see cref="FakeCiviCrmServer.RefuseRecordWhere"/> sees it.</summary>
/// <param name="Entity">The entity.</param>
/// <param name="Action">The action (<c>save</c> or <c>create</c>).</param>
/// <param name="Chained">Whether the call is chained onto another call of the request.</param>
/// <param name="RecordJson">The record as sent (for a chained call, after <c>$field</c> substitution).</param>
public sealed record FakeApi4Record(string Entity, string Action, bool Chained, string RecordJson);

/// <summary>An activity in the fake, with names resolved.</summary>
/// <param name="Id">Activity id.</param>
/// <param name="Type">Activity type name.</param>
/// <param name="Status">Status name.</param>
/// <param name="Subject">Subject.</param>
/// <param name="Details">Details.</param>
/// <param name="Targets">Target contact ids.</param>
/// <param name="DateTime">activity_date_time as stored.</param>
public sealed record FakeActivity(long Id, string? Type, string? Status, string? Subject, string? Details, IReadOnlyList<long> Targets, string? DateTime)
{
    /// <summary>The activity's <c>result</c> field (CiviCRM shows it only for survey activities).</summary>
    public string? Result { get; init; }
}

[System.Text.Json.Serialization.JsonSerializable(typeof(string))]
internal sealed partial class FakeCiviCrmJson : System.Text.Json.Serialization.JsonSerializerContext;
