using System.Text.Json.Serialization;

namespace S3Fs.Cli.Diagnostics;

/// <summary>What <c>s3cfs stats</c> shows of a running mount; serialised as JSON over the mount's control socket.</summary>
internal sealed record MountStats
{
    [JsonPropertyName("mount_point")]
    public required string MountPoint { get; init; }

    [JsonPropertyName("source")]
    public required string Source { get; init; }

    [JsonPropertyName("pid")]
    public int Pid { get; init; }

    [JsonPropertyName("uptime_seconds")]
    public double UptimeSeconds { get; init; }

    [JsonPropertyName("cache_hits")]
    public long CacheHits { get; init; }

    [JsonPropertyName("cache_misses")]
    public long CacheMisses { get; init; }

    [JsonPropertyName("cache_hit_ratio")]
    public double CacheHitRatio { get; init; }

    [JsonPropertyName("cache_used_bytes")]
    public long CacheUsedBytes { get; init; }

    [JsonPropertyName("cache_capacity_bytes")]
    public long CacheCapacityBytes { get; init; }

    /// <summary>Body bytes received from S3 (GET).</summary>
    [JsonPropertyName("bytes_in")]
    public long BytesIn { get; init; }

    /// <summary>Body bytes sent to S3 (PUT, UploadPart).</summary>
    [JsonPropertyName("bytes_out")]
    public long BytesOut { get; init; }

    [JsonPropertyName("s3_requests")]
    public IReadOnlyDictionary<string, long> S3Requests { get; init; } = new Dictionary<string, long>();

    [JsonPropertyName("kms_calls")]
    public IReadOnlyDictionary<string, long> KmsCalls { get; init; } = new Dictionary<string, long>();

    [JsonPropertyName("known_inodes")]
    public int KnownInodes { get; init; }
}
