using System.Security.Cryptography;
using S3Fs.Crypto.Format;

namespace S3Fs.Crypto.Keys;

/// <summary>
/// The key derivations of FILE-FORMAT.md §2 and §6, in one place so the labels cannot drift apart. Every label is
/// versioned (<c>s3cfs/v1/...</c>) so a future format can derive unrelated keys from the same secrets.
/// </summary>
internal static class KeyDerivation
{
    private static readonly byte[] BlockKeyLabel = "s3cfs/v1/block-key"u8.ToArray();
    private static readonly byte[] CommitKeyLabel = "s3cfs/v1/commit-key"u8.ToArray();
    private static readonly byte[] WrapKeyLabel = "s3cfs/v1/wrap-key"u8.ToArray();
    private static readonly byte[] KeyIdLabel = "s3cfs/v1/key-id"u8.ToArray();

    /// <summary>Bytes of a fingerprint kept in a key id: 128 bits, shown as 32 hex digits.</summary>
    public const int KeyIdBytes = 16;

    /// <summary>K_blk = HKDF-Expand(DEK, "s3cfs/v1/block-key" ‖ FID, 32).</summary>
    public static void BlockKey(ReadOnlySpan<byte> dataKey, FileId fileId, Span<byte> destination) =>
        ExpandWithFileId(dataKey, BlockKeyLabel, fileId, destination);

    /// <summary>K_com = HKDF-Expand(DEK, "s3cfs/v1/commit-key" ‖ FID, 32).</summary>
    public static void CommitKey(ReadOnlySpan<byte> dataKey, FileId fileId, Span<byte> destination) =>
        ExpandWithFileId(dataKey, CommitKeyLabel, fileId, destination);

    /// <summary>K_wrap = HKDF-Expand(M, "s3cfs/v1/wrap-key", 32) for the local symmetric providers.</summary>
    public static void WrapKey(ReadOnlySpan<byte> masterKey, Span<byte> destination) =>
        HKDF.Expand(HashAlgorithmName.SHA256, masterKey, destination[..32], WrapKeyLabel);

    /// <summary>Hex of the first 16 bytes of HMAC-SHA256(M, "s3cfs/v1/key-id"): stable, and reveals nothing about M.</summary>
    public static string SymmetricKeyId(ReadOnlySpan<byte> masterKey)
    {
        Span<byte> mac = stackalloc byte[HMACSHA256.HashSizeInBytes];
        HMACSHA256.HashData(masterKey, KeyIdLabel, mac);
        return Convert.ToHexStringLower(mac[..KeyIdBytes]);
    }

    private static void ExpandWithFileId(ReadOnlySpan<byte> dataKey, byte[] label, FileId fileId, Span<byte> destination)
    {
        if (dataKey.Length != FormatV1.DataKeySize)
        {
            throw new ArgumentException($"A data key is {FormatV1.DataKeySize} bytes.", nameof(dataKey));
        }

        Span<byte> info = stackalloc byte[label.Length + FormatV1.FileIdSize];
        label.CopyTo(info);
        fileId.WriteTo(info[label.Length..]);
        HKDF.Expand(HashAlgorithmName.SHA256, dataKey, destination[..32], info);
    }
}
