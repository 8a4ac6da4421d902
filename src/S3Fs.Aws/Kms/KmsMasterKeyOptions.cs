namespace S3Fs.Aws.Kms;

/// <summary>
/// Configuration of a <c>kms</c> master key, one field per mount option (<c>key=kms:...</c>, <c>kms_region</c>,
/// <c>kms_endpoint</c>, <c>kms_context</c>, <c>kms_ik_lifetime</c>, <c>kms_ik_max_wraps</c>, <c>kms_cache_size</c>,
/// <c>kms_cache_ttl</c>, <c>kms_max_attempts</c>). Defaults are chosen for KMS economy with bounded exposure; the
/// reason for each is on its constant.
/// </summary>
public sealed record KmsMasterKeyOptions
{
    /// <summary>
    /// 15 minutes: a mount makes at most 4 GenerateDataKey calls an hour however many files it creates, and a
    /// disabled or revoked key stops new writes within 15 minutes. Objects written in one window share one IK, so
    /// reading them back later costs one Decrypt per window.
    /// </summary>
    public static readonly TimeSpan DefaultIntermediateKeyLifetime = TimeSpan.FromMinutes(15);

    /// <summary>One second: a shorter lifetime could expire between GenerateDataKey and the first wrap, and loop.</summary>
    public static readonly TimeSpan MinIntermediateKeyLifetime = TimeSpan.FromSeconds(1);

    /// <summary>
    /// 2^20 data keys per IK. With random 96-bit GCM nonces the chance of a nonce collision after n wraps is about
    /// n²/2^97, here 2^-57, far below NIST SP 800-38D's 2^-32 bound; it also caps how many files one leaked IK exposes.
    /// </summary>
    public const long DefaultIntermediateKeyMaxWraps = 1L << 20;

    /// <summary>
    /// 1024 IKs (about 100 bytes each with bookkeeping): a mount reading data written over 1024 IK windows (more than
    /// ten days of continuous writing at the default lifetime) still hits the cache.
    /// </summary>
    public const int DefaultCacheCapacity = 1024;

    /// <summary>
    /// 15 minutes, matching the IK lifetime: after a key is disabled or Decrypt is revoked, cached IKs keep serving
    /// reads for at most this long (see SECURITY.md), while a mount reading steadily calls Decrypt at most once per
    /// IK per 15 minutes.
    /// </summary>
    public static readonly TimeSpan DefaultCacheTimeToLive = TimeSpan.FromMinutes(15);

    /// <summary>
    /// 5 attempts (4 retries) in the SDK's standard retry mode, with its exponential backoff and jitter: enough to ride
    /// out a short burst over the KMS request quota, short enough (a few seconds) that a file operation does not hang.
    /// </summary>
    public const int DefaultMaxAttempts = 5;

    /// <summary>The key: id, ARN, alias (<c>alias/name</c>) or alias ARN, with or without the <c>kms:</c> prefix.</summary>
    public required string Key { get; init; }

    /// <summary>AWS region of the key; defaults to the region in an ARN, then to the SDK's default region chain.</summary>
    public string? Region { get; init; }

    /// <summary>A KMS endpoint other than AWS's (VPC endpoint, FIPS endpoint, test server).</summary>
    public Uri? Endpoint { get; init; }

    /// <summary>User encryption-context pairs added to every IK's context (keys must not start with <c>s3cfs:</c>).</summary>
    public IReadOnlyDictionary<string, string> EncryptionContext { get; init; } = new Dictionary<string, string>();

    public TimeSpan IntermediateKeyLifetime { get; init; } = DefaultIntermediateKeyLifetime;

    public long IntermediateKeyMaxWraps { get; init; } = DefaultIntermediateKeyMaxWraps;

    /// <summary>How many unwrapped IKs to keep; 0 disables the cache (one Decrypt per unwrap).</summary>
    public int CacheCapacity { get; init; } = DefaultCacheCapacity;

    /// <summary>How long an unwrapped IK stays usable after the KMS call; zero disables the cache.</summary>
    public TimeSpan CacheTimeToLive { get; init; } = DefaultCacheTimeToLive;

    /// <summary>Total attempts per KMS call, first one included, used when S3Fs builds the client itself.</summary>
    public int MaxAttempts { get; init; } = DefaultMaxAttempts;

    /// <summary>Checks every field; throws <see cref="ArgumentException"/> naming the option and the valid range.</summary>
    public KmsKeyIdentifier Validate()
    {
        var key = KmsKeyIdentifier.Parse(Key);
        if (Region is not null && key.ArnRegion is not null && !string.Equals(Region, key.ArnRegion, StringComparison.Ordinal))
        {
            throw new ArgumentException(
                $"kms_region={Region} but the key ARN {key.Value} is in region {key.ArnRegion}; KMS keys are regional. Drop kms_region or make it match.");
        }

        if (Endpoint is not null && (!Endpoint.IsAbsoluteUri || (Endpoint.Scheme != Uri.UriSchemeHttps && Endpoint.Scheme != Uri.UriSchemeHttp)))
        {
            throw new ArgumentException($"kms_endpoint={Endpoint} must be an absolute http(s) URL, e.g. https://kms.eu-west-1.amazonaws.com.");
        }

        if (IntermediateKeyLifetime < MinIntermediateKeyLifetime)
        {
            throw new ArgumentException(
                $"kms_ik_lifetime must be at least {MinIntermediateKeyLifetime.TotalSeconds} s (default {DefaultIntermediateKeyLifetime.TotalMinutes} minutes); got {IntermediateKeyLifetime}.");
        }

        if (IntermediateKeyMaxWraps is < 1 or > 1L << 32)
        {
            throw new ArgumentException($"kms_ik_max_wraps must be between 1 and 2^32 (NIST's limit for random GCM nonces); got {IntermediateKeyMaxWraps}.");
        }

        if (CacheCapacity < 0 || CacheTimeToLive < TimeSpan.Zero)
        {
            throw new ArgumentException($"kms_cache_size and kms_cache_ttl must not be negative (0 disables the cache); got {CacheCapacity} and {CacheTimeToLive}.");
        }

        if (MaxAttempts is < 1 or > 20)
        {
            throw new ArgumentException($"kms_max_attempts must be between 1 and 20 (default {DefaultMaxAttempts}); got {MaxAttempts}.");
        }

        KmsEncryptionContext.Validate(EncryptionContext);
        return key;
    }
}
