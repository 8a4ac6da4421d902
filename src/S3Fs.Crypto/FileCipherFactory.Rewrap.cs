using S3Fs.Crypto.Format;
using S3Fs.Crypto.Keys;

namespace S3Fs.Crypto;

/// <summary>
/// Key rotation without touching object bodies: an object's data key is unwrapped by whichever configured key
/// wrapped it and wrapped again by the primary key. Only the envelope changes: the file id, block size and body stay,
/// so every block still opens with the same block key. The new envelope gets a new key commitment, because the
/// commitment covers the provider, key id and wrapped key (FILE-FORMAT.md §4).
/// </summary>
public sealed partial class FileCipherFactory
{
    /// <summary>The key that wraps the data keys of new files (and of re-wrapped ones).</summary>
    public IMasterKey PrimaryKey => _ring.Primary;

    /// <summary>Whether <paramref name="envelope"/> names the primary key, i.e. nothing is left to rotate.</summary>
    public bool IsWrappedByPrimary(ObjectEnvelope envelope) =>
        envelope.Provider == _ring.Primary.Provider && envelope.KeyId == _ring.Primary.KeyId;

    /// <summary>Whether some configured key (primary or old) has the envelope's provider and key id.</summary>
    public bool HasKeyFor(ObjectEnvelope envelope) => _ring.TryFind(envelope.Provider, envelope.KeyId, out _);

    /// <summary>
    /// The envelope of the same object with its data key wrapped by the primary key: same block size and file id,
    /// new provider, key id, wrapped key and commitment. The old envelope is authenticated first (unwrap and
    /// commitment), so a tampered envelope is never blessed with a fresh commitment. Throws
    /// <see cref="KeyUnavailableException"/> (no configured key for the envelope, the primary cannot wrap, or a key
    /// service refused) or <see cref="IntegrityException"/> (the envelope does not authenticate).
    /// </summary>
    public async ValueTask<ObjectEnvelope> RewrapAsync(ObjectEnvelope envelope, string? objectKey, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        var primary = _ring.Primary;
        if (!primary.CanWrap)
        {
            throw new KeyUnavailableException(primary.Provider, primary.KeyId, $"The primary key {primary.Provider}:{primary.KeyId} cannot wrap data keys (a public key only?), so it cannot take over existing objects.");
        }

        using var dataKey = await UnwrapVerifiedAsync(envelope, objectKey, cancellationToken).ConfigureAwait(false);
        var context = CanonicalEnvelope.Context(envelope.BlockSize, envelope.FileId, primary.Provider, primary.KeyId);
        var wrapped = await primary.WrapAsync(dataKey, context, cancellationToken).ConfigureAwait(false);
        if (wrapped.Length is 0 or > FormatV1.MaxWrappedKeySize)
        {
            throw new InvalidOperationException(
                $"Key provider {primary.Provider} produced a {wrapped.Length}-byte wrapped key; the envelope holds 1 to {FormatV1.MaxWrappedKeySize} bytes.");
        }

        var commitment = Commit(dataKey, envelope.FileId, context, wrapped);
        return new ObjectEnvelope(envelope.BlockSize, envelope.FileId, primary.Provider, primary.KeyId, wrapped, commitment);
    }
}
