using S3Fs.Core.Storage;

namespace S3Fs.Core.Tests.Maintenance;

/// <summary>
/// A decorator with hooks around the calls maintenance makes, so tests can play a concurrent writer (change an
/// object between a task's read and its write) or interrupt a run after N completed writes.
/// </summary>
internal sealed class InterceptingObjectStore(IObjectStore inner) : IObjectStore
{
    private int _writes;

    /// <summary>Runs after a HEAD returned (argument: the key).</summary>
    public Func<string, Task>? AfterHead { get; set; }

    /// <summary>Runs after a ranged GET returned (argument: the key).</summary>
    public Func<string, Task>? AfterGet { get; set; }

    /// <summary>Runs after every completed write (PUT, copy, multipart complete) with the number of writes so far.</summary>
    public Action<int>? AfterWrite { get; set; }

    public string Bucket => inner.Bucket;

    public ObjectStoreCapabilities Capabilities => inner.Capabilities;

    public int Writes => Volatile.Read(ref _writes);

    public async ValueTask<ObjectInfo> HeadAsync(HeadRequest request, CancellationToken cancellationToken)
    {
        var info = await inner.HeadAsync(request, cancellationToken);
        if (AfterHead is { } hook)
        {
            await hook(request.Key);
        }

        return info;
    }

    public async ValueTask<GetRangeResult> GetRangeAsync(GetRangeRequest request, Memory<byte> destination, CancellationToken cancellationToken)
    {
        var result = await inner.GetRangeAsync(request, destination, cancellationToken);
        if (AfterGet is { } hook)
        {
            await hook(request.Key);
        }

        return result;
    }

    public async ValueTask<PutResult> PutAsync(PutRequest request, CancellationToken cancellationToken) => Wrote(await inner.PutAsync(request, cancellationToken));

    public async ValueTask<IMultipartUpload> StartMultipartUploadAsync(MultipartUploadRequest request, CancellationToken cancellationToken) =>
        new Upload(this, await inner.StartMultipartUploadAsync(request, cancellationToken));

    public async ValueTask<PutResult> CopyAsync(CopyRequest request, CancellationToken cancellationToken) => Wrote(await inner.CopyAsync(request, cancellationToken));

    public ValueTask<ListPage> ListAsync(ListRequest request, CancellationToken cancellationToken) => inner.ListAsync(request, cancellationToken);

    public ValueTask DeleteAsync(string key, CancellationToken cancellationToken) => inner.DeleteAsync(key, cancellationToken);

    public ValueTask<DeleteResult> DeleteManyAsync(IReadOnlyList<string> keys, CancellationToken cancellationToken) => inner.DeleteManyAsync(keys, cancellationToken);

    private PutResult Wrote(PutResult result)
    {
        var n = Interlocked.Increment(ref _writes);
        AfterWrite?.Invoke(n);
        return result;
    }

    private sealed class Upload(InterceptingObjectStore owner, IMultipartUpload upload) : IMultipartUpload
    {
        public string Key => upload.Key;

        public string UploadId => upload.UploadId;

        public ValueTask<UploadedPart> UploadPartAsync(int partNumber, ReadOnlyMemory<byte> body, CancellationToken cancellationToken) => upload.UploadPartAsync(partNumber, body, cancellationToken);

        public ValueTask<UploadedPart> UploadPartCopyAsync(int partNumber, string sourceKey, ByteRange sourceRange, ETag? sourceIfMatch, CancellationToken cancellationToken) =>
            upload.UploadPartCopyAsync(partNumber, sourceKey, sourceRange, sourceIfMatch, cancellationToken);

        public async ValueTask<PutResult> CompleteAsync(IReadOnlyList<UploadedPart> parts, CancellationToken cancellationToken) => owner.Wrote(await upload.CompleteAsync(parts, cancellationToken));

        public ValueTask AbortAsync(CancellationToken cancellationToken) => upload.AbortAsync(cancellationToken);
    }
}
