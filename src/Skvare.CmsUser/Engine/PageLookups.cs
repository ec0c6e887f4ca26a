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
/// Pages are planned ahead (<see cref="Plan"/>, while the page before is provisioned) and may be looked up late
/// (<see cref="CatchUp"/>, when the launcher reaches a page planned without the look-up and refusals appeared
/// meanwhile), so the first page of a re-import pays a request per refusal and the pages after it do not.
/// Thread-safe: contacts report refusals from any worker.
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
    public PageLookup Plan() => new(this, ++_planned, _always || _refusing);

    /// <summary>Whether a page planned without the look-up should be looked up now: refusals appeared since.</summary>
    public bool CatchUp(PageLookup page) => !page.LookedUp && _refusing;

    /// <summary>Looks the page up and marks it looked up.</summary>
    public async Task LookUpAsync(PageLookup page, IReadOnlyList<Contact> contacts, CancellationToken cancellationToken)
    {
        await _lookUp(contacts, cancellationToken).ConfigureAwait(false);
        page.LookedUp = true;
    }

    /// <summary>The page look-up as <see cref="EngineContext.PreparePageAsync"/> takes it, when the plan wants it.</summary>
    public Func<IReadOnlyList<Contact>, CancellationToken, Task>? LookUpFor(PageLookup page) => page.LookedUp ? _lookUp : null;

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

/// <summary>One page's look-up plan, and what its contacts met.</summary>
internal sealed class PageLookup
{
    private readonly PageLookups _policy;
    private int _refusals;

    public PageLookup(PageLookups policy, int number, bool lookedUp)
    {
        _policy = policy;
        Number = number;
        LookedUp = lookedUp;
    }

    /// <summary>The page's number in its pass, from 1.</summary>
    public int Number { get; }

    /// <summary>Whether the page's accounts were (or are being) looked up before its contacts start.</summary>
    public bool LookedUp { get; set; }

    /// <summary>How many creates of the page were refused in a way the look-ups serve.</summary>
    public int Refusals => Volatile.Read(ref _refusals);

    /// <summary>Reports a create refused in a way the look-ups serve (a taken email or username, an unnamed refusal).</summary>
    public void Refused()
    {
        Interlocked.Increment(ref _refusals);
        _policy.Refused(this);
    }
}
