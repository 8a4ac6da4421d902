using Amazon.S3;
using Amazon.S3.Model;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using S3Fs.Core.Storage;

namespace S3Fs.Aws.Storage;

/// <summary>
/// <see cref="IObjectStore"/> over AWSSDK.S3, for AWS S3 and S3-compatible servers. Retries, timeouts and
/// concurrency are ours (the SDK's retries are off): each attempt holds one slot of a semaphore, runs under its own
/// timeout, and its failure is mapped to an <see cref="ObjectStoreErrorKind"/> before <see cref="RetryPolicy"/>
/// decides. Server features are configured or probed (<see cref="DetectCapabilitiesAsync"/>), never assumed.
///
/// Server quirks handled here (all found on Ceph RGW 16, none of them breaking AWS behaviour):
/// <list type="bullet">
/// <item>RGW accepts a correct <c>If-Match</c> only unquoted, AWS the RFC quoted form: the form is probed and
///   used for GET and PUT alike (<see cref="ETagHeaderForm"/>). Every GET also checks the returned ETag, so a server
///   that ignored <c>If-Match</c> still cannot mix versions.</item>
/// <item>RGW answers <c>If-Match</c> on a missing key with 412 where AWS answers 404: both become
///   PreconditionFailed.</item>
/// <item>RGW's CompleteMultipartUpload returns an empty ETag: the store then HEADs the object for it.</item>
/// <item>RGW answers CopyObject of an SSE-C or SSE-KMS source with 501 (mapped to NotSupported), yet copies the
///   same source with UploadPartCopy: the store then copies with UploadPartCopy parts, and only when that capability
///   is off does NotSupported reach the caller, who degrades (read and re-upload). RGW's UploadPartCopy decrypts an
///   SSE-C source with the destination's key, so a copy that changes the customer key is NotSupported there too.</item>
/// <item>RGW ignores <c>x-amz-copy-source-if-match</c>: unless a probe showed it honoured, the store checks the
///   source ETag with a HEAD before a copy and again after a multipart copy.</item>
/// <item>RGW ignores <c>If-Match</c>/<c>If-None-Match</c> on the destination of CopyObject: probed into
///   <see cref="ObjectStoreCapabilities.ConditionalCopy"/>; a conditional copy on such a server fails with
///   NotSupported before anything is written.</item>
/// <item>RGW ignores conditions on CompleteMultipartUpload: probed into
///   <see cref="ObjectStoreCapabilities.ConditionalMultipartComplete"/>; a conditional multipart upload on such a
///   server fails at start with NotSupported instead of silently losing its condition.</item>
/// </list>
/// </summary>
public sealed partial class S3ObjectStore : IObjectStore, IDisposable
{
    private readonly S3StoreOptions _options;
    private readonly AmazonS3Client _client;
    private readonly S3HttpClientFactory _httpFactory;
    private readonly SemaphoreSlim _gate;
    private readonly RetryPolicy _retry;
    private readonly ILogger _logger;
    private readonly SseHeaders _sse;
    private readonly CustomerKeyMemory _keyMemory;
    private volatile ObjectStoreCapabilities _capabilities;
    private volatile ServerDialect _dialect;

    public S3ObjectStore(S3StoreOptions options, ILogger<S3ObjectStore>? logger = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var endpoint = S3ClientBuilder.NormalizeEndpoint(options.Endpoint);
        S3ClientBuilder.Validate(options, endpoint);
        _options = options;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _retry = new RetryPolicy(options.Retry, timeProvider);
        _gate = new SemaphoreSlim(options.MaxConcurrentRequests, options.MaxConcurrentRequests);
        _sse = new SseHeaders(options.ServerSideEncryption);
        _keyMemory = new CustomerKeyMemory(options.CustomerKeyCacheSize);
        _httpFactory = new S3HttpClientFactory(options.MaxConcurrentRequests, options.HttpHandlerDecorator);
        _client = S3ClientBuilder.Build(options, endpoint, _httpFactory);
        _capabilities = ConfiguredCapabilities(options);
        _dialect = ServerDialect.Assumed(isAws: endpoint is null);
    }

    public string Bucket => _options.Bucket;

    public ObjectStoreCapabilities Capabilities => _capabilities;

    public DateTimeOffset? LatestServerDate => _httpFactory.LatestServerDate;

    /// <summary>How this server wants ETags in conditional headers, and which conditions it ignores.</summary>
    internal ServerDialect Dialect => _dialect;

    internal CustomerKeyMemory CustomerKeyMemory => _keyMemory;

    internal AmazonS3Client Client => _client;

    internal SseHeaders Sse => _sse;

    internal CustomerKey? SourceCustomerKeyFor(string sourceKey) => SourceCustomerKey(sourceKey, null);

    /// <summary>
    /// Probes every capability left on <see cref="CapabilitySetting.Auto"/> (and the server's ETag dialect) with
    /// scratch objects under <paramref name="probePrefix"/>, which are deleted afterwards, and makes the result
    /// this store's <see cref="Capabilities"/>. Configured settings are kept and their probes skipped.
    /// </summary>
    public async ValueTask<ObjectStoreCapabilities> DetectCapabilitiesAsync(string probePrefix, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(probePrefix);
        var probe = new S3CapabilityProbe(this, _options, probePrefix);
        var (caps, dialect) = await probe.RunAsync(_capabilities, _dialect, cancellationToken).ConfigureAwait(false);
        _capabilities = caps;
        _dialect = dialect;
        _logger.LogInformation(
            "S3 capabilities of {Bucket}: UploadPartCopy={UploadPartCopy} ConditionalCreate={ConditionalCreate} ConditionalReplace={ConditionalReplace} ConditionalMultipartComplete={ConditionalMultipartComplete} ConditionalCopy={ConditionalCopy}; If-Match form GET={ReadForm} PUT={WriteForm}; copy-source-if-match honoured={CopySource}",
            Bucket, caps.UploadPartCopy, caps.ConditionalCreate, caps.ConditionalReplace, caps.ConditionalMultipartComplete, caps.ConditionalCopy, dialect.ReadIfMatch, dialect.WriteIfMatch, dialect.CopySourceIfMatchHonoured);
        return caps;
    }

    public async ValueTask<ObjectInfo> HeadAsync(HeadRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        return await WithReadKeyAsync(request.Key, request.CustomerKey, (key, ct) => HeadWithKeyAsync(request, key, ct), cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask<ObjectInfo> HeadWithKeyAsync(HeadRequest request, CustomerKey? customerKey, CancellationToken cancellationToken)
    {
        try
        {
            return await HeadOnceAsync(request, customerKey, cancellationToken).ConfigureAwait(false);
        }
        catch (ObjectStoreException ex) when (S3ErrorMapper.IsBodilessBadRequest(ex))
        {
            // A HEAD error has no body to explain it. Ask the same question with a one-byte GET, whose error
            // does (RGW: a missing or wrong SSE-C key), and report that reason.
            throw await ExplainHeadFailureAsync(request.Key, customerKey, ex, cancellationToken).ConfigureAwait(false);
        }
    }

    private async ValueTask<ObjectStoreException> ExplainHeadFailureAsync(string key, CustomerKey? customerKey, ObjectStoreException headFailure, CancellationToken cancellationToken)
    {
        try
        {
            await RunAsync("HeadObject", key, async ct =>
            {
                var r = new GetObjectRequest { BucketName = Bucket, Key = key, ByteRange = new Amazon.S3.Model.ByteRange(0, 0) };
                SseHeaders.ApplyRead(r, customerKey);
                using var response = await _client.GetObjectAsync(r, ct).ConfigureAwait(false);
                return true;
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (ObjectStoreException explained) when (explained.Kind != ObjectStoreErrorKind.InvalidRange)
        {
            return explained;
        }

        return headFailure;
    }

    private ValueTask<ObjectInfo> HeadOnceAsync(HeadRequest request, CustomerKey? customerKey, CancellationToken cancellationToken)
        => RunAsync("HeadObject", request.Key, async ct =>
        {
            var r = new GetObjectMetadataRequest { BucketName = Bucket, Key = request.Key };
            if (request.IfMatch is { } etag)
            {
                r.EtagToMatch = _dialect.FormatForRead(etag);
            }

            SseHeaders.ApplyRead(r, customerKey);
            var response = await _client.GetObjectMetadataAsync(r, ct).ConfigureAwait(false);
            var info = new ObjectInfo(
                request.Key,
                response.ContentLength,
                ETag.Parse(response.ETag),
                ToUtc(response.LastModified),
                ReadMetadata(response.Metadata, response.Headers.ContentType));
            if (request.IfMatch is { } expected && info.ETag != expected)
            {
                throw Precondition("HeadObject", request.Key, expected, info.ETag);
            }

            return info;
        }, cancellationToken);

    public ValueTask<ListPage> ListAsync(ListRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.MaxKeys is < 1 or > 1000)
        {
            throw new ArgumentOutOfRangeException(nameof(request), request.MaxKeys, "MaxKeys must be between 1 and 1000 (the S3 page limit).");
        }

        return RunAsync("ListObjectsV2", request.Prefix, async ct =>
        {
            var r = new ListObjectsV2Request
            {
                BucketName = Bucket,
                Prefix = request.Prefix,
                Delimiter = request.Delimiter,
                ContinuationToken = request.ContinuationToken,
                StartAfter = request.StartAfter,
                MaxKeys = request.MaxKeys,
            };
            var response = await _client.ListObjectsV2Async(r, ct).ConfigureAwait(false);
            var objects = (response.S3Objects ?? []).Select(o => new ListEntry(
                o.Key, o.Size ?? 0, ETag.Parse(o.ETag), ToUtc(o.LastModified))).ToList();
            var prefixes = response.CommonPrefixes ?? [];
            var next = response.IsTruncated == true ? response.NextContinuationToken : null;
            return new ListPage(objects, prefixes, string.IsNullOrEmpty(next) ? null : next);
        }, cancellationToken);
    }

    public async ValueTask DeleteAsync(string key, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        await RunAsync("DeleteObject", key, async ct =>
        {
            await _client.DeleteObjectAsync(new DeleteObjectRequest { BucketName = Bucket, Key = key }, ct).ConfigureAwait(false);
            return true;
        }, cancellationToken).ConfigureAwait(false);
        _keyMemory.Set(key, null);
    }

    /// <summary>S3's DeleteObjects takes at most 1000 keys per request.</summary>
    private const int DeleteBatchSize = 1000;

    public async ValueTask<DeleteResult> DeleteManyAsync(IReadOnlyList<string> keys, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(keys);
        var deleted = new List<string>(keys.Count);
        var failed = new List<DeleteFailure>();
        for (var start = 0; start < keys.Count; start += DeleteBatchSize)
        {
            var batch = keys.Skip(start).Take(DeleteBatchSize).ToList();
            var response = await RunAsync("DeleteObjects", batch[0], async ct =>
            {
                var r = new DeleteObjectsRequest { BucketName = Bucket, Quiet = true };
                foreach (var k in batch)
                {
                    r.AddKey(k);
                }

                return await _client.DeleteObjectsAsync(r, ct).ConfigureAwait(false);
            }, cancellationToken).ConfigureAwait(false);

            var errors = response.DeleteErrors ?? [];
            var failedKeys = new HashSet<string>(errors.Select(e => e.Key), StringComparer.Ordinal);
            foreach (var e in errors)
            {
                var kind = e.Code switch
                {
                    "AccessDenied" => ObjectStoreErrorKind.AccessDenied,
                    "SlowDown" => ObjectStoreErrorKind.Throttled,
                    "InternalError" => ObjectStoreErrorKind.Transient,
                    _ => ObjectStoreErrorKind.Other,
                };
                failed.Add(new DeleteFailure(e.Key, kind, $"{e.Code}: {e.Message}"));
            }

            foreach (var k in batch)
            {
                if (!failedKeys.Contains(k))
                {
                    deleted.Add(k);
                    _keyMemory.Set(k, null);
                }
            }
        }

        return new DeleteResult(deleted, failed);
    }

    public void Dispose()
    {
        _client.Dispose();
        _httpFactory.Dispose();
        _gate.Dispose();
    }

    /// <summary>
    /// One logical operation: attempts under <see cref="RetryPolicy"/>, each holding a concurrency slot and
    /// bounded by <see cref="S3StoreOptions.RequestTimeout"/>; failures are mapped before the policy sees them,
    /// and a cancelled caller gets <see cref="OperationCanceledException"/>, never a retry.
    /// </summary>
    internal ValueTask<T> RunAsync<T>(string operation, string? key, Func<CancellationToken, Task<T>> call, CancellationToken cancellationToken)
        => _retry.ExecuteAsync(
            async (attempt, token) =>
            {
                await _gate.WaitAsync(token).ConfigureAwait(false);
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(token);
                timeout.CancelAfter(_options.RequestTimeout);
                try
                {
                    return await call(timeout.Token).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not ObjectStoreException)
                {
                    token.ThrowIfCancellationRequested();
                    throw S3ErrorMapper.Map(ex, operation, Bucket, key, timeout.IsCancellationRequested, _options.RequestTimeout);
                }
                finally
                {
                    _gate.Release();
                }
            },
            static ex => ex is ObjectStoreException { IsRetryable: true },
            (ex, attempt, delay) => LogRetry(ex, operation, key, attempt, delay),
            cancellationToken);

    private void LogRetry(Exception ex, string operation, string? key, int attempt, TimeSpan delay)
    {
        if (_logger.IsEnabled(LogLevel.Debug))
        {
            _logger.LogDebug("Retrying {Operation} {Key} after attempt {Attempt} in {DelayMs} ms: {Reason}",
                operation, key, attempt, (int)delay.TotalMilliseconds, ex.Message);
        }
    }

    /// <summary>
    /// Runs a read with the right SSE-C key: the caller's override if given; otherwise the key remembered for this
    /// object, then the current key, then each old key, moving on only when the server refuses the key.
    /// </summary>
    private async ValueTask<T> WithReadKeyAsync<T>(string objectKey, CustomerKey? overrideKey, Func<CustomerKey?, CancellationToken, ValueTask<T>> read, CancellationToken cancellationToken)
    {
        if (overrideKey is not null || _sse.Mode != SseMode.CustomerKey)
        {
            return await read(overrideKey ?? _sse.CurrentKey, cancellationToken).ConfigureAwait(false);
        }

        var candidates = new List<CustomerKey>();
        if (_keyMemory.Get(objectKey) is { } remembered)
        {
            candidates.Add(remembered);
        }

        foreach (var k in _sse.ReadKeys())
        {
            if (!candidates.Contains(k))
            {
                candidates.Add(k);
            }
        }

        for (var i = 0; ; i++)
        {
            try
            {
                var result = await read(candidates[i], cancellationToken).ConfigureAwait(false);
                _keyMemory.Set(objectKey, ReferenceEquals(candidates[i], _sse.CurrentKey) ? null : candidates[i]);
                return result;
            }
            catch (ObjectStoreException ex) when (i + 1 < candidates.Count && S3ErrorMapper.IsWrongCustomerKey(ex))
            {
                _logger.LogDebug("SSE-C key {KeyMd5} does not open {Key}; trying the next configured key", candidates[i].KeyMd5Base64, objectKey);
            }
        }
    }

    /// <summary>The SSE-C key a copy or part copy should present for <paramref name="sourceKey"/>.</summary>
    private CustomerKey? SourceCustomerKey(string sourceKey, CustomerKey? explicitKey)
        => _sse.Mode != SseMode.CustomerKey ? explicitKey : explicitKey ?? _keyMemory.Get(sourceKey) ?? _sse.CurrentKey;

    private ObjectStoreException Precondition(string operation, string key, ETag expected, ETag actual)
        => new(ObjectStoreErrorKind.PreconditionFailed, operation, Bucket, key,
            $"the object changed: expected ETag {expected}, the server has {actual}");

    private static ObjectMetadata ReadMetadata(MetadataCollection metadata, string? contentType)
    {
        var user = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var name in metadata.Keys)
        {
            var bare = name.StartsWith("x-amz-meta-", StringComparison.OrdinalIgnoreCase) ? name["x-amz-meta-".Length..] : name;
            user[bare.ToLowerInvariant()] = metadata[name];
        }

        return new ObjectMetadata { UserMetadata = user, ContentType = string.IsNullOrEmpty(contentType) ? null : contentType };
    }

    /// <summary>The SDK parses HTTP dates as UTC but may label them Local or Unspecified; pin them to UTC.</summary>
    private static DateTimeOffset ToUtc(DateTime? value) => value is not { } v
        ? DateTimeOffset.UnixEpoch
        : new DateTimeOffset(v.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(v, DateTimeKind.Utc) : v.ToUniversalTime());

    private static ObjectStoreCapabilities ConfiguredCapabilities(S3StoreOptions o)
    {
        // Auto means "off until probed": a feature is never assumed.
        var caps = ObjectStoreCapabilities.AwsDefaults with
        {
            UploadPartCopy = o.UploadPartCopy == CapabilitySetting.Enabled,
            ConditionalCreate = o.ConditionalCreate == CapabilitySetting.Enabled,
            ConditionalReplace = o.ConditionalReplace == CapabilitySetting.Enabled,
            ConditionalMultipartComplete = o.ConditionalMultipartComplete == CapabilitySetting.Enabled,
            ConditionalCopy = o.ConditionalCopy == CapabilitySetting.Enabled,
        };
        return o.MaxSingleCopySize is { } max ? caps with { MaxSingleCopySize = max } : caps;
    }
}
