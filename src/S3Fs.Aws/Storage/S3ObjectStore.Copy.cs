using Amazon.S3;
using Amazon.S3.Model;
using Microsoft.Extensions.Logging;
using S3Fs.Core.Storage;

namespace S3Fs.Aws.Storage;

/// <summary>
/// Server-side copy: one CopyObject up to <see cref="ObjectStoreCapabilities.MaxSingleCopySize"/>, UploadPartCopy
/// parts above it, and also when the server refuses CopyObject for this source (RGW: SSE-C and SSE-KMS sources). Because some servers (Ceph RGW) ignore <c>x-amz-copy-source-if-match</c>, a copy with a source
/// condition checks the source ETag itself unless a probe showed the server enforces it.
/// Re-keying an SSE-C object (source key other than the current key): Ceph RGW 16 decrypts an UploadPartCopy source
/// with the destination's key, so it cannot re-key server-side at all; such a copy that CopyObject refused, or whose
/// part copies fail on the key, reaches the caller as NotSupported, who streams the bytes instead.
/// </summary>
public sealed partial class S3ObjectStore
{
    public async ValueTask<PutResult> CopyAsync(CopyRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.ReplaceMetadata is { } replace)
        {
            CheckMetadata("CopyObject", request.DestinationKey, replace);
        }

        CheckCondition("CopyObject", request.DestinationKey, request.DestinationCondition);
        if (!request.DestinationCondition.IsNone && !_capabilities.ConditionalCopy)
        {
            throw new ObjectStoreException(ObjectStoreErrorKind.NotSupported, "CopyObject", Bucket, request.DestinationKey,
                "this server does not honour conditions on the destination of CopyObject (capability ConditionalCopy is off); copy unconditionally or guard the key another way");
        }

        var sourceKey = SourceCustomerKey(request.SourceKey, request.SourceCustomerKey);
        var trustSourceCondition = _dialect.CopySourceIfMatchHonoured;

        // The source must be HEADed when its size is unknown, or when its ETag must be checked by us.
        ObjectInfo? source = null;
        if (request.SourceSize is null || (request.SourceIfMatch is not null && !trustSourceCondition))
        {
            source = await HeadAsync(new HeadRequest(request.SourceKey) { CustomerKey = sourceKey, IfMatch = request.SourceIfMatch }, cancellationToken).ConfigureAwait(false);
        }

        var size = request.SourceSize ?? source!.Size;
        if (size > _capabilities.MaxSingleCopySize)
        {
            source ??= await HeadAsync(new HeadRequest(request.SourceKey) { CustomerKey = sourceKey, IfMatch = request.SourceIfMatch }, cancellationToken).ConfigureAwait(false);
            return await MultipartCopyAsync(request, source, sourceKey, cancellationToken).ConfigureAwait(false);
        }

        try
        {
            return await SingleCopyAsync(request, sourceKey, cancellationToken).ConfigureAwait(false);
        }
        catch (ObjectStoreException ex) when (ex.Kind == ObjectStoreErrorKind.NotSupported && _capabilities.UploadPartCopy && !IsReKeying(sourceKey)
                                              && (request.DestinationCondition.IsNone || _capabilities.ConditionalMultipartComplete))
        {
            // Ceph RGW answers CopyObject of an SSE-C or SSE-KMS source with 501 but copies the same source with
            // UploadPartCopy: take that road. Without UploadPartCopy the NotSupported reaches the caller.
            _logger.LogDebug("CopyObject {Source} -> {Destination} not supported by the server ({Reason}); copying with UploadPartCopy", request.SourceKey, request.DestinationKey, ex.Detail);
            source ??= await HeadAsync(new HeadRequest(request.SourceKey) { CustomerKey = sourceKey, IfMatch = request.SourceIfMatch }, cancellationToken).ConfigureAwait(false);
            return await MultipartCopyAsync(request, source, sourceKey, cancellationToken).ConfigureAwait(false);
        }
    }

    private ValueTask<PutResult> SingleCopyAsync(CopyRequest request, CustomerKey? sourceKey, CancellationToken cancellationToken)
        => RunAsync("CopyObject", request.DestinationKey, async ct =>
        {
            var r = new CopyObjectRequest
            {
                SourceBucket = Bucket,
                SourceKey = request.SourceKey,
                DestinationBucket = Bucket,
                DestinationKey = request.DestinationKey,
                MetadataDirective = request.ReplaceMetadata is null ? S3MetadataDirective.COPY : S3MetadataDirective.REPLACE,
            };
            if (request.ReplaceMetadata is { } m)
            {
                r.ContentType = m.ContentType;
                AddMetadata(r.Metadata, m);
            }

            if (request.SourceIfMatch is { } sourceTag)
            {
                r.ETagToMatch = _dialect.FormatForWrite(sourceTag);
            }

            ApplyCondition(request.DestinationCondition, v => r.IfMatch = v, v => r.IfNoneMatch = v);
            _sse.Apply(r, sourceKey);
            var response = await _client.CopyObjectAsync(r, ct).ConfigureAwait(false);
            return new PutResult(ETag.Parse(response.ETag));
        }, cancellationToken);

    /// <summary>
    /// Initiate with the source's (or the replacement) metadata, copy parts concurrently, complete; abort on any
    /// failure so no parts are left billed. The source ETag is pinned on every part and, where the server ignores
    /// that pin, checked again after the copy.
    /// </summary>
    private async ValueTask<PutResult> MultipartCopyAsync(CopyRequest request, ObjectInfo source, CustomerKey? sourceKey, CancellationToken cancellationToken)
    {
        if (!_capabilities.UploadPartCopy)
        {
            throw new ObjectStoreException(ObjectStoreErrorKind.NotSupported, "CopyObject", Bucket, request.DestinationKey,
                $"the source is {source.Size} bytes, above the single-copy limit of {_capabilities.MaxSingleCopySize}, and this server has no UploadPartCopy; copy by reading and uploading instead");
        }

        if (!request.DestinationCondition.IsNone && !_capabilities.ConditionalMultipartComplete)
        {
            throw new ObjectStoreException(ObjectStoreErrorKind.NotSupported, "CopyObject", Bucket, request.DestinationKey,
                "a conditional copy above the single-copy limit needs conditions on CompleteMultipartUpload, which this server does not honour");
        }

        var metadata = request.ReplaceMetadata ?? source.Metadata;
        var partSize = CopyPartSize(source.Size);
        var uploadId = await InitiateAsync(request.DestinationKey, metadata, cancellationToken).ConfigureAwait(false);
        var upload = new S3MultipartUpload(this, request.DestinationKey, uploadId, request.DestinationCondition);
        try
        {
            var count = (int)((source.Size + partSize - 1) / partSize);
            var tasks = new Task<UploadedPart>[count];
            for (var i = 0; i < count; i++)
            {
                var offset = i * partSize;
                var range = new Core.Storage.ByteRange(offset, Math.Min(partSize, source.Size - offset));
                // Each part waits for a concurrency slot inside RunAsync, so starting them all is bounded.
                tasks[i] = upload.CopyPartCoreAsync(i + 1, request.SourceKey, range, source.ETag, sourceKey, cancellationToken).AsTask();
            }

            var parts = await Task.WhenAll(tasks).ConfigureAwait(false);
            var selfCopy = request.SourceKey == request.DestinationKey;
            if (!_dialect.CopySourceIfMatchHonoured && selfCopy)
            {
                // Onto itself: after completion the source *is* the copy, so its version must be checked before.
                await HeadAsync(new HeadRequest(request.SourceKey) { CustomerKey = sourceKey, IfMatch = source.ETag }, cancellationToken).ConfigureAwait(false);
            }

            var result = await upload.CompleteAsync(parts, cancellationToken).ConfigureAwait(false);
            if (!_dialect.CopySourceIfMatchHonoured && !selfCopy)
            {
                var after = await HeadAsync(new HeadRequest(request.SourceKey) { CustomerKey = sourceKey }, cancellationToken).ConfigureAwait(false);
                if (after.ETag != source.ETag)
                {
                    throw new ObjectStoreException(ObjectStoreErrorKind.PreconditionFailed, "CopyObject", Bucket, request.DestinationKey,
                        $"the source {request.SourceKey} changed during the multipart copy (ETag {source.ETag} became {after.ETag}); the destination may mix both versions and must be copied again");
                }
            }

            return result;
        }
        catch (ObjectStoreException ex) when (IsReKeying(sourceKey) && S3ErrorMapper.IsWrongCustomerKey(ex) && ex.Operation == "UploadPartCopy")
        {
            await upload.AbortQuietlyAsync().ConfigureAwait(false);
            throw new ObjectStoreException(ObjectStoreErrorKind.NotSupported, "CopyObject", Bucket, request.DestinationKey,
                $"this server cannot re-key an SSE-C object with UploadPartCopy (Ceph RGW decrypts the source with the destination's key: {ex.Detail}); copy by reading and uploading instead", ex);
        }
        catch
        {
            await upload.AbortQuietlyAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>An SSE-C source read with another key than the one new objects get: the copy changes the customer key.</summary>
    private bool IsReKeying(CustomerKey? sourceKey)
        => sourceKey is not null && _sse.CurrentKey is { } current && sourceKey.KeyMd5Base64 != current.KeyMd5Base64;

    /// <summary>The configured part size, raised when needed to stay within the part-count limit.</summary>
    private long CopyPartSize(long size)
    {
        var caps = _capabilities;
        var partSize = Math.Max(_options.CopyPartSize, caps.MinPartSize);
        var minimumForCount = (size + caps.MaxParts - 1) / caps.MaxParts;
        return Math.Min(Math.Max(partSize, minimumForCount), caps.MaxPartSize);
    }
}
