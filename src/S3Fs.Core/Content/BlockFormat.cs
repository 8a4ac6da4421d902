using S3Fs.Core.FileSystem;
using S3Fs.Crypto;
using S3Fs.Crypto.Format;

namespace S3Fs.Core.Content;

/// <summary>
/// How a file's plaintext blocks are stored in its object: sealed (format v1, one <see cref="FileCipher"/> per file) or
/// plain (the bytes themselves). Everything above this class works in plaintext blocks and asks it where block i
/// lies in the object and how to turn stored bytes into plaintext and back, so one read and write path serves both.
/// Both formats have a final block (possibly empty), so block counts agree: N = max(1, ceil(P / B)).
/// </summary>
internal abstract class BlockFormat : IDisposable
{
    protected BlockFormat(int blockSize, int overhead)
    {
        BlockSize = blockSize;
        Overhead = overhead;
    }

    /// <summary>Plaintext bytes per block.</summary>
    public int BlockSize { get; }

    /// <summary>Bytes a stored block adds to its plaintext (28 sealed, 0 plain).</summary>
    public int Overhead { get; }

    /// <summary>Stored bytes of a full block.</summary>
    public int StoredBlockSize => BlockSize + Overhead;

    public abstract bool IsEncrypted { get; }

    /// <summary>The content layer's user metadata of objects in this format (the envelope; empty when plain).</summary>
    public abstract IReadOnlyDictionary<string, string> Metadata { get; }

    public long BlockCount(long plainSize) => plainSize == 0 ? 1 : ((plainSize - 1) / BlockSize) + 1;

    public long StoredSizeOf(long plainSize) => plainSize + (BlockCount(plainSize) * Overhead);

    public long StoredOffsetOf(long blockIndex) => blockIndex * StoredBlockSize;

    /// <summary>Plaintext bytes of block <paramref name="blockIndex"/> of a file of <paramref name="plainSize"/> bytes.</summary>
    public int PlainLengthOf(long blockIndex, long plainSize) =>
        (int)Math.Min(BlockSize, Math.Max(0, plainSize - (blockIndex * BlockSize)));

    /// <summary>Stored bytes of blocks [<paramref name="first"/>, <paramref name="end"/>) of a file of <paramref name="plainSize"/> bytes.</summary>
    public long StoredLengthOf(long first, long end, long plainSize) =>
        end <= first ? 0 : Math.Min(StoredOffsetOf(end), StoredSizeOf(plainSize)) - StoredOffsetOf(first);

    /// <summary>
    /// Turns stored block <paramref name="blockIndex"/> into plaintext. Throws <see cref="FsException"/>
    /// (<see cref="FsErrorCode.IntegrityError"/>) if it does not authenticate: nothing of it is returned.
    /// </summary>
    public abstract int Open(long blockIndex, bool isFinal, ReadOnlySpan<byte> stored, Span<byte> plain, string objectKey);

    /// <summary>Stores plaintext block <paramref name="blockIndex"/> into <paramref name="destination"/>; returns the stored length.</summary>
    public abstract int Seal(long blockIndex, bool isFinal, ReadOnlySpan<byte> plain, Span<byte> destination);

    public abstract void Dispose();
}

/// <summary>Objects stored as their plaintext (plain volumes, and objects written by other tools).</summary>
internal sealed class PlainBlockFormat(int blockSize) : BlockFormat(blockSize, 0)
{
    private static readonly IReadOnlyDictionary<string, string> NoMetadata = new Dictionary<string, string>(StringComparer.Ordinal);

    public override bool IsEncrypted => false;

    public override IReadOnlyDictionary<string, string> Metadata => NoMetadata;

    public override int Open(long blockIndex, bool isFinal, ReadOnlySpan<byte> stored, Span<byte> plain, string objectKey)
    {
        stored.CopyTo(plain);
        return stored.Length;
    }

    public override int Seal(long blockIndex, bool isFinal, ReadOnlySpan<byte> plain, Span<byte> destination)
    {
        plain.CopyTo(destination);
        return plain.Length;
    }

    public override void Dispose()
    {
    }

    public override string ToString() => $"plain, {BlockSize}-byte blocks";
}

/// <summary>Objects sealed in format v1 with the file's <see cref="FileCipher"/> (which this format owns and disposes).</summary>
internal sealed class SealedBlockFormat(FileCipher cipher) : BlockFormat(cipher.Layout.PlainBlockSize, BlockLayout.Overhead)
{
    public FileCipher Cipher { get; } = cipher;

    public override bool IsEncrypted => true;

    public override IReadOnlyDictionary<string, string> Metadata => Cipher.Metadata;

    public override int Open(long blockIndex, bool isFinal, ReadOnlySpan<byte> stored, Span<byte> plain, string objectKey)
    {
        if (!Cipher.TryOpenBlock(blockIndex, isFinal, stored, plain, out var written))
        {
            throw ContentErrors.Integrity(
                objectKey,
                new IntegrityException(objectKey, blockIndex, "the block did not authenticate (modified, moved, truncated or extended data, or a corrupted cache file)."));
        }

        return written;
    }

    public override int Seal(long blockIndex, bool isFinal, ReadOnlySpan<byte> plain, Span<byte> destination) =>
        Cipher.SealBlock(blockIndex, isFinal, plain, destination);

    public override void Dispose() => Cipher.Dispose();

    public override string ToString() => $"sealed v1, {BlockSize}-byte blocks, file id {Cipher.FileId}";
}
