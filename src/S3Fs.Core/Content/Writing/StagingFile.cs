using System.Buffers;
using System.Buffers.Binary;
using System.IO.Hashing;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Microsoft.Win32.SafeHandles;
using S3Fs.Core.Content.Uploading;
using S3Fs.Core.FileSystem;

namespace S3Fs.Core.Content.Writing;

/// <summary>
/// The staged blocks of one dirty file: a temporary file of fixed-size slots (a block's size plus 28 bytes), each
/// holding one full plaintext block in one of two forms (<see cref="StagedBlock"/>):
/// <list type="bullet">
/// <item><b>Sealed for the object</b> (files of an encrypting volume, once their cipher exists): the block exactly as
/// the object stores it as a non-final block, sealed by the file's own cipher, so an upload sends these bytes as they
/// are (no second and third AES pass). The slot is bound to this write by an XXH3 digest of its bytes, kept in memory
/// (<see cref="StagedBlock.Digest"/>) and checked on every read: a slot moved, damaged or replayed from an earlier
/// write does not match, and is an integrity error before anything is sent or returned.</item>
/// <item><b>Sealed under the <see cref="StagingArea"/>'s ephemeral key</b> (plain volumes, and blocks staged before
/// the file's cipher exists): the associated data binds the slot's content to this file (a random tag), the slot,
/// the block index and a generation number that the owner increments on every write.</item>
/// </list>
/// Either way the disk never holds plaintext. Slots are allocated and freed by the owner (<see cref="FileContent"/>),
/// which decides when a slot may be reused; reads and writes of distinct slots may run concurrently (positional I/O).
/// </summary>
internal sealed class StagingFile : IDisposable
{
    /// <summary>file tag(16) ‖ slot(u32) ‖ block(u64) ‖ generation(u64).</summary>
    private const int AadSize = 36;

    private readonly StagingArea _area;
    private readonly SafeFileHandle _handle;
    private readonly byte[] _tag = RandomNumberGenerator.GetBytes(16);
    private readonly Stack<int> _free = new();
    private readonly Lock _lock = new();
    private int _nextSlot;
    private int _inUse;

    public StagingFile(StagingArea area, SafeFileHandle handle, int blockSize)
    {
        _area = area;
        _handle = handle;
        BlockSize = blockSize;
    }

    public int BlockSize { get; }

    public int SlotSize => BlockSize + StagingArea.Overhead;

    /// <summary>Slots holding data now.</summary>
    public int SlotsInUse
    {
        get
        {
            lock (_lock)
            {
                return _inUse;
            }
        }
    }

    public int Allocate()
    {
        lock (_lock)
        {
            _inUse++;
            return _free.TryPop(out var slot) ? slot : _nextSlot++;
        }
    }

    public void Free(int slot)
    {
        lock (_lock)
        {
            _inUse--;
            _free.Push(slot);
        }
    }

    /// <summary>
    /// Seals a full block (<see cref="BlockSize"/> bytes) into <paramref name="slot"/>: as non-final block
    /// <paramref name="blockIndex"/> of <paramref name="format"/> when one is given, else under the ephemeral key.
    /// Returns what the owner must keep to read it back.
    /// </summary>
    public async ValueTask<StagedBlock> WriteAsync(int slot, long blockIndex, long generation, ReadOnlyMemory<byte> plain, SealedBlockFormat? format, CancellationToken cancellationToken)
    {
        if (plain.Length != BlockSize)
        {
            throw new ArgumentException($"A staged block holds {BlockSize} bytes; got {plain.Length}.", nameof(plain));
        }

        if (format is not null && format.StoredBlockSize != SlotSize)
        {
            throw new ArgumentException($"A {format.BlockSize}-byte block format cannot fill {SlotSize}-byte staging slots.", nameof(format));
        }

        var buffer = ArrayPool<byte>.Shared.Rent(SlotSize);
        try
        {
            var slotBytes = buffer.AsSpan(0, SlotSize);
            ulong digest = 0;
            if (format is null)
            {
                Seal(slot, blockIndex, generation, plain.Span, slotBytes);
            }
            else
            {
                format.Seal(blockIndex, isFinal: false, plain.Span, slotBytes);
                digest = XxHash3.HashToUInt64(slotBytes);
            }

            try
            {
                await RandomAccess.WriteAsync(_handle, buffer.AsMemory(0, SlotSize), (long)slot * SlotSize, cancellationToken).ConfigureAwait(false);
            }
            catch (IOException e)
            {
                throw new FsException(FsErrorCode.NoSpace, $"staging a block failed in {_area.DirectoryPath}: {e.Message}", e, LogLevel.Error);
            }

            return new StagedBlock(slot, generation, format, digest);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Reads and opens staged block <paramref name="blockIndex"/> into <paramref name="plain"/> (<see cref="BlockSize"/> bytes).</summary>
    public async ValueTask ReadAsync(StagedBlock staged, long blockIndex, Memory<byte> plain, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(SlotSize);
        try
        {
            var slotBytes = buffer.AsMemory(0, SlotSize);
            var authentic = await ReadSlotAsync(staged.Slot, slotBytes, cancellationToken).ConfigureAwait(false);
            if (authentic && staged.Format is { } format)
            {
                authentic = XxHash3.HashToUInt64(slotBytes.Span) == staged.Digest
                    && format.Cipher.TryOpenBlock(blockIndex, isFinal: false, slotBytes.Span, plain.Span, out _);
            }
            else if (authentic)
            {
                authentic = Open(slotBytes.Span, staged.Slot, blockIndex, staged.Generation, plain.Span);
            }

            if (!authentic)
            {
                CryptographicOperations.ZeroMemory(plain.Span);
                throw Damaged(staged.Slot, blockIndex);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// Copies a block staged sealed for the object (<see cref="StagedBlock.Format"/> set) into
    /// <paramref name="destination"/> (<see cref="SlotSize"/> bytes) as stored, after checking its digest: no AES pass.
    /// </summary>
    public async ValueTask ReadStoredAsync(StagedBlock staged, long blockIndex, Memory<byte> destination, CancellationToken cancellationToken)
    {
        if (staged.Format is null)
        {
            throw new InvalidOperationException($"Staged block {blockIndex} is sealed under the staging key, not for the object.");
        }

        var slotBytes = destination[..SlotSize];
        if (!await ReadSlotAsync(staged.Slot, slotBytes, cancellationToken).ConfigureAwait(false)
            || XxHash3.HashToUInt64(slotBytes.Span) != staged.Digest)
        {
            slotBytes.Span.Clear();
            throw Damaged(staged.Slot, blockIndex);
        }
    }

    /// <summary>The raw bytes on disk (tests check that they hold no plaintext).</summary>
    internal byte[] ReadRaw()
    {
        var length = RandomAccess.GetLength(_handle);
        var bytes = new byte[length];
        var read = 0;
        while (read < length)
        {
            var n = RandomAccess.Read(_handle, bytes.AsSpan(read), read);
            if (n == 0)
            {
                break;
            }

            read += n;
        }

        return bytes;
    }

    /// <summary>Overwrites raw bytes on disk (tests damage and replay slots).</summary>
    internal void WriteRaw(long offset, ReadOnlySpan<byte> bytes) => RandomAccess.Write(_handle, bytes, offset);

    public void Dispose() => _handle.Dispose();

    /// <summary>Reads a whole slot; false if the file ends before it does (a slot never written, or a damaged file).</summary>
    private async ValueTask<bool> ReadSlotAsync(int slot, Memory<byte> destination, CancellationToken cancellationToken)
    {
        var read = 0;
        while (read < destination.Length)
        {
            var n = await RandomAccess.ReadAsync(_handle, destination[read..], ((long)slot * SlotSize) + read, cancellationToken).ConfigureAwait(false);
            if (n == 0)
            {
                return false;
            }

            read += n;
        }

        return true;
    }

    private FsException Damaged(int slot, long blockIndex) => new(
        FsErrorCode.IntegrityError,
        $"staged block {blockIndex} (slot {slot}) in {_area.DirectoryPath} did not authenticate: the staging file was modified or damaged on disk",
        level: LogLevel.Error);

    private void Seal(int slot, long blockIndex, long generation, ReadOnlySpan<byte> plain, Span<byte> destination)
    {
        Span<byte> aad = stackalloc byte[AadSize];
        WriteAad(aad, slot, blockIndex, generation);
        _area.Seal(aad, plain, destination);
    }

    private bool Open(ReadOnlySpan<byte> sealedSlot, int slot, long blockIndex, long generation, Span<byte> plain)
    {
        Span<byte> aad = stackalloc byte[AadSize];
        WriteAad(aad, slot, blockIndex, generation);
        return _area.TryOpen(aad, sealedSlot, plain);
    }

    private void WriteAad(Span<byte> aad, int slot, long blockIndex, long generation)
    {
        _tag.CopyTo(aad);
        BinaryPrimitives.WriteInt32BigEndian(aad[16..], slot);
        BinaryPrimitives.WriteInt64BigEndian(aad[20..], blockIndex);
        BinaryPrimitives.WriteInt64BigEndian(aad[28..], generation);
    }
}
