namespace S3Fs.Core.Storage;

/// <summary>
/// Features and limits of the server behind an <see cref="IObjectStore"/>. Each flag is either configured or
/// detected by a probe at startup, never assumed; callers degrade when a flag is false.
/// </summary>
public sealed record ObjectStoreCapabilities
{
    /// <summary>The S3 limits, with every optional feature on (AWS S3 as of 2025).</summary>
    public static readonly ObjectStoreCapabilities AwsDefaults = new();

    /// <summary>Only what every S3-compatible server has.</summary>
    public static readonly ObjectStoreCapabilities Minimal = new()
    {
        UploadPartCopy = false,
        ConditionalCreate = false,
        ConditionalReplace = false,
        ConditionalMultipartComplete = false,
        ConditionalCopy = false,
    };

    /// <summary>UploadPartCopy with a source byte range.</summary>
    public bool UploadPartCopy { get; init; } = true;

    /// <summary><c>If-None-Match: *</c> on PUT is honoured.</summary>
    public bool ConditionalCreate { get; init; } = true;

    /// <summary><c>If-Match</c> on PUT is honoured.</summary>
    public bool ConditionalReplace { get; init; } = true;

    /// <summary>
    /// <c>If-Match</c> and <c>If-None-Match: *</c> on CompleteMultipartUpload are honoured (AWS since 2024; Ceph
    /// RGW 16 ignores them). When false, a multipart upload cannot be made conditional.
    /// </summary>
    public bool ConditionalMultipartComplete { get; init; } = true;

    /// <summary>
    /// <c>If-Match</c> and <c>If-None-Match: *</c> on the destination of CopyObject are honoured (Ceph RGW 16
    /// ignores them). When false, a copy cannot be made conditional.
    /// </summary>
    public bool ConditionalCopy { get; init; } = true;

    /// <summary>S3 minimum for every part but the last: 5 MiB.</summary>
    public long MinPartSize { get; init; } = 5L * 1024 * 1024;

    /// <summary>S3 maximum part size: 5 GiB.</summary>
    public long MaxPartSize { get; init; } = 5L * 1024 * 1024 * 1024;

    /// <summary>S3 maximum number of parts: 10,000.</summary>
    public int MaxParts { get; init; } = 10_000;

    /// <summary>Largest object a single CopyObject may copy: 5 GB.</summary>
    public long MaxSingleCopySize { get; init; } = 5L * 1024 * 1024 * 1024;

    /// <summary>User metadata budget (names plus values): 2 KB.</summary>
    public int MaxUserMetadataBytes { get; init; } = 2048;
}
