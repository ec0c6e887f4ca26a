namespace Skvare.CmsUser.Shared;

/// <summary>
/// What a provider's last page look-up (<see cref="ICmsAccountPrefetch"/>) found: the users with the page's emails
/// and the users whose username starts with one of the page's base usernames, kept up to date with the provider's
/// own creates and removals. A question it covers is answered without a request; anything else, or anything
/// older than <see cref="Lifetime"/>, goes to the server. Comparisons ignore case, as the servers' collations do.
/// </summary>
/// <typeparam name="TUser">The provider's user record.</typeparam>
internal sealed class PageAccountIndex<TUser>
    where TUser : class
{
    /// <summary>How long a page look-up answers questions.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(2);

    private readonly object _gate = new();
    private readonly TimeProvider _time;
    private readonly Func<TUser, long> _id;
    private readonly Func<TUser, string?> _email;
    private readonly Func<TUser, string?> _username;
    private HashSet<string> _emails = new(StringComparer.OrdinalIgnoreCase);
    private string[] _prefixes = [];
    private List<TUser> _users = [];
    private DateTimeOffset _expires = DateTimeOffset.MinValue;

    /// <summary>Creates an empty index.</summary>
    /// <param name="time">The clock of <see cref="Lifetime"/>.</param>
    /// <param name="id">A user's id.</param>
    /// <param name="email">A user's email.</param>
    /// <param name="username">A user's username.</param>
    public PageAccountIndex(TimeProvider time, Func<TUser, long> id, Func<TUser, string?> email, Func<TUser, string?> username)
    {
        _time = time;
        _id = id;
        _email = email;
        _username = username;
    }

    /// <summary>Replaces the index with a fresh page look-up.</summary>
    public void Load(IEnumerable<string> emails, IEnumerable<string> prefixes, IEnumerable<TUser> users)
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
    public bool TryFindByEmail(string email, out TUser? user)
    {
        lock (_gate)
        {
            user = null;
            if (!Current() || !_emails.Contains(email))
            {
                return false;
            }

            user = _users.Where(u => string.Equals(_email(u), email, StringComparison.OrdinalIgnoreCase)).MinBy(_id);
            return true;
        }
    }

    /// <summary>Answers "who has this username" when the index covers it.</summary>
    public bool TryFindByUsername(string username, out TUser? user)
    {
        lock (_gate)
        {
            user = null;
            if (!Current() || !_prefixes.Any(p => username.StartsWith(p, StringComparison.OrdinalIgnoreCase)))
            {
                return false;
            }

            user = _users.Where(u => string.Equals(_username(u), username, StringComparison.OrdinalIgnoreCase)).MinBy(_id);
            return true;
        }
    }

    /// <summary>Records a user this provider created.</summary>
    public void Add(TUser user)
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
            _users.RemoveAll(u => _id(u) == userId);
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
