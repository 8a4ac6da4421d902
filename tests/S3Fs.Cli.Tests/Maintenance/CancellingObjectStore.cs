using S3Fs.Core.Storage;

namespace S3Fs.Cli.Tests.Maintenance;

/// <summary>
/// Passes everything to an inner store and cancels a token once a given number of writes (PUT, copy, multipart
/// completion) have completed: the "Ctrl-C after N objects" of the interruption tests, through the command API.
/// </summary>
internal sealed class CancellingObjectStore(IObjectStore inner, int cancelAfterWrites) : IObjectStore, IDisposable
{
    private readonly CancellationTokenSource _cts = new();
    private int _writes;

    public CancellationToken Token => _cts.Token;

    public string Bucket => inner.Bucket;

    public ObjectStoreCapabilities Capabilities => inner.Capabilities;

    public ValueTask<ObjectInfo> HeadAsync(HeadRequest request, CancellationToken cancellationToken) => inner.HeadAsync(request, cancellationToken);

    public ValueTask<GetRangeResult> GetRangeAsync(GetRangeRequest request, Memory<byte> destination, CancellationToken cancellationToken) => inner.GetRangeAsync(request, destination, cancellationToken);

    public async ValueTask<PutResult> PutAsync(PutRequest request, CancellationToken cancellationToken) => Wrote(await inner.PutAsync(request, cancellationToken));

    public async ValueTask<IMultipartUpload> StartMultipartUploadAsync(MultipartUploadRequest request, CancellationToken cancellationToken) =>
        new Upload(this, await inner.StartMultipartUploadAsync(request, cancellationToken));

    public async ValueTask<PutResult> CopyAsync(CopyRequest request, CancellationToken cancellationToken) => Wrote(await inner.CopyAsync(request, cancellationToken));

    public ValueTask<ListPage> ListAsync(ListRequest request, CancellationToken cancellationToken) => inner.ListAsync(request, cancellationToken);

    public ValueTask DeleteAsync(string key, CancellationToken cancellationToken) => inner.DeleteAsync(key, cancellationToken);

    public ValueTask<DeleteResult> DeleteManyAsync(IReadOnlyList<string> keys, CancellationToken cancellationToken) => inner.DeleteManyAsync(keys, cancellationToken);

    public void Dispose() => _cts.Dispose();

    private PutResult Wrote(PutResult result)
    {
        if (Interlocked.Increment(ref _writes) == cancelAfterWrites)
        {
            _cts.Cancel();
        }

        return result;
    }

    private sealed class Upload(CancellingObjectStore owner, IMultipartUpload upload) : IMultipartUpload
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
