using System.Numerics;

namespace S3Fs.Crypto.Format;

/// <summary>
/// The offset arithmetic of the body (FILE-FORMAT.md §3) as pure functions: how many blocks a file has, where a
/// block lies in the object, which blocks a plaintext range touches, and the plaintext size of an object from its
/// size alone (so a ListObjects page gives correct sizes without a HEAD per object). No I/O, no keys.
/// </summary>
public readonly struct BlockLayout : IEquatable<BlockLayout>
{
    /// <summary>Per-block overhead: 12-byte nonce plus 16-byte tag.</summary>
    public const int Overhead = FormatV1.BlockOverhead;

    private BlockLayout(int plainBlockSize)
    {
        PlainBlockSize = plainBlockSize;
    }

    /// <summary>The layout of new files (<see cref="FormatV1.DefaultBlockSize"/>).</summary>
    public static BlockLayout Default => new(FormatV1.DefaultBlockSize);

    /// <summary>Plaintext bytes per block (the final block may hold fewer).</summary>
    public int PlainBlockSize { get; }

    /// <summary>Stored bytes per full block.</summary>
    public int CipherBlockSize => PlainBlockSize + Overhead;

    /// <summary>True for a power of two in 4 KiB..8 MiB, the block sizes format v1 allows.</summary>
    public static bool IsValidBlockSize(long blockSize) =>
        blockSize is >= FormatV1.MinBlockSize and <= FormatV1.MaxBlockSize && BitOperations.IsPow2(blockSize);

    /// <summary>The layout for <paramref name="blockSize"/>, which must be a valid v1 block size.</summary>
    public static BlockLayout ForBlockSize(int blockSize)
    {
        if (!IsValidBlockSize(blockSize))
        {
            throw new ArgumentOutOfRangeException(
                nameof(blockSize),
                blockSize,
                $"The block size must be a power of two from {FormatV1.MinBlockSize} to {FormatV1.MaxBlockSize} bytes.");
        }

        return new BlockLayout(blockSize);
    }

    /// <summary>Any positive block size, for exhaustive tests with tiny blocks. Not a valid format layout.</summary>
    internal static BlockLayout CreateUnchecked(int blockSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(blockSize);
        return new BlockLayout(blockSize);
    }

    /// <summary>max(1, ceil(P / B)): there is always a final block, even for an empty file.</summary>
    public long BlockCount(long plainSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(plainSize);
        return plainSize == 0 ? 1 : ((plainSize - 1) / PlainBlockSize) + 1;
    }

    /// <summary>C = P + 28 · BlockCount(P).</summary>
    public long CipherSizeFromPlainSize(long plainSize)
    {
        var blocks = BlockCount(plainSize);
        try
        {
            return checked(plainSize + (blocks * Overhead));
        }
        catch (OverflowException)
        {
            throw new ArgumentOutOfRangeException(nameof(plainSize), plainSize, "The ciphertext size would not fit in 64 bits.");
        }
    }

    /// <summary>
    /// The plaintext size of a body of <paramref name="cipherSize"/> bytes, or false when no valid body has that
    /// size (shorter than 28 bytes, or a trailing piece of 1 to 28 bytes after a full block).
    /// </summary>
    public bool TryPlainSizeFromCipherSize(long cipherSize, out long plainSize)
    {
        plainSize = 0;
        if (cipherSize < Overhead)
        {
            return false;
        }

        var fullBlocks = cipherSize / CipherBlockSize;
        var rest = cipherSize % CipherBlockSize;
        if (rest == 0)
        {
            plainSize = fullBlocks * PlainBlockSize;
            return true;
        }

        if (rest > Overhead)
        {
            plainSize = (fullBlocks * PlainBlockSize) + rest - Overhead;
            return true;
        }

        // A trailing piece of at most 28 bytes is a final block with no plaintext: only the empty file has one.
        if (fullBlocks == 0 && rest == Overhead)
        {
            return true;
        }

        return false;
    }

    /// <summary>As <see cref="TryPlainSizeFromCipherSize"/>, throwing for a size no valid body has.</summary>
    public long PlainSizeFromCipherSize(long cipherSize)
    {
        if (!TryPlainSizeFromCipherSize(cipherSize, out var plainSize))
        {
            throw new ArgumentException(
                $"{cipherSize} bytes cannot be an S3Fs body with {PlainBlockSize}-byte blocks: a body is whole sealed blocks of " +
                $"{CipherBlockSize} bytes followed by a final block of 29 to {CipherBlockSize} bytes, or exactly 28 bytes when empty.",
                nameof(cipherSize));
        }

        return plainSize;
    }

    /// <summary>The block holding plaintext byte <paramref name="plainOffset"/>.</summary>
    public long BlockIndexOf(long plainOffset)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(plainOffset);
        return plainOffset / PlainBlockSize;
    }

    /// <summary>The plaintext offset of the first byte of block <paramref name="blockIndex"/>.</summary>
    public long PlainOffsetOf(long blockIndex)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(blockIndex);
        return checked(blockIndex * PlainBlockSize);
    }

    /// <summary>The body offset where block <paramref name="blockIndex"/> starts.</summary>
    public long CipherOffsetOf(long blockIndex)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(blockIndex);
        return checked(blockIndex * CipherBlockSize);
    }

    /// <summary>True when <paramref name="blockIndex"/> is the last block of a file of <paramref name="plainSize"/> bytes.</summary>
    public bool IsFinalBlock(long blockIndex, long plainSize) => blockIndex == BlockCount(plainSize) - 1;

    /// <summary>Plaintext bytes in block <paramref name="blockIndex"/> of a file of <paramref name="plainSize"/> bytes.</summary>
    public int PlainLengthOf(long blockIndex, long plainSize)
    {
        var count = BlockCount(plainSize);
        if (blockIndex < 0 || blockIndex >= count)
        {
            throw new ArgumentOutOfRangeException(nameof(blockIndex), blockIndex, $"A file of {plainSize} bytes has blocks 0 to {count - 1}.");
        }

        return blockIndex < count - 1 ? PlainBlockSize : (int)(plainSize - (blockIndex * PlainBlockSize));
    }

    /// <summary>The exact body range of block <paramref name="blockIndex"/> of a file of <paramref name="plainSize"/> bytes.</summary>
    public CipherRange CipherRangeOf(long blockIndex, long plainSize) =>
        new(CipherOffsetOf(blockIndex), PlainLengthOf(blockIndex, plainSize) + Overhead);

    /// <summary>
    /// The blocks touched by plaintext bytes [<paramref name="plainOffset"/>, +<paramref name="length"/>), in order, each
    /// with the bytes to skip at its start and the bytes to take. The range is not clamped to a file size.
    /// </summary>
    public BlockSliceRange Explode(long plainOffset, long length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(plainOffset);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        if (length > long.MaxValue - plainOffset)
        {
            throw new ArgumentOutOfRangeException(nameof(length), length, "The range end does not fit in 64 bits.");
        }

        return new BlockSliceRange(PlainBlockSize, plainOffset, length);
    }

    public bool Equals(BlockLayout other) => PlainBlockSize == other.PlainBlockSize;

    public override bool Equals(object? obj) => obj is BlockLayout other && Equals(other);

    public override int GetHashCode() => PlainBlockSize;

    public override string ToString() => $"BlockLayout({PlainBlockSize})";

    public static bool operator ==(BlockLayout left, BlockLayout right) => left.Equals(right);

    public static bool operator !=(BlockLayout left, BlockLayout right) => !left.Equals(right);
}

/// <summary>A byte range of the object body.</summary>
public readonly record struct CipherRange(long Offset, int Length)
{
    /// <summary>Exclusive end.</summary>
    public long End => Offset + Length;
}

/// <summary>
/// The part of one block a plaintext range touches: skip <paramref name="Skip"/> bytes of the block's plaintext, then
/// take <paramref name="Length"/>. <paramref name="IsPartial"/> is true when the slice is not a whole block, which a
/// writer must complete by read-modify-write.
/// </summary>
public readonly record struct BlockSlice(long BlockIndex, int Skip, int Length, bool IsPartial);

/// <summary>The slices of one range, enumerable without allocation (<c>foreach</c> uses the struct enumerator).</summary>
public readonly struct BlockSliceRange
{
    private readonly int _blockSize;
    private readonly long _offset;
    private readonly long _length;

    internal BlockSliceRange(int blockSize, long offset, long length)
    {
        _blockSize = blockSize;
        _offset = offset;
        _length = length;
    }

    /// <summary>Number of blocks touched (0 for an empty range).</summary>
    public long Count => _length == 0 ? 0 : ((_offset + _length - 1) / _blockSize) - (_offset / _blockSize) + 1;

    public Enumerator GetEnumerator() => new(_blockSize, _offset, _length);

    public BlockSlice[] ToArray()
    {
        var result = new BlockSlice[checked((int)Count)];
        var i = 0;
        foreach (var slice in this)
        {
            result[i++] = slice;
        }

        return result;
    }

    /// <summary>Walks the blocks of the range in order.</summary>
    public struct Enumerator
    {
        private readonly int _blockSize;
        private long _position;
        private readonly long _end;

        internal Enumerator(int blockSize, long offset, long length)
        {
            _blockSize = blockSize;
            _position = offset;
            _end = offset + length;
            Current = default;
        }

        public BlockSlice Current { get; private set; }

        public bool MoveNext()
        {
            if (_position >= _end)
            {
                return false;
            }

            var index = _position / _blockSize;
            var skip = (int)(_position - (index * _blockSize));
            var take = (int)Math.Min(_blockSize - skip, _end - _position);
            Current = new BlockSlice(index, skip, take, take != _blockSize);
            _position += take;
            return true;
        }
    }
}
