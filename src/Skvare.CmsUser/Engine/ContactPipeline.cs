using System.Net.Mail;
using Microsoft.Extensions.Logging;
using Skvare.CmsUser.Retry;
using Skvare.CmsUser.Telemetry;
using Skvare.CmsUser.Usernames;

namespace Skvare.CmsUser.Engine;

/// <summary>
/// The per-contact steps of "Creating accounts": already linked, usable email, existing account,
/// username, create. Produces a <see cref="ContactResult"/>; links, activities and trigger changes are
/// written later for the whole page.
/// </summary>
internal sealed class ContactPipeline
{
    /// <summary>The error code of a contact whose data CiviCRM sent in a form that cannot be read.</summary>
    public const string InvalidDataCode = CmsUserErrorCodes.InvalidContactData;

    private readonly ICmsAccountProvider _cms;
    private readonly IAccountLinkStore _links;
    private readonly EngineSettings _settings;
    private readonly UsernameReservations _reservations = new();
    private readonly TakenUsernames _taken = new();
    private readonly System.Collections.Concurrent.ConcurrentDictionary<UsernameTemplate, string> _textAlone = new(ReferenceEqualityComparer.Instance);

    // One create at a time per email in this process: a CMS whose duplicate-email check is not atomic with its insert
    // (WordPress: email_exists, then the insert) creates two accounts for two contacts sharing an email when their
    // creates overlap. Serialised, the second create is refused as a taken email and resolved like any other.
    private readonly KeyedLock _emailCreates = new();
    private readonly ILogger _logger;

    public ContactPipeline(ICmsAccountProvider cms, IAccountLinkStore links, EngineSettings settings, ILogger logger)
    {
        _cms = cms;
        _links = links;
        _settings = settings;
        _logger = logger;
    }

    private CmsUserOptions Options => _settings.Options;

    private AttemptPolicy Attempts => _settings.Attempts;

    /// <summary>Gives access back to a contact found linked after its rule's deprovisioning took it.</summary>
    public required AccessRestorer Restorer { get; init; }

    /// <summary>Runs the creation steps for one contact. Never throws but for the caller's cancellation.</summary>
    public Task<ContactResult> ProvisionAsync(ProvisioningRule rule, Contact contact, int priorFailures, CancellationToken cancellationToken) =>
        ProvisionAsync(rule, contact, priorFailures, null, cancellationToken);

    /// <summary>
    /// Runs the creation steps for one contact of a batch page; a create refused for a taken email or username is
    /// reported to <paramref name="page"/> (see <see cref="PageLookups"/>). Never throws but for the caller's cancellation.
    /// </summary>
    public async Task<ContactResult> ProvisionAsync(ProvisioningRule rule, Contact contact, int priorFailures, PageLookup? page, CancellationToken cancellationToken)
    {
        var start = new ContactResult(contact, rule.DisplayName, ActivityKind.AccountCreation, priorFailures);
        try
        {
            return await ProvisionCoreAsync(rule, contact, start, page, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (!ContactResult.IsRunCancellation(ex, cancellationToken))
        {
            return start.Catch(Attempts, ex, _logger);
        }
    }

    /// <summary>
    /// The permanent defect a contact without a link fails with before anything is sent to the CMS: data CiviCRM sent in a
    /// form that cannot be read (<see cref="CmsUserErrorCodes.InvalidContactData"/>, a counted attempt), else an email that
    /// cannot be used (<see cref="CheckEmail"/>: the contact gives up at once); <see langword="null"/> for none, and for a
    /// contact with a link (in any domain), which needs no email. The one classification the pipeline and the on-demand
    /// answer from an earlier record (<see cref="RecordedFailure"/>) share.
    /// </summary>
    internal static ContactDefect? DefectOf(Contact contact)
    {
        if (contact.Links.Count > 0)
        {
            return null;
        }

        if (contact.DataError is { } dataError)
        {
            return new ContactDefect(InvalidDataCode, dataError, GiveUpNow: false);
        }

        return CheckEmail(contact) is { } emailProblem ? new ContactDefect(emailProblem.Code, emailProblem.Message, GiveUpNow: true) : null;
    }

    /// <summary>Checks the email; returns an error code and message when it cannot be used.</summary>
    public static (string Code, string Message)? CheckEmail(Contact contact)
    {
        if (string.IsNullOrWhiteSpace(contact.Email))
        {
            return (CmsUserErrorCodes.NoEmail, "The contact has no primary email address.");
        }

        if (contact.EmailOnHold)
        {
            return (CmsUserErrorCodes.EmailOnHold, $"The primary email address {contact.Email} is on hold.");
        }

        var email = contact.Email.Trim();
        if (!MailAddress.TryCreate(email, out var parsed) || parsed.Address != email || !parsed.Host.Contains('.', StringComparison.Ordinal))
        {
            return (CmsUserErrorCodes.InvalidEmail, $"The primary email address '{email}' is not a valid address.");
        }

        return null;
    }

    /// <summary>The username this contact would get before checking the CMS, valid for its rules.</summary>
    public string BaseUsername(ProvisioningRule rule, Contact contact) => ChooseBaseUsername(rule, contact).Name;

    /// <summary>
    /// The username this contact would get before checking the CMS (<see cref="BaseUsername"/>), and why it is not the rule
    /// pattern's when it is not (<see cref="BaseUsernameChoice"/>: a plan says so).
    /// </summary>
    public BaseUsernameChoice ChooseBaseUsername(ProvisioningRule rule, Contact contact)
    {
        var rules = _cms.UsernameRules;
        var reserve = Options.NumberTakenUsernames ? Math.Min(4, rules.MaxLength / 4) : 0;
        var template = _settings.TemplateFor(rule);
        var empty = template.EmptyToken(contact);
        string? onlyText = null;
        if (empty is null)
        {
            var candidate = UsernameSanitizer.Sanitize(template.Render(contact), rules, reserve);
            if (candidate.Length > 0 && candidate != TextAlone(template, rules, reserve))
            {
                return new BaseUsernameChoice(candidate);
            }

            // Found in trial17 (real CiviCRM 6.17.2): with member-{contact.last_name}, contacts named in Chinese, Arabic
            // and Hebrew became member, member2, member3: names of nobody, numbered in the order the run met them.
            onlyText = candidate.Length > 0 ? candidate : null;
        }

        var fallback = UsernameSanitizer.Sanitize(_settings.FallbackTemplate.Render(contact), rules, reserve);
        if (fallback.Length > 0)
        {
            return new BaseUsernameChoice(fallback, template.Pattern, empty, LastResort: false, OnlyText: onlyText);
        }

        var last = UsernameSanitizer.Sanitize("user" + contact.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), rules);
        return new BaseUsernameChoice(last.Length > 0 ? last : "u" + contact.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), template.Pattern, empty, LastResort: true, OnlyText: onlyText);
    }

    /// <summary>
    /// What a pattern gives when its tokens give nothing a username can keep: its own text made valid
    /// (<c>member</c> of <c>member-{contact.last_name}</c>), read once per pattern; <see langword="null"/> for a pattern
    /// without a token, whose text is the username the site chose for every contact.
    /// </summary>
    private string? TextAlone(UsernameTemplate template, UsernameRules rules, int reserve) =>
        template.TextWithoutTokens is { } text
            ? _textAlone.GetOrAdd(template, static (_, arg) => UsernameSanitizer.Sanitize(arg.Text, arg.Rules, arg.Reserve), (Text: text, Rules: rules, Reserve: reserve))
            : null;

    /// <summary>
    /// Finds a free username: the base one or the first free numbered one. With <paramref name="reserveFor"/>
    /// the name is also held for that contact (see <see cref="UsernameReservations"/>) and names held by
    /// other contacts of this process count as taken; the caller releases it after the create. Names in
    /// <paramref name="claimed"/> (the dry run's: names it gives earlier contacts) count as taken too.
    /// </summary>
    public async Task<(string? Username, string? Conflict)> FindFreeUsernameAsync(string baseName, int startSuffix, CancellationToken cancellationToken, long? reserveFor = null, IReadOnlySet<string>? claimed = null)
    {
        var (username, _, conflict) = await FindFreeNumberAsync(baseName, startSuffix, reserveFor, claimed, cancellationToken).ConfigureAwait(false);
        return (username, conflict);
    }

    /// <summary>
    /// <see cref="FindFreeUsernameAsync"/>, also giving the number of the name found in <paramref name="baseName"/>'s own
    /// sequence (1 for the base name itself, then 2, 3, …): a create refused for a taken name goes on from the next one.
    /// </summary>
    private async Task<(string? Username, int Number, string? Conflict)> FindFreeNumberAsync(string baseName, int startSuffix, long? reserveFor, IReadOnlySet<string>? claimed, CancellationToken cancellationToken)
    {
        if (startSuffix <= 1 && await IsFreeAsync(baseName, reserveFor, claimed, cancellationToken).ConfigureAwait(false))
        {
            return (baseName, 1, null);
        }

        if (!Options.NumberTakenUsernames)
        {
            return (null, 0, $"The username '{baseName}' is taken.");
        }

        for (var n = Math.Max(2, startSuffix); n <= Options.MaxUsernameSuffix + 1; n++)
        {
            var candidate = UsernameSanitizer.WithSuffix(baseName, n, _cms.UsernameRules, Options.UsernameSuffixSeparator);
            if (await IsFreeAsync(candidate, reserveFor, claimed, cancellationToken).ConfigureAwait(false))
            {
                return (candidate, n, $"The username '{baseName}' is taken; using '{candidate}'.");
            }
        }

        return (null, 0, $"The username '{baseName}' and its numbered variants up to {Options.MaxUsernameSuffix + 1} are taken. Raise MaxUsernameSuffix (now {Options.MaxUsernameSuffix}), or make UsernamePattern tell such contacts apart (e.g. end it with {{contact.contact_id}}).");
    }

    /// <summary>
    /// The page look-up policy of a creation pass of <paramref name="rule"/>, or <see langword="null"/> when the provider
    /// has no page look-up (<see cref="ICmsAccountPrefetch"/>): every page when the CMS cannot refuse a duplicate,
    /// otherwise only while creates are being refused (<see cref="PageLookups"/>).
    /// </summary>
    public PageLookups? LookupsFor(ProvisioningRule rule) => _cms is ICmsAccountPrefetch
        ? new PageLookups((page, ct) => PrefetchAsync(rule, page, ct), always: !_cms.Capabilities.HasFlag(CmsCapabilities.CreateRefusesDuplicates))
        : null;

    /// <summary>
    /// Lets a provider that implements <see cref="ICmsAccountPrefetch"/> look up the emails and usernames of the
    /// contacts of a page that may need an account, in one request.
    /// </summary>
    public Task PrefetchAsync(ProvisioningRule rule, IReadOnlyList<Contact> page, CancellationToken cancellationToken)
    {
        if (_cms is not ICmsAccountPrefetch prefetch)
        {
            return Task.CompletedTask;
        }

        var pending = page.Where(c => c.Links.Count == 0 && c.FieldsFailure is null && CheckEmail(c) is null).ToArray();
        return pending.Length == 0
            ? Task.CompletedTask
            : prefetch.PrefetchAsync(
                pending.Select(c => c.Email!.Trim()).Distinct(StringComparer.OrdinalIgnoreCase).ToArray(),
                pending.Select(c => BaseUsername(rule, c)).Distinct(StringComparer.OrdinalIgnoreCase).ToArray(),
                cancellationToken);
    }

    private async Task<bool> IsFreeAsync(string username, long? reserveFor, IReadOnlySet<string>? claimed, CancellationToken cancellationToken)
    {
        if ((reserveFor is long holder && _reservations.IsHeldByOther(username, holder)) || claimed?.Contains(username) == true)
        {
            return false;
        }

        if (await _cms.FindByUsernameAsync(username, cancellationToken).ConfigureAwait(false) is not null)
        {
            return false;
        }

        return reserveFor is not long contactId || _reservations.TryReserve(username, contactId);
    }

    private async Task<ContactResult> ProvisionCoreAsync(ProvisioningRule rule, Contact contact, ContactResult start, PageLookup? page, CancellationToken cancellationToken)
    {
        if (contact.CurrentDomainLink is { } existing)
        {
            var linked = start with
            {
                Kind = OutcomeKind.AlreadyLinked,
                CmsUserId = existing.CmsUserId,
                Disposition = TriggerDisposition.Completed,
                NotifyIfRecovered = NotifiesIfRecovered(rule) ? new CmsAccount(existing.CmsUserId, null, existing.UfName ?? contact.Email) : null,
                RuleNotifies = rule.Notify ?? Options.Notify,
                PatternUsername = PatternUsernameOrNull(rule, contact),
                CreationRule = rule,
            };
            if (rule.SyncRolesOfExistingAccounts && rule.Roles.Count > 0)
            {
                try
                {
                    var account = new CmsAccount(existing.CmsUserId, null, existing.UfName);
                    if (_cms is ICmsRoleGrant grant)
                    {
                        // The provider read the account for the change: its username names the row (the link has only the email).
                        if (await grant.AddRolesAndReadAsync(account, rule.Roles.ToArray(), cancellationToken).ConfigureAwait(false) is { Username: { } username })
                        {
                            linked = linked with { Username = username };
                        }
                    }
                    else
                    {
                        await _cms.AddRolesAsync(account, rule.Roles.ToArray(), cancellationToken).ConfigureAwait(false);
                    }
                }
                catch (Exception ex) when (!ContactResult.IsRunCancellation(ex, cancellationToken))
                {
                    return linked.Catch(Attempts, ex, _logger);
                }
            }

            if (await Restorer.RestoreIfDeprovisionedAsync(rule, contact, existing, linked.Username, cancellationToken).ConfigureAwait(false) is not null)
            {
                return linked with { AccessRestored = true };
            }

            return linked;
        }

        if (contact.Links.FirstOrDefault(l => !l.IsCurrentDomain) is { } other)
        {
            // Ref: linked only in another domain → link the same CMS user in this domain.
            return start with
            {
                Kind = OutcomeKind.Linked,
                CmsUserId = other.CmsUserId,
                Link = new AccountLinkRequest(contact.Id, other.CmsUserId, other.UfName ?? contact.Email ?? ""),
                RecordActivity = true,
                Disposition = TriggerDisposition.Completed,
            };
        }

        if (DefectOf(contact) is { } defect)
        {
            return defect.FailureOf(start, Attempts);
        }

        if (contact.FieldsFailure is { } unread)
        {
            // Fields its username or CMS fields may need could not be read: never a name made without them.
            return start.Catch(Attempts, unread, _logger);
        }

        var email = contact.Email!.Trim();
        return _cms.Capabilities.HasFlag(CmsCapabilities.CreateRefusesDuplicates)
            ? await CreateFirstAsync(rule, start, email, page, cancellationToken).ConfigureAwait(false)
            : await LookUpThenCreateAsync(rule, start, email, null, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Create first (<see cref="CmsCapabilities.CreateRefusesDuplicates"/>): one request for a new contact. The create's
    /// refusals lead to the look-ups: a taken email links the account; a taken username (reported before a taken email
    /// by WordPress and Joomla) or a refusal the provider could not name (a translated message) goes through the
    /// look-up path, which finds an email match before it numbers the username. A refusal that leads to look-ups is
    /// reported to <paramref name="page"/>: the pages after it are looked up in bulk (<see cref="PageLookups"/>).
    /// </summary>
    private async Task<ContactResult> CreateFirstAsync(ProvisioningRule rule, ContactResult start, string email, PageLookup? page, CancellationToken cancellationToken)
    {
        var contact = start.Contact;
        var baseName = BaseUsername(rule, contact);
        if (_taken.Contains(baseName))
        {
            // An earlier create of this process made or met this name: its create would only be refused. The page's
            // look-up (one request for the page) answers the look-ups that pick the email's account or a free number.
            await PageRefusedAsync(page, cancellationToken).ConfigureAwait(false);
            return await LookUpThenCreateAsync(rule, start, email, null, cancellationToken).ConfigureAwait(false);
        }

        if (!_reservations.TryReserve(baseName, contact.Id))
        {
            // Another contact of this process is creating this name right now: the look-ups pick a free one.
            return await LookUpThenCreateAsync(rule, start, email, null, cancellationToken).ConfigureAwait(false);
        }

        var attempt = start with { Username = baseName };
        CmsProviderException refusal;
        try
        {
            using var held = new Held(_reservations, baseName, contact.Id);
            try
            {
                var request = BuildAccount(rule, contact, baseName, email);
                var (created, sent) = await CreateAloneForEmailAsync(request, cancellationToken).ConfigureAwait(false);
                return Created(rule, attempt, created, email, sent);
            }
            catch (CmsProviderException ex) when (ex.Reason is CmsErrorReason.DuplicateEmail or CmsErrorReason.UnknownOutcome)
            {
                if (ex.Reason == CmsErrorReason.DuplicateEmail)
                {
                    await PageRefusedAsync(page, cancellationToken).ConfigureAwait(false);
                }

                attempt = attempt with { AccountMayExist = ex.Reason == CmsErrorReason.UnknownOutcome };
                return await ResolveEmailRefusalAsync(rule, attempt, ex, email, cancellationToken).ConfigureAwait(false);
            }
            catch (CmsProviderException ex) when (ex.Kind == FailureKind.Permanent)
            {
                refusal = ex;
            }
        }
        catch (Exception ex) when (!ContactResult.IsRunCancellation(ex, cancellationToken))
        {
            return attempt.Catch(Attempts, ex, _logger);
        }

        // A taken username, or a refusal the provider could not name: the look-ups below ask what the page look-up answers.
        await PageRefusedAsync(page, cancellationToken).ConfigureAwait(false);
        return await LookUpThenCreateAsync(rule, start, email, refusal, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Reports a refused create to its batch page and waits for the page's look-up (see <see cref="PageLookup.RefusedAsync"/>).
    /// The look-up is an optimisation: when it fails the look-ups that follow ask the site.
    /// </summary>
    private async Task PageRefusedAsync(PageLookup? page, CancellationToken cancellationToken)
    {
        if (page is null)
        {
            return;
        }

        try
        {
            await page.RefusedAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (!ContactResult.IsRunCancellation(ex, cancellationToken))
        {
            Log.PageLookupFailed(_logger, ContactResult.InternalMessage(ex));
        }
    }

    /// <summary>
    /// The look-up path: an account with the email is linked; otherwise the base username or the first free numbered
    /// one is created. After a create-first <paramref name="refusal"/> that was not a taken username, a free base
    /// name and no email match mean the refusal stands (the same create would be refused again).
    /// </summary>
    private async Task<ContactResult> LookUpThenCreateAsync(ProvisioningRule rule, ContactResult start, string email, CmsProviderException? refusal, CancellationToken cancellationToken)
    {
        var contact = start.Contact;
        if (await _cms.FindByEmailAsync(email, cancellationToken).ConfigureAwait(false) is { } found)
        {
            return await LinkExistingOrFailAsync(rule, start, found, cancellationToken).ConfigureAwait(false);
        }

        // The email has no account: a failure from here on that is the CMS's answer (a refusal, every name taken) is reached
        // with none, and settles what earlier runs left open for the contact (ContactResult.NoAccountFound).
        var baseName = BaseUsername(rule, contact);
        if (refusal is { Reason: not CmsErrorReason.DuplicateUsername }
            && await _cms.FindByUsernameAsync(baseName, cancellationToken).ConfigureAwait(false) is null)
        {
            return NoAccount((start with { Username = baseName }).Catch(Attempts, refusal, _logger));
        }

        var nextSuffix = refusal is null ? 1 : 2;
        for (var round = 0; round < 3; round++)
        {
            var (username, number, conflict) = await FindFreeNumberAsync(baseName, nextSuffix, contact.Id, null, cancellationToken).ConfigureAwait(false);
            if (username is null)
            {
                return NoAccount(start.Fail(Attempts, FailureKind.Permanent, CmsUserErrorCodes.DuplicateUsername, conflict!));
            }

            var attempt = start with { Username = username };
            try
            {
                using var held = new Held(_reservations, username, contact.Id);
                try
                {
                    var request = BuildAccount(rule, contact, username, email);
                    var (created, sent) = await CreateAloneForEmailAsync(request, cancellationToken).ConfigureAwait(false);
                    return Created(rule, attempt, created, email, sent);
                }
                catch (CmsProviderException ex) when (ex.Reason == CmsErrorReason.DuplicateUsername && Options.NumberTakenUsernames)
                {
                    // Someone took the name between our check and the create: try the next number of the base name's own
                    // sequence (the refused name's trailing digits are no guide: a base name may end in digits itself).
                    nextSuffix = number + 1;
                }
                catch (CmsProviderException ex) when (ex.Reason is CmsErrorReason.DuplicateEmail or CmsErrorReason.UnknownOutcome)
                {
                    attempt = attempt with { AccountMayExist = ex.Reason == CmsErrorReason.UnknownOutcome };
                    return await ResolveEmailRefusalAsync(rule, attempt, ex, email, cancellationToken).ConfigureAwait(false);
                }
            }
            catch (Exception ex) when (!ContactResult.IsRunCancellation(ex, cancellationToken))
            {
                // The CMS refusing the create made nothing; an exception of another kind (a defect) may come after a create.
                var failed = attempt.Catch(Attempts, ex, _logger);
                return ex is CmsUserException { Kind: FailureKind.Permanent } ? NoAccount(failed) : failed;
            }
        }

        return NoAccount(start.Fail(Attempts, FailureKind.Permanent, CmsUserErrorCodes.DuplicateUsername, $"The username '{baseName}' kept being taken while creating the account."));
    }

    /// <summary>A failure reached after the look-ups found no account for the contact's email (<see cref="ContactResult.NoAccountFound"/>).</summary>
    private static ContactResult NoAccount(ContactResult failed) => failed with { NoAccountFound = true };

    /// <summary>
    /// A create refused for a taken email, or whose outcome is unknown: the account may exist now (a racing worker, a
    /// create that failed after saving), so it is looked up by email; none found fails the contact with the refusal. A
    /// look-up that cannot reach the CMS after a create without an answer leaves that outcome unknown, and the contact fails
    /// with it (the account may exist), not with the look-up's outage.
    /// </summary>
    private async Task<ContactResult> ResolveEmailRefusalAsync(ProvisioningRule rule, ContactResult attempt, CmsProviderException ex, string email, CancellationToken cancellationToken)
    {
        CmsAccount? raced;
        try
        {
            raced = await _cms.FindByEmailAsync(email, cancellationToken).ConfigureAwait(false);
        }
        catch (CmsProviderException lookUp) when (ex.Reason == CmsErrorReason.UnknownOutcome && lookUp.Kind == FailureKind.Transient)
        {
            return attempt.Catch(Attempts, ex, _logger);
        }

        if (raced is null)
        {
            return attempt.Catch(Attempts, ex, _logger);
        }

        return ex.Reason == CmsErrorReason.UnknownOutcome && string.Equals(raced.Username, attempt.Username, StringComparison.OrdinalIgnoreCase)
            ? Created(rule, attempt, raced, email, null)
            : await LinkExistingOrFailAsync(rule, attempt, raced, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Creates the account while no other create with the same email (case-insensitive) runs in this process. The key is
    /// the email's hash: two emails that share one only wait for each other. A create refused only for its language (the
    /// site lacks it: <see cref="CmsErrorReason.UnknownLanguage"/>, so nothing was created) is sent once more without one:
    /// the account gets the site's default language instead of the contact never getting one. Returns the create that
    /// was answered.
    /// </summary>
    private async Task<(CmsAccount Created, NewCmsAccount Sent)> CreateAloneForEmailAsync(NewCmsAccount account, CancellationToken cancellationToken)
    {
        using var sameEmail = await _emailCreates.AcquireAsync(StringComparer.OrdinalIgnoreCase.GetHashCode(account.Email), cancellationToken).ConfigureAwait(false);
        try
        {
            var created = await _cms.CreateAsync(account, cancellationToken).ConfigureAwait(false);
            _taken.Add(account.Username);
            return (created, account);
        }
        catch (CmsProviderException ex) when (ex.Reason == CmsErrorReason.DuplicateUsername)
        {
            _taken.Add(account.Username);
            throw;
        }
        catch (CmsProviderException ex) when (ex.Reason == CmsErrorReason.UnknownLanguage && account.Language is not null)
        {
            var withoutLanguage = account with { Language = null };
            var created = await _cms.CreateAsync(withoutLanguage, cancellationToken).ConfigureAwait(false);
            _taken.Add(account.Username);
            return (created, withoutLanguage);
        }
    }

    /// <summary>Releases a reserved username when the create attempt is over.</summary>
    private readonly struct Held(UsernameReservations reservations, string username, long contactId) : IDisposable
    {
        public void Dispose() => reservations.Release(username, contactId);
    }

    private async Task<ContactResult> LinkExistingOrFailAsync(ProvisioningRule rule, ContactResult result, CmsAccount found, CancellationToken cancellationToken)
    {
        var contact = result.Contact;
        if (!Options.LinkExistingAccounts)
        {
            return result.Fail(Attempts, FailureKind.Permanent, CmsUserErrorCodes.DuplicateEmail, DuplicateEmailMessage(contact.Email, found.UserId));
        }

        var linked = result with
        {
            Kind = OutcomeKind.Linked,
            CmsUserId = found.UserId,
            Username = found.Username,
            PatternUsername = PatternUsernameOrNull(rule, contact),
            CreationRule = rule,
            AccountCreatedAt = found.CreatedAt,
            NotifyIfRecovered = NotifiesIfRecovered(rule) ? found : null,
            RuleNotifies = rule.Notify ?? Options.Notify,
            Link = new AccountLinkRequest(contact.Id, found.UserId, found.Email ?? contact.Email!),
            RecordActivity = true,
            ActivityDetails = $"Linked the existing CMS account with email {found.Email ?? contact.Email} (rule {rule.DisplayName}).",
            Disposition = TriggerDisposition.Completed,
        };
        return rule.SyncRolesOfExistingAccounts && rule.Roles.Count > 0
            ? await ClaimThenSyncRolesAsync(rule, linked, found, cancellationToken).ConfigureAwait(false)
            : linked;
    }

    /// <summary>
    /// Gives an existing account the rule's roles only once it is linked to this contact: the link is written first (the
    /// link store's read decides, as the page write-back would), and an account linked to another contact meanwhile (CiviCRM's
    /// own CMS plugin links a user when the CMS saves it, and a role change is such a save) fails the contact with no role
    /// given. Once our link exists, the plugin finds it and leaves it. The page write-back then has no link to write.
    /// </summary>
    private async Task<ContactResult> ClaimThenSyncRolesAsync(ProvisioningRule rule, ContactResult linked, CmsAccount found, CancellationToken cancellationToken)
    {
        // Once the link is sent, the claim is finished and written whatever the caller's token says (an on-demand call's):
        // a link the store wrote whose answer was abandoned would leave the attempt's record open beside it, which the next
        // run reads as a stopped creation (and tells the account's owner about a new account).
        cancellationToken.ThrowIfCancellationRequested();
        var none = CancellationToken.None;
        var request = linked.Link!;
        var answer = (await _links.EnsureLinksAsync([request], none).ConfigureAwait(false)) is [var one]
            ? one
            : new AccountLinkResult(request, AccountLinkResultKind.Failed, "The link store returned no result.");
        if (answer.Kind is AccountLinkResultKind.HeldByOtherContact or AccountLinkResultKind.Failed)
        {
            // Said of the account it is about: another contact's (which must not read as this contact having one) or this
            // contact's unlinked one.
            return PageWriter.LinkRefused(linked, answer, Attempts, _logger, answer.Kind == AccountLinkResultKind.HeldByOtherContact
                ? " That account, the other contact's, was not given this rule's roles."
                : " The rule's roles were not given to the account.");
        }

        // Linked to this contact now (written, or found so: then it is an account linked meanwhile, as the write-back says).
        var claimed = linked with { Link = null, Kind = answer.Kind == AccountLinkResultKind.AlreadyExisted ? OutcomeKind.AlreadyLinked : OutcomeKind.Linked };
        try
        {
            await _cms.AddRolesAsync(found, rule.Roles.ToArray(), none).ConfigureAwait(false);
            return claimed;
        }
        catch (Exception ex)
        {
            // The link stays (nothing removes one) and is audited as the link it is: the attempt's record is completed
            // (Linked, saying the roles are still to give). The contact fails as a linked contact whose roles fail does: a
            // Failed record of its own when the failure counts, and it stays in the trigger; the next run finds it linked,
            // gives the roles and records nothing more (the account has its Completed record).
            var failed = claimed.Catch(Attempts, ex, _logger);
            var uid = found.UserId.ToString(System.Globalization.CultureInfo.InvariantCulture);
            var configuration = failed.Error!.Kind == FailureKind.Configuration;
            var reason = (configuration ? failed.Error.Message : failed.ActivityDetails)?.TrimEnd('.');
            return failed with
            {
                ActivityDetails = configuration ? failed.ActivityDetails
                    : failed.ActivityDetails + $" The CMS account {uid} is linked to this contact now (its Linked record is completed); a later run gives it the rule's roles.",
                LinkedBeforeFailure = claimed with { ActivityDetails = claimed.ActivityDetails + $" The rule's roles could not be given yet ({reason}); a later run gives them." },
            };
        }
    }

    /// <summary>
    /// Whether a contact whose account an interrupted run created is sent the new-account notification when this run records
    /// it: the rule asks for one and the provider sends it in a separate request, which the stopped run may never have made.
    /// </summary>
    private bool NotifiesIfRecovered(ProvisioningRule rule) =>
        (rule.Notify ?? Options.Notify) && !_cms.Capabilities.HasFlag(CmsCapabilities.NotifiesInCreate);

    /// <summary>
    /// The contact's base username (<see cref="BaseUsername"/>) for the page write's check of an account an interrupted run
    /// may have created; <see langword="null"/> when it cannot be made (that check then fails: no claim without proof).
    /// </summary>
    private string? PatternUsernameOrNull(ProvisioningRule rule, Contact contact)
    {
        if (contact.FieldsFailure is not null)
        {
            return null;
        }

        try
        {
            return BaseUsername(rule, contact);
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or FormatException)
        {
            return null;
        }
    }

    /// <summary>The <see cref="CmsUserErrorCodes.DuplicateEmail"/> message of a contact whose email an account has while linking existing accounts is off (the run's and the plan's).</summary>
    public static string DuplicateEmailMessage(string? email, long cmsUserId) =>
        $"The email address {email} is already used by CMS account {cmsUserId.ToString(System.Globalization.CultureInfo.InvariantCulture)}; linking existing accounts is turned off.";

    /// <summary>
    /// The result of a created account. <paramref name="request"/> is the create this run sent and got answered, or
    /// <see langword="null"/> for an account found after a create whose answer was lost: what became of its email is
    /// then unknown (the CMS may have sent it with the create), whatever the found account says.
    /// </summary>
    private ContactResult Created(ProvisioningRule rule, ContactResult attempt, CmsAccount created, string email, NewCmsAccount? request)
    {
        var requested = request?.Notify ?? (rule.Notify ?? Options.Notify);
        var notification = request is null ? (requested ? CmsNotification.Unknown : CmsNotification.NotRequested) : NotificationNote.Status(created, requested);
        var failure = notification == CmsNotification.Failed ? NotificationNote.Clean(created.NotificationFailure, request?.Password) : null;
        CmsNotificationFailure? failureKind = notification == CmsNotification.Failed ? created.NotificationFailureReason : null;
        if (notification == CmsNotification.Failed)
        {
            Log.NotificationFailed(_logger, attempt.Contact.Id, created.UserId, failure ?? "no reason given");
        }

        var details = RuleNote(rule);
        if (request is { Language: null } && MapLanguage(attempt.Contact.PreferredLanguage) is { } refused)
        {
            details += $" The site has no language '{refused}', so the account has the site's default language.";
        }

        return attempt with
        {
            Kind = OutcomeKind.Created,
            CmsUserId = created.UserId,
            Username = created.Username ?? attempt.Username,
            Link = new AccountLinkRequest(attempt.Contact.Id, created.UserId, created.Email ?? email, AccountCreatedNow: true),
            RecordActivity = true,
            ActivityDetails = details + " " + NotificationNote.Sentence(notification, failureKind, failure),
            Notification = notification,
            NotificationFailure = failure,
            NotificationFailureReason = failureKind,
            Disposition = TriggerDisposition.Completed,
        };
    }

    /// <summary>
    /// The sentence a Completed creation record's details start with: the rule, and the roles the account is created with.
    /// The record of a creation recovered from an earlier attempt starts the same way (<see cref="ContactResult.CreationRule"/>).
    /// </summary>
    internal static string RuleNote(ProvisioningRule rule) => rule.Roles.Count == 0
        ? $"Rule {rule.DisplayName}."
        : $"Rule {rule.DisplayName}; roles: {string.Join(", ", rule.Roles)}.";

    private NewCmsAccount BuildAccount(ProvisioningRule rule, Contact contact, string username, string email)
    {
        var canSkipPassword = _cms.Capabilities.HasFlag(CmsCapabilities.CreateWithoutPassword) && Options.PreferSetPasswordEmail;
        var fields = _settings.FieldValues(contact);
        return new NewCmsAccount
        {
            Username = username,
            Email = email,
            Password = canSkipPassword ? null : PasswordGenerator.Generate(),
            ContactId = contact.Id,
            // Names without bidi controls and zero-width characters, for every CMS alike (PersonNames).
            FirstName = PersonNames.Clean(contact.FirstName),
            LastName = PersonNames.Clean(contact.LastName),
            DisplayName = PersonNames.Clean(contact.DisplayName),
            Language = MapLanguage(contact.PreferredLanguage),
            Roles = rule.Roles.ToArray(),
            Active = true,
            Notify = rule.Notify ?? Options.Notify,
            Fields = fields ?? (IReadOnlyDictionary<string, string>)System.Collections.ObjectModel.ReadOnlyDictionary<string, string>.Empty,
        };
    }

    private string? MapLanguage(string? preferred)
    {
        if (!Options.MapLanguage || string.IsNullOrWhiteSpace(preferred))
        {
            return null;
        }

        return Options.LanguageMap.TryGetValue(preferred, out var mapped) ? mapped : preferred;
    }
}
