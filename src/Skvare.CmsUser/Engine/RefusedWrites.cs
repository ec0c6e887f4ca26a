using System.Collections.Concurrent;

namespace Skvare.CmsUser.Engine;

/// <summary>
/// A page's write that CiviCRM refuses for good (a permanent error: the same request gets the same answer) is written
/// again one record per call, so one contact's refused record fails that contact alone. CiviCRM runs no transaction:
/// a call of several records that is refused has written the records before the refused one (checked on 6.17.2,
/// tests/recordings README, "Also seen"), so a record is written again only when that is safe: trigger changes and
/// updates by id are repeatable, and a new record is written again only where the store's read-back does not find it.
/// Where nothing reads back (a recorder without an <see cref="IPageWriteBackStore"/>), a new record never shares a call,
/// so a refused call is one record's and its contact's alone.
/// </summary>
internal static class RefusedWrites
{
    /// <summary>
    /// Which of a call's new records are not written, read back after the call was refused (one read at most); null when
    /// nothing can tell, and then each new record is written in a call of its own from the start, and never again.
    /// </summary>
    public delegate Task<IReadOnlyCollection<ActivityEntry>> FindUnwritten(IReadOnlyList<ActivityEntry> created);

    /// <summary>
    /// Writes <paramref name="items"/> in one call; when CiviCRM refuses it for good and the items may be written again
    /// (<paramref name="repeatable"/>: a record written before the refusal is written the same way twice), one call per
    /// item, noting each item refused for good under its contact. Any other failure is thrown.
    /// </summary>
    public static async Task EachAsync<T>(T[] items, Func<T, long> contact, Func<T[], CancellationToken, Task> write, bool repeatable, ConcurrentDictionary<long, CmsUserException> refused)
    {
        if (await AllAsync(items, contact, write, repeatable, refused).ConfigureAwait(false))
        {
            return;
        }

        await OneByOneAsync(items, contact, write, refused).ConfigureAwait(false);
    }

    /// <summary>
    /// Writes audit records in one call; when CiviCRM refuses it for good, one call per record: updates by id again, new
    /// records only where <paramref name="unwritten"/> finds them not written (never twice), each refused record noted under
    /// its contact. Without <paramref name="unwritten"/> nothing can tell which new records a refused call kept, so new
    /// records never share a call: the updates go in one call and each new record in a call of its own, sent once (a
    /// refusal is that record's contact's alone and is not sent again). Any other failure is thrown.
    /// </summary>
    public static async Task RecordsAsync(ActivityEntry[] entries, Func<ActivityEntry[], CancellationToken, Task> write, FindUnwritten? unwritten, ConcurrentDictionary<long, CmsUserException> refused)
    {
        var created = entries.Where(e => e.Id is null).ToArray();
        if (unwritten is null && created.Length > 0 && entries.Length > 1)
        {
            var updates = entries.Where(e => e.Id is not null).ToArray();
            if (updates.Length > 0)
            {
                await EachAsync(updates, e => e.ContactId, write, repeatable: true, refused).ConfigureAwait(false);
            }

            await OneByOneAsync(created, e => e.ContactId, write, refused).ConfigureAwait(false);
            return;
        }

        if (await AllAsync(entries, e => e.ContactId, write, repeatable: created.Length == 0 || unwritten is not null, refused).ConfigureAwait(false))
        {
            return;
        }

        // The refused call may have written the new records before the refused one: those stay as they are.
        var missing = created.Length == 0 ? [] : (await unwritten!(created).ConfigureAwait(false)).ToHashSet();
        await OneByOneAsync(entries.Where(e => e.Id is not null || missing.Contains(e)).ToArray(), e => e.ContactId, write, refused).ConfigureAwait(false);
    }

    /// <summary>
    /// The one call; false when it was refused for good and may be written again one item per call. A call of one item
    /// refused for good is that item's contact's refusal: noted, not written again.
    /// </summary>
    private static async Task<bool> AllAsync<T>(T[] items, Func<T, long> contact, Func<T[], CancellationToken, Task> write, bool repeatable, ConcurrentDictionary<long, CmsUserException> refused)
    {
        try
        {
            await write(items, CancellationToken.None).ConfigureAwait(false);
            return true;
        }
        catch (CmsUserException ex) when (ex.Kind == FailureKind.Permanent && items.Length == 1)
        {
            refused[contact(items[0])] = ex;
            return true;
        }
        catch (CmsUserException ex) when (ex.Kind == FailureKind.Permanent && repeatable)
        {
            // One record of the part is refused: find which, one call each.
            return false;
        }
    }

    /// <summary>
    /// One call per item. A single new record refused is not written again (CiviCRM may have kept part of it), so no record
    /// is written twice.
    /// </summary>
    private static async Task OneByOneAsync<T>(T[] items, Func<T, long> contact, Func<T[], CancellationToken, Task> write, ConcurrentDictionary<long, CmsUserException> refused)
    {
        foreach (var item in items)
        {
            try
            {
                await write([item], CancellationToken.None).ConfigureAwait(false);
            }
            catch (CmsUserException ex) when (ex.Kind == FailureKind.Permanent)
            {
                refused[contact(item)] = ex;
            }
        }
    }
}
