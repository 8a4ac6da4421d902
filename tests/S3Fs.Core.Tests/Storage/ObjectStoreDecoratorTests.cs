using Microsoft.Extensions.Time.Testing;
using S3Fs.Core.Storage;
using S3Fs.Testing.Storage;

namespace S3Fs.Core.Tests.Storage;

/// <summary>The fault-injecting and counting decorators do what tests above them rely on.</summary>
public sealed class FaultInjectingObjectStoreTests
{
    private readonly InMemoryObjectStore _inner = new(capabilities: ObjectStoreCapabilities.AwsDefaults with { MinPartSize = 1 });

    [Fact]
    public async Task FailNext_FailsExactlyNCallsThenPassesThrough()
    {
        var store = new FaultInjectingObjectStore(_inner).FailNext(ObjectStoreOperation.Put, 2, ObjectStoreErrorKind.Transient);

        var first = await Assert.ThrowsAsync<ObjectStoreException>(() => store.PutAsync(new PutRequest("k", new byte[1]), CancellationToken.None).AsTask());
        await Assert.ThrowsAsync<ObjectStoreException>(() => store.PutAsync(new PutRequest("k", new byte[1]), CancellationToken.None).AsTask());
        await store.PutAsync(new PutRequest("k", new byte[1]), CancellationToken.None);

        Assert.Equal(ObjectStoreErrorKind.Transient, first.Kind);
        Assert.Equal(2, store.InjectedCount);
        Assert.Equal(1, _inner.Count);
    }

    [Fact]
    public async Task Throttle_SurfacesRetryableThrottledError()
    {
        var store = new FaultInjectingObjectStore(_inner).Throttle(ObjectStoreOperation.List, 1);

        var ex = await Assert.ThrowsAsync<ObjectStoreException>(() => store.ListAsync(new ListRequest(""), CancellationToken.None).AsTask());

        Assert.Equal(ObjectStoreErrorKind.Throttled, ex.Kind);
        Assert.True(ex.IsRetryable);
    }

    [Fact]
    public async Task AddLatency_WaitsOnTheInjectedClock()
    {
        var time = new FakeTimeProvider();
        await _inner.PutAsync(new PutRequest("k", new byte[1]), CancellationToken.None);
        var store = new FaultInjectingObjectStore(_inner, time).AddLatency(ObjectStoreOperation.Head, TimeSpan.FromSeconds(5));

        var head = store.HeadAsync(new HeadRequest("k"), CancellationToken.None).AsTask();
        time.Advance(TimeSpan.FromSeconds(4));
        Assert.False(head.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal(1, (await head).Size);
    }

    [Fact]
    public async Task TruncateGets_ReportsShortReadWhileObjectSizeTellsTheTruth()
    {
        await _inner.PutAsync(new PutRequest("k", new byte[100]), CancellationToken.None);
        var store = new FaultInjectingObjectStore(_inner).TruncateGets(1, 30);

        var cut = await store.GetRangeAsync(new GetRangeRequest("k", new ByteRange(0, 100)), new byte[100], CancellationToken.None);
        var whole = await store.GetRangeAsync(new GetRangeRequest("k", new ByteRange(0, 100)), new byte[100], CancellationToken.None);

        Assert.Equal(30, cut.BytesRead);
        Assert.Equal(100, cut.ObjectSize);
        Assert.Equal(100, whole.BytesRead);
    }

    [Fact]
    public async Task FailPartAndFailComplete_HitOnlyThatPartAndTheCompletion()
    {
        var store = new FaultInjectingObjectStore(_inner).FailPart(2, ObjectStoreErrorKind.Transient).FailComplete(ObjectStoreErrorKind.Transient);
        var upload = await store.StartMultipartUploadAsync(new MultipartUploadRequest("mpu"), CancellationToken.None);

        var p1 = await upload.UploadPartAsync(1, new byte[] { 1 }, CancellationToken.None);
        var failed = await Assert.ThrowsAsync<ObjectStoreException>(() => upload.UploadPartAsync(2, new byte[] { 2 }, CancellationToken.None).AsTask());
        var p2 = await upload.UploadPartAsync(2, new byte[] { 2 }, CancellationToken.None);
        var complete = await Assert.ThrowsAsync<ObjectStoreException>(() => upload.CompleteAsync([p1, p2], CancellationToken.None).AsTask());
        await upload.CompleteAsync([p1, p2], CancellationToken.None);

        Assert.Contains("part 2", failed.Message, StringComparison.Ordinal);
        Assert.Equal("CompleteMultipartUpload", complete.Operation);
        Assert.Equal(2, _inner.Peek("mpu")!.Body.Length);
    }
}

public sealed class CountingObjectStoreTests
{
    [Fact]
    public async Task Counts_RequestsByOperationAndBytesBothWays()
    {
        var store = new CountingObjectStore(new InMemoryObjectStore(capabilities: ObjectStoreCapabilities.AwsDefaults with { MinPartSize = 1 }));

        await store.PutAsync(new PutRequest("a", new byte[10]), CancellationToken.None);
        await store.HeadAsync(new HeadRequest("a"), CancellationToken.None);
        await store.GetRangeAsync(new GetRangeRequest("a", new ByteRange(0, 4)), new byte[4], CancellationToken.None);
        var upload = await store.StartMultipartUploadAsync(new MultipartUploadRequest("b"), CancellationToken.None);
        var part = await upload.UploadPartAsync(1, new byte[7], CancellationToken.None);
        await upload.CompleteAsync([part], CancellationToken.None);
        await Assert.ThrowsAsync<ObjectStoreException>(() => store.HeadAsync(new HeadRequest("missing"), CancellationToken.None).AsTask());

        Assert.Equal(2, store.Count(ObjectStoreOperation.Head)); // the failed HEAD was still a request
        Assert.Equal(1, store.Count(ObjectStoreOperation.GetRange));
        Assert.Equal(1, store.Count(ObjectStoreOperation.UploadPart));
        Assert.Equal(0, store.Count(ObjectStoreOperation.List));
        Assert.Equal(17, store.BytesUploaded);
        Assert.Equal(4, store.BytesDownloaded);
        Assert.Equal(7, store.TotalRequests);

        store.Reset();
        Assert.Equal(0, store.TotalRequests);
        Assert.Empty(store.Snapshot());
    }
}
