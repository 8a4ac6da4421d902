using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using S3Fs.Core.Storage;

namespace S3Fs.Core.Content.Caching;

/// <summary>
/// The 88-byte header of a disk-cache file, which says exactly which stored block the file claims to be, so that a
/// file that is torn, truncated, corrupted, misplaced or left over from another object version is recognised and
/// discarded instead of trusted. Layout (big-endian):
/// <code>
///  0  4  magic "S3CB"
///  4  2  cache format version (1)
///  6  2  header size (88)
///  8 32  SHA-256 of the object key (UTF-8): the key name itself is not written to the cache
/// 40 32  SHA-256 of the object's ETag (unquoted, UTF-8)
/// 72  8  block index
/// 80  4  data length (the stored block's length)
/// 84  4  CRC-32C of the data
/// </code>
/// The data follows: the block exactly as stored in S3 (ciphertext), so it is authenticated again when opened.
/// </summary>
internal static class DiskBlockHeader
{
    public const int Size = 88;
    public const ushort Version = 1;
    private static readonly byte[] Magic = "S3CB"u8.ToArray();

    /// <summary>The two hashes identifying an object version (key hash, ETag hash).</summary>
    public static (byte[] KeyHash, byte[] ETagHash) Identity(ObjectVersion version) =>
        (SHA256.HashData(Encoding.UTF8.GetBytes(version.Key)), SHA256.HashData(Encoding.UTF8.GetBytes(version.ETag.Value)));

    public static void Write(Span<byte> header, byte[] keyHash, byte[] etagHash, long blockIndex, ReadOnlySpan<byte> data)
    {
        Magic.CopyTo(header);
        BinaryPrimitives.WriteUInt16BigEndian(header[4..], Version);
        BinaryPrimitives.WriteUInt16BigEndian(header[6..], Size);
        keyHash.CopyTo(header[8..]);
        etagHash.CopyTo(header[40..]);
        BinaryPrimitives.WriteInt64BigEndian(header[72..], blockIndex);
        BinaryPrimitives.WriteInt32BigEndian(header[80..], data.Length);
        BinaryPrimitives.WriteUInt32BigEndian(header[84..], Crc32C.Compute(data));
    }

    /// <summary>Null when <paramref name="file"/> (header and data) is exactly the expected block; else why not.</summary>
    public static string? Validate(ReadOnlySpan<byte> file, byte[] keyHash, byte[] etagHash, long blockIndex, int expectedLength)
    {
        if (file.Length < Size || !file[..4].SequenceEqual(Magic))
        {
            return "not a cache block file";
        }

        if (BinaryPrimitives.ReadUInt16BigEndian(file[4..]) != Version || BinaryPrimitives.ReadUInt16BigEndian(file[6..]) != Size)
        {
            return "another cache format version";
        }

        if (!file.Slice(8, 32).SequenceEqual(keyHash) || !file.Slice(40, 32).SequenceEqual(etagHash))
        {
            return "written for another object or version";
        }

        if (BinaryPrimitives.ReadInt64BigEndian(file[72..]) != blockIndex)
        {
            return "written for another block";
        }

        var length = BinaryPrimitives.ReadInt32BigEndian(file[80..]);
        if (length != expectedLength || file.Length != Size + length)
        {
            return $"length {file.Length - Size} where {expectedLength} was expected";
        }

        return Crc32C.Compute(file[Size..]) == BinaryPrimitives.ReadUInt32BigEndian(file[84..]) ? null : "checksum mismatch";
    }
}
