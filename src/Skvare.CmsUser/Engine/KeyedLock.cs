namespace Skvare.CmsUser.Engine;

/// <summary>
/// One async lock per contact id, so a contact handled twice at once in this process
/// (a webhook racing a batch) is handled once after the other.
/// </summary>
internal sealed class KeyedLock
{
    private readonly Dictionary<long, Entry> _entries = [];

    /// <summary>Acquires the lock of a key. <see cref="Lease.Waited"/> tells whether another holder had it.</summary>
    public ValueTask<Lease> AcquireAsync(long key, CancellationToken cancellationToken)
    {
        Entry entry;
        lock (_entries)
        {
            if (!_entries.TryGetValue(key, out entry!))
            {
                entry = new Entry();
                _entries[key] = entry;
            }

            entry.References++;
        }

        var waited = entry.Semaphore.CurrentCount == 0;

        // A free lock (every contact of a batch, but for a race) is taken at once: no task, no state machine. A cancelled
        // token fails the call even then, as the wait does.
        return !cancellationToken.IsCancellationRequested && entry.Semaphore.Wait(0, CancellationToken.None)
            ? ValueTask.FromResult(new Lease(this, key, entry, waited))
            : WaitAsync(key, entry, waited, cancellationToken);
    }

    private async ValueTask<Lease> WaitAsync(long key, Entry entry, bool waited, CancellationToken cancellationToken)
    {
        try
        {
            await entry.Semaphore.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            Release(key, entry, held: false);
            throw;
        }

        return new Lease(this, key, entry, waited);
    }

    private void Release(long key, Entry entry, bool held)
    {
        if (held)
        {
            entry.Semaphore.Release();
        }

        lock (_entries)
        {
            if (--entry.References == 0)
            {
                _entries.Remove(key);
                entry.Semaphore.Dispose();
            }
        }
    }

    internal sealed class Entry
    {
        public SemaphoreSlim Semaphore { get; } = new(1, 1);

        public int References { get; set; }
    }

    /// <summary>A held lock; dispose to release.</summary>
    internal sealed class Lease : IDisposable
    {
        private readonly KeyedLock _owner;
        private readonly long _key;
        private readonly Entry _entry;
        private int _released;

        internal Lease(KeyedLock owner, long key, Entry entry, bool waited)
        {
            _owner = owner;
            _key = key;
            _entry = entry;
            Waited = waited;
        }

        /// <summary>Whether another holder had the lock when it was requested.</summary>
        public bool Waited { get; }

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                _owner.Release(_key, _entry, held: true);
            }
        }
    }
}
