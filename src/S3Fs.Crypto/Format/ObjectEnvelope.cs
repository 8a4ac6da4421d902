namespace S3Fs.Crypto.Format;

/// <summary>
/// The parsed envelope of one object (FILE-FORMAT.md §4): how its body was sealed and its wrapped data key. It holds
/// no secret: the data key inside <see cref="WrappedKey"/> is encrypted under a master key. Version and algorithm are
/// implied: the codec accepts only v1 and aes-256-gcm.
/// </summary>
public sealed record ObjectEnvelope
{
    public ObjectEnvelope(
        int blockSize,
        FileId fileId,
        string provider,
        string keyId,
        ReadOnlyMemory<byte> wrappedKey,
        ReadOnlyMemory<byte> commitment)
    {
        BlockSize = blockSize;
        FileId = fileId;
        Provider = provider;
        KeyId = keyId;
        WrappedKey = wrappedKey;
        Commitment = commitment;
    }

    public int BlockSize { get; }

    public FileId FileId { get; }

    /// <summary>Key provider (<see cref="KeyProviders"/>).</summary>
    public string Provider { get; }

    public string KeyId { get; }

    public ReadOnlyMemory<byte> WrappedKey { get; }

    /// <summary>HMAC-SHA256 under the commit key over every other field.</summary>
    public ReadOnlyMemory<byte> Commitment { get; }

    public BlockLayout Layout => BlockLayout.ForBlockSize(BlockSize);

    /// <summary>The canonical bytes passed as the context of wrap/unwrap and covered by the commitment.</summary>
    public byte[] Context() => CanonicalEnvelope.Context(BlockSize, FileId, Provider, KeyId);
}
