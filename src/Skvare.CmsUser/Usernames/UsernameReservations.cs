using System.Collections.Concurrent;

namespace Skvare.CmsUser.Usernames;

/// <summary>
/// The usernames this process is about to create, each held for one contact from the moment it is chosen
/// until its create has finished. Concurrent workers skip a held name, so two contacts of one run never
/// try the same username even where the CMS would accept it twice (CiviCRM Standalone).
/// </summary>
internal sealed class UsernameReservations
{
    private readonly ConcurrentDictionary<string, long> _held = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Holds <paramref name="username"/> for <paramref name="contactId"/>; false when another contact holds it.</summary>
    public bool TryReserve(string username, long contactId) =>
        _held.TryAdd(username, contactId) || (_held.TryGetValue(username, out var holder) && holder == contactId);

    /// <summary>Whether another contact than <paramref name="contactId"/> holds the name.</summary>
    public bool IsHeldByOther(string username, long contactId) =>
        _held.TryGetValue(username, out var holder) && holder != contactId;

    /// <summary>Lets the name go (after its create succeeded or failed).</summary>
    public void Release(string username, long contactId) =>
        _held.TryRemove(new KeyValuePair<string, long>(username, contactId));

    /// <summary>How many names are held (for tests).</summary>
    public int Count => _held.Count;
}
