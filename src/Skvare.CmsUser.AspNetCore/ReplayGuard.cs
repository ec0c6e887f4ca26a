namespace Skvare.CmsUser.AspNetCore;

/// <summary>Remembers accepted signatures until they are too old to be accepted anyway, so a captured request cannot be replayed.</summary>
internal sealed class ReplayGuard
{
    private readonly Dictionary<string, DateTimeOffset> _seen = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;
    private DateTimeOffset _nextSweep;

    public ReplayGuard(TimeProvider time)
    {
        _time = time;
    }

    /// <summary>Returns <see langword="false"/> when the signature was already used.</summary>
    public bool TryAccept(string signature, TimeSpan keepFor)
    {
        var now = _time.GetUtcNow();
        lock (_seen)
        {
            if (now >= _nextSweep)
            {
                foreach (var expired in _seen.Where(kv => kv.Value <= now).Select(kv => kv.Key).ToArray())
                {
                    _seen.Remove(expired);
                }

                _nextSweep = now + TimeSpan.FromMinutes(1);
            }

            if (_seen.TryGetValue(signature, out var until) && until > now)
            {
                return false;
            }

            _seen[signature] = now + keepFor;
            return true;
        }
    }
}
