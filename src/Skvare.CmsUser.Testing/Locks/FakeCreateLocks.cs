using System.Globalization;
using System.Text;

namespace Skvare.CmsUser.Testing.Locks;

/// <summary>
/// The create locks a companion module takes on an email address and a username, as another request would hold them:
/// a test holds one (<see cref="Hold"/>) and the fake answers a create of that value with the companion's busy error,
/// as the real companion does once it has waited its full wait for the lock. Values are folded as the companion folds
/// them before naming its lock, so two values that share a lock on the site share it here.
/// </summary>
internal sealed class FakeCreateLocks(Func<string, string> fold)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<(string Kind, string Key), int> _held = [];

    /// <summary>PHP's <c>mb_strtolower()</c> (Unicode simple lower-case mapping) as Drupal's and Joomla's companions fold.</summary>
    public static string Lower(string value) => value.ToLowerInvariant();

    /// <summary>
    /// The Backdrop module's fold (<c>cmsuser_provision_create_lock_name()</c>): trailing spaces dropped, NFKD with the
    /// combining marks removed, lower-cased.
    /// </summary>
    public static string LowerWithoutAccents(string value)
    {
        var decomposed = value.TrimEnd(' ').Normalize(NormalizationForm.FormKD);
        var kept = new StringBuilder(decomposed.Length);
        foreach (var c in decomposed)
        {
            if (CharUnicodeInfo.GetUnicodeCategory(c) != UnicodeCategory.NonSpacingMark)
            {
                kept.Append(c);
            }
        }

        return kept.ToString().ToLowerInvariant();
    }

    /// <summary>Holds the locks of the given values until the result is disposed.</summary>
    public IDisposable Hold(string? email, string? username)
    {
        var keys = new List<(string, string)>();
        if (email is not null)
        {
            keys.Add(("mail", fold(email)));
        }

        if (username is not null)
        {
            keys.Add(("name", fold(username)));
        }

        lock (_gate)
        {
            foreach (var key in keys)
            {
                _held[key] = _held.GetValueOrDefault(key) + 1;
            }
        }

        return new Release(this, keys);
    }

    /// <summary>The field (<c>"mail"</c> or <c>"name"</c>) whose lock is held, checked in the companion's order (email first), or <see langword="null"/>.</summary>
    public string? Busy(string email, string username)
    {
        lock (_gate)
        {
            if (_held.Count == 0)
            {
                return null;
            }

            return _held.ContainsKey(("mail", fold(email))) ? "mail" : _held.ContainsKey(("name", fold(username))) ? "name" : null;
        }
    }

    private void Free(List<(string, string)> keys)
    {
        lock (_gate)
        {
            foreach (var key in keys)
            {
                if (_held.TryGetValue(key, out var count))
                {
                    if (count <= 1)
                    {
                        _held.Remove(key);
                    }
                    else
                    {
                        _held[key] = count - 1;
                    }
                }
            }
        }
    }

    private sealed class Release(FakeCreateLocks owner, List<(string, string)> keys) : IDisposable
    {
        private int _done;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _done, 1) == 0)
            {
                owner.Free(keys);
            }
        }
    }
}
