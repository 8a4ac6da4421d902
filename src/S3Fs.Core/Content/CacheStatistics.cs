namespace S3Fs.Core.Content;

/// <summary>A snapshot of the memory block cache's counters since the mount started.</summary>
public sealed record CacheStatistics(long Hits, long Misses, long UsedBytes, long CapacityBytes, long Evictions)
{
    /// <summary>Hits over lookups, 0 when nothing was looked up yet.</summary>
    public double HitRatio => Hits + Misses == 0 ? 0 : (double)Hits / (Hits + Misses);
}
