using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Skvare.CmsUser.Shared;

namespace Skvare.CmsUser.Joomla;

/// <summary>
/// Joomla 4/5 users over the Web Services API (<c>/api/index.php/v1/users</c>) with a Joomla API token.
/// Joomla's search is a substring search over name, username and email, so lookups are filtered exactly
/// here; groups are required on every write.
/// </summary>
public sealed class JoomlaAccountProvider : ICmsAccountProvider, ICmsRoleCatalog, IChecksSecretsAtStart
{
    /// <inheritdoc />
    void IChecksSecretsAtStart.CheckSecrets() => _channel.CheckSecrets();

    /// <summary>The name of the <see cref="HttpClient"/> this provider uses.</summary>
    public const string HttpClientName = "Skvare.CmsUser.Joomla";

    private const string Cms = JoomlaErrors.Cms;
    private const string JsonApi = "application/vnd.api+json";
    private readonly IHttpClientFactory _factory;
    private readonly JoomlaOptions _options;
    private readonly ILogger _logger;
    private readonly HttpChannel _channel;

    /// <summary>Creates the provider.</summary>
    /// <param name="factory">The HTTP client factory (client <see cref="HttpClientName"/>).</param>
    /// <param name="options">The options.</param>
    /// <param name="logger">The logger.</param>
    public JoomlaAccountProvider(IHttpClientFactory factory, IOptions<JoomlaOptions> options, ILogger<JoomlaAccountProvider>? logger = null)
    {
        _factory = factory ?? throw new ArgumentNullException(nameof(factory));
        _options = (options ?? throw new ArgumentNullException(nameof(options))).Value;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _channel = new HttpChannel(
            () => factory.CreateClient(HttpClientName),
            path => new Uri(HttpEndpointGuard.WithTrailingSlash(_options.BaseUrl!), _options.ApiPath.Trim('/') + "/" + path),
            new JoomlaAnswerClassifier(_options.ApiPath),
            new HttpChannelLog(_logger, Cms, answeredEventId: 3400, failedEventId: 3402, weakSecretsEventId: 3407, unusableEventId: 3409),
            JsonApi)
        {
            Credentials = HeaderCredentials.Headers(new KeyValuePair<string, string?>("X-Joomla-Token", _options.ApiToken)),
            Secrets = () => [_options.ApiToken],
        };
    }

    /// <summary>Usernames: 2 to 150 characters, <c>[a-z0-9._@+-]</c> (Joomla forbids <c>&lt; &gt; " ' % ; ( ) &amp; \</c>).</summary>
    public static UsernameRules Rules { get; } = new() { MinLength = 2, MaxLength = 150, AllowedPunctuation = "._-@+", AsciiOnly = true, Lowercase = true };

    /// <inheritdoc />
    public string Name => Cms;

    /// <inheritdoc />
    public UsernameRules UsernameRules => Rules;

    /// <inheritdoc />
    public CmsCapabilities Capabilities =>
        CmsCapabilities.CreateWithoutPassword | CmsCapabilities.Block | CmsCapabilities.RemoveRoles | CmsCapabilities.Unblock | CmsCapabilities.CreateRefusesDuplicates;

    /// <inheritdoc />
    public Task<CmsAccount?> FindByEmailAsync(string email, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(email);
        return SearchAsync(email, u => string.Equals(u.Email, email, StringComparison.OrdinalIgnoreCase), cancellationToken);
    }

    /// <inheritdoc />
    public Task<CmsAccount?> FindByUsernameAsync(string username, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(username);
        return SearchAsync("username:" + username, u => string.Equals(u.Username, username, StringComparison.OrdinalIgnoreCase), cancellationToken);
    }

    /// <inheritdoc />
    public async Task<CmsAccount?> GetByIdAsync(long userId, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(userId);
        // A user Joomla says exists but whose id cannot be read is not "no such user" (that would invite a second account).
        // A user record that is there but unreadable fails this account only (InvalidData); an answer of another shape is
        // the site's (UnexpectedResponse).
        return await SendAsync(new(HttpMethod.Get, $"users/{userId}", "users/{id}") { NullWhenNotFound = true, IsRead = true }, answer =>
        {
            var data = Data(answer.Body);
            return ToAccount(data) ?? throw (data.ValueKind == JsonValueKind.Object && Member(data, "attributes").ValueKind == JsonValueKind.Object
                ? Unusable(CmsErrorReason.InvalidData, $"Joomla answered users/{userId} with a user whose id is not a positive whole number.", answer.Status)
                : Unusable(CmsErrorReason.UnexpectedResponse, $"Joomla answered users/{userId} without a user object and its attributes.", answer.Status));
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<CmsAccount> CreateAsync(NewCmsAccount account, CancellationToken cancellationToken = default)
    {
        ProviderArguments.NewAccount(account);
        var body = new JsonObject
        {
            ["name"] = DisplayName(account),
            ["username"] = account.Username,
            ["email"] = account.Email,
            ["groups"] = new JsonArray(GroupIds(account.Roles).Select(g => (JsonNode)g.ToString(CultureInfo.InvariantCulture)).ToArray()),
            ["block"] = account.Active ? "0" : "1",
            ["requireReset"] = _options.RequireReset && account.Password is null ? "1" : "0",
            ["sendEmail"] = "0",
        };
        if (account.Password is not null)
        {
            body["password"] = account.Password;
        }

        if (!string.IsNullOrWhiteSpace(account.Language))
        {
            body["params"] = new JsonObject { ["language"] = account.Language.Replace('_', '-') };
        }

        foreach (var (field, value) in account.Fields)
        {
            body[field] = value;
        }

        var call = new HttpCall(HttpMethod.Post, "users", "users") { Body = HttpBody.Json(body.ToJsonString()), IsCreate = true, Secrets = [account.Password] };
        // Joomla accepted the create (2xx): an answer without a readable user means the account may exist, not that the
        // site is misconfigured, so only this contact fails (UnknownOutcome) and the next attempt finds the account.
        var created = (await SendAsync(
            call,
            answer => ToAccount(Data(answer.Body)) ?? throw CmsAnswerClassifier.UnreadableCreate(Cms, "Joomla", "the create", answer.Status, _channel.Redact(call, answer.Body)),
            cancellationToken).ConfigureAwait(false))!;
        Log.Created(_logger, created.UserId, account.Username);
        if (!account.Notify || !account.Active)
        {
            return created with { Notification = CmsNotification.NotRequested };
        }

        if (!_options.UseCompanionPlugin)
        {
            // Joomla's "User - Joomla!" plugin mails new users itself when its option is on, and the API does not say.
            return created with { Notification = CmsNotification.Unknown };
        }

        // The companion's password reset email tells the person and lets them choose a password. The account exists, so
        // that request is finished whatever the caller's token says now (bounded by the HTTP timeouts), as the engine
        // finishes a write it sent: abandoned, it left an account without its email and the caller without the account.
        try
        {
            await CompanionResetAsync(created, CancellationToken.None).ConfigureAwait(false);
            return created with { Notification = CmsNotification.Sent };
        }
        catch (CmsProviderException ex)
        {
            // The account exists: failing here would make the caller think the create failed.
            Log.NotificationNotSent(_logger, created.UserId, ex.Reason);
            return FailedNotification.Of(created, ex);
        }
    }

    /// <inheritdoc />
    public async Task AddRolesAsync(CmsAccount account, IReadOnlyCollection<string> roles, CancellationToken cancellationToken = default)
    {
        ProviderArguments.Existing(account);
        ArgumentNullException.ThrowIfNull(roles);
        var current = await CurrentGroupsAsync(account.UserId, cancellationToken).ConfigureAwait(false);
        var union = current.Union(GroupIds(roles.ToArray(), withDefault: false)).ToList();
        if (union.Count == current.Count)
        {
            return;
        }

        // PATCH replaces the membership, and before Joomla 5.4 it must always carry the groups.
        await SendAsync(Patch(account.UserId, new JsonObject { ["groups"] = GroupArray(union) }), cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task RemoveRolesAsync(CmsAccount account, IReadOnlyCollection<string> roles, CancellationToken cancellationToken = default)
    {
        ProviderArguments.Existing(account);
        ArgumentNullException.ThrowIfNull(roles);
        var unwanted = GroupIds(roles.ToArray(), withDefault: false);
        var current = await CurrentGroupsAsync(account.UserId, cancellationToken).ConfigureAwait(false);
        var left = current.Except(unwanted).ToList();
        if (left.Count == current.Count)
        {
            return;
        }

        // A Joomla user is always in a group: with none left, the account falls back to the default (Registered).
        var groups = left.Count > 0 ? left : GroupIds([], withDefault: true).ToList();
        await SendAsync(Patch(account.UserId, new JsonObject { ["groups"] = GroupArray(groups) }), cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task BlockAsync(CmsAccount account, CancellationToken cancellationToken = default)
    {
        ProviderArguments.Existing(account);
        await PatchBlockAsync(account.UserId, 1, cancellationToken).ConfigureAwait(false);
        Log.Blocked(_logger, account.UserId);
    }

    /// <inheritdoc />
    /// <remarks>The reverse of <see cref="BlockAsync"/>: <c>PATCH</c> of <c>block: 0</c> with the current groups (groups kept).</remarks>
    public async Task UnblockAsync(CmsAccount account, CancellationToken cancellationToken = default)
    {
        ProviderArguments.Existing(account);
        await PatchBlockAsync(account.UserId, 0, cancellationToken).ConfigureAwait(false);
        Log.Unblocked(_logger, account.UserId);
    }

    private async Task PatchBlockAsync(long userId, int block, CancellationToken cancellationToken)
    {
        // Before Joomla 5.4 every PATCH must carry the groups: the current ones go along unchanged.
        var current = await CurrentGroupsAsync(userId, cancellationToken).ConfigureAwait(false);
        await SendAsync(Patch(userId, new JsonObject { ["block"] = block, ["groups"] = GroupArray(current) }), cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    /// <remarks>Needs the companion package: Joomla's Web Services API has no password reset email.</remarks>
    public Task SendPasswordResetAsync(CmsAccount account, CancellationToken cancellationToken = default)
    {
        ProviderArguments.Existing(account);
        return _options.UseCompanionPlugin
            ? CompanionResetAsync(account, cancellationToken)
            : throw Fail(CmsErrorReason.Permission, "Joomla's Web Services API has no password reset email. Install the companion package (integrations/joomla/pkg_cmsuser) and set CmsUser:Joomla:UseCompanionPlugin to true, or remove password reset campaigns for Joomla.");
    }

    /// <summary>Asks Joomla (through the companion package) to send the new-account email.</summary>
    /// <remarks>
    /// With the companion package this sends the password reset email, whose link lets the new user choose a
    /// password. Without it Joomla's own "User - Joomla!" plugin mails new users when they are created (option
    /// "Notification Mail to User").
    /// </remarks>
    internal Task SendNewAccountNotificationAsync(CmsAccount account, CancellationToken cancellationToken = default)
    {
        ProviderArguments.Existing(account);
        return _options.UseCompanionPlugin
            ? CompanionResetAsync(account, cancellationToken)
            : throw Fail(CmsErrorReason.Permission, "Joomla's Web Services API cannot send the new-account email; the \"User - Joomla!\" plugin mails new users when they are created (option \"Notification Mail to User\"), or install the companion package (integrations/joomla/pkg_cmsuser) and set CmsUser:Joomla:UseCompanionPlugin to true.");
    }

    /// <inheritdoc />
    public Task<Uri?> CreateOneTimeLoginLinkAsync(CmsAccount account, CancellationToken cancellationToken = default)
    {
        ProviderArguments.Existing(account);
        return Task.FromResult<Uri?>(null);
    }

    /// <inheritdoc />
    public async Task<ConnectivityReport> CheckConnectivityAsync(CancellationToken cancellationToken = default)
    {
        var checks = new List<ConnectivityCheck>();
        try
        {
            var groups = await ListGroupsAsync(cancellationToken).ConfigureAwait(false);
            checks.Add(new ConnectivityCheck("Token", true, "the API token is accepted"));
            checks.Add(new ConnectivityCheck("Groups", true, string.Join(", ", groups.Select(g => $"{g.Key.ToString(CultureInfo.InvariantCulture)} {g.Value}"))));
            var missing = _options.GroupIds.Where(kv => !groups.ContainsKey(kv.Value)).Select(kv => kv.Key).ToArray();
            checks.Add(new ConnectivityCheck("Configured groups", missing.Length == 0, missing.Length == 0 ? "all exist" : "missing: " + string.Join(", ", missing)));
        }
        catch (CmsProviderException ex)
        {
            checks.Add(ConnectivityCheck.Failed("API", ex));
        }

        if (_options.UseCompanionPlugin)
        {
            try
            {
                var body = await SendAsync(new(HttpMethod.Get, "cmsuser/status", "cmsuser/status") { IsRead = true }, cancellationToken).ConfigureAwait(false);
                var attributes = Member(Data(body!), "attributes");
                checks.Add(new ConnectivityCheck("Companion", true, $"pkg_cmsuser {Text(Member(attributes, "version")) ?? "(unknown version)"} on Joomla {Text(Member(attributes, "joomla")) ?? "(unknown version)"}"));
            }
            catch (CmsProviderException ex)
            {
                checks.Add(ConnectivityCheck.Failed("Companion", ex));
            }
        }

        return new ConnectivityReport($"{Cms} {_options.BaseUrl}", checks.TrueForAll(c => c.Passed), checks);
    }

    /// <inheritdoc />
    /// <remarks>One request: <c>GET users/groups</c> with the API token (Joomla answers any refused token with 401).</remarks>
    public async Task<ConnectivityCheck> CheckCredentialsAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            await SendAsync(new(HttpMethod.Get, "users/groups", "users/groups") { IsRead = true }, cancellationToken).ConfigureAwait(false);
            return new ConnectivityCheck("Token", true, "the API token is accepted");
        }
        catch (CmsProviderException ex)
        {
            return ConnectivityCheck.Failed("Token", ex);
        }
    }

    private async Task CompanionResetAsync(CmsAccount account, CancellationToken cancellationToken)
    {
        ProviderArguments.Existing(account);
        // A reset the site could not mail (500 with the companion's title) is the site's answer, not an outage: no circuit breaker.
        await SendAsync(new(HttpMethod.Post, $"cmsuser/users/{account.UserId}/reset", "cmsuser/users/{id}/reset") { Body = HttpBody.Json("{}"), FinalError = IsResetMailFailure }, cancellationToken).ConfigureAwait(false);
        Log.ResetSent(_logger, account.UserId);
    }

    private async Task<CmsAccount?> SearchAsync(string term, Func<CmsAccount, bool> exact, CancellationToken cancellationToken)
    {
        string? path = $"users?filter[search]={Uri.EscapeDataString(term)}&page[limit]=100";
        while (path is not null)
        {
            var (found, body) = (await SendAsync(new(HttpMethod.Get, path, "users?filter[search]") { IsRead = true }, answer => SearchPage(answer, exact), cancellationToken).ConfigureAwait(false))!;
            if (found is not null)
            {
                return found;
            }

            path = NextLink(body);
        }

        return null;
    }

    /// <summary>
    /// One page of a user search: the account that <paramref name="exact"/> accepts, or none. Joomla always answers a list
    /// view with a <c>data</c> list (empty when nothing matches); an answer without one, or a listed user whose id cannot be
    /// read, is not "no such user" (that would invite a second account): it fails the look-up, logged once (3409).
    /// </summary>
    private static (CmsAccount? Found, string Body) SearchPage(HttpAnswer answer, Func<CmsAccount, bool> exact)
    {
        foreach (var item in DataList(answer, "a user search"))
        {
            if (ToAccount(item) is { } account)
            {
                if (exact(account))
                {
                    return (account, answer.Body);
                }
            }
            else
            {
                throw Unusable(CmsErrorReason.UnexpectedResponse, "Joomla answered a user search with a user whose id or attributes cannot be read.", answer.Status);
            }
        }

        return (null, answer.Body);
    }

    private async Task<List<long>> CurrentGroupsAsync(long userId, CancellationToken cancellationToken) =>
        await SendAsync(
            new(HttpMethod.Get, $"users/{userId}", "users/{id}") { NullWhenNotFound = true, IsRead = true },
            answer => GroupsOf(userId, answer),
            cancellationToken).ConfigureAwait(false)
        ?? throw Fail(CmsErrorReason.NotFound, $"There is no Joomla user {userId}.");

    /// <summary>
    /// A user's group ids from its answer. They are sent back as the whole set: a group id that cannot be read would be
    /// dropped from the user, so it fails the call instead (this user's record, not the site: <see cref="CmsErrorReason.InvalidData"/>,
    /// permanent, not a stop of the run). Either failure is logged once as an unusable answer (3409, <see cref="SendAsync{T}"/>).
    /// </summary>
    private static List<long> GroupsOf(long userId, HttpAnswer answer)
    {
        var attributes = Member(Data(answer.Body), "attributes") is { ValueKind: JsonValueKind.Object } found
            ? found
            : throw Unusable(CmsErrorReason.UnexpectedResponse, $"Joomla answered users/{userId} without the user's attributes.", answer.Status);
        var texts = Member(attributes, "groups") switch
        {
            { ValueKind: JsonValueKind.Object } map => map.EnumerateObject().Select(p => (string?)p.Name).ToList(),
            { ValueKind: JsonValueKind.Array } list => list.EnumerateArray().Select(v => v.ValueKind == JsonValueKind.Number ? v.GetRawText() : Text(v)).ToList(),
            { ValueKind: JsonValueKind.Undefined or JsonValueKind.Null } => [],
            var other => throw Unusable(CmsErrorReason.InvalidData, $"Joomla answered users/{userId} with groups as a JSON {other.ValueKind.ToString().ToLowerInvariant()}; the groups are left unchanged.", answer.Status),
        };
        var ids = new List<long>(texts.Count);
        foreach (var text in texts)
        {
            ids.Add(long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var id) && id > 0
                ? id
                : throw Unusable(CmsErrorReason.InvalidData, $"Joomla answered users/{userId} with a group id that is not a positive whole number; the groups are left unchanged.", answer.Status));
        }

        return ids;
    }

    /// <summary>
    /// The site's groups by id with their titles: <c>GET users/groups?page[limit]=100</c>, following <c>links.next</c>
    /// (Joomla pages its list views, 20 items unless asked; at most 20 pages). A page without its <c>data</c> list is not
    /// "no groups" (every role would read as unknown), and a listed group whose id cannot be read is not "no such group" (a
    /// role naming it would read as unknown): either fails the call, logged once (3409), as a user search does.
    /// </summary>
    private async Task<SortedDictionary<long, string>> ListGroupsAsync(CancellationToken cancellationToken)
    {
        var groups = new SortedDictionary<long, string>();
        string? path = "users/groups?page[limit]=100";
        for (var page = 0; path is not null && page < 20; page++)
        {
            var number = page + 1;
            var (items, body) = (await SendAsync(new(HttpMethod.Get, path, "users/groups") { IsRead = true }, answer => (GroupPage(answer, number), answer.Body), cancellationToken).ConfigureAwait(false))!;
            foreach (var (id, title) in items)
            {
                groups[id] = title;
            }

            path = NextLink(body);
        }

        return groups;
    }

    /// <summary>
    /// One page of the group list: each item's id (a positive whole number, as text as Joomla sends it, or as a number) and
    /// title (blank when it has none). An item without a readable id fails the page (unusable, naming its position): dropped,
    /// its group would read as missing.
    /// </summary>
    internal static List<(long Id, string Title)> GroupPage(HttpAnswer answer, int page)
    {
        var items = DataList(answer, "a group list");
        var groups = new List<(long, string)>(items.Length);
        for (var i = 0; i < items.Length; i++)
        {
            var id = Member(items[i], "id");
            var idText = id.ValueKind == JsonValueKind.Number ? id.GetRawText() : Text(id);
            if (!long.TryParse(idText, NumberStyles.None, CultureInfo.InvariantCulture, out var groupId) || groupId <= 0)
            {
                throw Unusable(CmsErrorReason.UnexpectedResponse, $"Joomla answered a group list with an item whose id is not a positive whole number (item {(i + 1).ToString(CultureInfo.InvariantCulture)} of {items.Length.ToString(CultureInfo.InvariantCulture)} on page {page.ToString(CultureInfo.InvariantCulture)}).", answer.Status);
            }

            groups.Add((groupId, Text(Member(Member(items[i], "attributes"), "title")) ?? ""));
        }

        return groups;
    }

    /// <inheritdoc />
    /// <remarks>
    /// <c>GET users/groups?page[limit]=100</c> (one request unless the site has more than 100 groups). A role is a group id,
    /// or a name that <c>CmsUser:Joomla:GroupIds</c> maps to one; both are checked against the site's groups. The site's
    /// roles are listed as <c>id (title)</c>.
    /// </remarks>
    public async Task<CmsRoleCheck> CheckRolesAsync(IReadOnlyCollection<string> roles, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(roles);
        var groups = await ListGroupsAsync(cancellationToken).ConfigureAwait(false);
        var unknown = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var role in roles.Distinct(StringComparer.Ordinal))
        {
            if (_options.GroupIds.TryGetValue(role, out var mapped))
            {
                if (!groups.ContainsKey(mapped))
                {
                    unknown[role] = $"'{role}' is mapped in CmsUser:Joomla:GroupIds to {mapped.ToString(CultureInfo.InvariantCulture)}, which is not a group of the site";
                }
            }
            else if (long.TryParse(role, NumberStyles.None, CultureInfo.InvariantCulture, out var numeric))
            {
                if (!groups.ContainsKey(numeric))
                {
                    unknown[role] = $"'{role}' is not the id of a Joomla group";
                }
            }
            else
            {
                var titled = groups.Where(g => string.Equals(g.Value, role, StringComparison.OrdinalIgnoreCase)).Select(g => g.Key).ToList();
                unknown[role] = titled.Count == 1
                    ? $"'{role}' is neither a Joomla group id nor mapped in CmsUser:Joomla:GroupIds (the group titled so is {titled[0].ToString(CultureInfo.InvariantCulture)}: map it there)"
                    : $"'{role}' is neither a Joomla group id nor mapped in CmsUser:Joomla:GroupIds";
            }
        }

        return CmsRoleCheck.Listed(groups.Select(g => $"{g.Key.ToString(CultureInfo.InvariantCulture)} ({g.Value})").ToList(), unknown);
    }

    private long[] GroupIds(IReadOnlyList<string> roles, bool withDefault = true)
    {
        var ids = new List<long>();
        foreach (var role in roles)
        {
            if (_options.GroupIds.TryGetValue(role, out var mapped))
            {
                ids.Add(mapped);
            }
            else if (long.TryParse(role, NumberStyles.None, CultureInfo.InvariantCulture, out var numeric))
            {
                ids.Add(numeric);
            }
            else
            {
                throw Fail(CmsErrorReason.UnknownRole, $"The role '{role}' is neither a Joomla group id nor mapped in CmsUser:Joomla:GroupIds.");
            }
        }

        if (ids.Count == 0 && withDefault)
        {
            ids.Add(_options.DefaultGroupId);
        }

        return ids.Distinct().ToArray();
    }

    private static JsonArray GroupArray(IEnumerable<long> groups) => new(groups.Select(g => (JsonNode)g.ToString(CultureInfo.InvariantCulture)).ToArray());

    private static string DisplayName(NewCmsAccount account) =>
        !string.IsNullOrWhiteSpace(account.DisplayName) ? account.DisplayName
        : string.Join(' ', new[] { account.FirstName, account.LastName }.Where(s => !string.IsNullOrWhiteSpace(s))) is { Length: > 0 } names ? names
        : account.Username;

    /// <summary>Whether a JSON:API error document is the companion's "The password reset email could not be sent…".</summary>
    private static bool IsResetMailFailure(System.Text.Json.JsonElement error) =>
        error.TryGetProperty("errors", out var errors) && errors.ValueKind == System.Text.Json.JsonValueKind.Array
        && errors.EnumerateArray().Any(e => e.ValueKind == System.Text.Json.JsonValueKind.Object && e.TryGetProperty("title", out var title)
            && title.ValueKind == System.Text.Json.JsonValueKind.String && title.GetString()!.StartsWith(JoomlaErrors.ResetMailMarker, StringComparison.Ordinal));

    /// <summary>The answer's JSON:API document as text, or <see langword="null"/> for a missing resource when the call allows it.</summary>
    private async Task<string?> SendAsync(HttpCall call, CancellationToken cancellationToken)
    {
        var answer = await _channel.SendAsync(call, cancellationToken).ConfigureAwait(false);
        if (answer is null)
        {
            return null;
        }

        // An HTML page (a wrong ApiPath reaching the site's front end) is not read as an empty result.
        _channel.ReadJson(call, answer);
        return answer.Body;
    }

    /// <summary>
    /// Sends <paramref name="call"/> and reads its JSON:API document with <paramref name="read"/>: a failure to read it is
    /// logged once (event 3409, with a redacted excerpt); the default value for a missing resource when the call allows it.
    /// </summary>
    private Task<T?> SendAsync<T>(HttpCall call, Func<HttpAnswer, T> read, CancellationToken cancellationToken) =>
        _channel.SendAsync(
            call,
            answer =>
            {
                // An HTML page (a wrong ApiPath reaching the site's front end) is not read as an empty result.
                _channel.ReadJson(call, answer);
                return read(answer);
            },
            cancellationToken);

    /// <summary>A failure of a successful answer of the wrong shape; the channel logs it (<see cref="SendAsync{T}"/>).</summary>
    private static CmsProviderException Unusable(CmsErrorReason reason, string message, int status) =>
        new(Cms, reason, message, statusCode: status);

    // PATCH replaces the groups with the list sent, so sending the same list again is harmless; the same holds for block.
    // Joomla mails the user nothing for a save that is not a create (UserModel::save, plg_user_joomla's onUserAfterSave
    // returns unless isNew): no activation mail on unblock. The one core mail a repeat can double is Action Logs'
    // "user updated" notification to administrators who switched it on (docs/cms-joomla.md, "Mail on block and unblock").
    private static HttpCall Patch(long userId, JsonObject body) =>
        new(HttpMethod.Patch, $"users/{userId}", "users/{id}") { Body = HttpBody.Json(body.ToJsonString()), RetrySafe = true };

    private CmsProviderException Fail(CmsErrorReason reason, string message, Exception? inner = null, int? status = null, string? code = null)
    {
        Log.Failed(_logger, reason, message);
        return new CmsProviderException(Cms, reason, message, statusCode: status, errorCode: code, innerException: inner);
    }

    private static JsonElement Data(string body)
    {
        try
        {
            using var doc = JsonDocument.Parse(body);
            // A document without "data" (an array, a scalar, other members) has nothing to clone: Clone() of an
            // undefined element throws InvalidOperationException, which crashed the contact as internal_error.
            var data = Member(doc.RootElement, "data");
            return data.ValueKind == JsonValueKind.Undefined ? default : data.Clone();
        }
        catch (JsonException)
        {
            return default;
        }
    }

    /// <summary>The items of a list view's answer; Joomla always sends its <c>data</c> list (empty when nothing matches), so an answer without one is unusable.</summary>
    private static JsonElement[] DataList(HttpAnswer answer, string what)
    {
        var data = Data(answer.Body);
        return data.ValueKind == JsonValueKind.Array
            ? [.. data.EnumerateArray()]
            : throw Unusable(CmsErrorReason.UnexpectedResponse, $"Joomla answered {what} without its data list.", answer.Status);
    }

    private string? NextLink(string body)
    {
        // The body is JSON (SendAsync read it); links.next is a URL, or absent on the last page.
        using var doc = JsonDocument.Parse(body);
        if (Text(Member(Member(doc.RootElement, "links"), "next")) is not { } url)
        {
            return null;
        }

        var marker = _options.ApiPath.Trim('/') + "/";
        var at = url.IndexOf(marker, StringComparison.Ordinal);
        return at < 0 ? null : url[(at + marker.Length)..];
    }

    private static CmsAccount? ToAccount(JsonElement item)
    {
        var a = Member(item, "attributes");
        if (a.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        var id = Member(item, "id");
        var idText = id.ValueKind == JsonValueKind.Number ? id.GetRawText() : Text(id);
        if ((!long.TryParse(idText, NumberStyles.None, CultureInfo.InvariantCulture, out var userId) && !(Member(a, "id") is { ValueKind: JsonValueKind.Number } aid && aid.TryGetInt64(out userId))) || userId <= 0)
        {
            return null;
        }

        return new CmsAccount(userId, Text(Member(a, "username")), Text(Member(a, "email")))
        {
            // registerDate is the database's UTC value, "2026-11-25 10:00:00".
            CreatedAt = CmsDates.FromText(Text(Member(a, "registerDate"))),
            // block is "0"/"1" (or 0/1); anything else is not known rather than active.
            IsActive = Member(a, "block") switch
            {
                { ValueKind: JsonValueKind.Undefined or JsonValueKind.Null } => true,
                { ValueKind: JsonValueKind.Number } b when b.TryGetDecimal(out var n) => n == 0,
                { ValueKind: JsonValueKind.String } b => Text(b) switch { "0" or "" => true, "1" => false, _ => null },
                { ValueKind: JsonValueKind.True } => false,
                { ValueKind: JsonValueKind.False } => true,
                _ => null,
            },
        };
    }

    /// <summary>A member of a JSON object, or <c>default</c> (<see cref="JsonValueKind.Undefined"/>) when there is none or the value is no object.</summary>
    private static JsonElement Member(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) ? value : default;

    /// <summary>A JSON string's text, or <see langword="null"/> for any other kind or text that is not valid UTF-16.</summary>
    private static string? Text(JsonElement element)
    {
        if (element.ValueKind != JsonValueKind.String)
        {
            return null;
        }

        try
        {
            return element.GetString();
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }
}
