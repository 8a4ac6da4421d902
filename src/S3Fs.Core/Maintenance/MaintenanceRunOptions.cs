namespace S3Fs.Core.Maintenance;

/// <summary>How a <see cref="MaintenanceRunner"/> paces a run.</summary>
public sealed record MaintenanceRunOptions
{
    /// <summary>
    /// Objects handled at once. 8 by default: a run is dominated by per-request latency (a HEAD and a copy per
    /// object for rekey), so a few requests in flight multiply throughput, while staying far below the store's
    /// connection limit (64) and S3's per-prefix request rates. Tasks that hold buffers per object choose less.
    /// </summary>
    public int Concurrency { get; init; } = 8;

    /// <summary>A progress snapshot this often: 5 s keeps a terminal or a log informed without flooding it.</summary>
    public TimeSpan ProgressInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Listed objects waiting for a worker: 2,000 (two ListObjectsV2 pages). The listing stays ahead of the workers
    /// without holding a whole bucket's listing in memory.
    /// </summary>
    public int ListBuffer { get; init; } = 2000;
}
