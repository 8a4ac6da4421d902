using System.Security.Cryptography;
using S3Fs.Core.Storage;

namespace S3Fs.Testing.Storage;

/// <summary>
/// An <see cref="IObjectStore"/> in memory with S3's semantics, for unit tests of everything above the store:
/// ETags are the MD5 of a PUT body and "md5-of-md5s-N" for multipart; conditional writes; ranges (a start at or past
/// the end is InvalidRange); ListObjectsV2 with delimiter, common prefixes, continuation tokens and MaxKeys; copy
/// with REPLACE or COPY metadata; UploadPartCopy; batch delete; metadata names lower-cased; the 2 KB metadata limit;
/// SSE-C enforced (an object written with a customer key cannot be read without it). Capabilities are settable, and
/// a feature that is off behaves as <c>S3ObjectStore</c> does on a server without it (NotSupported), so callers'
/// degraded paths can be tested. Thread-safe: one lock guards the object map; bodies are immutable once stored.
/// </summary>
public sealed partial class InMemoryObjectStore : IObjectStore
{
    private readonly Lock _lock = new();
    private readonly SortedDictionary<string, StoredObject> _objects = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;
    private int _nextUploadId;

    public InMemoryObjectStore(string bucket = "in-memory", ObjectStoreCapabilities? capabilities = null, CustomerKey? customerKey = null, TimeProvider? timeProvider = null)
    {
        Bucket = bucket;
        Capabilities = capabilities ?? ObjectStoreCapabilities.AwsDefaults;
        CustomerKey = customerKey;
        _time = timeProvider ?? TimeProvider.System;
    }

    public string Bucket { get; }

    /// <summary>What a real server's Date header says: the store's clock, in whole seconds.</summary>
    public DateTimeOffset? LatestServerDate
    {
        get
        {
            var now = _time.GetUtcNow();
            return now.AddTicks(-(now.UtcTicks % TimeSpan.TicksPerSecond));
        }
    }

    /// <summary>Settable so a test can switch features off (or limits down) mid-test.</summary>
    public ObjectStoreCapabilities Capabilities { get; set; }

    /// <summary>SSE-C key used for writes and, unless a request overrides it, for reads (like the real store's current key).</summary>
    public CustomerKey? CustomerKey { get; set; }

    /// <summary>One stored version of an object.</summary>
    public sealed record StoredObject(byte[] Body, ETag ETag, DateTimeOffset LastModified, ObjectMetadata Metadata, string? CustomerKeyMd5);

    /// <summary>Number of objects.</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _objects.Count;
            }
        }
    }

    /// <summary>Every key, in S3's (ordinal) order.</summary>
    public IReadOnlyList<string> Keys
    {
        get
        {
            lock (_lock)
            {
                return [.. _objects.Keys];
            }
        }
    }

    /// <summary>The stored object, for assertions (no SSE-C check).</summary>
    public StoredObject? Peek(string key)
    {
        lock (_lock)
        {
            return _objects.GetValueOrDefault(key);
        }
    }

    public ValueTask<ObjectInfo> HeadAsync(HeadRequest request, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var obj = Read("HeadObject", request.Key, request.IfMatch, request.CustomerKey);
        return ValueTask.FromResult(new ObjectInfo(request.Key, obj.Body.Length, obj.ETag, obj.LastModified, obj.Metadata));
    }

    public ValueTask<GetRangeResult> GetRangeAsync(GetRangeRequest request, Memory<byte> destination, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (destination.Length < request.Range.Length)
        {
            throw new ArgumentException($"The buffer holds {destination.Length} bytes but the range {request.Range} needs {request.Range.Length}.", nameof(destination));
        }

        var obj = Read("GetObject", request.Key, request.IfMatch, request.CustomerKey);
        if (request.Range.Offset >= obj.Body.Length)
        {
            throw Error(ObjectStoreErrorKind.InvalidRange, "GetObject", request.Key, $"the range {request.Range} starts at or past the end of the {obj.Body.Length}-byte object");
        }

        var n = (int)Math.Min(request.Range.Length, obj.Body.Length - request.Range.Offset);
        obj.Body.AsSpan((int)request.Range.Offset, n).CopyTo(destination.Span);
        return ValueTask.FromResult(new GetRangeResult(n, obj.ETag, obj.Body.Length) { Metadata = obj.Metadata, LastModified = obj.LastModified });
    }

    public ValueTask<GetRangeResult> StreamRangeAsync(GetRangeRequest request, RangeChunkHandler chunk, CancellationToken cancellationToken) =>
        PiecewiseBody.StreamAsync(this, request, chunk, cancellationToken);

    public ValueTask<PutResult> PutAsync(PutRequest request, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        CheckMetadata("PutObject", request.Key, request.Metadata);
        CheckConditionSupported("PutObject", request.Key, request.Condition);
        var body = request.Body.ToArray();
        var etag = new ETag(Md5Hex(body));
        lock (_lock)
        {
            CheckCondition("PutObject", request.Key, request.Condition);
            _objects[request.Key] = new StoredObject(body, etag, _time.GetUtcNow(), Normalize(request.Metadata), CustomerKey?.KeyMd5Base64);
        }

        return ValueTask.FromResult(new PutResult(etag));
    }

    public ValueTask<IMultipartUpload> StartMultipartUploadAsync(MultipartUploadRequest request, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        CheckMetadata("CreateMultipartUpload", request.Key, request.Metadata);
        if (!request.Condition.IsNone && !Capabilities.ConditionalMultipartComplete)
        {
            throw Error(ObjectStoreErrorKind.NotSupported, "CreateMultipartUpload", request.Key, "conditions on CompleteMultipartUpload are not supported (capability ConditionalMultipartComplete is off)");
        }

        CheckConditionSupported("CreateMultipartUpload", request.Key, request.Condition);
        var id = $"upload-{Interlocked.Increment(ref _nextUploadId)}";
        return ValueTask.FromResult<IMultipartUpload>(new InMemoryMultipartUpload(this, request.Key, id, Normalize(request.Metadata), request.Condition, CustomerKey?.KeyMd5Base64));
    }

    public ValueTask<PutResult> CopyAsync(CopyRequest request, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (request.ReplaceMetadata is { } replace)
        {
            CheckMetadata("CopyObject", request.DestinationKey, replace);
        }

        CheckConditionSupported("CopyObject", request.DestinationKey, request.DestinationCondition);
        if (!request.DestinationCondition.IsNone && !Capabilities.ConditionalCopy)
        {
            throw Error(ObjectStoreErrorKind.NotSupported, "CopyObject", request.DestinationKey, "conditions on the copy destination are not supported (capability ConditionalCopy is off)");
        }

        var source = Read("CopyObject", request.SourceKey, request.SourceIfMatch, request.SourceCustomerKey);
        var multipart = source.Body.Length > Capabilities.MaxSingleCopySize;
        if (multipart && !Capabilities.UploadPartCopy)
        {
            throw Error(ObjectStoreErrorKind.NotSupported, "CopyObject", request.DestinationKey,
                $"the source is {source.Body.Length} bytes, above the single-copy limit of {Capabilities.MaxSingleCopySize}, and UploadPartCopy is off");
        }

        if (multipart && !request.DestinationCondition.IsNone && !Capabilities.ConditionalMultipartComplete)
        {
            throw Error(ObjectStoreErrorKind.NotSupported, "CopyObject", request.DestinationKey, "a conditional multipart copy needs ConditionalMultipartComplete");
        }

        var etag = multipart ? MultipartETag([Md5(source.Body)]) : source.ETag;
        var metadata = request.ReplaceMetadata is { } m ? Normalize(m) : source.Metadata;
        lock (_lock)
        {
            CheckCondition("CopyObject", request.DestinationKey, request.DestinationCondition);
            _objects[request.DestinationKey] = new StoredObject(source.Body, etag, _time.GetUtcNow(), metadata, CustomerKey?.KeyMd5Base64);
        }

        return ValueTask.FromResult(new PutResult(etag));
    }

    public ValueTask DeleteAsync(string key, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            _objects.Remove(key);
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask<DeleteResult> DeleteManyAsync(IReadOnlyList<string> keys, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_lock)
        {
            foreach (var key in keys)
            {
                _objects.Remove(key);
            }
        }

        return ValueTask.FromResult(new DeleteResult([.. keys], []));
    }

    /// <summary>Stores a completed multipart upload, applying its condition atomically.</summary>
    internal void Commit(string key, StoredObject obj, WriteCondition condition)
    {
        lock (_lock)
        {
            CheckCondition("CompleteMultipartUpload", key, condition);
            _objects[key] = obj;
        }
    }

    internal DateTimeOffset Now => _time.GetUtcNow();

    /// <summary>Looks up an object for reading: NotFound, If-Match and the SSE-C key are checked.</summary>
    internal StoredObject Read(string operation, string key, ETag? ifMatch, CustomerKey? overrideKey)
    {
        StoredObject? obj;
        lock (_lock)
        {
            obj = _objects.GetValueOrDefault(key);
        }

        if (obj is null)
        {
            throw Error(ObjectStoreErrorKind.NotFound, operation, key, "NoSuchKey: the key does not exist");
        }

        if (ifMatch is { } expected && expected != obj.ETag)
        {
            throw Error(ObjectStoreErrorKind.PreconditionFailed, operation, key, $"If-Match {expected} does not match the current ETag {obj.ETag}");
        }

        var presented = (overrideKey ?? CustomerKey)?.KeyMd5Base64;
        if (obj.CustomerKeyMd5 is not null && presented != obj.CustomerKeyMd5)
        {
            throw Error(ObjectStoreErrorKind.AccessDenied, operation, key, presented is null
                ? "the object is stored with SSE-C and the request has no customer key"
                : "the SSE-C customer key does not match the key the object was stored with");
        }

        return obj;
    }

    internal ObjectStoreException Error(ObjectStoreErrorKind kind, string operation, string key, string message) => new(kind, operation, Bucket, key, message);

    private void CheckMetadata(string operation, string key, ObjectMetadata metadata)
    {
        var size = metadata.UserMetadataSize();
        if (size > Capabilities.MaxUserMetadataBytes)
        {
            throw Error(ObjectStoreErrorKind.Other, operation, key, $"MetadataTooLarge: user metadata is {size} bytes; S3 allows {Capabilities.MaxUserMetadataBytes}");
        }
    }

    private void CheckConditionSupported(string operation, string key, WriteCondition condition)
    {
        if (condition.IfNoneMatchAny && !Capabilities.ConditionalCreate)
        {
            throw Error(ObjectStoreErrorKind.NotSupported, operation, key, "If-None-Match: * is not supported (capability ConditionalCreate is off)");
        }

        if (condition.IfMatch is not null && !Capabilities.ConditionalReplace)
        {
            throw Error(ObjectStoreErrorKind.NotSupported, operation, key, "If-Match on writes is not supported (capability ConditionalReplace is off)");
        }
    }

    /// <summary>Must be called under the lock, so check and write are one atomic step.</summary>
    private void CheckCondition(string operation, string key, WriteCondition condition)
    {
        var existing = _objects.GetValueOrDefault(key);
        if (condition.IfNoneMatchAny && existing is not null)
        {
            throw Error(ObjectStoreErrorKind.PreconditionFailed, operation, key, "If-None-Match: * but the key exists");
        }

        if (condition.IfMatch is { } expected && (existing is null || existing.ETag != expected))
        {
            // S3ObjectStore reports a missing key under If-Match as PreconditionFailed too (AWS says 404, RGW 412).
            throw Error(ObjectStoreErrorKind.PreconditionFailed, operation, key,
                existing is null ? $"If-Match {expected}: the object no longer exists" : $"If-Match {expected} does not match the current ETag {existing.ETag}");
        }
    }

    /// <summary>S3 returns metadata names lower-cased; store them that way.</summary>
    private static ObjectMetadata Normalize(ObjectMetadata metadata)
        => metadata with { UserMetadata = metadata.UserMetadata.ToDictionary(p => p.Key.ToLowerInvariant(), p => p.Value, StringComparer.Ordinal) };

#pragma warning disable CA5351 // MD5 is how S3 computes ETags; not used for security.
    internal static byte[] Md5(ReadOnlySpan<byte> data) => MD5.HashData(data);

    internal static string Md5Hex(ReadOnlySpan<byte> data) => Convert.ToHexStringLower(MD5.HashData(data));

    /// <summary>S3's multipart ETag: MD5 of the concatenated binary part MD5s, then "-" and the part count.</summary>
    internal static ETag MultipartETag(IReadOnlyList<byte[]> partMd5s)
    {
        var all = partMd5s.SelectMany(p => p).ToArray();
        return new ETag($"{Md5Hex(all)}-{partMd5s.Count}");
    }
#pragma warning restore CA5351
}
