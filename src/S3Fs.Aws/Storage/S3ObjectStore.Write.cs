using System.Security.Cryptography;
using Amazon.S3.Model;
using S3Fs.Core.Storage;

namespace S3Fs.Aws.Storage;

/// <summary>PUT (plain and conditional) and the start of multipart uploads.</summary>
public sealed partial class S3ObjectStore
{
    public async ValueTask<PutResult> PutAsync(PutRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        CheckMetadata("PutObject", request.Key, request.Metadata);
        CheckCondition("PutObject", request.Key, request.Condition);
        var attempts = 0;
        try
        {
            return await RunAsync("PutObject", request.Key, async ct =>
            {
                attempts++;
                var r = new PutObjectRequest
                {
                    BucketName = Bucket,
                    Key = request.Key,
                    // A fresh stream per attempt over the caller's memory: no copy, and a retry starts at byte 0.
                    InputStream = new ReadOnlyMemoryStream(request.Body),
                    AutoCloseStream = true,
                    ContentType = request.Metadata.ContentType,
                };
                AddMetadata(r.Metadata, request.Metadata);
                ApplyCondition(request.Condition, ifMatch => r.IfMatch = ifMatch, ifNoneMatch => r.IfNoneMatch = ifNoneMatch);
                _sse.Apply(r);
                var response = await _client.PutObjectAsync(r, ct).ConfigureAwait(false);
                return new PutResult(ETag.Parse(response.ETag));
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (ObjectStoreException ex) when (ex.Kind == ObjectStoreErrorKind.NotFound && request.Condition.IfMatch is not null)
        {
            // AWS answers If-Match on a missing key with 404, Ceph RGW with 412. Callers get one answer for both:
            // the version they saw is no longer the current one.
            throw new ObjectStoreException(ObjectStoreErrorKind.PreconditionFailed, "PutObject", Bucket, request.Key,
                $"If-Match {request.Condition.IfMatch}: the object no longer exists", ex);
        }
        catch (ObjectStoreException ex) when (ex.Kind == ObjectStoreErrorKind.PreconditionFailed && !request.Condition.IsNone && attempts > 1)
        {
            // A conditional PUT whose first attempt succeeded but whose response was lost is refused on retry
            // by its own write. Recognise our own bytes (a plain PUT's ETag is the body's MD5) before failing.
            if (await IsOwnWriteAsync(request, cancellationToken).ConfigureAwait(false) is { } own)
            {
                return own;
            }

            throw;
        }
    }

    private async ValueTask<PutResult?> IsOwnWriteAsync(PutRequest request, CancellationToken cancellationToken)
    {
        if (_sse.Mode is SseMode.Kms or SseMode.CustomerKey)
        {
            return null; // Under SSE-KMS and SSE-C the ETag is not the MD5 of the body.
        }

        ObjectInfo head;
        try
        {
            head = await HeadAsync(new HeadRequest(request.Key), cancellationToken).ConfigureAwait(false);
        }
        catch (ObjectStoreException)
        {
            return null;
        }

#pragma warning disable CA5351 // MD5 is how S3 names a single-part object's content; not used for security.
        var md5 = Convert.ToHexStringLower(MD5.HashData(request.Body.Span));
#pragma warning restore CA5351
        return head.Size == request.Body.Length && head.ETag.Value == md5 && head.Metadata.UserMetadata.Count == request.Metadata.UserMetadata.Count
            ? new PutResult(head.ETag)
            : null;
    }

    public async ValueTask<IMultipartUpload> StartMultipartUploadAsync(MultipartUploadRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        CheckMetadata("CreateMultipartUpload", request.Key, request.Metadata);
        if (!request.Condition.IsNone && !_capabilities.ConditionalMultipartComplete)
        {
            // Fail before any byte is uploaded rather than complete without the condition.
            throw new ObjectStoreException(ObjectStoreErrorKind.NotSupported, "CreateMultipartUpload", Bucket, request.Key,
                "this server does not honour conditions on CompleteMultipartUpload (capability ConditionalMultipartComplete is off); upload unconditionally or guard the key another way");
        }

        var uploadId = await InitiateAsync(request.Key, request.Metadata, cancellationToken).ConfigureAwait(false);
        return new S3MultipartUpload(this, request.Key, uploadId, request.Condition);
    }

    internal ValueTask<string> InitiateAsync(string key, ObjectMetadata metadata, CancellationToken cancellationToken)
        => RunAsync("CreateMultipartUpload", key, async ct =>
        {
            var r = new InitiateMultipartUploadRequest { BucketName = Bucket, Key = key, ContentType = metadata.ContentType };
            AddMetadata(r.Metadata, metadata);
            _sse.Apply(r);
            var response = await _client.InitiateMultipartUploadAsync(r, ct).ConfigureAwait(false);
            return response.UploadId;
        }, cancellationToken);

    /// <summary>S3 refuses user metadata over 2 KB with a terse 400; say it before sending, with the numbers.</summary>
    private void CheckMetadata(string operation, string key, ObjectMetadata metadata)
    {
        var size = metadata.UserMetadataSize();
        if (size > _capabilities.MaxUserMetadataBytes)
        {
            throw new ObjectStoreException(ObjectStoreErrorKind.Other, operation, Bucket, key,
                $"user metadata is {size} bytes (names plus values); S3 allows {_capabilities.MaxUserMetadataBytes}");
        }
    }

    /// <summary>A condition the server is not known to honour is refused, not silently dropped.</summary>
    private void CheckCondition(string operation, string key, WriteCondition condition)
    {
        if (condition.IfNoneMatchAny && !_capabilities.ConditionalCreate)
        {
            throw new ObjectStoreException(ObjectStoreErrorKind.NotSupported, operation, Bucket, key,
                "If-None-Match: * is not known to be honoured by this server (capability ConditionalCreate is off; run capability detection or configure it)");
        }

        if (condition.IfMatch is not null && !_capabilities.ConditionalReplace)
        {
            throw new ObjectStoreException(ObjectStoreErrorKind.NotSupported, operation, Bucket, key,
                "If-Match on writes is not known to be honoured by this server (capability ConditionalReplace is off; run capability detection or configure it)");
        }
    }

    internal void ApplyCondition(WriteCondition condition, Action<string> setIfMatch, Action<string> setIfNoneMatch)
    {
        if (condition.IfMatch is { } etag)
        {
            setIfMatch(_dialect.FormatForWrite(etag));
        }

        if (condition.IfNoneMatchAny)
        {
            setIfNoneMatch("*");
        }
    }

    internal static void AddMetadata(MetadataCollection target, ObjectMetadata metadata)
    {
        foreach (var (name, value) in metadata.UserMetadata)
        {
            // S3 returns names lower-cased; sending them lower-cased keeps round trips exact.
            target.Add(name.ToLowerInvariant(), value);
        }
    }
}
