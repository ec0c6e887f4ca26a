using System.Net.Mail;
using Microsoft.Extensions.Logging;
using Skvare.CmsUser.Telemetry;
using Skvare.CmsUser.Usernames;

namespace Skvare.CmsUser.Engine;

/// <summary>
/// The per-contact steps of "Creating accounts": already linked, usable email, existing account,
/// username, create. Produces a <see cref="ContactWork"/>; links, activities and trigger changes are
/// written later for the whole page.
/// </summary>
internal sealed class ContactPipeline
{
    /// <summary>The error code of an unexpected exception (a defect in the data or in the code).</summary>
    public const string InternalErrorCode = CmsUserErrorCodes.InternalError;

    /// <summary>The error code of a contact whose data CiviCRM sent in a form that cannot be read.</summary>
    public const string InvalidDataCode = CmsUserErrorCodes.InvalidContactData;

    private readonly ICmsAccountProvider _cms;
    private readonly EngineSettings _settings;
    private readonly UsernameReservations _reservations = new();
    private readonly ILogger _logger;

    public ContactPipeline(ICmsAccountProvider cms, EngineSettings settings, ILogger logger)
    {
        _cms = cms;
        _settings = settings;
        _logger = logger;
    }

    private CmsUserOptions Options => _settings.Options;

    /// <summary>Gives access back to a contact found linked after its rule's deprovisioning took it (null: never).</summary>
    public AccessRestorer? Restorer { get; init; }

    /// <summary>Runs the creation steps for one contact.</summary>
    public async Task<ContactWork> ProvisionAsync(ProvisioningRule rule, Contact contact, int priorFailures, CancellationToken cancellationToken)
    {
        var work = new ContactWork(contact, rule.DisplayName, ActivityKind.AccountCreation, priorFailures);
        try
        {
            await ProvisionCoreAsync(rule, contact, work, cancellationToken).ConfigureAwait(false);
        }
        catch (CmsUserException ex)
        {
            Fail(work, ex.Kind, CmsUserErrorCodes.For(ex), ex.Message);
            if (ex.Kind == FailureKind.Configuration)
            {
                work.StopError = ex;
            }
        }
        catch (Exception ex) when (!IsRunCancellation(ex, cancellationToken))
        {
            FailInternal(work, ex);
        }

        return work;
    }

    /// <summary>
    /// A saved-search contact whose attempts are used up: a saved search cannot be left, so the contact is
    /// skipped (no CMS call, no activity) until its failures age out of the attempt window.
    /// </summary>
    public static ContactWork GaveUpEarlier(ProvisioningRule rule, Contact contact, int priorFailures) =>
        new(contact, rule.DisplayName, ActivityKind.AccountCreation, priorFailures)
        {
            Kind = OutcomeKind.Skipped,
            Attempt = priorFailures,
            Error = new ProvisioningError(FailureKind.Permanent, CmsUserErrorCodes.AttemptsUsedUp, $"{priorFailures} recent failed attempts; the contact is skipped until they age out of the attempt window."),
        };

    /// <summary>Sends a reset email to one linked contact.</summary>
    public async Task<ContactWork> ResetAsync(string campaign, Contact contact, int priorFailures, CancellationToken cancellationToken)
    {
        var work = new ContactWork(contact, campaign, ActivityKind.PasswordReset, priorFailures);
        var link = contact.CurrentDomainLink;
        if (link is null)
        {
            Fail(work, FailureKind.Permanent, CmsUserErrorCodes.NoLinkedAccount, "The contact has no CMS account linked in this domain, so there is no account to reset.");
            return work;
        }

        work.CmsUserId = link.CmsUserId;
        try
        {
            await _cms.SendPasswordResetAsync(new CmsAccount(link.CmsUserId, null, link.UfName ?? contact.Email), cancellationToken).ConfigureAwait(false);
            work.Kind = OutcomeKind.Linked;
            work.Username = link.UfName;
            work.RecordActivity = true;
            work.Disposition = TriggerDisposition.Completed;
        }
        catch (CmsUserException ex)
        {
            Fail(work, ex.Kind, CmsUserErrorCodes.For(ex), ex.Message);
            if (ex.Kind == FailureKind.Configuration)
            {
                work.StopError = ex;
            }
        }
        catch (Exception ex) when (!IsRunCancellation(ex, cancellationToken))
        {
            FailInternal(work, ex);
        }

        return work;
    }

    /// <summary>Whether an exception is the caller cancelling the run (the only exception a contact lets through).</summary>
    public static bool IsRunCancellation(Exception ex, CancellationToken cancellationToken) =>
        ex is OperationCanceledException && cancellationToken.IsCancellationRequested;

    /// <summary>
    /// Turns an unexpected exception into the contact's outcome: Failed with <see cref="InternalErrorCode"/>,
    /// counted as an attempt (a contact that always crashes us gives up after MaxAttempts). The log has the
    /// exception; the activity and the outcome have a one-line message.
    /// </summary>
    public void FailInternal(ContactWork work, Exception ex)
    {
        Log.ContactCrashed(_logger, work.Contact.Id, work.Rule, ex);
        var cmsUserId = work.CmsUserId;
        Fail(work, FailureKind.Permanent, InternalErrorCode, InternalMessage(ex));

        // An account created before the defect must still be linked and audited: keep what is known.
        work.CmsUserId = cmsUserId;
    }

    /// <summary>One line naming an unexpected exception, without its message (which may quote data).</summary>
    public static string InternalMessage(Exception ex) =>
        $"Unexpected {ex.GetType().Name} while handling the contact; see the log for details.";

    /// <summary>Marks the work failed, counting the attempt per the retry policy.</summary>
    public void Fail(ContactWork work, FailureKind kind, string code, string message, bool giveUpNow = false)
    {
        var policy = Options.Retry;
        work.Error = new ProvisioningError(kind, code, message);
        work.Link = null;
        if (kind == FailureKind.Configuration)
        {
            work.Kind = OutcomeKind.Failed;
            work.RecordActivity = false;
            work.Disposition = null;
            return;
        }

        var counts = policy.Counts(kind);
        work.Attempt = work.PriorFailures + (counts ? 1 : 0);
        work.RecordActivity = counts;
        work.ActivityDetails = $"{code}: {message}";
        if (giveUpNow || (counts && work.Attempt >= policy.MaxAttempts))
        {
            work.Kind = OutcomeKind.GaveUp;
            work.Disposition = TriggerDisposition.GaveUp;
        }
        else
        {
            work.Kind = OutcomeKind.Failed;
            work.Disposition = null;
        }
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
    public string BaseUsername(ProvisioningRule rule, Contact contact)
    {
        var rules = _cms.UsernameRules;
        var reserve = Options.NumberTakenUsernames ? Math.Min(4, rules.MaxLength / 4) : 0;
        var template = _settings.TemplateFor(rule);
        if (template.HasAllValues(contact))
        {
            var candidate = UsernameSanitizer.Sanitize(template.Render(contact), rules, reserve);
            if (candidate.Length > 0)
            {
                return candidate;
            }
        }

        var fallback = UsernameSanitizer.Sanitize(_settings.FallbackTemplate.Render(contact), rules, reserve);
        if (fallback.Length > 0)
        {
            return fallback;
        }

        var last = UsernameSanitizer.Sanitize("user" + contact.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), rules);
        return last.Length > 0 ? last : "u" + contact.Id.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// Finds a free username: the base one or the first free numbered one. With <paramref name="reserveFor"/>
    /// the name is also held for that contact (see <see cref="UsernameReservations"/>) and names held by
    /// other contacts of this process count as taken; the caller releases it after the create.
    /// </summary>
    public async Task<(string? Username, string? Conflict)> FindFreeUsernameAsync(string baseName, int startSuffix, CancellationToken cancellationToken, long? reserveFor = null)
    {
        if (startSuffix <= 1 && await IsFreeAsync(baseName, reserveFor, cancellationToken).ConfigureAwait(false))
        {
            return (baseName, null);
        }

        if (!Options.NumberTakenUsernames)
        {
            return (null, $"The username '{baseName}' is taken.");
        }

        for (var n = Math.Max(2, startSuffix); n <= Options.MaxUsernameSuffix + 1; n++)
        {
            var candidate = UsernameSanitizer.WithSuffix(baseName, n, _cms.UsernameRules);
            if (await IsFreeAsync(candidate, reserveFor, cancellationToken).ConfigureAwait(false))
            {
                return (candidate, $"The username '{baseName}' is taken; using '{candidate}'.");
            }
        }

        return (null, $"The username '{baseName}' and its numbered variants up to {Options.MaxUsernameSuffix + 1} are taken.");
    }

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

        var pending = page.Where(c => c.Links.Count == 0 && CheckEmail(c) is null).ToArray();
        return pending.Length == 0
            ? Task.CompletedTask
            : prefetch.PrefetchAsync(
                pending.Select(c => c.Email!.Trim()).Distinct(StringComparer.OrdinalIgnoreCase).ToArray(),
                pending.Select(c => BaseUsername(rule, c)).Distinct(StringComparer.OrdinalIgnoreCase).ToArray(),
                cancellationToken);
    }

    private async Task<bool> IsFreeAsync(string username, long? reserveFor, CancellationToken cancellationToken)
    {
        if (reserveFor is long holder && _reservations.IsHeldByOther(username, holder))
        {
            return false;
        }

        if (await _cms.FindByUsernameAsync(username, cancellationToken).ConfigureAwait(false) is not null)
        {
            return false;
        }

        return reserveFor is not long contactId || _reservations.TryReserve(username, contactId);
    }

    /// <summary>
    /// Sends the CMS's new-account (set-password) notification for an account a stopped run created. Returns null
    /// when sent, or the reason it was not (logged; the contact does not fail for it).
    /// </summary>
    internal async Task<string?> SendRecoveredNotificationAsync(ContactWork work, CmsAccount account, CancellationToken cancellationToken)
    {
        try
        {
            await _cms.SendPasswordResetAsync(account, cancellationToken).ConfigureAwait(false);
            return null;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            var reason = ex is CmsUserException typed ? typed.Message : ex.GetType().Name;
            Log.RecoveredNotificationFailed(_logger, work.Contact.Id, account.UserId, reason);
            return reason;
        }
    }

    private async Task ProvisionCoreAsync(ProvisioningRule rule, Contact contact, ContactWork work, CancellationToken cancellationToken)
    {
        if (contact.CurrentDomainLink is { } existing)
        {
            work.Kind = OutcomeKind.AlreadyLinked;
            work.CmsUserId = existing.CmsUserId;
            work.Disposition = TriggerDisposition.Completed;
            if (rule.Notify ?? Options.Notify)
            {
                work.NotifyIfRecovered = new CmsAccount(existing.CmsUserId, null, existing.UfName ?? contact.Email);
            }

            if (rule.SyncRolesOfExistingAccounts && rule.Roles.Count > 0)
            {
                await _cms.AddRolesAsync(new CmsAccount(existing.CmsUserId, null, existing.UfName), rule.Roles.ToArray(), cancellationToken).ConfigureAwait(false);
            }

            if (Restorer is { } restorer)
            {
                await restorer.RestoreIfDeprovisionedAsync(rule, contact, existing, work.Username, cancellationToken).ConfigureAwait(false);
            }

            return;
        }

        if (contact.Links.FirstOrDefault(l => !l.IsCurrentDomain) is { } other)
        {
            // Ref: linked only in another domain → link the same CMS user in this domain.
            work.Kind = OutcomeKind.Linked;
            work.CmsUserId = other.CmsUserId;
            work.Link = new AccountLinkRequest(contact.Id, other.CmsUserId, other.UfName ?? contact.Email ?? "");
            work.RecordActivity = true;
            work.Disposition = TriggerDisposition.Completed;
            return;
        }

        if (contact.DataError is { } dataError)
        {
            Fail(work, FailureKind.Permanent, InvalidDataCode, dataError);
            return;
        }

        if (CheckEmail(contact) is { } emailProblem)
        {
            Fail(work, FailureKind.Permanent, emailProblem.Code, emailProblem.Message, giveUpNow: true);
            return;
        }

        var email = contact.Email!.Trim();
        if (await _cms.FindByEmailAsync(email, cancellationToken).ConfigureAwait(false) is { } found)
        {
            await LinkExistingOrFailAsync(rule, contact, work, found, cancellationToken).ConfigureAwait(false);
            return;
        }

        var baseName = BaseUsername(rule, contact);
        var nextSuffix = 1;
        for (var round = 0; round < 3; round++)
        {
            var (username, conflict) = await FindFreeUsernameAsync(baseName, nextSuffix, cancellationToken, reserveFor: contact.Id).ConfigureAwait(false);
            if (username is null)
            {
                Fail(work, FailureKind.Permanent, CmsUserErrorCodes.DuplicateUsername, conflict!);
                return;
            }

            work.Username = username;
            using var held = new Held(_reservations, username, contact.Id);
            try
            {
                var created = await _cms.CreateAsync(BuildAccount(rule, contact, username, email), cancellationToken).ConfigureAwait(false);
                SetCreated(rule, contact, work, created, username, email);
                return;
            }
            catch (CmsProviderException ex) when (ex.Reason == CmsErrorReason.DuplicateUsername && Options.NumberTakenUsernames)
            {
                // Someone took the name between our check and the create: try the next number.
                nextSuffix = username == baseName ? 2 : NextSuffix(username, baseName);
            }
            catch (CmsProviderException ex) when (ex.Reason is CmsErrorReason.DuplicateEmail or CmsErrorReason.UnknownOutcome)
            {
                // The account may exist now (a racing worker, or a create that failed after saving).
                if (await _cms.FindByEmailAsync(email, cancellationToken).ConfigureAwait(false) is { } raced)
                {
                    if (ex.Reason == CmsErrorReason.UnknownOutcome && string.Equals(raced.Username, username, StringComparison.OrdinalIgnoreCase))
                    {
                        SetCreated(rule, contact, work, raced, username, email);
                    }
                    else
                    {
                        await LinkExistingOrFailAsync(rule, contact, work, raced, cancellationToken).ConfigureAwait(false);
                    }

                    return;
                }

                throw;
            }
        }

        Fail(work, FailureKind.Permanent, CmsUserErrorCodes.DuplicateUsername, $"The username '{baseName}' kept being taken while creating the account.");
    }

    /// <summary>Releases a reserved username when the create attempt is over.</summary>
    private readonly struct Held(UsernameReservations reservations, string username, long contactId) : IDisposable
    {
        public void Dispose() => reservations.Release(username, contactId);
    }

    private static int NextSuffix(string username, string baseName)
    {
        var digits = new string(username.Reverse().TakeWhile(char.IsAsciiDigit).Reverse().ToArray());
        return int.TryParse(digits, System.Globalization.CultureInfo.InvariantCulture, out var n) && username != baseName ? n + 1 : 2;
    }

    private async Task LinkExistingOrFailAsync(ProvisioningRule rule, Contact contact, ContactWork work, CmsAccount found, CancellationToken cancellationToken)
    {
        if (!Options.LinkExistingAccounts)
        {
            Fail(work, FailureKind.Permanent, CmsUserErrorCodes.DuplicateEmail, $"The email address {contact.Email} is already used by CMS account {found.UserId}; linking existing accounts is turned off.");
            return;
        }

        if (rule.SyncRolesOfExistingAccounts && rule.Roles.Count > 0)
        {
            await _cms.AddRolesAsync(found, rule.Roles.ToArray(), cancellationToken).ConfigureAwait(false);
        }

        work.Kind = OutcomeKind.Linked;
        work.CmsUserId = found.UserId;
        work.Username = found.Username;
        work.Link = new AccountLinkRequest(contact.Id, found.UserId, found.Email ?? contact.Email!);
        work.RecordActivity = true;
        work.ActivityDetails = $"Linked the existing CMS account with email {found.Email ?? contact.Email} (rule {rule.DisplayName}).";
        work.Disposition = TriggerDisposition.Completed;
    }

    private static void SetCreated(ProvisioningRule rule, Contact contact, ContactWork work, CmsAccount created, string username, string email)
    {
        work.Kind = OutcomeKind.Created;
        work.CmsUserId = created.UserId;
        work.Username = created.Username ?? username;
        work.Link = new AccountLinkRequest(contact.Id, created.UserId, created.Email ?? email, AccountCreatedNow: true);
        work.RecordActivity = true;
        work.ActivityDetails = rule.Roles.Count == 0
            ? $"Rule {rule.DisplayName}."
            : $"Rule {rule.DisplayName}; roles: {string.Join(", ", rule.Roles)}.";
        work.Disposition = TriggerDisposition.Completed;
    }

    private NewCmsAccount BuildAccount(ProvisioningRule rule, Contact contact, string username, string email)
    {
        var canSkipPassword = _cms.Capabilities.HasFlag(CmsCapabilities.CreateWithoutPassword) && Options.PreferSetPasswordEmail;
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (field, template) in _settings.FieldTemplates)
        {
            var value = template.Render(contact);
            if (!string.IsNullOrEmpty(value))
            {
                fields[field] = value;
            }
        }

        return new NewCmsAccount
        {
            Username = username,
            Email = email,
            Password = canSkipPassword ? null : PasswordGenerator.Generate(),
            ContactId = contact.Id,
            FirstName = contact.FirstName,
            LastName = contact.LastName,
            DisplayName = contact.DisplayName,
            Language = MapLanguage(contact.PreferredLanguage),
            Roles = rule.Roles.ToArray(),
            Active = true,
            Notify = rule.Notify ?? Options.Notify,
            Fields = fields,
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
