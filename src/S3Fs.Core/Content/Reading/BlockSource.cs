using System.Buffers;
using Microsoft.Extensions.Logging;
using S3Fs.Core.Content.Caching;
using S3Fs.Core.FileSystem;
using S3Fs.Core.Storage;

namespace S3Fs.Core.Content.Reading;

/// <summary>
/// The blocks of one stored object version: served from the memory cache, else the disk cache (ciphertext, opened
/// again), else fetched with one ranged GET per contiguous run of missing blocks. Every GET carries
/// <c>If-Match</c> with the version's ETag, so one file's reads never mix two versions: a changed object fails the
/// read instead. Concurrent requests for the same block are merged (the second waits for the first fetch). Only blocks
/// that authenticated reach the cache or a caller. Thread-safe; the in-flight map has its own short lock.
/// </summary>
internal sealed partial class BlockSource
{
    private readonly ContentServices _s;
    private readonly Lock _lock = new();
    private readonly Dictionary<long, Task> _inFlight = [];
    private readonly DiskBlockCache.Identity? _diskId;
    private ObjectVersion _version;

    public BlockSource(ContentServices services, ObjectVersion version, BlockFormat format, long plainSize)
    {
        _s = services;
        _version = version;
        CacheIdentity = version;
        Format = format;
        PlainSize = plainSize;
        _diskId = format.IsEncrypted && services.Disk is { } disk ? disk.IdentityOf(version) : null;
    }

    /// <summary>The version whose blocks the caches hold (the version at open; a relocation keeps the same bytes).</summary>
    public ObjectVersion CacheIdentity { get; }

    /// <summary>Where GETs go: changes when the object is copied to a new key or ETag (<see cref="Relocate"/>).</summary>
    public ObjectVersion Version => Volatile.Read(ref _version);

    public BlockFormat Format { get; }

    public long PlainSize { get; }

    public int BlockSize => Format.BlockSize;

    public long BlockCount => Format.BlockCount(PlainSize);

    public void Relocate(ObjectVersion version) => Volatile.Write(ref _version, version);

    public bool IsCached(long index) => _s.Cache.Contains(new BlockKey(CacheIdentity, index));

    /// <summary>Drops block <paramref name="index"/> from the memory cache (it is kept elsewhere: the page cache fill).</summary>
    public void Forget(long index) => _s.Cache.Remove(new BlockKey(CacheIdentity, index));

    /// <summary>Copies plaintext [<paramref name="offset"/>, +<paramref name="destination"/>.Length), which must lie within the object, into <paramref name="destination"/>.</summary>
    public async ValueTask ReadAsync(long offset, Memory<byte> destination, CancellationToken cancellationToken)
    {
        if (destination.IsEmpty)
        {
            return;
        }

        if (offset < 0 || offset + destination.Length > PlainSize)
        {
            throw new ArgumentOutOfRangeException(nameof(offset), $"[{offset}, +{destination.Length}) is outside the {PlainSize}-byte object");
        }

        var first = offset / BlockSize;
        var end = ((offset + destination.Length - 1) / BlockSize) + 1;
        long runStart = -1;
        List<(long Start, long End)>? missing = null;
        for (var i = first; i < end; i++)
        {
            if (_s.Cache.TryGet(new BlockKey(CacheIdentity, i), out var block))
            {
                CopySlice(block.Span, i, offset, destination.Span);
                block.Release();
                if (runStart >= 0)
                {
                    (missing ??= []).Add((runStart, i));
                    runStart = -1;
                }
            }
            else if (runStart < 0)
            {
                runStart = i;
            }
        }

        if (runStart >= 0)
        {
            (missing ??= []).Add((runStart, end));
        }

        if (missing is not null)
        {
            var demand = new Demand(offset, destination);
            foreach (var (start, stop) in missing)
            {
                await FetchAsync(start, stop, demand, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Fetches blocks [<paramref name="first"/>, <paramref name="end"/>) that are neither cached nor in flight, into the
    /// cache. Never faults: a failure is logged and left for a demand read to meet (and report) itself.
    /// </summary>
    public async Task PrefetchAsync(long first, long end, CancellationToken cancellationToken)
    {
        try
        {
            await FetchAsync(first, Math.Min(end, BlockCount), demand: null, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception e)
        {
            // Anything (the store, an integrity failure, the file closed meanwhile): read-ahead is only a hint.
            LogPrefetchFailed(_s.Logger, Version.Key, first, end, e.Message);
        }
    }

    /// <summary>
    /// Opens the whole stored object <paramref name="stored"/> (already fetched, by a GET that also stood in for a HEAD)
    /// into the cache. Throws <see cref="FsException"/> at the first block that does not authenticate.
    /// </summary>
    public void CacheStored(ReadOnlySpan<byte> stored)
    {
        if (stored.Length != Format.StoredSizeOf(PlainSize))
        {
            throw new ArgumentException($"{stored.Length} bytes are not the whole {Format.StoredSizeOf(PlainSize)}-byte object", nameof(stored));
        }

        for (long i = 0; i < BlockCount; i++)
        {
            var at = (int)Format.StoredOffsetOf(i);
            OpenIntoCache(i, stored.Slice(at, (int)Format.StoredLengthOf(i, i + 1, PlainSize)), demand: null);
        }
    }

    /// <summary>The stored bytes (ciphertext as is) of blocks [<paramref name="first"/>, <paramref name="end"/>): for uploads that keep them.</summary>
    public async ValueTask ReadStoredAsync(long first, long end, Memory<byte> destination, CancellationToken cancellationToken)
    {
        var offset = Format.StoredOffsetOf(first);
        var length = Format.StoredLengthOf(first, end, PlainSize);
        var version = Version;
        var got = await _s.Store.GetRangeAsync(new GetRangeRequest(version.Key, new ByteRange(offset, length)) { IfMatch = version.ETag }, destination[..(int)length], cancellationToken).ConfigureAwait(false);
        if (got.BytesRead != length)
        {
            throw ShortRead(version, offset, length, got.BytesRead);
        }
    }

    private async Task FetchAsync(long first, long end, Demand? demand, CancellationToken cancellationToken)
    {
        var own = new List<(long Start, long End, TaskCompletionSource Done)>();
        var waits = new List<(long Index, Task Fetch)>();
        lock (_lock)
        {
            long runStart = -1;
            for (var i = first; i <= end; i++)
            {
                var mine = i < end && !_inFlight.ContainsKey(i) && !(demand is null && IsCached(i));
                if (i < end && !mine && demand is not null)
                {
                    waits.Add((i, _inFlight.GetValueOrDefault(i) ?? Task.CompletedTask));
                }

                if (mine && runStart < 0)
                {
                    runStart = i;
                }
                else if (!mine && runStart >= 0)
                {
                    var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                    for (var j = runStart; j < i; j++)
                    {
                        _inFlight[j] = done.Task;
                    }

                    own.Add((runStart, i, done));
                    runStart = -1;
                }
            }
        }

        try
        {
            foreach (var (start, stop, _) in own)
            {
                for (var a = start; a < stop;)
                {
                    var b = RequestEnd(a, stop);
                    await FetchRangeAsync(a, b, demand, cancellationToken).ConfigureAwait(false);
                    a = b;
                }
            }
        }
        finally
        {
            lock (_lock)
            {
                foreach (var (start, stop, _) in own)
                {
                    for (var j = start; j < stop; j++)
                    {
                        _inFlight.Remove(j);
                    }
                }
            }

            foreach (var (_, _, done) in own)
            {
                done.TrySetResult();
            }
        }

        foreach (var (index, fetch) in waits)
        {
            await fetch.WaitAsync(cancellationToken).ConfigureAwait(false);
            if (_s.Cache.TryGet(new BlockKey(CacheIdentity, index), out var block))
            {
                CopySlice(block.Span, index, demand!.Value.Offset, demand.Value.Destination.Span);
                block.Release();
            }
            else
            {
                // The other fetch failed (or its block was already evicted): fetch it ourselves and meet any error.
                await FetchRangeAsync(index, index + 1, demand, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// End of the request starting at block <paramref name="first"/>: at most <see cref="ContentOptions.MaxReadRequest"/>
    /// bytes of plaintext. Counted in plaintext because read-ahead sizes its requests in plaintext: counting stored bytes
    /// split every 8 MiB read-ahead request of a sealed file into a GET of 127 blocks and one of a single block.
    /// </summary>
    private long RequestEnd(long first, long end)
    {
        var blocks = Math.Max(1, _s.Options.MaxReadRequest / BlockSize);
        return Math.Min(end, first + blocks);
    }

    /// <summary>Blocks [a, b) from the disk tier where valid, the rest with one GET; opened into the cache.</summary>
    private async Task FetchRangeAsync(long a, long b, Demand? demand, CancellationToken cancellationToken)
    {
        var remaining = new List<(long Start, long End)>();
        if (_diskId is not null)
        {
            var buffer = ArrayPool<byte>.Shared.Rent(Format.StoredBlockSize);
            try
            {
                long runStart = -1;
                for (var i = a; i <= b; i++)
                {
                    var hit = false;
                    if (i < b)
                    {
                        var length = (int)Format.StoredLengthOf(i, i + 1, PlainSize);
                        hit = await _s.Disk!.TryReadAsync(_diskId, i, buffer.AsMemory(0, length), cancellationToken).ConfigureAwait(false);
                        if (hit)
                        {
                            try
                            {
                                OpenIntoCache(i, buffer.AsSpan(0, length), demand);
                            }
                            catch (FsException e) when (e.Code == FsErrorCode.IntegrityError)
                            {
                                // A cache file with a valid header whose block does not authenticate: planted or
                                // corrupted on disk. Never trusted: discarded, and the block comes from S3 instead.
                                _s.Disk.Discard(_diskId, i, e.Message);
                                hit = false;
                            }
                        }
                    }

                    if (!hit && i < b && runStart < 0)
                    {
                        runStart = i;
                    }
                    else if ((hit || i == b) && runStart >= 0)
                    {
                        remaining.Add((runStart, i));
                        runStart = -1;
                    }
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
        else
        {
            remaining.Add((a, b));
        }

        foreach (var (start, end) in remaining)
        {
            await GetAndOpenAsync(start, end, demand, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// One ranged GET of blocks [first, end), streamed: each stored block is gathered in a buffer of one block and
    /// opened into the cache as soon as it is complete, so a request of several MiB holds one block of ciphertext in
    /// memory, not the whole range (the memory a mount needs stays near the cache size whatever the request size).
    /// </summary>
    private async Task GetAndOpenAsync(long first, long end, Demand? demand, CancellationToken cancellationToken)
    {
        var offset = Format.StoredOffsetOf(first);
        var length = Format.StoredLengthOf(first, end, PlainSize);
        var version = Version;
        await _s.Fetches.WaitAsync(cancellationToken).ConfigureAwait(false);
        var block = ArrayPool<byte>.Shared.Rent(Format.StoredBlockSize);
        try
        {
            var index = first;
            var filled = 0;
            var blockLength = (int)Format.StoredLengthOf(index, index + 1, PlainSize);
            void Gather(ReadOnlySpan<byte> chunk)
            {
                while (!chunk.IsEmpty && index < end)
                {
                    var take = Math.Min(chunk.Length, blockLength - filled);
                    chunk[..take].CopyTo(block.AsSpan(filled));
                    filled += take;
                    chunk = chunk[take..];
                    if (filled == blockLength)
                    {
                        OpenBlock(index, block.AsSpan(0, blockLength), demand);
                        index++;
                        filled = 0;
                        blockLength = (int)Format.StoredLengthOf(index, index + 1, PlainSize);
                    }
                }
            }

            if (length > 0)
            {
                var got = await _s.Store.StreamRangeAsync(new GetRangeRequest(version.Key, new ByteRange(offset, length)) { IfMatch = version.ETag }, Gather, cancellationToken).ConfigureAwait(false);
                if (got.BytesRead != length)
                {
                    throw ShortRead(version, offset, length, got.BytesRead);
                }
            }

            // An empty final block (a file of a multiple of the block size, or an empty one) is stored but may have no
            // bytes to wait for: open what is left.
            for (; index < end; index++)
            {
                blockLength = (int)Format.StoredLengthOf(index, index + 1, PlainSize);
                OpenBlock(index, block.AsSpan(0, blockLength), demand);
            }
        }
        finally
        {
            Array.Clear(block);
            ArrayPool<byte>.Shared.Return(block);
            _s.Fetches.Release();
        }
    }

    /// <summary>Opens a fetched stored block into the cache and queues its ciphertext for the disk tier.</summary>
    private void OpenBlock(long index, ReadOnlySpan<byte> stored, Demand? demand)
    {
        OpenIntoCache(index, stored, demand);
        if (_diskId is not null)
        {
            _s.Disk!.Enqueue(_diskId, index, stored);
        }
    }

    /// <summary>Opens one stored block into a new cached block; only an authenticated block is cached or copied out.</summary>
    private void OpenIntoCache(long index, ReadOnlySpan<byte> stored, Demand? demand)
    {
        var block = new CachedBlock(Format.PlainLengthOf(index, PlainSize), _s.BlockBuffers);
        try
        {
            Format.Open(index, index == BlockCount - 1, stored, block.WritableSpan, Version.Key);
            _s.Cache.Add(new BlockKey(CacheIdentity, index), block);
            if (demand is { } d)
            {
                CopySlice(block.Span, index, d.Offset, d.Destination.Span);
            }
        }
        finally
        {
            block.Release();
        }
    }

    /// <summary>Copies the part of block <paramref name="index"/> that overlaps the read [readOffset, +destination.Length).</summary>
    private void CopySlice(ReadOnlySpan<byte> plain, long index, long readOffset, Span<byte> destination)
    {
        var blockStart = index * BlockSize;
        var from = Math.Max(blockStart, readOffset);
        var to = Math.Min(blockStart + plain.Length, readOffset + destination.Length);
        if (to > from)
        {
            plain.Slice((int)(from - blockStart), (int)(to - from)).CopyTo(destination[(int)(from - readOffset)..]);
        }
    }

    private static FsException ShortRead(ObjectVersion version, long offset, long length, int got) =>
        new(FsErrorCode.IoError, $"'{version.Key}': the store returned {got} bytes for bytes {offset}-{offset + length - 1} of version {version.ETag}, expected {length} (a broken store or proxy)", level: LogLevel.Error);

    private readonly record struct Demand(long Offset, Memory<byte> Destination);

    [LoggerMessage(EventId = 1501, Level = LogLevel.Debug, Message = "Read-ahead of {Key} blocks {First}-{End} failed (a read of them will retry): {Error}")]
    private static partial void LogPrefetchFailed(ILogger logger, string key, long first, long end, string error);
}
