namespace Skvare.CmsUser.Engine;

/// <summary>
/// Decides, page by page of one creation pass, whether the provider's page look-up (<see cref="ICmsAccountPrefetch"/>)
/// runs. A CMS that cannot refuse a duplicate needs it on every page (the look-up is its duplicate check). A CMS that
/// refuses duplicates (<see cref="CmsCapabilities.CreateRefusesDuplicates"/>) creates first, and the look-up only
/// serves the refusals (the account with the email, the taken usernames) without a request each: it is skipped while
/// creates are not refused, so a page of new contacts costs one create each and nothing more, and it runs for the
/// following pages once refusals appear (a re-import of existing users), until a looked-up page meets none.
/// </summary>
/// <remarks>
/// Pages are planned ahead (<see cref="Plan"/>, while the page before is provisioned); a page planned without the
/// look-up is looked up late, once, when the launcher reaches it after refusals appeared (<see cref="CatchUp"/>) or
/// when one of its own creates is refused (<see cref="PageLookup.RefusedAsync"/>), so even the first page of a
/// re-import costs one look-up, not a request per refusal. Thread-safe: contacts report refusals from any worker.
/// </remarks>
internal sealed class PageLookups
{
    private readonly Func<IReadOnlyList<Contact>, CancellationToken, Task> _lookUp;
    private readonly bool _always;
    private int _planned;
    private int _lastRefusedPage;
    private volatile bool _refusing;

    /// <summary>Creates the policy of one pass.</summary>
    /// <param name="lookUp">The page look-up.</param>
    /// <param name="always">The CMS cannot refuse a duplicate: every page is looked up.</param>
    public PageLookups(Func<IReadOnlyList<Contact>, CancellationToken, Task> lookUp, bool always)
    {
        _lookUp = lookUp;
        _always = always;
    }

    /// <summary>The next page's plan (pages are planned in order, by one caller at a time).</summary>
    public PageLookup Plan(IReadOnlyList<Contact> contacts) => new(this, ++_planned, contacts, _always || _refusing);

    /// <summary>Whether a page planned without the look-up should be looked up now: refusals appeared since.</summary>
    public bool CatchUp(PageLookup page) => !page.LookedUp && _refusing;

    /// <summary>
    /// Every contact of the page is done: a looked-up page that met no refusal, with no later page meeting one, ends
    /// the look-ups (a re-import is over).
    /// </summary>
    public void Finished(PageLookup page)
    {
        if (!_always && page.LookedUp && page.Refusals == 0 && Volatile.Read(ref _lastRefusedPage) < page.Number)
        {
            _refusing = false;
        }
    }

    /// <summary>Runs the look-up of a page's contacts.</summary>
    internal Task LookUpAsync(IReadOnlyList<Contact> contacts, CancellationToken cancellationToken) => _lookUp(contacts, cancellationToken);

    /// <summary>A create of this page was refused in a way the look-ups serve (a taken email or username).</summary>
    internal void Refused(PageLookup page)
    {
        _refusing = true;
        var seen = Volatile.Read(ref _lastRefusedPage);
        while (seen < page.Number)
        {
            var was = Interlocked.CompareExchange(ref _lastRefusedPage, page.Number, seen);
            if (was == seen)
            {
                break;
            }

            seen = was;
        }
    }
}

/// <summary>
/// One page's look-up: planned when the page is prepared, or started later, once, by the launcher (<see
/// cref="PageLookups.CatchUp"/>) or by the page's first refused create; and what the page's contacts met.
/// </summary>
internal sealed class PageLookup
{
    private readonly PageLookups _policy;
    private readonly IReadOnlyList<Contact> _contacts;
    private readonly object _gate = new();
    private Task? _lookUp;
    private int _refusals;

    public PageLookup(PageLookups policy, int number, IReadOnlyList<Contact> contacts, bool planned)
    {
        _policy = policy;
        _contacts = contacts;
        Number = number;
        Planned = planned;
    }

    /// <summary>The page's number in its pass, from 1.</summary>
    public int Number { get; }

    /// <summary>Whether the look-up was planned with the page (it runs with the page's preparation).</summary>
    public bool Planned { get; }

    /// <summary>Whether the page's accounts were (or are being) looked up.</summary>
    public bool LookedUp
    {
        get
        {
            lock (_gate)
            {
                return _lookUp is not null;
            }
        }
    }

    /// <summary>How many creates of the page were refused in a way the look-ups serve.</summary>
    public int Refusals => Volatile.Read(ref _refusals);

    /// <summary>Looks the page's accounts up, once; later callers wait for the same look-up.</summary>
    public Task LookUpAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return _lookUp ??= _policy.LookUpAsync(_contacts, cancellationToken);
        }
    }

    /// <summary>
    /// Reports a create refused in a way the look-ups serve (a taken email or username, an unnamed refusal) and waits
    /// for the page's look-up (started by the first refusal when the page was not looked up): the look-ups the refusal
    /// leads to, and those of the page's later refusals, are answered by it instead of a request each.
    /// </summary>
    public Task RefusedAsync(CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _refusals);
        _policy.Refused(this);
        return LookUpAsync(cancellationToken);
    }
}
