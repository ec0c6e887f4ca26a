using System.Collections.Concurrent;

namespace Skvare.CmsUser.Usernames;

/// <summary>
/// The usernames this process has seen taken on the CMS: created by one of its creates, or refused to one as taken.
/// Create first (<see cref="CmsCapabilities.CreateRefusesDuplicates"/>) sends a contact's base username without asking;
/// in a bulk import many contacts share a base name (the same first and last name; names whose letters all fall outside
/// the Latin alphabet, which all leave the pattern's Latin text), and each of them would cost a create the CMS is sure
/// to refuse. A name in this set goes to the look-ups instead, which answer from the page look-up. Only a hint: the
/// look-ups still ask the CMS (or the page look-up) whether the name is free, so a name freed since costs nothing but
/// the look-up. Bounded: past <see cref="Capacity"/> names the set starts again empty, so the engine's memory stays flat
/// however many contacts a process provisions (a shared name is learnt again by its next refusal: one refused create per
/// <see cref="Capacity"/> creates at most).
/// </summary>
internal sealed class TakenUsernames
{
    /// <summary>How many names are kept before the set is emptied (about 1 MB of names).</summary>
    public const int Capacity = 10_000;

    private readonly ConcurrentDictionary<string, byte> _names = new(StringComparer.OrdinalIgnoreCase);

    // Names added since the last clear (ConcurrentDictionary.Count takes every lock of the dictionary: not once per create).
    private int _added;

    /// <summary>Records a name the CMS holds now.</summary>
    public void Add(string username)
    {
        if (Interlocked.Increment(ref _added) > Capacity)
        {
            Interlocked.Exchange(ref _added, 1);
            _names.Clear();
        }

        _names.TryAdd(username, 0);
    }

    /// <summary>Whether the name was seen taken.</summary>
    public bool Contains(string username) => _names.ContainsKey(username);
}
