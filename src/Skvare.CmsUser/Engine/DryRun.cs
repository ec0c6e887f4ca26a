using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using Microsoft.Extensions.Logging;
using Skvare.CmsUser.Retry;
using Skvare.CmsUser.Telemetry;

namespace Skvare.CmsUser.Engine;

/// <summary>
/// The dry run (<see cref="IUserProvisioner.PlanAsync"/>): reads the triggers, asks the CMS read-only questions and
/// says per contact what a run would do. Writes nothing anywhere. Like the run, it stops when
/// <see cref="RetryPolicy.QuarantineAfterConsecutiveTransientFailures"/> contacts in a row met an unavailable server: the
/// entries planned so far are yielded, then that failure (a transient <see cref="CmsUserException"/>) is thrown.
/// </summary>
internal sealed class DryRun
{
    private readonly EngineContext _engine;

    public DryRun(EngineContext engine) => _engine = engine;

    private CmsUserOptions Options => _engine.Options;

    public async IAsyncEnumerable<PlanEntry> PlanAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var claims = new Claims();
        foreach (var rule in Options.Rules)
        {
            var source = _engine.Triggers.Create(_engine.CreationContext(rule));
            await foreach (var page in source.ReadPendingAsync(Options.PageSize, cancellationToken).ConfigureAwait(false))
            {
                var prior = await _engine.CountPriorAsync(page, ActivityKind.AccountCreation, cancellationToken).ConfigureAwait(false);
                await PrefetchAsync(rule, page, cancellationToken).ConfigureAwait(false);
                var planned = new List<Planned>(page.Count);
                CmsUserException? quarantine = null;
                foreach (var contact in page)
                {
                    // An earlier rule's failure of this contact is one of its attempts by the time the run reaches this rule.
                    var before = prior.GetValueOrDefault(contact.Id) + claims.Failures.GetValueOrDefault(contact.Id);
                    var next = await PlanContactAsync(rule, contact, before, claims, cancellationToken).ConfigureAwait(false);
                    planned.Add(next);

                    // As the run quarantines: this many contacts in a row failing on an unavailable server end the plan.
                    claims.TransientStreak = AttemptPolicy.NextTransientStreak(claims.TransientStreak, next.Transient is null ? null : FailureKind.Transient);
                    if (next.Transient is { } unavailable && _engine.Attempts.Quarantines(claims.TransientStreak))
                    {
                        quarantine = unavailable;
                        break;
                    }
                }

                var entries = await SettleLinksAsync(planned, claims, cancellationToken).ConfigureAwait(false);
                for (var i = 0; i < entries.Count; i++)
                {
                    claims.Record(entries[i], Options.Retry.Counts(planned[i].Failure));
                    yield return entries[i];
                }

                if (quarantine is not null)
                {
                    ExceptionDispatchInfo.Throw(quarantine);
                }
            }

            if (rule.Deprovision is { } deprovision)
            {
                var leaving = _engine.Triggers.Create(Deprovisioning.SourceContext(rule, _engine.Settings.ExtraFields));
                await foreach (var page in leaving.ReadPendingAsync(Options.PageSize, cancellationToken).ConfigureAwait(false))
                {
                    var prior = await _engine.CountPriorAsync(page, Deprovisioning.ActivityKindOf(deprovision), cancellationToken).ConfigureAwait(false);
                    foreach (var contact in page)
                    {
                        yield return _engine.Deprovisioning.Plan(rule, contact, prior.GetValueOrDefault(contact.Id));
                    }
                }
            }
        }

        if (Options.CheckCmsCredentials && !claims.CmsAsked)
        {
            await CheckCredentialsAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The plan asked the CMS nothing (no contact waiting, or none that needs the CMS): the credentials are checked as a
    /// run checks them, and a refusal ends the plan as a contact's would have (a configuration error; an unreachable CMS
    /// as a transient failure, as where a run would quarantine).
    /// </summary>
    private async Task CheckCredentialsAsync(CancellationToken cancellationToken)
    {
        var check = await _engine.CheckCmsCredentialsAsync(cancellationToken).ConfigureAwait(false);
        if (check.Passed)
        {
            return;
        }

        var cms = _engine.Cms.Name;
        var reason = EngineContext.CredentialsRefusal(cms, check, "plan");
        throw check.Failure == FailureKind.Transient
            ? new CmsProviderException(cms, CmsErrorReason.Unavailable, reason)
            : new CmsUserConfigurationException(reason);
    }

    /// <summary>
    /// The provider's page look-up (<see cref="ICmsAccountPrefetch"/>), once per page: the plan asks every new contact's
    /// email and username, which the look-up answers in one request instead of a search or two per contact. A look-up
    /// that fails leaves the questions to the per-contact calls, which report their own failures, as in a run.
    /// </summary>
    private async Task PrefetchAsync(ProvisioningRule rule, IReadOnlyList<Contact> page, CancellationToken cancellationToken)
    {
        try
        {
            await _engine.Pipeline.PrefetchAsync(rule, page, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (!ContactResult.IsRunCancellation(ex, cancellationToken))
        {
            Log.PageLookupFailed(_engine.Logger, ContactResult.InternalMessage(ex));
        }
    }

    private async Task<Planned> PlanContactAsync(ProvisioningRule rule, Contact contact, int prior, Claims claims, CancellationToken cancellationToken)
    {
        try
        {
            return await PlanContactCoreAsync(rule, contact, prior, claims, cancellationToken).ConfigureAwait(false);
        }
        catch (CmsUserException ex) when (ex.Kind != FailureKind.Configuration)
        {
            return new Planned(new PlanEntry(contact.Id, rule.DisplayName, _engine.Attempts.Predict(ex.Kind, prior), null, null, $"{CmsUserErrorCodes.For(ex)}: {ex.Message}"), Failure: ex.Kind)
            {
                Transient = ex.Kind == FailureKind.Transient ? ex : null,
            };
        }
        catch (Exception ex) when (ex is not CmsUserException && !ContactResult.IsRunCancellation(ex, cancellationToken))
        {
            // The real run would fail this contact with internal_error (a counted attempt); the plan says so and goes on.
            Log.ContactCrashed(_engine.Logger, contact.Id, rule.DisplayName, ex);
            return new PlanEntry(contact.Id, rule.DisplayName, _engine.Attempts.Predict(FailureKind.Permanent, prior), null, null, $"{ContactResult.InternalErrorCode}: {ContactResult.InternalMessage(ex)}");
        }
    }

    private async Task<Planned> PlanContactCoreAsync(ProvisioningRule rule, Contact contact, int prior, Claims claims, CancellationToken cancellationToken)
    {
        var name = rule.DisplayName;
        var attempts = _engine.Attempts;
        if (contact.CurrentDomainLink is { } link)
        {
            if (await _engine.Pipeline.Restorer.PlanAsync(rule, contact, link, cancellationToken).ConfigureAwait(false) is { } restore)
            {
                return restore;
            }

            // No username: the link stores the CMS user id and a name (uf_name, the email when the link was made), not the
            // account's username, and the run does not read the account either. The note says what the name is.
            return new PlanEntry(contact.Id, name, PlannedAction.AlreadyLinked, null, link.CmsUserId, LinkedNote(link) + "." + SyncRolesNote(rule));
        }

        if (claims.Accounts.TryGetValue(contact.Id, out var earlier))
        {
            // An earlier rule of this plan creates or links the contact's account: by the time the run reaches this rule,
            // the contact is linked in this domain (the run reports no username for it, as for any linked contact).
            var account = earlier.CmsUserId is long uid ? $"CMS user {uid.ToString(CultureInfo.InvariantCulture)}" : "the account";
            return new PlanEntry(contact.Id, name, PlannedAction.AlreadyLinked, null, earlier.CmsUserId,
                $"Linked by then to {account}{(earlier.Username is { } planned ? $" (username {planned})" : "")}, which rule {earlier.Rule} creates or links earlier in this run." + SyncRolesNote(rule));
        }

        if (contact.Links.FirstOrDefault(l => !l.IsCurrentDomain) is { } other)
        {
            // The run links the same CMS user in this domain: whether another contact holds it is settled for the page.
            return new Planned(
                new PlanEntry(contact.Id, name, PlannedAction.LinkFromOtherDomain, null, other.CmsUserId, $"{LinkedNote(other)} in another domain; the run links it in this one too."),
                new AccountLinkRequest(contact.Id, other.CmsUserId, other.UfName ?? contact.Email ?? ""), prior);
        }

        if (contact.DataError is { } dataError)
        {
            return new PlanEntry(contact.Id, name, attempts.Predict(FailureKind.Permanent, prior), null, null, $"{ContactPipeline.InvalidDataCode}: {dataError}");
        }

        if (ContactPipeline.CheckEmail(contact) is { } problem)
        {
            return new PlanEntry(contact.Id, name, attempts.Predict(FailureKind.Permanent, prior, giveUpNow: true), null, null, $"{problem.Code}: {problem.Message}");
        }

        if (contact.FieldsFailure is { } unread)
        {
            // As if reading the fields had failed for this contact alone (PlanContactAsync's catch; a configuration failure stops the plan).
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(unread);
        }

        var email = contact.Email!.Trim();
        if (claims.Creates.TryGetValue(email, out var creator))
        {
            // An earlier contact of this plan gets a new account with this email: by the time the run reaches this contact,
            // the CMS finds that account by the email, and it is linked to (held by) that contact.
            return Options.LinkExistingAccounts
                ? new PlanEntry(contact.Id, name, attempts.Predict(FailureKind.Permanent, prior), null, null, $"{PageWriter.HeldByOtherContactCode}: {PageWriter.HeldByOtherMessage(null, creator)}")
                : new PlanEntry(contact.Id, name, attempts.Predict(FailureKind.Permanent, prior), null, null,
                    $"{CmsUserErrorCodes.DuplicateEmail}: The email address {contact.Email} is already used by the CMS account this run creates first (for contact {creator.ToString(CultureInfo.InvariantCulture)}); linking existing accounts is turned off.");
        }

        claims.CmsAsked = true;
        if (await _engine.Cms.FindByEmailAsync(email, cancellationToken).ConfigureAwait(false) is { } found)
        {
            if (Options.LinkExistingAccounts && rule.SyncRolesOfExistingAccounts && await RoleProblemAsync(rule, claims, cancellationToken).ConfigureAwait(false) is { } wrong)
            {
                // The run gives the found account the rule's roles, and stops there.
                return UnknownRole(contact, rule, found.Username, found.UserId, wrong);
            }

            return Options.LinkExistingAccounts
                ? new Planned(new PlanEntry(contact.Id, name, PlannedAction.LinkExisting, found.Username, found.UserId, null), new AccountLinkRequest(contact.Id, found.UserId, found.Email ?? email), prior)
                : new PlanEntry(contact.Id, name, attempts.Predict(FailureKind.Permanent, prior), found.Username, found.UserId, $"{CmsUserErrorCodes.DuplicateEmail}: {ContactPipeline.DuplicateEmailMessage(contact.Email, found.UserId)}");
        }

        var pipeline = _engine.Pipeline;
        var choice = pipeline.ChooseBaseUsername(rule, contact);
        var (username, conflict) = await pipeline.FindFreeUsernameAsync(choice.Name, 1, cancellationToken, claimed: claims.Usernames).ConfigureAwait(false);
        if (username is null)
        {
            // The run's own error, word for word (a planned failure's note is the run's error).
            return new PlanEntry(contact.Id, name, attempts.Predict(FailureKind.Permanent, prior), null, null, $"{CmsUserErrorCodes.DuplicateUsername}: {conflict}");
        }

        if (await RoleProblemAsync(rule, claims, cancellationToken).ConfigureAwait(false) is { } unknownRole)
        {
            return UnknownRole(contact, rule, username, null, unknownRole);
        }

        claims.Creates.TryAdd(email, contact.Id);
        claims.Usernames.Add(username);
        var fallback = FallbackNote(rule, choice, Options.FallbackUsernamePattern);
        return new PlanEntry(contact.Id, name, PlannedAction.Create, username, null, fallback is null ? conflict : conflict is null ? fallback : $"{fallback} {conflict}");
    }

    /// <summary>
    /// Why a planned username is not the one the rule's pattern gives, and which settings choose another; <see langword="null"/>
    /// when it is the pattern's. Found in trial10 (real CiviCRM 6.17.2): a contact named only in Chinese was planned as
    /// <c>user4457</c> with nothing saying why.
    /// </summary>
    internal static string? FallbackNote(ProvisioningRule rule, BaseUsernameChoice choice, string fallbackPattern)
    {
        if (!choice.FellBack)
        {
            return null;
        }

        var why = (choice.EmptyToken, choice.OnlyText) switch
        {
            ({ } token, _) => $"The username pattern {choice.Pattern} has no value for {token} for this contact",
            (null, { } text) => $"The username pattern {choice.Pattern} gives this contact only its own text ('{text}'), the same for every such contact: its tokens keep no character (letters outside the Latin alphabet, and emoji, are left out)",
            _ => $"The username pattern {choice.Pattern} gives this contact no characters a username can keep (letters outside the Latin alphabet, and emoji, are left out)",
        };
        var from = choice.LastResort
            ? $"the contact id (FallbackUsernamePattern {fallbackPattern} gives none either)"
            : $"FallbackUsernamePattern ({fallbackPattern})";
        var setting = rule.UsernamePattern is null ? "UsernamePattern" : $"the UsernamePattern of rule {rule.DisplayName}";
        return $"{why}, so the username comes from {from}. To choose another, change {setting} or FallbackUsernamePattern.";
    }

    /// <summary>
    /// A contact the run would give the rule's roles, which the site does not have: the run stops at it with
    /// <c>unknown_role</c> (a configuration failure, no attempt counted), so the plan says it fails instead of creating.
    /// </summary>
    private static Planned UnknownRole(Contact contact, ProvisioningRule rule, string? username, long? cmsUserId, string problem) =>
        new(new PlanEntry(contact.Id, rule.DisplayName, PlannedAction.Fail, username, cmsUserId,
            $"{CmsUserErrorCodes.UnknownRole}: {problem} A run stops at the first such contact (a configuration error) before any contact spends an attempt."),
            Failure: FailureKind.Configuration);

    /// <summary>
    /// Why the rule's roles would stop the run, or <see langword="null"/>: the roles of every rule are read once per plan,
    /// when the first contact needs them (<see cref="RuleRoleCheck"/>). A read that fails leaves the roles unchecked, as
    /// before a plan checked them: the run reports its own failures.
    /// </summary>
    private async Task<string?> RoleProblemAsync(ProvisioningRule rule, Claims claims, CancellationToken cancellationToken)
    {
        if (rule.Roles.Count == 0)
        {
            return null;
        }

        claims.Roles ??= ReadRolesAsync(cancellationToken);
        return (await claims.Roles.ConfigureAwait(false))?.ProblemOf(rule);
    }

    /// <summary>
    /// The roles of every rule that names one (<see cref="RuleRoleCheck.FindAsync"/>), or <see langword="null"/> when the
    /// read failed: logged here, once, since the plan keeps this task and never asks again.
    /// </summary>
    private async Task<RuleRoleFindings?> ReadRolesAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await RuleRoleCheck.FindAsync(_engine.Cms, Options.Rules.Where(r => r.Roles.Count > 0).ToList(), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (!ContactResult.IsRunCancellation(ex, cancellationToken))
        {
            Log.RoleCheckFailed(_engine.Logger, ContactResult.InternalMessage(ex));
            return null;
        }
    }

    /// <summary>
    /// What an existing link is, in the plan's note: <c>Linked to CMS user 42 (stored name ana@example.org)</c>. The
    /// stored name is UFMatch's <c>uf_name</c>, the account's email when the link was made: not necessarily the account's
    /// username, nor the contact's email today.
    /// </summary>
    /// <summary>
    /// What a run does to the account of a contact it finds linked, when the rule syncs roles (<see cref="ProvisioningRule.SyncRolesOfExistingAccounts"/>):
    /// it adds the rule's roles. The plan does not read the account (no request per contact), so it names the roles the run
    /// gives, not which of them the account lacks. Empty otherwise.
    /// </summary>
    internal static string SyncRolesNote(ProvisioningRule rule) =>
        rule.SyncRolesOfExistingAccounts && rule.Roles.Count > 0
            ? $" A run gives the account the rule's roles (SyncRolesOfExistingAccounts): {string.Join(", ", rule.Roles)}; roles it already has stay, and none are taken away."
            : "";

    internal static string LinkedNote(AccountLink link) =>
        $"Linked to CMS user {link.CmsUserId.ToString(CultureInfo.InvariantCulture)}{(string.IsNullOrWhiteSpace(link.UfName) ? "" : $" (stored name {link.UfName})")}";

    /// <summary>
    /// The link decisions of the run's write-back, predicted for a page: the page's link requests, the links that exist in
    /// this domain for their CMS users and contacts (one read, the read the run decides on) and the links this plan gives
    /// earlier contacts, through the rule the run applies (<see cref="AccountLinkClaims.Decide"/>). An account another
    /// contact holds fails the contact as the run fails it (<see cref="PageWriter.HeldByOtherContactCode"/>).
    /// </summary>
    private async Task<IReadOnlyList<PlanEntry>> SettleLinksAsync(List<Planned> planned, Claims claims, CancellationToken cancellationToken)
    {
        var entries = planned.Select(p => p.Entry).ToArray();
        var linking = Enumerable.Range(0, planned.Count).Where(i => planned[i].Link is not null).ToArray();
        if (linking.Length == 0)
        {
            return entries;
        }

        var requests = linking.Select(i => planned[i].Link!).ToArray();
        string? unknown = null;
        IReadOnlyList<AccountLink> existing;
        try
        {
            var read = await ReadLinksAsync(requests, cancellationToken).ConfigureAwait(false);
            existing = read ?? [];
            if (read is null)
            {
                unknown = "Whether another contact holds this account is not known: the link store cannot read links by CMS user.";
            }
        }
        catch (CmsUserException ex) when (ex.Kind != FailureKind.Configuration)
        {
            existing = [];
            unknown = $"Whether another contact holds this account could not be read: {ex.Message}";
        }

        // Accounts this plan links to earlier contacts are theirs by the time the run reaches these requests.
        var found = existing.Where(l => l.IsCurrentDomain).ToList();
        foreach (var request in requests)
        {
            if (claims.Links.TryGetValue(request.CmsUserId, out var holder) && !found.Any(l => l.CmsUserId == request.CmsUserId))
            {
                found.Add(new AccountLink(holder, request.CmsUserId, null));
            }
        }

        var decisions = AccountLinkClaims.Decide(requests, found);
        for (var n = 0; n < linking.Length; n++)
        {
            var (entry, link, prior, _) = planned[linking[n]];
            var decision = decisions[n];
            entries[linking[n]] = decision.Kind switch
            {
                AccountLinkResultKind.HeldByOtherContact => entry with
                {
                    Action = _engine.Attempts.Predict(FailureKind.Permanent, prior),
                    Username = null,
                    CmsUserId = null,
                    Conflict = $"{PageWriter.HeldByOtherContactCode}: {PageWriter.HeldByOtherMessage(link!.CmsUserId, decision.PreviousContactId)}",
                },
                AccountLinkResultKind.Failed => entry with
                {
                    Action = _engine.Attempts.Predict(FailureKind.Permanent, prior),
                    Conflict = $"{CmsUserErrorCodes.LinkFailed}: {PageWriter.LinkFailedMessage(link!.CmsUserId, decision.Error)}",
                },
                AccountLinkResultKind.AlreadyExisted => entry with
                {
                    Action = PlannedAction.AlreadyLinked,
                    Conflict = $"Linked to CMS user {link!.CmsUserId.ToString(CultureInfo.InvariantCulture)} already: the link exists in this domain.",
                },
                _ => unknown is null ? entry : entry with { Conflict = entry.Conflict is null ? unknown : $"{entry.Conflict} {unknown}" },
            };
            if (decision.Kind is AccountLinkResultKind.Created or AccountLinkResultKind.Repaired)
            {
                claims.Links.TryAdd(link!.CmsUserId, link.ContactId);
            }
        }

        return entries;
    }

    /// <summary>
    /// The links the run's write-back decides on: the link store's read (<see cref="IAccountLinkLookup.FindLinksInDomainAsync"/>),
    /// else the page write-back's read of the same links, else <see langword="null"/> (nobody can tell).
    /// </summary>
    private async Task<IReadOnlyList<AccountLink>?> ReadLinksAsync(IReadOnlyList<AccountLinkRequest> requests, CancellationToken cancellationToken)
    {
        if (_engine.Links is IAccountLinkLookup lookup)
        {
            return await lookup.FindLinksInDomainAsync(requests, cancellationToken).ConfigureAwait(false);
        }

        return _engine.WriteBack is { } store
            ? (await store.ReadAsync(new PageWriteBackQuery(requests, [], ActivityKind.AccountCreation), cancellationToken).ConfigureAwait(false)).Links
            : null;
    }

    /// <summary>
    /// One contact's plan before its page's links are settled: the link the run would ask for, if any, and the kind of
    /// failure a planned failure is (whether it counts as an attempt).
    /// </summary>
    private readonly record struct Planned(PlanEntry Entry, AccountLinkRequest? Link = null, int Prior = 0, FailureKind Failure = FailureKind.Permanent)
    {
        /// <summary>The failure of a server that could not be reached or was unavailable, when this contact met one.</summary>
        public CmsUserException? Transient { get; init; }

        public static implicit operator Planned(PlanEntry entry) => new(entry);
    }

    /// <summary>What the contacts planned so far take, as the run would have written it by the time it reaches later contacts.</summary>
    private sealed class Claims
    {
        /// <summary>Email (trimmed, any case) → the contact planned to get a new account with it.</summary>
        public Dictionary<string, long> Creates { get; } = new(StringComparer.OrdinalIgnoreCase);

        /// <summary>The usernames of the accounts this plan creates (any case): taken by the time the run reaches later contacts.</summary>
        public HashSet<string> Usernames { get; } = new(StringComparer.OrdinalIgnoreCase);

        /// <summary>CMS user id → the contact planned to be linked to it.</summary>
        public Dictionary<long, long> Links { get; } = [];

        /// <summary>
        /// Contact id → the account an earlier rule of this plan creates (id not known yet) or links for it: the run
        /// links it there, so a later rule whose trigger holds the contact too finds it linked.
        /// </summary>
        public Dictionary<long, (string? Username, long? CmsUserId, string Rule)> Accounts { get; } = [];

        /// <summary>Whether a contact's plan asked the CMS (then the plan needs no credentials check: the CMS answered or failed).</summary>
        public bool CmsAsked { get; set; }

        /// <summary>
        /// The read of the rules' roles (<see cref="RoleProblemAsync"/>), started by the first contact that needs them and
        /// kept for the plan: once per plan. Its result is <see langword="null"/> when the read failed.
        /// </summary>
        public Task<RuleRoleFindings?>? Roles { get; set; }

        /// <summary>Contacts planned in a row whose plan failed on an unavailable server (the run's quarantine count).</summary>
        public int TransientStreak { get; set; }

        /// <summary>Contact id → the failures this plan predicts for it in earlier rules that count as attempts.</summary>
        public Dictionary<long, int> Failures { get; } = [];

        /// <summary>Remembers the account a settled entry gives its contact, or its failure when <paramref name="counted"/>.</summary>
        public void Record(PlanEntry entry, bool counted)
        {
            if (entry.Action is PlannedAction.Create or PlannedAction.LinkExisting or PlannedAction.LinkFromOtherDomain)
            {
                Accounts.TryAdd(entry.ContactId, (entry.Username, entry.CmsUserId, entry.Rule));
            }
            else if (entry.Action is PlannedAction.Fail or PlannedAction.GiveUp && counted)
            {
                Failures[entry.ContactId] = Failures.GetValueOrDefault(entry.ContactId) + 1;
            }
        }
    }
}
