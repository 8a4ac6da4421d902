using S3Fs.Core.Storage;

namespace S3Fs.Core.Maintenance;

/// <summary>
/// SSE-C keys for a rotation: objects stored under one of the <see cref="Old"/> keys are copied onto themselves with
/// that key as the copy-source key and <see cref="Current"/> as the new one. The keys stay owned by the caller.
/// </summary>
/// <param name="Current">The key the store writes with (sse_c_key).</param>
/// <param name="Old">Older keys (sse_c_old_keys).</param>
public sealed record CustomerKeyRotation(CustomerKey Current, IReadOnlyList<CustomerKey> Old);

/// <summary>
/// Finds which SSE-C key an object is stored under by HEADing it with each key in turn (the server refuses a wrong
/// key). The key that last opened an object under an old key is tried first, because after a rotation most objects
/// share it: a run then costs one HEAD per object, not one per configured key.
/// </summary>
internal sealed class CustomerKeyFinder
{
    private readonly IObjectStore _store;
    private readonly CustomerKeyRotation _keys;
    private volatile CustomerKey? _lastOld;

    public CustomerKeyFinder(IObjectStore store, CustomerKeyRotation keys)
    {
        _store = store;
        _keys = keys;
    }

    public CustomerKey Current => _keys.Current;

    /// <summary>The object's HEAD and the key that opened it; null Info (and the server's last refusal) when none did.</summary>
    public async ValueTask<(ObjectInfo? Info, CustomerKey? Key, ObjectStoreException? Refusal)> HeadAsync(string key, CancellationToken cancellationToken)
    {
        ObjectStoreException? refusal = null;
        foreach (var candidate in Candidates())
        {
            try
            {
                var info = await _store.HeadAsync(new HeadRequest(key) { CustomerKey = candidate }, cancellationToken).ConfigureAwait(false);
                if (!ReferenceEquals(candidate, _keys.Current))
                {
                    _lastOld = candidate;
                }

                return (info, candidate, null);
            }
            catch (ObjectStoreException e) when (e.Kind == ObjectStoreErrorKind.AccessDenied)
            {
                refusal = e;
            }
        }

        return (null, null, refusal);
    }

    /// <summary>How many keys a failed search tried, and their MD5s (what S3 names SSE-C keys by; safe to show).</summary>
    public string Describe() => string.Join(", ", new[] { _keys.Current }.Concat(_keys.Old).Select(k => "md5:" + k.KeyMd5Base64));

    private List<CustomerKey> Candidates()
    {
        var order = new List<CustomerKey>(_keys.Old.Count + 1);
        if (_lastOld is { } last)
        {
            order.Add(last);
        }

        foreach (var k in new[] { _keys.Current }.Concat(_keys.Old))
        {
            if (!order.Contains(k))
            {
                order.Add(k);
            }
        }

        return order;
    }
}
