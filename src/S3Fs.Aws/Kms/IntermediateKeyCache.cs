using S3Fs.Crypto.Keys;

namespace S3Fs.Aws.Kms;

/// <summary>
/// Unwrapped intermediate keys, so reading N files whose data keys share an IK costs one KMS Decrypt, not N.
/// Bounded three ways: by count (least recently used evicted first), by an absolute time-to-live counted from the KMS
/// call (never extended by use, so disabling the KMS key takes effect for cached IKs within the TTL), and by
/// disposal. Every key leaving the cache is zeroed. Concurrent misses on the same IK share one fetch (single-flight).
/// Callers never hold a cached key: they get a clone, which they dispose, so eviction cannot zero a key in use.
/// </summary>
internal sealed class IntermediateKeyCache : IDisposable
{
    /// <summary>Sweeps run this often relative to the TTL, so an expired key lingers at most a quarter TTL past expiry.</summary>
    private const int SweepsPerTimeToLive = 4;

    /// <summary>Lower bound on the sweep period so a tiny TTL does not turn the timer into a busy loop.</summary>
    private static readonly TimeSpan MinSweepPeriod = TimeSpan.FromSeconds(1);

    private readonly Lock _gate = new();
    private readonly int _capacity;
    private readonly TimeSpan _timeToLive;
    private readonly TimeProvider _time;
    private readonly Dictionary<string, LinkedListNode<Entry>> _entries = new(StringComparer.Ordinal);
    private readonly LinkedList<Entry> _recency = new();
    private readonly Dictionary<string, Flight> _flights = new(StringComparer.Ordinal);
    private readonly ITimer? _sweeper;
    private bool _disposed;

    public IntermediateKeyCache(int capacity, TimeSpan timeToLive, TimeProvider time)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(capacity);
        ArgumentOutOfRangeException.ThrowIfLessThan(timeToLive, TimeSpan.Zero);
        _capacity = capacity;
        _timeToLive = timeToLive;
        _time = time;
        if (capacity > 0 && timeToLive > TimeSpan.Zero)
        {
            var period = TimeSpan.FromTicks(Math.Max(MinSweepPeriod.Ticks, timeToLive.Ticks / SweepsPerTimeToLive));
            _sweeper = time.CreateTimer(_ => RemoveExpired(), null, period, period);
        }
    }

    /// <summary>Live entries (expired ones not yet swept included).</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _entries.Count;
            }
        }
    }

    /// <summary>Stores an IK; the cache takes ownership of <paramref name="intermediateKey"/> and zeroes it on eviction.</summary>
    public void Add(string cacheKey, DataKey intermediateKey)
    {
        lock (_gate)
        {
            AddLocked(cacheKey, intermediateKey);
        }
    }

    /// <summary>
    /// A clone of the cached IK, or the result of <paramref name="fetch"/> (run once however many callers miss
    /// concurrently; its key is cached). The fetch is not cancelled by <paramref name="cancellationToken"/>, which
    /// only stops this caller's wait: other callers may still need the result.
    /// </summary>
    public async ValueTask<DataKey> GetOrFetchAsync(string cacheKey, Func<Task<DataKey>> fetch, CancellationToken cancellationToken)
    {
        Flight flight;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (TryCloneLocked(cacheKey) is { } hit)
            {
                return hit;
            }

            if (!_flights.TryGetValue(cacheKey, out flight!))
            {
                flight = new Flight();
                _flights.Add(cacheKey, flight);

                // Task.Run: the fetch must not run inline under this lock.
                flight.Task = Task.Run(() => RunFlightAsync(cacheKey, flight, fetch));
            }

            flight.Waiters++;
        }

        try
        {
            var master = await flight.Task!.WaitAsync(cancellationToken).ConfigureAwait(false);
            return master.Clone();
        }
        finally
        {
            lock (_gate)
            {
                if (--flight.Waiters == 0 && flight.Completed)
                {
                    flight.Master?.Dispose();
                }
            }
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            foreach (var entry in _recency)
            {
                entry.Key.Dispose();
            }

            _recency.Clear();
            _entries.Clear();
        }

        _sweeper?.Dispose();
    }

    /// <summary>Drops and zeroes every expired entry (also run by the timer).</summary>
    public void RemoveExpired()
    {
        lock (_gate)
        {
            var now = _time.GetUtcNow();
            for (var node = _recency.First; node is not null;)
            {
                var next = node.Next;
                if (node.Value.ExpiresAt <= now)
                {
                    RemoveLocked(node);
                }

                node = next;
            }
        }
    }

    private async Task<DataKey> RunFlightAsync(string cacheKey, Flight flight, Func<Task<DataKey>> fetch)
    {
        DataKey? master = null;
        try
        {
            master = await fetch().ConfigureAwait(false);
            return master;
        }
        finally
        {
            lock (_gate)
            {
                _flights.Remove(cacheKey);
                flight.Completed = true;
                flight.Master = master;
                if (master is not null)
                {
                    AddLocked(cacheKey, master.Clone());
                    if (flight.Waiters == 0)
                    {
                        master.Dispose();
                    }
                }
            }
        }
    }

    private DataKey? TryCloneLocked(string cacheKey)
    {
        if (!_entries.TryGetValue(cacheKey, out var node))
        {
            return null;
        }

        if (node.Value.ExpiresAt <= _time.GetUtcNow())
        {
            RemoveLocked(node);
            return null;
        }

        _recency.Remove(node);
        _recency.AddFirst(node);
        return node.Value.Key.Clone();
    }

    private void AddLocked(string cacheKey, DataKey intermediateKey)
    {
        if (_disposed || _capacity == 0 || _timeToLive == TimeSpan.Zero)
        {
            intermediateKey.Dispose();
            return;
        }

        if (_entries.TryGetValue(cacheKey, out var existing))
        {
            RemoveLocked(existing);
        }

        var node = _recency.AddFirst(new Entry(cacheKey, intermediateKey, _time.GetUtcNow() + _timeToLive));
        _entries.Add(cacheKey, node);
        while (_entries.Count > _capacity)
        {
            RemoveLocked(_recency.Last!);
        }
    }

    private void RemoveLocked(LinkedListNode<Entry> node)
    {
        _recency.Remove(node);
        _entries.Remove(node.Value.CacheKey);
        node.Value.Key.Dispose();
    }

    private sealed record Entry(string CacheKey, DataKey Key, DateTimeOffset ExpiresAt);

    /// <summary>One in-progress KMS fetch and the callers waiting for it; the last one out zeroes the fetched key.</summary>
    private sealed class Flight
    {
        public Task<DataKey>? Task { get; set; }

        public int Waiters { get; set; }

        public bool Completed { get; set; }

        public DataKey? Master { get; set; }
    }
}
