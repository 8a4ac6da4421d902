namespace S3Fs.Core.Storage;

/// <summary>Which server-side encryption S3 applies to objects it stores for us.</summary>
public enum SseMode
{
    None,

    /// <summary>SSE-S3 (<c>AES256</c>): keys managed by S3.</summary>
    S3,

    /// <summary>SSE-KMS (<c>aws:kms</c>): keys in KMS, optionally with an S3 Bucket Key.</summary>
    Kms,

    /// <summary>SSE-C: a customer-provided key sent with every request.</summary>
    CustomerKey,
}

/// <summary>Server-side encryption settings for a store. Applied to every request that needs them.</summary>
public sealed record ServerSideEncryption
{
    public static readonly ServerSideEncryption None = new();

    public SseMode Mode { get; init; } = SseMode.None;

    /// <summary>SSE-KMS key id, ARN or alias; null uses the bucket's default KMS key.</summary>
    public string? KmsKeyId { get; init; }

    /// <summary>SSE-KMS encryption context (sent as base64 JSON).</summary>
    public IReadOnlyDictionary<string, string>? KmsContext { get; init; }

    /// <summary>Ask S3 to use an S3 Bucket Key for SSE-KMS (fewer KMS calls).</summary>
    public bool KmsBucketKey { get; init; }

    /// <summary>SSE-C: the key new objects are written with.</summary>
    public CustomerKey? CustomerKey { get; init; }

    /// <summary>SSE-C: older keys, tried in order when reading an object the current key does not open.</summary>
    public IReadOnlyList<CustomerKey> OldCustomerKeys { get; init; } = [];
}
