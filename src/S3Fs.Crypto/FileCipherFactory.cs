using System.Security.Cryptography;
using S3Fs.Crypto.Ciphers;
using S3Fs.Crypto.Format;
using S3Fs.Crypto.Keys;

namespace S3Fs.Crypto;

/// <summary>
/// Makes the <see cref="FileCipher"/> of a new file (fresh data key and file id, wrapped by the ring's primary key)
/// or of an existing object (envelope parsed, data key unwrapped by the matching key, key commitment verified before
/// any block is opened). The one entry point the rest of S3Fs uses for file encryption. Key rotation (re-wrapping an
/// existing object's data key under the primary key) is in FileCipherFactory.Rewrap.cs.
/// </summary>
public sealed partial class FileCipherFactory
{
    private readonly MasterKeyRing _ring;
    private readonly DataKeyCache? _cache;

    public FileCipherFactory(MasterKeyRing ring, DataKeyCache? cache = null, int blockSize = FormatV1.DefaultBlockSize)
    {
        _ring = ring;
        _cache = cache;
        Layout = BlockLayout.ForBlockSize(blockSize);
    }

    /// <summary>The layout of new files.</summary>
    public BlockLayout Layout { get; }

    /// <summary>A new file: random data key and file id, data key wrapped by the primary master key.</summary>
    public async ValueTask<FileCipher> CreateAsync(string? objectKey, CancellationToken cancellationToken)
    {
        var primary = _ring.Primary;
        if (!primary.CanWrap)
        {
            throw new KeyUnavailableException(primary.Provider, primary.KeyId, $"The primary key {primary.Provider}:{primary.KeyId} cannot wrap data keys, so this mount cannot create files.");
        }

        using var dataKey = DataKey.Generate();
        var fileId = FileId.New();
        var blockSize = Layout.PlainBlockSize;
        var context = CanonicalEnvelope.Context(blockSize, fileId, primary.Provider, primary.KeyId);
        var wrapped = await primary.WrapAsync(dataKey, context, cancellationToken).ConfigureAwait(false);
        if (wrapped.Length is 0 or > FormatV1.MaxWrappedKeySize)
        {
            throw new InvalidOperationException(
                $"Key provider {primary.Provider} produced a {wrapped.Length}-byte wrapped key; the envelope holds 1 to {FormatV1.MaxWrappedKeySize} bytes.");
        }

        var commitment = Commit(dataKey, fileId, context, wrapped);
        var envelope = new ObjectEnvelope(blockSize, fileId, primary.Provider, primary.KeyId, wrapped, commitment);
        if (primary.CanUnwrap)
        {
            // A write-only (public-key) mount must not read back through the cache what it cannot unwrap.
            _cache?.Add(primary, wrapped, context, dataKey);
        }

        return new FileCipher(envelope, BlockCipherFor(dataKey, fileId), objectKey);
    }

    /// <summary>
    /// An existing object from its user metadata. Throws <see cref="EnvelopeFormatException"/> (bad envelope),
    /// <see cref="KeyUnavailableException"/> (no matching key, or the key service refused) or
    /// <see cref="IntegrityException"/> (wrapped key or envelope altered, or commitment mismatch).
    /// </summary>
    public async ValueTask<FileCipher> OpenAsync(IReadOnlyDictionary<string, string> metadata, string? objectKey, CancellationToken cancellationToken)
    {
        var envelope = EnvelopeCodec.Decode(metadata);
        using var dataKey = await UnwrapVerifiedAsync(envelope, objectKey, cancellationToken).ConfigureAwait(false);
        return new FileCipher(envelope, BlockCipherFor(dataKey, envelope.FileId), objectKey);
    }

    /// <summary>
    /// The data key of <paramref name="envelope"/>, unwrapped by the matching configured key and checked against the
    /// key commitment; the caller disposes it. Throws as <see cref="OpenAsync"/> does.
    /// </summary>
    private async ValueTask<DataKey> UnwrapVerifiedAsync(ObjectEnvelope envelope, string? objectKey, CancellationToken cancellationToken)
    {
        var masterKey = _ring.Find(envelope.Provider, envelope.KeyId, objectKey);
        var context = envelope.Context();
        DataKey dataKey;
        try
        {
            dataKey = _cache is null
                ? await masterKey.UnwrapAsync(envelope.WrappedKey, context, cancellationToken).ConfigureAwait(false)
                : await _cache.GetOrUnwrapAsync(masterKey, envelope.WrappedKey, context, cancellationToken).ConfigureAwait(false);
        }
        catch (CryptographicException ex)
        {
            throw new IntegrityException(
                objectKey,
                null,
                $"its data key did not unwrap with {envelope.Provider} key {envelope.KeyId}: the wrapped key or the envelope fields it is bound to were altered.",
                ex);
        }

        var expected = Commit(dataKey, envelope.FileId, context, envelope.WrappedKey.Span);
        if (!CryptographicOperations.FixedTimeEquals(expected, envelope.Commitment.Span))
        {
            dataKey.Dispose();
            throw new IntegrityException(objectKey, null, "the key commitment does not match: the envelope was altered, or its data key is not the one the object was sealed with.");
        }

        return dataKey;
    }

    private static byte[] Commit(DataKey dataKey, FileId fileId, ReadOnlySpan<byte> context, ReadOnlySpan<byte> wrapped)
    {
        Span<byte> commitKey = stackalloc byte[FormatV1.DataKeySize];
        try
        {
            KeyDerivation.CommitKey(dataKey.Span, fileId, commitKey);
            return CanonicalEnvelope.Commitment(commitKey, context, wrapped);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(commitKey);
        }
    }

    private static AesGcmBlockCipher BlockCipherFor(DataKey dataKey, FileId fileId)
    {
        Span<byte> blockKey = stackalloc byte[FormatV1.DataKeySize];
        try
        {
            KeyDerivation.BlockKey(dataKey.Span, fileId, blockKey);
            return new AesGcmBlockCipher(blockKey);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(blockKey);
        }
    }
}
