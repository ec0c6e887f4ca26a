namespace Skvare.CmsUser.Standalone;

/// <summary>A Standalone user as the provider reads it.</summary>
internal sealed record StandaloneUser(long Id, string? Username, string? Email, long? ContactId, bool IsActive, IReadOnlyList<string> Roles);

/// <summary>
/// What the last page look-up (<see cref="ICmsAccountPrefetch"/>) found: the users with the page's emails and
/// the users whose username starts with one of the page's base usernames, kept up to date with this provider's
/// own creates and removals. A question it covers is answered without a request; anything else, or anything
/// older than <see cref="Lifetime"/>, goes to the server. Comparisons ignore case, as the server's collation does.
/// </summary>
internal sealed class StandaloneUserIndex
{
    /// <summary>How long a page look-up answers questions.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(2);

    private readonly object _gate = new();
    private readonly TimeProvider _time;
    private HashSet<string> _emails = new(StringComparer.OrdinalIgnoreCase);
    private string[] _prefixes = [];
    private List<StandaloneUser> _users = [];
    private DateTimeOffset _expires = DateTimeOffset.MinValue;

    public StandaloneUserIndex(TimeProvider time) => _time = time;

    /// <summary>Replaces the index with a fresh page look-up.</summary>
    public void Load(IEnumerable<string> emails, IEnumerable<string> prefixes, IEnumerable<StandaloneUser> users)
    {
        lock (_gate)
        {
            _emails = new HashSet<string>(emails, StringComparer.OrdinalIgnoreCase);
            _prefixes = prefixes.ToArray();
            _users = users.ToList();
            _expires = _time.GetUtcNow() + Lifetime;
        }
    }

    /// <summary>Forgets everything (a look-up failed or could not be trusted).</summary>
    public void Clear() => Load([], [], []);

    /// <summary>Answers "who has this email" when the index covers it.</summary>
    public bool TryFindByEmail(string email, out StandaloneUser? user)
    {
        lock (_gate)
        {
            user = null;
            if (!Current() || !_emails.Contains(email))
            {
                return false;
            }

            user = _users.Where(u => string.Equals(u.Email, email, StringComparison.OrdinalIgnoreCase)).MinBy(u => u.Id);
            return true;
        }
    }

    /// <summary>Answers "who has this username" when the index covers it.</summary>
    public bool TryFindByUsername(string username, out StandaloneUser? user)
    {
        lock (_gate)
        {
            user = null;
            if (!Current() || !_prefixes.Any(p => username.StartsWith(p, StringComparison.OrdinalIgnoreCase)))
            {
                return false;
            }

            user = _users.Where(u => string.Equals(u.Username, username, StringComparison.OrdinalIgnoreCase)).MinBy(u => u.Id);
            return true;
        }
    }

    /// <summary>Records a user this provider created.</summary>
    public void Add(StandaloneUser user)
    {
        lock (_gate)
        {
            _users.Add(user);
        }
    }

    /// <summary>Records a user this provider removed.</summary>
    public void Remove(long userId)
    {
        lock (_gate)
        {
            _users.RemoveAll(u => u.Id == userId);
        }
    }

    /// <summary>Stops answering for an email (the server knows better: it refused it).</summary>
    public void ForgetEmail(string email)
    {
        lock (_gate)
        {
            _emails.Remove(email);
        }
    }

    private bool Current() => _time.GetUtcNow() < _expires;
}
