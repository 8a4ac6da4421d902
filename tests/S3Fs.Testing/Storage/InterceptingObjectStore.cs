using S3Fs.Core.Storage;

namespace S3Fs.Testing.Storage;

/// <summary>
/// A decorator with hooks around reads and writes, so tests can play a concurrent writer (change an object between
/// a task's read and its write) or interrupt a run after N completed writes.
/// </summary>
public sealed class InterceptingObjectStore(IObjectStore inner) : DelegatingObjectStore(inner)
{
    private int _writes;

    /// <summary>Runs after a HEAD returned (argument: the key).</summary>
    public Func<string, Task>? AfterHead { get; set; }

    /// <summary>Runs after a ranged GET returned (argument: the key).</summary>
    public Func<string, Task>? AfterGet { get; set; }

    /// <summary>Runs after every completed write (PUT, copy, multipart complete) with the number of writes so far.</summary>
    public Action<int>? AfterWrite { get; set; }

    public int Writes => Volatile.Read(ref _writes);

    /// <summary>Cancels <paramref name="cts"/> once <paramref name="writes"/> writes have completed (a Ctrl-C after N objects).</summary>
    public InterceptingObjectStore CancelAfterWrites(int writes, CancellationTokenSource cts)
    {
        AfterWrite = n =>
        {
            if (n == writes)
            {
                cts.Cancel();
            }
        };
        return this;
    }

    public override async ValueTask<ObjectInfo> HeadAsync(HeadRequest request, CancellationToken cancellationToken)
    {
        var info = await Inner.HeadAsync(request, cancellationToken);
        if (AfterHead is { } hook)
        {
            await hook(request.Key);
        }

        return info;
    }

    public override async ValueTask<GetRangeResult> GetRangeAsync(GetRangeRequest request, Memory<byte> destination, CancellationToken cancellationToken)
    {
        var result = await Inner.GetRangeAsync(request, destination, cancellationToken);
        if (AfterGet is { } hook)
        {
            await hook(request.Key);
        }

        return result;
    }

    public override async ValueTask<PutResult> PutAsync(PutRequest request, CancellationToken cancellationToken) => Wrote(await Inner.PutAsync(request, cancellationToken));

    public override async ValueTask<IMultipartUpload> StartMultipartUploadAsync(MultipartUploadRequest request, CancellationToken cancellationToken) =>
        new Upload(this, await Inner.StartMultipartUploadAsync(request, cancellationToken));

    public override async ValueTask<PutResult> CopyAsync(CopyRequest request, CancellationToken cancellationToken) => Wrote(await Inner.CopyAsync(request, cancellationToken));

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
