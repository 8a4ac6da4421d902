using Microsoft.Extensions.Time.Testing;
using S3Fs.Crypto.Keys;

namespace S3Fs.Crypto.Tests.Keys;

/// <summary>The unwrapped-key cache: hits skip the master key; entries expire, are bounded, and are zeroed.</summary>
public class DataKeyCacheTests
{
    [Fact]
    public async Task GetOrUnwrap_SecondCall_DoesNotUnwrapAgainAndReturnsOwnCopy()
    {
        var master = new CountingMasterKey(TestKeys.NewFileKey());
        using var cache = new DataKeyCache();
        using var dek = DataKey.Generate();
        var wrapped = await master.WrapAsync(dek, "c"u8.ToArray(), CancellationToken.None);
        var first = await cache.GetOrUnwrapAsync(master, wrapped, "c"u8.ToArray(), CancellationToken.None);
        var second = await cache.GetOrUnwrapAsync(master, wrapped, "c"u8.ToArray(), CancellationToken.None);
        Assert.Equal(1, master.Unwraps);
        Assert.Equal(dek.Span.ToArray(), second.Span.ToArray());
        first.Dispose();
        Assert.Equal(dek.Span.ToArray(), second.Span.ToArray());
        second.Dispose();
        using var third = await cache.GetOrUnwrapAsync(master, wrapped, "c"u8.ToArray(), CancellationToken.None);
        Assert.Equal(dek.Span.ToArray(), third.Span.ToArray());
        Assert.Equal(1, master.Unwraps);
    }

    [Fact]
    public async Task GetOrUnwrap_DifferentContext_IsADifferentEntry()
    {
        var master = new CountingMasterKey(TestKeys.NewFileKey());
        using var cache = new DataKeyCache();
        using var dek = DataKey.Generate();
        var wrapped = await master.WrapAsync(dek, "c"u8.ToArray(), CancellationToken.None);
        (await cache.GetOrUnwrapAsync(master, wrapped, "c"u8.ToArray(), CancellationToken.None)).Dispose();
        await Assert.ThrowsAnyAsync<System.Security.Cryptography.CryptographicException>(
            () => cache.GetOrUnwrapAsync(master, wrapped, "d"u8.ToArray(), CancellationToken.None).AsTask());
        Assert.Equal(2, master.Unwraps);
    }

    [Fact]
    public async Task Entry_AfterTimeToLive_ExpiresAndIsZeroed()
    {
        var time = new FakeTimeProvider();
        var master = new CountingMasterKey(TestKeys.NewFileKey());
        using var cache = new DataKeyCache(16, TimeSpan.FromMinutes(5), time);
        using var dek = DataKey.Generate();
        var wrapped = await master.WrapAsync(dek, "c"u8.ToArray(), CancellationToken.None);
        (await cache.GetOrUnwrapAsync(master, wrapped, "c"u8.ToArray(), CancellationToken.None)).Dispose();
        var stored = cache.EntriesForTest().Single();

        time.Advance(TimeSpan.FromMinutes(4));
        (await cache.GetOrUnwrapAsync(master, wrapped, "c"u8.ToArray(), CancellationToken.None)).Dispose();
        Assert.Equal(1, master.Unwraps);

        time.Advance(TimeSpan.FromMinutes(2)); // used a minute ago, but added six minutes ago: expired
        cache.EvictExpired();
        Assert.Equal(0, cache.Count);
        Assert.Throws<ObjectDisposedException>(() => stored.Span.Length);
        (await cache.GetOrUnwrapAsync(master, wrapped, "c"u8.ToArray(), CancellationToken.None)).Dispose();
        Assert.Equal(2, master.Unwraps);
    }

    [Fact]
    public async Task Expired_WithoutExplicitEviction_SweptDuringUse()
    {
        var time = new FakeTimeProvider();
        var master = new CountingMasterKey(TestKeys.NewFileKey());
        using var cache = new DataKeyCache(16, TimeSpan.FromMinutes(4), time);
        using var dek = DataKey.Generate();
        var a = await master.WrapAsync(dek, "a"u8.ToArray(), CancellationToken.None);
        var b = await master.WrapAsync(dek, "b"u8.ToArray(), CancellationToken.None);
        (await cache.GetOrUnwrapAsync(master, a, "a"u8.ToArray(), CancellationToken.None)).Dispose();
        time.Advance(TimeSpan.FromMinutes(5));
        (await cache.GetOrUnwrapAsync(master, b, "b"u8.ToArray(), CancellationToken.None)).Dispose();
        Assert.Equal(1, cache.Count);
    }

    [Fact]
    public async Task Capacity_Exceeded_EvictsLeastRecentlyUsedAndZeroesIt()
    {
        var master = new CountingMasterKey(TestKeys.NewFileKey());
        using var cache = new DataKeyCache(2);
        using var dek = DataKey.Generate();
        var blobs = new List<byte[]>();
        for (var i = 0; i < 3; i++)
        {
            blobs.Add(await master.WrapAsync(dek, new byte[] { (byte)i }, CancellationToken.None));
        }

        (await cache.GetOrUnwrapAsync(master, blobs[0], new byte[] { 0 }, CancellationToken.None)).Dispose();
        (await cache.GetOrUnwrapAsync(master, blobs[1], new byte[] { 1 }, CancellationToken.None)).Dispose();
        var entries = cache.EntriesForTest().ToList(); // most recent first: [1, 0]
        (await cache.GetOrUnwrapAsync(master, blobs[0], new byte[] { 0 }, CancellationToken.None)).Dispose(); // 0 is now most recent
        (await cache.GetOrUnwrapAsync(master, blobs[2], new byte[] { 2 }, CancellationToken.None)).Dispose(); // evicts 1
        Assert.Equal(2, cache.Count);
        Assert.Throws<ObjectDisposedException>(() => entries[0].Span.Length);
        Assert.Equal(dek.Span.ToArray(), entries[1].Span.ToArray());
        Assert.Equal(3, master.Unwraps);
        (await cache.GetOrUnwrapAsync(master, blobs[0], new byte[] { 0 }, CancellationToken.None)).Dispose();
        Assert.Equal(3, master.Unwraps);
    }

    [Fact]
    public async Task Dispose_ZeroesEveryEntry()
    {
        var master = new CountingMasterKey(TestKeys.NewFileKey());
        var cache = new DataKeyCache();
        using var dek = DataKey.Generate();
        var wrapped = await master.WrapAsync(dek, "c"u8.ToArray(), CancellationToken.None);
        (await cache.GetOrUnwrapAsync(master, wrapped, "c"u8.ToArray(), CancellationToken.None)).Dispose();
        var stored = cache.EntriesForTest().Single();
        cache.Dispose();
        Assert.Throws<ObjectDisposedException>(() => stored.Span.Length);
        Assert.Contains("redacted", cache.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task FileCipherFactory_WithCache_UnwrapsOncePerObject()
    {
        var master = new CountingMasterKey(TestKeys.NewFileKey());
        using var cache = new DataKeyCache();
        var factory = TestKeys.Factory(master, 4096, cache);
        using var writer = await factory.CreateAsync(null, CancellationToken.None);
        for (var i = 0; i < 5; i++)
        {
            using var reader = await factory.OpenAsync(writer.Metadata, null, CancellationToken.None);
        }

        Assert.Equal(0, master.Unwraps); // the creating mount cached the key it generated
        using var otherCache = new DataKeyCache();
        var otherMount = TestKeys.Factory(master, 4096, otherCache);
        for (var i = 0; i < 5; i++)
        {
            using var reader = await otherMount.OpenAsync(writer.Metadata, null, CancellationToken.None);
        }

        Assert.Equal(1, master.Unwraps);
    }
}
