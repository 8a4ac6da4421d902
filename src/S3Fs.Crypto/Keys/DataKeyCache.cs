using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace S3Fs.Crypto.Keys;

/// <summary>
/// Remembers unwrapped data keys so that opening the same object again (every block read after a cache miss, every
/// reopen) does not repeat an RSA decryption or a KMS call. Bounded in count (least recently used goes first) and in
/// time (an entry expires a fixed time after it was added, however often it is used, so a revoked key does not live
/// on in memory). Evicted and expired keys are zeroed. Callers get their own copy, which they dispose.
/// Keyed by SHA-256 over provider, key id, context and wrapped blob, never by anything secret.
/// </summary>
public sealed class DataKeyCache : IDisposable
{
    /// <summary>Default bound: a few thousand open files' keys is 32 bytes each, nothing; unwraps are what cost.</summary>
    public const int DefaultCapacity = 4096;

    /// <summary>Default lifetime: long enough to cover a burst of reads of one file, short enough to honour revocation.</summary>
    public static readonly TimeSpan DefaultTimeToLive = TimeSpan.FromMinutes(5);

    private readonly int _capacity;
    private readonly TimeSpan _timeToLive;
    private readonly TimeProvider _time;
    private readonly Dictionary<UInt128, LinkedListNode<Entry>> _entries = [];
    private readonly LinkedList<Entry> _lru = new();
    private readonly Lock _lock = new();
    private DateTimeOffset _lastSweep;

    public DataKeyCache(int capacity = DefaultCapacity, TimeSpan? timeToLive = null, TimeProvider? timeProvider = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        _capacity = capacity;
        _timeToLive = timeToLive ?? DefaultTimeToLive;
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(_timeToLive, TimeSpan.Zero, nameof(timeToLive));
        _time = timeProvider ?? TimeProvider.System;
        _lastSweep = _time.GetUtcNow();
    }

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _entries.Count;
            }
        }
    }

    /// <summary>The cached key for this wrapped blob, or the result of unwrapping it with <paramref name="masterKey"/>.</summary>
    public async ValueTask<DataKey> GetOrUnwrapAsync(
        IMasterKey masterKey,
        ReadOnlyMemory<byte> wrapped,
        ReadOnlyMemory<byte> context,
        CancellationToken cancellationToken)
    {
        var id = CacheId(masterKey.Provider, masterKey.KeyId, context.Span, wrapped.Span);
        if (TryGet(id, out var cached))
        {
            return cached;
        }

        // Two concurrent misses for one key both unwrap; the second Add keeps the first entry. Rare, and harmless.
        var key = await masterKey.UnwrapAsync(wrapped, context, cancellationToken).ConfigureAwait(false);
        Add(id, key);
        return key;
    }

    /// <summary>Stores a copy of <paramref name="key"/> (e.g. right after creating a file, so reading it back costs no unwrap).</summary>
    public void Add(IMasterKey masterKey, ReadOnlySpan<byte> wrapped, ReadOnlySpan<byte> context, DataKey key) =>
        Add(CacheId(masterKey.Provider, masterKey.KeyId, context, wrapped), key);

    /// <summary>Drops and zeroes entries past their lifetime. Also runs by itself during use.</summary>
    public void EvictExpired()
    {
        lock (_lock)
        {
            SweepLocked(_time.GetUtcNow());
        }
    }

    /// <summary>Drops and zeroes every entry.</summary>
    public void Clear()
    {
        lock (_lock)
        {
            foreach (var node in _entries.Values)
            {
                node.Value.Key.Dispose();
            }

            _entries.Clear();
            _lru.Clear();
        }
    }

    public void Dispose() => Clear();

    public override string ToString() => $"DataKeyCache({Count} keys, redacted)";

    /// <summary>The stored keys, most recently used first, so tests can check eviction zeroes them.</summary>
    internal IEnumerable<DataKey> EntriesForTest()
    {
        lock (_lock)
        {
            return _lru.Select(e => e.Key).ToList();
        }
    }

    private bool TryGet(UInt128 id, out DataKey key)
    {
        lock (_lock)
        {
            var now = _time.GetUtcNow();
            MaybeSweepLocked(now);
            if (_entries.TryGetValue(id, out var node))
            {
                if (node.Value.ExpiresAt > now)
                {
                    _lru.Remove(node);
                    _lru.AddFirst(node);
                    key = node.Value.Key.Clone();
                    return true;
                }

                RemoveLocked(node);
            }
        }

        key = null!;
        return false;
    }

    private void Add(UInt128 id, DataKey key)
    {
        lock (_lock)
        {
            var now = _time.GetUtcNow();
            MaybeSweepLocked(now);
            if (_entries.ContainsKey(id))
            {
                return;
            }

            var node = _lru.AddFirst(new Entry(id, key.Clone(), now + _timeToLive));
            _entries.Add(id, node);
            while (_entries.Count > _capacity)
            {
                RemoveLocked(_lru.Last!);
            }
        }
    }

    /// <summary>A full sweep at most every quarter lifetime keeps expired keys from lingering longer than 1.25 × TTL.</summary>
    private void MaybeSweepLocked(DateTimeOffset now)
    {
        if (now - _lastSweep >= _timeToLive / 4)
        {
            SweepLocked(now);
        }
    }

    private void SweepLocked(DateTimeOffset now)
    {
        _lastSweep = now;
        var node = _lru.First;
        while (node is not null)
        {
            var next = node.Next;
            if (node.Value.ExpiresAt <= now)
            {
                RemoveLocked(node);
            }

            node = next;
        }
    }

    private void RemoveLocked(LinkedListNode<Entry> node)
    {
        _lru.Remove(node);
        _entries.Remove(node.Value.Id);
        node.Value.Key.Dispose();
    }

    private static UInt128 CacheId(string provider, string keyId, ReadOnlySpan<byte> context, ReadOnlySpan<byte> wrapped)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Span<byte> length = stackalloc byte[4];
        foreach (var part in (ReadOnlySpan<string>)[provider, keyId])
        {
            var bytes = Encoding.UTF8.GetBytes(part);
            BinaryPrimitives.WriteInt32BigEndian(length, bytes.Length);
            hash.AppendData(length);
            hash.AppendData(bytes);
        }

        BinaryPrimitives.WriteInt32BigEndian(length, context.Length);
        hash.AppendData(length);
        hash.AppendData(context);
        hash.AppendData(wrapped);
        Span<byte> digest = stackalloc byte[32];
        hash.GetHashAndReset(digest);

        // 128 bits of SHA-256 as the dictionary key: collisions among cached entries are out of reach (2^-64 at 2^32 entries).
        return BinaryPrimitives.ReadUInt128BigEndian(digest);
    }

    private sealed record Entry(UInt128 Id, DataKey Key, DateTimeOffset ExpiresAt);
}
