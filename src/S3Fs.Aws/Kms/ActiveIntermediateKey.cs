using S3Fs.Crypto.Keys;

namespace S3Fs.Aws.Kms;

/// <summary>
/// The intermediate key currently wrapping new data keys, with the limits that retire it: an expiry time and a
/// maximum number of wraps. Wrapping and retirement share a lock, so a key is never zeroed mid-wrap.
/// </summary>
internal sealed class ActiveIntermediateKey : IDisposable
{
    private readonly Lock _gate = new();
    private readonly byte[] _id;
    private readonly byte[] _kmsCiphertext;
    private readonly byte[] _encodedUserContext;
    private readonly DataKey _key;
    private readonly DateTimeOffset _expiresAt;
    private readonly long _maxWraps;
    private long _wraps;
    private bool _retired;

    public ActiveIntermediateKey(byte[] id, byte[] kmsCiphertext, byte[] encodedUserContext, DataKey key, DateTimeOffset expiresAt, long maxWraps)
    {
        _id = id;
        _kmsCiphertext = kmsCiphertext;
        _encodedUserContext = encodedUserContext;
        _key = key;
        _expiresAt = expiresAt;
        _maxWraps = maxWraps;
        CacheKey = IntermediateKeyBlob.ComputeCacheKey(id, kmsCiphertext, encodedUserContext);
    }

    /// <summary>The key under which the unwrap cache holds this IK (same as <see cref="IntermediateKeyBlob.CacheKey"/> of its blobs).</summary>
    public string CacheKey { get; }

    /// <summary>The IK id in hex: not secret, logged to correlate with the KMS audit trail.</summary>
    public string IdHex => Convert.ToHexStringLower(_id);

    /// <summary>Wraps <paramref name="dataKey"/> unless this IK has expired or used up its wraps.</summary>
    public byte[]? TryWrap(DataKey dataKey, ReadOnlySpan<byte> context, DateTimeOffset now)
    {
        lock (_gate)
        {
            if (_retired || now >= _expiresAt || _wraps >= _maxWraps)
            {
                return null;
            }

            _wraps++;
            return IntermediateKeyBlob.Seal(_id, _kmsCiphertext, _encodedUserContext, _key, dataKey, context);
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _retired = true;
            _key.Dispose();
        }
    }
}
