using S3Fs.Core.Content.Caching;
using S3Fs.Core.Storage;

namespace S3Fs.Core.Tests.Content;

/// <summary>The memory tier: byte budget, LRU order, version keys, and buffers that outlive eviction while held.</summary>
public class BlockCacheTests
{
    private static readonly ObjectVersion V1 = new("k", new ETag("1"));
    private static readonly ObjectVersion V2 = new("k", new ETag("2"));

    private static CachedBlock Block(byte fill, int length = 4096)
    {
        var block = new CachedBlock(length);
        block.WritableSpan.Fill(fill);
        return block;
    }

    private static void Add(BlockCache cache, BlockKey key, byte fill)
    {
        var block = Block(fill);
        cache.Add(key, block);
        block.Release();
    }

    [Fact]
    public void Add_BeyondCapacity_EvictsLeastRecentlyUsed()
    {
        var cache = new BlockCache(3 * 4096);
        Add(cache, new BlockKey(V1, 0), 0);
        Add(cache, new BlockKey(V1, 1), 1);
        Add(cache, new BlockKey(V1, 2), 2);
        Assert.True(cache.TryGet(new BlockKey(V1, 0), out var touched));
        touched.Release();
        Add(cache, new BlockKey(V1, 3), 3);

        Assert.Equal(3 * 4096, cache.UsedBytes);
        Assert.True(cache.Contains(new BlockKey(V1, 0)));
        Assert.False(cache.Contains(new BlockKey(V1, 1)));
        Assert.True(cache.Contains(new BlockKey(V1, 3)));
        Assert.Equal(1, cache.Evictions);
    }

    [Fact]
    public void Remove_CachedBlock_FreesItsBytesAndAHolderKeepsItsCopy()
    {
        var cache = new BlockCache(1 << 20);
        Add(cache, new BlockKey(V1, 0), 1);
        Add(cache, new BlockKey(V1, 1), 2);
        Assert.True(cache.TryGet(new BlockKey(V1, 1), out var held));

        cache.Remove(new BlockKey(V1, 1));
        cache.Remove(new BlockKey(V1, 9)); // not cached: nothing happens

        Assert.Equal(4096, cache.UsedBytes);
        Assert.Equal(1, cache.Count);
        Assert.False(cache.TryGet(new BlockKey(V1, 1), out _));
        Assert.All(held.Span.ToArray(), b => Assert.Equal(2, b));
        held.Release();
        Assert.Equal(0, cache.Evictions);
    }

    [Fact]
    public void TryGet_OtherVersion_Misses()
    {
        var cache = new BlockCache(1 << 20);
        Add(cache, new BlockKey(V1, 0), 7);
        Assert.False(cache.TryGet(new BlockKey(V2, 0), out _));
        Assert.True(cache.TryGet(new BlockKey(V1, 0), out var block));
        Assert.All(block.Span.ToArray(), b => Assert.Equal(7, b));
        block.Release();
    }

    [Fact]
    public void Release_HeldBlockAfterEviction_StaysValidUntilReleased()
    {
        var cache = new BlockCache(4096);
        Add(cache, new BlockKey(V1, 0), 5);
        Assert.True(cache.TryGet(new BlockKey(V1, 0), out var held));
        Add(cache, new BlockKey(V1, 1), 6);
        Assert.False(cache.Contains(new BlockKey(V1, 0)));

        // Another block rented meanwhile must not receive the held buffer.
        var other = Block(9);
        Assert.All(held.Span.ToArray(), b => Assert.Equal(5, b));
        other.Release();
        held.Release();
        Assert.Throws<ObjectDisposedException>(() => held.Span.Length);
    }

    [Fact]
    public void Add_SameKeyTwice_KeepsOneCopy()
    {
        var cache = new BlockCache(1 << 20);
        Add(cache, new BlockKey(V1, 0), 1);
        Add(cache, new BlockKey(V1, 0), 2);
        Assert.Equal(1, cache.Count);
        Assert.Equal(4096, cache.UsedBytes);
    }
}
