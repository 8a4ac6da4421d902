using System.Buffers;
using Microsoft.Extensions.Logging;
using S3Fs.Core.Content.Caching;
using S3Fs.Core.Content.Reading;
using S3Fs.Core.Content.Writing;
using S3Fs.Core.Storage;

namespace S3Fs.Core.Content;

/// <summary>
/// What every file of a mount shares: the store, the settings, the caches, the staging area and the mount-wide
/// limits (GETs in flight, part buffers, read-ahead budget). Owned and disposed by <see cref="ContentStore"/>.
/// </summary>
internal sealed class ContentServices
{
    public ContentServices(IObjectStore store, ContentOptions options, DiskBlockCache? disk, StagingArea staging, ILogger logger, TimeProvider time)
    {
        Store = store;
        Options = options;
        Cache = new BlockCache(options.CacheSize);
        BlockBuffers = ArrayPool<byte>.Create(options.BlockSize, RetainedBuffers(options.MaxReadRequest / options.BlockSize));
        FetchBuffers = ArrayPool<byte>.Create(ContentStore.WholeReadLimit, options.MaxConcurrentFetches);
        Disk = disk;
        Staging = staging;
        ReadAhead = new ReadAheadBudget(options.EffectiveReadAheadBudget);
        Fetches = new SemaphoreSlim(options.MaxConcurrentFetches, options.MaxConcurrentFetches);
        PartBuffers = new SemaphoreSlim(options.MaxConcurrentPartBuffers, options.MaxConcurrentPartBuffers);
        Logger = logger;
        Time = time;
    }

    public IObjectStore Store { get; }

    public ContentOptions Options { get; }

    public BlockCache Cache { get; }

    public DiskBlockCache? Disk { get; }

    public StagingArea Staging { get; }

    public ReadAheadBudget ReadAhead { get; }

    /// <summary>Ranged GETs in flight for the mount (each holds a response buffer).</summary>
    public SemaphoreSlim Fetches { get; }

    /// <summary>
    /// Buffers of cached plaintext blocks. A pool of the mount's own, not the shared one: a fetch opens a whole
    /// response's blocks (up to 128) and each insert evicts one, so buffers come back in bursts; the shared pool keeps
    /// only a few per core and drops the rest, which then pile up as garbage in the oldest GC generation (measured:
    /// the process grew ~100 MiB past the cache during random reads). This pool keeps two responses' worth, so evicted
    /// buffers are reused by the next fetch.
    /// </summary>
    public ArrayPool<byte> BlockBuffers { get; }

    /// <summary>
    /// Response buffers of the GETs that read a small object whole (<see cref="ContentStore.WholeReadLimit"/> bytes), at
    /// most one per fetch in flight. Block fetches need none: they stream, one block at a time, into the cache. (Before
    /// they streamed, whole-range response buffers of 1 to 8 MiB, four to six of each size retained, put the mount's
    /// peak resident memory about 70 MiB above the cache in a sequential read.)
    /// </summary>
    public ArrayPool<byte> FetchBuffers { get; }

    /// <summary>Upload part bodies in memory for the mount.</summary>
    public SemaphoreSlim PartBuffers { get; }

    public ILogger Logger { get; }

    public TimeProvider Time { get; }

    /// <summary>Blocks of two full-size responses (at least 64): enough for a burst of evictions, small next to the cache.</summary>
    private static int RetainedBuffers(long blocksPerResponse) => (int)Math.Clamp(2 * blocksPerResponse, 64, 4096);
}
