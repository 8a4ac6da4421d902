using S3Fs.Core.Storage;

namespace S3Fs.Aws.Storage;

/// <summary>How the SDK computes and checks request/response checksums.</summary>
public enum ChecksumPolicy
{
    /// <summary>On every operation that supports one (the SDK default; AWS S3 accepts it).</summary>
    WhenSupported,

    /// <summary>Only where the API requires one. Needed by servers such as Ceph RGW 16, which reject the SDK's
    /// trailing checksums with 400 XAmzContentSHA256Mismatch.</summary>
    WhenRequired,
}

/// <summary>Whether a server feature is probed (<see cref="Auto"/>) or configured.</summary>
public enum CapabilitySetting
{
    /// <summary>Learned by <see cref="S3ObjectStore.DetectCapabilitiesAsync"/>; off until then.</summary>
    Auto,

    /// <summary>Known to work: the probe is skipped.</summary>
    Enabled,

    /// <summary>Known not to work (or not wanted): the probe is skipped and callers degrade.</summary>
    Disabled,
}

/// <summary>Static credentials, for tests and for callers that already hold them. Not logged.</summary>
public sealed record S3Credentials(string AccessKeyId, string SecretAccessKey, string? SessionToken = null)
{
    public override string ToString() => $"S3Credentials {{ AccessKeyId = {AccessKeyId} }}";
}

/// <summary>
/// Everything <see cref="S3ObjectStore"/> needs to reach a bucket. Each default is chosen so that a plain
/// <c>new S3StoreOptions { Bucket = "b" }</c> talks to AWS S3 safely; S3-compatible servers set Endpoint,
/// PathStyle and usually <see cref="ChecksumPolicy.WhenRequired"/>.
/// </summary>
public sealed record S3StoreOptions
{
    public required string Bucket { get; init; }

    /// <summary>
    /// Null: AWS S3 for <see cref="Region"/>. Otherwise the server's base URL; a value without a scheme gets
    /// <c>https://</c>, because credentials and SSE-C keys must not cross a network in clear unless asked for.
    /// </summary>
    public string? Endpoint { get; init; }

    /// <summary>Signing region. Null lets the SDK resolve it (AWS_REGION, profile) for AWS, and uses us-east-1
    /// for a custom endpoint, which is what most S3-compatible servers expect.</summary>
    public string? Region { get; init; }

    /// <summary>Path-style addressing (<c>host/bucket/key</c>). Off by default because AWS deprecates it;
    /// most self-hosted servers need it on.</summary>
    public bool PathStyle { get; init; }

    /// <summary>A named profile of the SDK's shared credentials/config files. Null uses the SDK's default
    /// credential chain (environment variables, default profile, container and instance roles).</summary>
    public string? Profile { get; init; }

    /// <summary>Explicit credentials; they win over <see cref="Profile"/>. Meant for tests.</summary>
    public S3Credentials? Credentials { get; init; }

    /// <summary>WhenSupported by default: AWS verifies the checksums and nothing is lost by sending them.</summary>
    public ChecksumPolicy Checksums { get; init; } = ChecksumPolicy.WhenSupported;

    /// <summary>SSE-C sends the key itself in a header, so over plain HTTP it is refused unless this is set.
    /// Off by default; only a loopback test server justifies turning it on.</summary>
    public bool AllowHttpSseC { get; init; }

    /// <summary>None by default: objects are encrypted client-side anyway; SSE is defence in depth.</summary>
    public ServerSideEncryption ServerSideEncryption { get; init; } = ServerSideEncryption.None;

    /// <summary>At most this many requests in flight (64: enough to saturate a 10 Gbit/s link with 8 MiB
    /// parts, while staying far below S3's per-prefix limits of 3,500 writes and 5,500 reads per second).</summary>
    public int MaxConcurrentRequests { get; init; } = 64;

    /// <summary>Our own retry policy (the SDK's retries are off so that behaviour is ours and tested).</summary>
    public RetryOptions Retry { get; init; } = new();

    /// <summary>One attempt may take this long, body included (60 s: an 8 MiB part at 1.1 Mbit/s; slower links
    /// should raise it). A timed-out attempt counts as transient and is retried.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Auto: probed by <see cref="S3ObjectStore.DetectCapabilitiesAsync"/>, never assumed.</summary>
    public CapabilitySetting UploadPartCopy { get; init; } = CapabilitySetting.Auto;

    /// <summary>Auto: probed (<c>If-None-Match: *</c> on PUT).</summary>
    public CapabilitySetting ConditionalCreate { get; init; } = CapabilitySetting.Auto;

    /// <summary>Auto: probed (<c>If-Match</c> on PUT, quoted or not).</summary>
    public CapabilitySetting ConditionalReplace { get; init; } = CapabilitySetting.Auto;

    /// <summary>Auto: probed (<c>If-Match</c>/<c>If-None-Match</c> on CompleteMultipartUpload).</summary>
    public CapabilitySetting ConditionalMultipartComplete { get; init; } = CapabilitySetting.Auto;

    /// <summary>Auto: probed (<c>If-Match</c>/<c>If-None-Match</c> on the destination of CopyObject).</summary>
    public CapabilitySetting ConditionalCopy { get; init; } = CapabilitySetting.Auto;

    /// <summary>Objects larger than this are copied with UploadPartCopy parts. Null uses S3's 5 GB single-copy
    /// limit; tests lower it to exercise multipart copy with small objects.</summary>
    public long? MaxSingleCopySize { get; init; }

    /// <summary>Part size of a multipart copy (512 MiB: 10 parts for a 5 GB object, well inside the 10,000-part
    /// limit up to 5 TB). Raised automatically when a source would need more than 10,000 parts.</summary>
    public long CopyPartSize { get; init; } = 512L * 1024 * 1024;

    /// <summary>How many object keys remember which old SSE-C key opened them (4,096 entries ≈ 0.5 MiB).</summary>
    public int CustomerKeyCacheSize { get; init; } = 4096;

    /// <summary>Test hook: wraps the HTTP handler the SDK sends through (record headers, inject faults).</summary>
    public Func<HttpMessageHandler, HttpMessageHandler>? HttpHandlerDecorator { get; init; }
}
