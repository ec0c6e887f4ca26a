namespace Skvare.CmsUser.Shared;

/// <summary>
/// What a provider's last page look-ups (<see cref="ICmsAccountPrefetch"/>) found: the users with the pages' emails
/// and the users whose username starts with one of the pages' base usernames, kept up to date with the provider's
/// own creates and removals. The last <see cref="Kept"/>, because the engine looks a page up while the page before it
/// is provisioned and the last contacts of the page before that finish. A question one of them covers is answered
/// without a request (the newest look-up first); anything else, or anything older than <see cref="Lifetime"/>, goes to
/// the server. Comparisons ignore case, as the servers' collations do.
/// </summary>
/// <typeparam name="TUser">The provider's user record.</typeparam>
internal sealed class PageAccountIndex<TUser>
    where TUser : class
{
    /// <summary>How long a page look-up answers questions.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(2);

    /// <summary>How many page look-ups answer at once.</summary>
    public const int Kept = 3;

    private readonly object _gate = new();
    private readonly TimeProvider _time;
    private readonly Func<TUser, long> _id;
    private readonly Func<TUser, string?> _email;
    private readonly Func<TUser, string?> _username;
    private readonly List<Lookup> _lookups = [];

    // The users this provider created while the kept look-ups were loaded, by id, with the load they came after: a
    // look-up that ran alongside a create may hold the account half-made (before its roles), and the create's answer wins.
    private readonly Dictionary<long, (TUser User, int Load)> _created = [];
    private int _loads;

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

    /// <summary>Adds a fresh page look-up; the ones before it keep answering for their pages, up to <see cref="Kept"/> in all.</summary>
    public void Load(IEnumerable<string> emails, IEnumerable<string> prefixes, IEnumerable<TUser> users)
    {
        var found = users.ToList();
        lock (_gate)
        {
            _loads++;
            foreach (var stale in _created.Where(c => c.Value.Load < _loads - Kept).Select(c => c.Key).ToList())
            {
                _created.Remove(stale);
            }

            found.RemoveAll(u => _created.ContainsKey(_id(u)));
            found.AddRange(_created.Values.Select(c => c.User));
            var fresh = new Lookup(new HashSet<string>(emails, StringComparer.OrdinalIgnoreCase), prefixes.ToArray(), found, _time.GetUtcNow() + Lifetime);
            _lookups.Insert(0, fresh);
            if (_lookups.Count > Kept)
            {
                _lookups.RemoveAt(Kept);
            }
        }
    }

    /// <summary>Forgets everything (a look-up failed or could not be trusted).</summary>
    public void Clear()
    {
        lock (_gate)
        {
            _lookups.Clear();
            _created.Clear();
        }
    }

    /// <summary>Answers "who has this email" when the index covers it.</summary>
    public bool TryFindByEmail(string email, out TUser? user)
    {
        lock (_gate)
        {
            user = null;
            if (Covering(l => l.Emails.Contains(email)) is not { } lookup)
            {
                return false;
            }

            user = lookup.Users.Where(u => string.Equals(_email(u), email, StringComparison.OrdinalIgnoreCase)).MinBy(_id);
            return true;
        }
    }

    /// <summary>Answers "who has this username" when the index covers it.</summary>
    public bool TryFindByUsername(string username, out TUser? user)
    {
        lock (_gate)
        {
            user = null;
            if (Covering(l => l.Prefixes.Any(p => username.StartsWith(p, StringComparison.OrdinalIgnoreCase))) is not { } lookup)
            {
                return false;
            }

            user = lookup.Users.Where(u => string.Equals(_username(u), username, StringComparison.OrdinalIgnoreCase)).MinBy(_id);
            return true;
        }
    }

    /// <summary>Records a user this provider created (its answer wins over what a look-up running alongside saw).</summary>
    public void Add(TUser user)
    {
        lock (_gate)
        {
            var id = _id(user);
            _created[id] = (user, _loads);
            foreach (var lookup in _lookups)
            {
                lookup.Users.RemoveAll(u => _id(u) == id);
                lookup.Users.Add(user);
            }
        }
    }

    /// <summary>Records a user this provider removed.</summary>
    public void Remove(long userId)
    {
        lock (_gate)
        {
            _created.Remove(userId);
            foreach (var lookup in _lookups)
            {
                lookup.Users.RemoveAll(u => _id(u) == userId);
            }
        }
    }

    /// <summary>
    /// A create was refused for a taken email (<paramref name="email"/>) or username (<paramref name="username"/>). When a
    /// look-up covering it said it was free, the index is out of date and is dropped (the questions go to the server);
    /// when it knows the account that took it, it stays: create first meets such refusals on every contact of a
    /// re-import, and the index is what answers them without a request each.
    /// </summary>
    public void Refused(string? email, string? username)
    {
        lock (_gate)
        {
            var stale = (email is not null && Covering(l => l.Emails.Contains(email)) is { } byEmail
                    && !byEmail.Users.Any(u => string.Equals(_email(u), email, StringComparison.OrdinalIgnoreCase)))
                || (username is not null && Covering(l => l.Prefixes.Any(p => username.StartsWith(p, StringComparison.OrdinalIgnoreCase))) is { } byName
                    && !byName.Users.Any(u => string.Equals(_username(u), username, StringComparison.OrdinalIgnoreCase)));
            if (stale)
            {
                _lookups.Clear();
                _created.Clear();
            }
        }
    }

    /// <summary>Stops answering for an email (the server knows better: it refused it).</summary>
    public void ForgetEmail(string email)
    {
        lock (_gate)
        {
            foreach (var lookup in _lookups)
            {
                lookup.Emails.Remove(email);
            }
        }
    }

    // The newer look-up that is still current and covers the question, or null.
    private Lookup? Covering(Func<Lookup, bool> covers)
    {
        var now = _time.GetUtcNow();
        foreach (var lookup in _lookups)
        {
            if (now < lookup.Expires && covers(lookup))
            {
                return lookup;
            }
        }

        return null;
    }

    private sealed record Lookup(HashSet<string> Emails, string[] Prefixes, List<TUser> Users, DateTimeOffset Expires);
}
