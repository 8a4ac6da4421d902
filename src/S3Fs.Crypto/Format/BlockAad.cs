using System.Buffers.Binary;

namespace S3Fs.Crypto.Format;

/// <summary>
/// The additional authenticated data of one block (FILE-FORMAT.md §3): format version, block size, file id, block
/// index and final-block flag. Binding these defeats blocks moved between files, reordered within a file, and a
/// file cut at a block boundary (the new last block was not sealed as final).
/// </summary>
public readonly struct BlockAad
{
    /// <summary>1 (version) + 4 (block size) + 16 (file id) + 8 (block index) + 1 (final flag).</summary>
    public const int Size = 1 + 4 + FormatV1.FileIdSize + 8 + 1;

    public BlockAad(int blockSize, FileId fileId, long blockIndex, bool isFinal)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(blockSize);
        ArgumentOutOfRangeException.ThrowIfNegative(blockIndex);
        BlockSize = blockSize;
        FileId = fileId;
        BlockIndex = blockIndex;
        IsFinal = isFinal;
    }

    public int BlockSize { get; }

    public FileId FileId { get; }

    public long BlockIndex { get; }

    public bool IsFinal { get; }

    /// <summary>Writes the <see cref="Size"/> AAD bytes.</summary>
    public void WriteTo(Span<byte> destination)
    {
        if (destination.Length < Size)
        {
            throw new ArgumentException($"The AAD needs {Size} bytes.", nameof(destination));
        }

        destination[0] = FormatV1.Version;
        BinaryPrimitives.WriteUInt32BigEndian(destination[1..], (uint)BlockSize);
        FileId.WriteTo(destination.Slice(5, FormatV1.FileIdSize));
        BinaryPrimitives.WriteUInt64BigEndian(destination[21..], (ulong)BlockIndex);
        destination[29] = IsFinal ? (byte)1 : (byte)0;
    }
}
