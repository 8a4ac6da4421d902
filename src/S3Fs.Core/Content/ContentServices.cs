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

    /// <summary>Upload part bodies in memory for the mount.</summary>
    public SemaphoreSlim PartBuffers { get; }

    public ILogger Logger { get; }

    public TimeProvider Time { get; }
}
