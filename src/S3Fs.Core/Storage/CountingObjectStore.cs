namespace S3Fs.Core.Storage;

/// <summary>
/// A decorator that counts requests by operation and the bytes that went in (uploaded) and out (downloaded), so tests
/// can assert on request patterns ("no HEAD per directory entry", "one GET per block") and a mount can report them
/// (s3cfs stats).
/// Failed calls are counted too: a request that failed was still sent. Thread-safe (interlocked counters).
/// </summary>
public sealed class CountingObjectStore : IObjectStore
{
    private readonly IObjectStore _inner;
    private readonly long[] _counts = new long[Enum.GetValues<ObjectStoreOperation>().Length];
    private long _bytesUploaded;
    private long _bytesDownloaded;

    public CountingObjectStore(IObjectStore inner) => _inner = inner;

    public string Bucket => _inner.Bucket;

    public ObjectStoreCapabilities Capabilities => _inner.Capabilities;

    public DateTimeOffset? LatestServerDate => _inner.LatestServerDate;

    /// <summary>Body bytes sent to the store (PUT and UploadPart).</summary>
    public long BytesUploaded => Interlocked.Read(ref _bytesUploaded);

    /// <summary>Body bytes received from the store (GET).</summary>
    public long BytesDownloaded => Interlocked.Read(ref _bytesDownloaded);

    /// <summary>All requests so far.</summary>
    public long TotalRequests => Enum.GetValues<ObjectStoreOperation>().Sum(Count);

    public long Count(ObjectStoreOperation operation) => Interlocked.Read(ref _counts[(int)operation]);

    /// <summary>Non-zero counts by operation, e.g. for a test's failure message or a stats report.</summary>
    public IReadOnlyDictionary<ObjectStoreOperation, long> Snapshot()
        => Enum.GetValues<ObjectStoreOperation>().Where(o => Count(o) > 0).ToDictionary(o => o, Count);

    public void Reset()
    {
        for (var i = 0; i < _counts.Length; i++)
        {
            Interlocked.Exchange(ref _counts[i], 0);
        }

        Interlocked.Exchange(ref _bytesUploaded, 0);
        Interlocked.Exchange(ref _bytesDownloaded, 0);
    }

    public override string ToString() => string.Join(", ", Snapshot().Select(p => $"{p.Key}={p.Value}")) + $"; up {BytesUploaded} B, down {BytesDownloaded} B";

    public ValueTask<ObjectInfo> HeadAsync(HeadRequest request, CancellationToken cancellationToken)
    {
        Hit(ObjectStoreOperation.Head);
        return _inner.HeadAsync(request, cancellationToken);
    }

    public async ValueTask<GetRangeResult> GetRangeAsync(GetRangeRequest request, Memory<byte> destination, CancellationToken cancellationToken)
    {
        Hit(ObjectStoreOperation.GetRange);
        var result = await _inner.GetRangeAsync(request, destination, cancellationToken).ConfigureAwait(false);
        Interlocked.Add(ref _bytesDownloaded, result.BytesRead);
        return result;
    }

    public async ValueTask<GetRangeResult> StreamRangeAsync(GetRangeRequest request, RangeChunkHandler chunk, CancellationToken cancellationToken)
    {
        Hit(ObjectStoreOperation.GetRange);
        var result = await _inner.StreamRangeAsync(request, chunk, cancellationToken).ConfigureAwait(false);
        Interlocked.Add(ref _bytesDownloaded, result.BytesRead);
        return result;
    }

    public ValueTask<PutResult> PutAsync(PutRequest request, CancellationToken cancellationToken)
    {
        Hit(ObjectStoreOperation.Put);
        Interlocked.Add(ref _bytesUploaded, request.Body.Length);
        return _inner.PutAsync(request, cancellationToken);
    }

    public async ValueTask<IMultipartUpload> StartMultipartUploadAsync(MultipartUploadRequest request, CancellationToken cancellationToken)
    {
        Hit(ObjectStoreOperation.StartMultipartUpload);
        return new Upload(this, await _inner.StartMultipartUploadAsync(request, cancellationToken).ConfigureAwait(false));
    }

    public ValueTask<PutResult> CopyAsync(CopyRequest request, CancellationToken cancellationToken)
    {
        Hit(ObjectStoreOperation.Copy);
        return _inner.CopyAsync(request, cancellationToken);
    }

    public ValueTask<ListPage> ListAsync(ListRequest request, CancellationToken cancellationToken)
    {
        Hit(ObjectStoreOperation.List);
        return _inner.ListAsync(request, cancellationToken);
    }

    public ValueTask DeleteAsync(string key, CancellationToken cancellationToken)
    {
        Hit(ObjectStoreOperation.Delete);
        return _inner.DeleteAsync(key, cancellationToken);
    }

    public ValueTask<DeleteResult> DeleteManyAsync(IReadOnlyList<string> keys, CancellationToken cancellationToken)
    {
        Hit(ObjectStoreOperation.DeleteMany);
        return _inner.DeleteManyAsync(keys, cancellationToken);
    }

    private void Hit(ObjectStoreOperation operation) => Interlocked.Increment(ref _counts[(int)operation]);

    private sealed class Upload(CountingObjectStore owner, IMultipartUpload inner) : IMultipartUpload
    {
        public string Key => inner.Key;

        public string UploadId => inner.UploadId;

        public ValueTask<UploadedPart> UploadPartAsync(int partNumber, ReadOnlyMemory<byte> body, CancellationToken cancellationToken)
        {
            owner.Hit(ObjectStoreOperation.UploadPart);
            Interlocked.Add(ref owner._bytesUploaded, body.Length);
            return inner.UploadPartAsync(partNumber, body, cancellationToken);
        }

        public ValueTask<UploadedPart> UploadPartCopyAsync(int partNumber, string sourceKey, ByteRange sourceRange, ETag? sourceIfMatch, CancellationToken cancellationToken)
        {
            owner.Hit(ObjectStoreOperation.UploadPartCopy);
            return inner.UploadPartCopyAsync(partNumber, sourceKey, sourceRange, sourceIfMatch, cancellationToken);
        }

        public ValueTask<PutResult> CompleteAsync(IReadOnlyList<UploadedPart> parts, CancellationToken cancellationToken)
        {
            owner.Hit(ObjectStoreOperation.CompleteMultipartUpload);
            return inner.CompleteAsync(parts, cancellationToken);
        }

        public ValueTask AbortAsync(CancellationToken cancellationToken)
        {
            owner.Hit(ObjectStoreOperation.AbortMultipartUpload);
            return inner.AbortAsync(cancellationToken);
        }
    }
}
