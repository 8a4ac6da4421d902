using S3Fs.Testing.Storage;
using S3Fs.Core.Storage;

namespace S3Fs.Cli.Tests.Maintenance;

/// <summary>
/// What S3ObjectStore does for reads with sse_c_old_keys, over the in-memory store: a HEAD or GET without an explicit
/// customer key that the current key does not open is retried with each old key.
/// </summary>
internal sealed class CustomerKeyFallbackStore(IObjectStore inner, IReadOnlyList<CustomerKey> oldKeys) : DelegatingObjectStore(inner)
{
    public override async ValueTask<ObjectInfo> HeadAsync(HeadRequest request, CancellationToken cancellationToken)
    {
        for (var i = -1; ; i++)
        {
            try
            {
                return await Inner.HeadAsync(i < 0 ? request : request with { CustomerKey = oldKeys[i] }, cancellationToken);
            }
            catch (ObjectStoreException e) when (e.Kind == ObjectStoreErrorKind.AccessDenied && request.CustomerKey is null && i + 1 < oldKeys.Count)
            {
            }
        }
    }

    public override async ValueTask<GetRangeResult> GetRangeAsync(GetRangeRequest request, Memory<byte> destination, CancellationToken cancellationToken)
    {
        for (var i = -1; ; i++)
        {
            try
            {
                return await Inner.GetRangeAsync(i < 0 ? request : request with { CustomerKey = oldKeys[i] }, destination, cancellationToken);
            }
            catch (ObjectStoreException e) when (e.Kind == ObjectStoreErrorKind.AccessDenied && request.CustomerKey is null && i + 1 < oldKeys.Count)
            {
            }
        }
    }
}
