namespace S3Fs.Crypto.Format;

/// <summary>
/// The constants of format version 1 (docs/FILE-FORMAT.md). They are part of the on-disk format: changing any of
/// them changes how existing objects read, which needs a new format version, never an edit here.
/// </summary>
public static class FormatV1
{
    /// <summary>The value of <c>s3cfs-v</c> and byte 0 of every block's AAD.</summary>
    public const int Version = 1;

    /// <summary>The value of <c>s3cfs-alg</c>.</summary>
    public const string Algorithm = "aes-256-gcm";

    /// <summary>AES-GCM's recommended nonce length (NIST SP 800-38D); random per seal.</summary>
    public const int NonceSize = 12;

    /// <summary>Full-length GCM tag; shorter tags weaken forgery resistance for no useful saving.</summary>
    public const int TagSize = 16;

    /// <summary>Bytes a sealed block adds to its plaintext: nonce plus tag.</summary>
    public const int BlockOverhead = NonceSize + TagSize;

    /// <summary>Smallest block: the 4 KiB page size, the smallest read a kernel issues.</summary>
    public const int MinBlockSize = 4 * 1024;

    /// <summary>Largest block: one block is fetched and authenticated whole, so this caps per-read memory.</summary>
    public const int MaxBlockSize = 8 * 1024 * 1024;

    /// <summary>Block size of new files; docs/PERFORMANCE.md has the measurements behind it.</summary>
    public const int DefaultBlockSize = 64 * 1024;

    /// <summary>Random per-file id, 128 bits: collisions among 2^40 files stay below 2^-48.</summary>
    public const int FileIdSize = 16;

    /// <summary>Data keys are 256-bit AES keys.</summary>
    public const int DataKeySize = 32;

    /// <summary>The key commitment is a full HMAC-SHA256 (a truncated one would halve its collision security).</summary>
    public const int CommitmentSize = 32;

    /// <summary>Largest wrapped-key blob: an RSA-4096 OAEP ciphertext; keeps the envelope within S3's 2 KB.</summary>
    public const int MaxWrappedKeySize = 512;

    /// <summary>Longest key id: KMS key ARNs and alias ARNs stay within 256 characters.</summary>
    public const int MaxKeyIdLength = 256;
}
