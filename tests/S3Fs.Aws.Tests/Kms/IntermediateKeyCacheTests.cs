using Microsoft.Extensions.Time.Testing;
using S3Fs.Aws.Kms;
using S3Fs.Crypto.Keys;

namespace S3Fs.Aws.Tests.Kms;

/// <summary>LRU, absolute TTL, zeroing on eviction and single-flight of <see cref="IntermediateKeyCache"/>.</summary>
public sealed class IntermediateKeyCacheTests : IDisposable
{
    private static readonly TimeSpan Ttl = TimeSpan.FromMinutes(10);
    private readonly FakeTimeProvider _time = new();
    private readonly IntermediateKeyCache _cache;
    private int _fetches;

    public IntermediateKeyCacheTests()
    {
        _cache = new IntermediateKeyCache(capacity: 2, Ttl, _time);
    }

    public void Dispose() => _cache.Dispose();

    [Fact]
    public async Task GetOrFetchAsync_Cached_ReturnsAnIndependentCloneWithoutFetching()
    {
        var stored = DataKey.Generate();
        _cache.Add("a", stored);

        var first = await _cache.GetOrFetchAsync("a", FetchNewAsync, CancellationToken.None);
        var expected = first.Span.ToArray();
        first.Dispose();
        using var second = await _cache.GetOrFetchAsync("a", FetchNewAsync, CancellationToken.None);

        Assert.Equal(expected, second.Span.ToArray());
        Assert.Equal(0, _fetches);
    }

    [Fact]
    public async Task Add_BeyondCapacity_EvictsLeastRecentlyUsedAndZeroesIt()
    {
        var a = DataKey.Generate();
        var b = DataKey.Generate();
        _cache.Add("a", a);
        _cache.Add("b", b);
        (await _cache.GetOrFetchAsync("a", FetchNewAsync, CancellationToken.None)).Dispose();

        _cache.Add("c", DataKey.Generate());

        Assert.Throws<ObjectDisposedException>(() => b.Span.Length);
        Assert.Equal(32, a.Span.Length);
        Assert.Equal(2, _cache.Count);
    }

    [Fact]
    public async Task GetOrFetchAsync_UseDoesNotExtendTheTimeToLive()
    {
        _cache.Add("a", DataKey.Generate());

        _time.Advance(Ttl - TimeSpan.FromSeconds(1));
        (await _cache.GetOrFetchAsync("a", FetchNewAsync, CancellationToken.None)).Dispose();
        _time.Advance(TimeSpan.FromSeconds(1));
        (await _cache.GetOrFetchAsync("a", FetchNewAsync, CancellationToken.None)).Dispose();

        Assert.Equal(1, _fetches);
    }

    [Fact]
    public void Timer_AfterTimeToLive_SweepsAndZeroesUnusedEntries()
    {
        var a = DataKey.Generate();
        _cache.Add("a", a);

        _time.Advance(Ttl + Ttl / 4);

        Assert.Equal(0, _cache.Count);
        Assert.Throws<ObjectDisposedException>(() => a.Span.Length);
    }

    [Fact]
    public async Task GetOrFetchAsync_ConcurrentMisses_FetchOnceAndZeroTheSharedKeyAfterTheLastCaller()
    {
        var pending = new TaskCompletionSource<DataKey>(TaskCreationOptions.RunContinuationsAsynchronously);
        var master = DataKey.Generate();
        var fetches = 0;
        Task<DataKey> FetchAsync()
        {
            Interlocked.Increment(ref fetches);
            return pending.Task;
        }

        var callers = Enumerable.Range(0, 20).Select(_ => _cache.GetOrFetchAsync("k", FetchAsync, CancellationToken.None).AsTask()).ToList();
        pending.SetResult(master);
        var keys = await Task.WhenAll(callers);

        Assert.Equal(1, fetches);
        Assert.All(keys, k => Assert.Equal(keys[0].Span.ToArray(), k.Span.ToArray()));
        Assert.Throws<ObjectDisposedException>(() => master.Span.Length);
        using (var cached = await _cache.GetOrFetchAsync("k", FetchNewAsync, CancellationToken.None))
        {
            Assert.Equal(keys[0].Span.ToArray(), cached.Span.ToArray());
        }

        foreach (var key in keys)
        {
            key.Dispose();
        }
    }

    [Fact]
    public async Task GetOrFetchAsync_OneCallerCancels_OthersStillGetTheKey()
    {
        var pending = new TaskCompletionSource<DataKey>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var cancel = new CancellationTokenSource();
        var cancelled = _cache.GetOrFetchAsync("k", () => pending.Task, cancel.Token).AsTask();
        var patient = _cache.GetOrFetchAsync("k", () => pending.Task, CancellationToken.None).AsTask();

        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);
        pending.SetResult(DataKey.Generate());

        using var key = await patient;
        Assert.Equal(32, key.Span.Length);
    }

    [Fact]
    public async Task GetOrFetchAsync_FetchFails_AllCallersSeeTheErrorAndNothingIsCached()
    {
        var pending = new TaskCompletionSource<DataKey>(TaskCreationOptions.RunContinuationsAsynchronously);
        var callers = Enumerable.Range(0, 5).Select(_ => _cache.GetOrFetchAsync("k", () => pending.Task, CancellationToken.None).AsTask()).ToList();

        pending.SetException(new InvalidOperationException("kms down"));

        foreach (var caller in callers)
        {
            await Assert.ThrowsAsync<InvalidOperationException>(() => caller);
        }

        Assert.Equal(0, _cache.Count);
        (await _cache.GetOrFetchAsync("k", FetchNewAsync, CancellationToken.None)).Dispose();
        Assert.Equal(1, _fetches);
    }

    [Fact]
    public async Task Capacity0_FetchesEveryTimeAndKeepsNothing()
    {
        using var uncached = new IntermediateKeyCache(0, Ttl, _time);

        (await uncached.GetOrFetchAsync("k", FetchNewAsync, CancellationToken.None)).Dispose();
        (await uncached.GetOrFetchAsync("k", FetchNewAsync, CancellationToken.None)).Dispose();

        Assert.Equal(2, _fetches);
        Assert.Equal(0, uncached.Count);
    }

    [Fact]
    public void Dispose_ZeroesEveryEntry()
    {
        var a = DataKey.Generate();
        _cache.Add("a", a);

        _cache.Dispose();

        Assert.Throws<ObjectDisposedException>(() => a.Span.Length);
    }

    private Task<DataKey> FetchNewAsync()
    {
        Interlocked.Increment(ref _fetches);
        return Task.FromResult(DataKey.Generate());
    }
}
