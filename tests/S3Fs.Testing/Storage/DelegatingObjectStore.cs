using S3Fs.Core.Storage;

namespace S3Fs.Testing.Storage;

/// <summary>Passes every call to an inner store; test decorators override only the calls they change.</summary>
public abstract class DelegatingObjectStore(IObjectStore inner) : IObjectStore
{
    protected IObjectStore Inner => inner;

    public string Bucket => inner.Bucket;

    public virtual ObjectStoreCapabilities Capabilities => inner.Capabilities;

    public virtual DateTimeOffset? LatestServerDate => inner.LatestServerDate;

    public virtual ValueTask<ObjectInfo> HeadAsync(HeadRequest request, CancellationToken cancellationToken) => inner.HeadAsync(request, cancellationToken);

    public virtual ValueTask<GetRangeResult> GetRangeAsync(GetRangeRequest request, Memory<byte> destination, CancellationToken cancellationToken) =>
        inner.GetRangeAsync(request, destination, cancellationToken);

    public virtual ValueTask<PutResult> PutAsync(PutRequest request, CancellationToken cancellationToken) => inner.PutAsync(request, cancellationToken);

    public virtual ValueTask<IMultipartUpload> StartMultipartUploadAsync(MultipartUploadRequest request, CancellationToken cancellationToken) =>
        inner.StartMultipartUploadAsync(request, cancellationToken);

    public virtual ValueTask<PutResult> CopyAsync(CopyRequest request, CancellationToken cancellationToken) => inner.CopyAsync(request, cancellationToken);

    public virtual ValueTask<ListPage> ListAsync(ListRequest request, CancellationToken cancellationToken) => inner.ListAsync(request, cancellationToken);

    public virtual ValueTask DeleteAsync(string key, CancellationToken cancellationToken) => inner.DeleteAsync(key, cancellationToken);

    public virtual ValueTask<DeleteResult> DeleteManyAsync(IReadOnlyList<string> keys, CancellationToken cancellationToken) => inner.DeleteManyAsync(keys, cancellationToken);
}
