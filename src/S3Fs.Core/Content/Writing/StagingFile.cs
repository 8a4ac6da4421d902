using System.Buffers;
using System.Buffers.Binary;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Microsoft.Win32.SafeHandles;
using S3Fs.Core.FileSystem;

namespace S3Fs.Core.Content.Writing;

/// <summary>
/// The staged blocks of one dirty file: a temporary file of fixed-size slots, each holding one full plaintext block
/// sealed by the <see cref="StagingArea"/>'s ephemeral key. The associated data binds a slot's content to this file
/// (a random tag), the slot, the block index and a generation number that the owner increments on every write, so a
/// slot cannot be swapped with another slot, another file's slot or an older write of itself without failing
/// authentication. Slots are allocated and freed by the owner (<see cref="FileContent"/>), which decides when a slot
/// may be reused; reads and writes of distinct slots may run concurrently (positional I/O).
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

    /// <summary>Seals a full block (<see cref="BlockSize"/> bytes) into <paramref name="slot"/>.</summary>
    public async ValueTask WriteAsync(int slot, long blockIndex, long generation, ReadOnlyMemory<byte> plain, CancellationToken cancellationToken)
    {
        if (plain.Length != BlockSize)
        {
            throw new ArgumentException($"A staged block holds {BlockSize} bytes; got {plain.Length}.", nameof(plain));
        }

        var buffer = ArrayPool<byte>.Shared.Rent(SlotSize);
        try
        {
            Seal(slot, blockIndex, generation, plain.Span, buffer.AsSpan(0, SlotSize));
            try
            {
                await RandomAccess.WriteAsync(_handle, buffer.AsMemory(0, SlotSize), (long)slot * SlotSize, cancellationToken).ConfigureAwait(false);
            }
            catch (IOException e)
            {
                throw new FsException(FsErrorCode.NoSpace, $"staging a block failed in {_area.DirectoryPath}: {e.Message}", e, LogLevel.Error);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Reads and opens the block in <paramref name="slot"/> into <paramref name="plain"/> (<see cref="BlockSize"/> bytes).</summary>
    public async ValueTask ReadAsync(int slot, long blockIndex, long generation, Memory<byte> plain, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(SlotSize);
        try
        {
            var read = 0;
            while (read < SlotSize)
            {
                var n = await RandomAccess.ReadAsync(_handle, buffer.AsMemory(read, SlotSize - read), ((long)slot * SlotSize) + read, cancellationToken).ConfigureAwait(false);
                if (n == 0)
                {
                    break;
                }

                read += n;
            }

            if (!Open(buffer.AsSpan(0, read), slot, blockIndex, generation, plain.Span))
            {
                throw new FsException(
                    FsErrorCode.IntegrityError,
                    $"staged block {blockIndex} (slot {slot}) in {_area.DirectoryPath} did not authenticate: the staging file was modified or damaged on disk",
                    level: LogLevel.Error);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
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

    public void Dispose() => _handle.Dispose();

    private void Seal(int slot, long blockIndex, long generation, ReadOnlySpan<byte> plain, Span<byte> destination)
    {
        Span<byte> aad = stackalloc byte[AadSize];
        WriteAad(aad, slot, blockIndex, generation);
        _area.Seal(aad, plain, destination);
    }

    private bool Open(ReadOnlySpan<byte> sealedSlot, int slot, long blockIndex, long generation, Span<byte> plain)
    {
        if (sealedSlot.Length != SlotSize)
        {
            return false;
        }

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
