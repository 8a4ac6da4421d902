using S3Fs.Core.Storage;

namespace S3Fs.Cli.Tests.Maintenance;

/// <summary>
/// What S3ObjectStore does for reads with sse_c_old_keys, over the in-memory store: a HEAD or GET without an explicit
/// customer key that the current key does not open is retried with each old key.
/// </summary>
internal sealed class CustomerKeyFallbackStore(IObjectStore inner, IReadOnlyList<CustomerKey> oldKeys) : IObjectStore
{
    public string Bucket => inner.Bucket;

    public ObjectStoreCapabilities Capabilities => inner.Capabilities;

    public async ValueTask<ObjectInfo> HeadAsync(HeadRequest request, CancellationToken cancellationToken)
    {
        for (var i = -1; ; i++)
        {
            try
            {
                return await inner.HeadAsync(i < 0 ? request : request with { CustomerKey = oldKeys[i] }, cancellationToken);
            }
            catch (ObjectStoreException e) when (e.Kind == ObjectStoreErrorKind.AccessDenied && request.CustomerKey is null && i + 1 < oldKeys.Count)
            {
            }
        }
    }

    public async ValueTask<GetRangeResult> GetRangeAsync(GetRangeRequest request, Memory<byte> destination, CancellationToken cancellationToken)
    {
        for (var i = -1; ; i++)
        {
            try
            {
                return await inner.GetRangeAsync(i < 0 ? request : request with { CustomerKey = oldKeys[i] }, destination, cancellationToken);
            }
            catch (ObjectStoreException e) when (e.Kind == ObjectStoreErrorKind.AccessDenied && request.CustomerKey is null && i + 1 < oldKeys.Count)
            {
            }
        }
    }

    public ValueTask<PutResult> PutAsync(PutRequest request, CancellationToken cancellationToken) => inner.PutAsync(request, cancellationToken);

    public ValueTask<IMultipartUpload> StartMultipartUploadAsync(MultipartUploadRequest request, CancellationToken cancellationToken) => inner.StartMultipartUploadAsync(request, cancellationToken);

    public ValueTask<PutResult> CopyAsync(CopyRequest request, CancellationToken cancellationToken) => inner.CopyAsync(request, cancellationToken);

    public ValueTask<ListPage> ListAsync(ListRequest request, CancellationToken cancellationToken) => inner.ListAsync(request, cancellationToken);

    public ValueTask DeleteAsync(string key, CancellationToken cancellationToken) => inner.DeleteAsync(key, cancellationToken);

    public ValueTask<DeleteResult> DeleteManyAsync(IReadOnlyList<string> keys, CancellationToken cancellationToken) => inner.DeleteManyAsync(keys, cancellationToken);
}
