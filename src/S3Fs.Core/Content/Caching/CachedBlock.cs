using System.Buffers;
using S3Fs.Core.Storage;

namespace S3Fs.Core.Content.Caching;

/// <summary>The identity of a cached block: one block of one object version (a new ETag never hits old blocks).</summary>
internal readonly record struct BlockKey(ObjectVersion Version, long Index);

/// <summary>
/// One plaintext block in a pooled buffer, reference-counted so that the cache can evict it while a reader is still
/// copying from it: the buffer goes back to the pool only when the last holder releases it. Created with one
/// reference (the creator's). Only authenticated plaintext is ever put in one (it is filled by a successful open).
/// </summary>
internal sealed class CachedBlock
{
    private readonly ArrayPool<byte> _pool;
    private byte[]? _buffer;
    private int _references = 1;

    /// <summary>A block of <paramref name="length"/> bytes in a buffer of <paramref name="pool"/> (default: the shared pool).</summary>
    public CachedBlock(int length, ArrayPool<byte>? pool = null)
    {
        _pool = pool ?? ArrayPool<byte>.Shared;
        _buffer = _pool.Rent(Math.Max(1, length));
        Length = length;
    }

    /// <summary>Plaintext bytes in the block.</summary>
    public int Length { get; }

    /// <summary>Bytes of memory the block occupies (the pooled buffer's size): what the cache budget counts.</summary>
    public int Footprint => _buffer?.Length ?? 0;

    /// <summary>The plaintext. Valid while the caller holds a reference.</summary>
    public ReadOnlySpan<byte> Span => (_buffer ?? throw new ObjectDisposedException(nameof(CachedBlock))).AsSpan(0, Length);

    /// <summary>For the creator to fill before the block is shared.</summary>
    public Span<byte> WritableSpan => (_buffer ?? throw new ObjectDisposedException(nameof(CachedBlock))).AsSpan(0, Length);

    /// <summary>Another holder. Only call while holding a reference (or under the cache lock, where the cache holds one).</summary>
    public void AddReference() => Interlocked.Increment(ref _references);

    /// <summary>Drops one reference; the last one returns the buffer (zeroed: it held plaintext) to the pool.</summary>
    public void Release()
    {
        if (Interlocked.Decrement(ref _references) == 0)
        {
            var buffer = Interlocked.Exchange(ref _buffer, null);
            if (buffer is not null)
            {
                Array.Clear(buffer, 0, Length);
                _pool.Return(buffer);
            }
        }
    }
}
