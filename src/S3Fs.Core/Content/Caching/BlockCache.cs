using System.Diagnostics.CodeAnalysis;

namespace S3Fs.Core.Content.Caching;

/// <summary>
/// The memory tier: authenticated plaintext blocks of clean object versions, shared by every file of a mount, bounded
/// in bytes and evicted least recently used first. Keys carry the object version, so a changed object (new ETag) can
/// never be served from blocks of the old one. Dirty (unuploaded) data is never here: it lives in the staging area.
/// One lock guards the map and the LRU list; it is held for a lookup and a list splice only, never during a copy
/// (holders copy from a <see cref="CachedBlock"/> after taking a reference).
/// </summary>
internal sealed class BlockCache
{
    private readonly Lock _lock = new();
    private readonly Dictionary<BlockKey, LinkedListNode<Entry>> _map = [];
    private readonly LinkedList<Entry> _lru = new();
    private long _used;
    private long _hits;
    private long _misses;
    private long _evictions;

    public BlockCache(long capacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        Capacity = capacity;
    }

    /// <summary>Budget in bytes.</summary>
    public long Capacity { get; }

    /// <summary>Bytes held by cached blocks now (never above <see cref="Capacity"/> after an insert returns).</summary>
    public long UsedBytes
    {
        get
        {
            lock (_lock)
            {
                return _used;
            }
        }
    }

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _map.Count;
            }
        }
    }

    public long Hits => Interlocked.Read(ref _hits);

    public long Misses => Interlocked.Read(ref _misses);

    public long Evictions => Interlocked.Read(ref _evictions);

    /// <summary>The block, with a reference the caller must <see cref="CachedBlock.Release"/>; false on a miss.</summary>
    public bool TryGet(BlockKey key, [NotNullWhen(true)] out CachedBlock? block)
    {
        lock (_lock)
        {
            if (_map.TryGetValue(key, out var node))
            {
                _lru.Remove(node);
                _lru.AddFirst(node);
                block = node.Value.Block;
                block.AddReference();
                _hits++;
                return true;
            }

            _misses++;
        }

        block = null;
        return false;
    }

    /// <summary>Whether the block is cached (no reference taken, no LRU update): for read-ahead planning.</summary>
    public bool Contains(BlockKey key)
    {
        lock (_lock)
        {
            return _map.ContainsKey(key);
        }
    }

    /// <summary>
    /// Caches <paramref name="block"/> under <paramref name="key"/> (the cache takes its own reference; the caller keeps
    /// its one) and evicts the least recently used blocks until the budget holds. A key that is already cached keeps
    /// its block: both hold the same authenticated bytes of the same version.
    /// </summary>
    public void Add(BlockKey key, CachedBlock block)
    {
        List<CachedBlock>? evicted = null;
        lock (_lock)
        {
            if (_map.ContainsKey(key) || block.Footprint > Capacity)
            {
                return;
            }

            block.AddReference();
            _map[key] = _lru.AddFirst(new Entry(key, block));
            _used += block.Footprint;
            while (_used > Capacity && _lru.Last is { } last)
            {
                _lru.RemoveLast();
                _map.Remove(last.Value.Key);
                _used -= last.Value.Block.Footprint;
                _evictions++;
                (evicted ??= []).Add(last.Value.Block);
            }
        }

        // Buffers go back to the pool outside the lock (a release may clear and return a buffer).
        if (evicted is not null)
        {
            foreach (var b in evicted)
            {
                b.Release();
            }
        }
    }

    /// <summary>Drops one block, if cached (holders of a reference keep their bytes until they release it).</summary>
    public void Remove(BlockKey key)
    {
        CachedBlock block;
        lock (_lock)
        {
            if (!_map.Remove(key, out var node))
            {
                return;
            }

            _lru.Remove(node);
            _used -= node.Value.Block.Footprint;
            block = node.Value.Block;
        }

        block.Release();
    }

    /// <summary>Drops every block of the cache (tests, unmount).</summary>
    public void Clear()
    {
        List<CachedBlock> all;
        lock (_lock)
        {
            all = _lru.Select(e => e.Block).ToList();
            _lru.Clear();
            _map.Clear();
            _used = 0;
        }

        foreach (var b in all)
        {
            b.Release();
        }
    }

    private readonly record struct Entry(BlockKey Key, CachedBlock Block);
}
