using System.Globalization;
using Microsoft.Extensions.Logging;
using Skvare.CmsUser.Telemetry;
using Skvare.CmsUser.Usernames;

namespace Skvare.CmsUser.Engine;

/// <summary>
/// Whether an account this run found made (linked by the CMS's own plugin, or refused as a duplicate and looked up) was
/// created by an earlier attempt of the SDK that did not record it: its create got no answer (the account may exist, so
/// its record is kept open), or its run stopped before its write-back (killed, past the stop grace, CiviCRM gone). That
/// attempt opened a Scheduled record just before its create, and the record is still open; which of the two left it open
/// is not recorded. So the account is the SDK's when all of these hold:
/// <list type="bullet">
/// <item>the contact has an open Scheduled record other than this run's own, with a known date;</item>
/// <item>the CMS says when the account was created, and that is at or after such a record's date (both in whole seconds;
/// a record written before the create can only be older or in the same second, clocks agreeing);</item>
/// <item>the account's username is the one the rule's pattern gives the contact, or a numbered form of it.</item>
/// </list>
/// Anything unknown (a CMS that does not date its accounts, a record without a date, a changed pattern) is no proof, and
/// the account stays recorded as linked.
/// </summary>
internal static class RecoveredCreation
{
    /// <summary>What proves the account the SDK's.</summary>
    /// <param name="OpenedAt">The date of the open record the account was created at or after.</param>
    /// <param name="CreatedAt">When the CMS says it created the account.</param>
    /// <param name="Username">The account's username.</param>
    public sealed record Proof(DateTimeOffset OpenedAt, DateTimeOffset CreatedAt, string Username)
    {
        /// <summary>
        /// The sentence the Completed record's details give between the rule's (<see cref="ContactPipeline.RuleNote"/> of <see cref="ContactResult.CreationRule"/>)
        /// and the new-account email's (<see cref="NotificationNote.Recovered"/>).
        /// </summary>
        public string Details =>
            $"Created by an earlier attempt that did not record it ({WhyOpen}; the attempt was opened "
            + OpenedAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) + " UTC, the account was created "
            + CreatedAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) + " UTC).";
    }

    /// <summary>Why an earlier attempt's record is still open: its record does not say which.</summary>
    internal const string WhyOpen = "its create's answer was lost, or its run stopped before recording it";

    /// <summary>
    /// The proof for <paramref name="result"/> (a success that links an account), or <see langword="null"/>. An account
    /// without its date (a contact found linked has had no account read; a page look-up may not carry it, as WordPress's
    /// companion plugin before 0.2.3) is read by id here, one request, only when an earlier open record makes it worth it.
    /// </summary>
    public static async Task<Proof?> ProveAsync(ContactResult result, AuditRecord[] records, long? mine, ICmsAccountProvider cms, ILogger logger, CancellationToken cancellationToken)
    {
        if (!records.Any(r => EarlierOpen(r, mine) is not null) || result.PatternUsername is not { } pattern || result.CmsUserId is not long uid)
        {
            return null;
        }

        var created = result.AccountCreatedAt;
        var username = result.Username;
        if (username is not null && !Fits(pattern, username, cms.UsernameRules))
        {
            return null;
        }

        if (created is null)
        {
            // A contact found linked has had no account read, and a look-up may have answered without the date (a page
            // look-up): one read by id, only for a contact an earlier attempt left open.
            try
            {
                var account = await cms.GetByIdAsync(uid, cancellationToken).ConfigureAwait(false);
                (created, username) = (account?.CreatedAt, account?.Username ?? username);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                Log.RecoveryCheckFailed(logger, result.Contact.Id, uid, ex is CmsUserException typed ? typed.Message : ex.GetType().Name);
                return null;
            }
        }

        // The latest open record the account is not older than: the attempt that made it.
        DateTimeOffset? opened = null;
        foreach (var r in records)
        {
            if (EarlierOpen(r, mine) is { } at && created is { } c && at <= c && (opened is null || at > opened))
            {
                opened = at;
            }
        }

        return opened is { } o && created is { } made && username is not null && Fits(pattern, username, cms.UsernameRules)
            ? new Proof(o, made, username)
            : null;
    }

    /// <summary>The date of <paramref name="record"/> when it is an open Scheduled record other than this run's own (<paramref name="mine"/>).</summary>
    private static DateTimeOffset? EarlierOpen(AuditRecord record, long? mine) =>
        record.Status == ActivityOutcomeStatus.Scheduled && record.Id != mine ? record.OccurredAt : null;

    /// <summary>The separators a numbered username can have been made with (<see cref="CmsUserOptions.UsernameSuffixSeparator"/>).</summary>
    private static readonly string?[] Separators = [null, "_", "-", "."];

    /// <summary>
    /// Whether <paramref name="username"/> is <paramref name="pattern"/> or a numbered form of it as the engine makes one
    /// (<see cref="UsernameSanitizer.WithSuffix"/>, from 2 on, with any <see cref="CmsUserOptions.UsernameSuffixSeparator"/>
    /// or none: the attempt that made it may have run with another setting), ignoring case as the CMSs compare usernames.
    /// </summary>
    internal static bool Fits(string pattern, string username, UsernameRules rules)
    {
        if (string.Equals(pattern, username, StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        var digits = 0;
        while (digits < username.Length && char.IsAsciiDigit(username[username.Length - 1 - digits]))
        {
            digits++;
        }

        // A number the engine can have made (2 and more, no leading zero) at the end; the pattern's own name may end in
        // digits too (user42), so every split of the trailing digits is tried.
        for (var k = 1; k <= Math.Min(digits, 9); k++)
        {
            var start = username.Length - k;
            if (username[start] != '0'
                && int.TryParse(username.AsSpan(start), NumberStyles.None, CultureInfo.InvariantCulture, out var n)
                && n >= 2
                && Separators.Any(separator => string.Equals(UsernameSanitizer.WithSuffix(pattern, n, rules, separator), username, StringComparison.OrdinalIgnoreCase)))
            {
                return true;
            }
        }

        return false;
    }
}
