using Amazon.S3.Model;
using S3Fs.Core.Storage;

namespace S3Fs.Aws.Storage;

/// <summary>
/// One open multipart upload on <see cref="S3ObjectStore"/>. Parts may be uploaded concurrently: each call is an
/// independent request under the store's concurrency limit and retry policy. Completion applies the upload's
/// write condition and, when the server returns no ETag (Ceph RGW), learns it with a HEAD.
/// </summary>
internal sealed class S3MultipartUpload : IMultipartUpload
{
    private readonly S3ObjectStore _store;
    private readonly WriteCondition _condition;

    public S3MultipartUpload(S3ObjectStore store, string key, string uploadId, WriteCondition condition)
    {
        _store = store;
        Key = key;
        UploadId = uploadId;
        _condition = condition;
    }

    public string Key { get; }

    public string UploadId { get; }

    public ValueTask<UploadedPart> UploadPartAsync(int partNumber, ReadOnlyMemory<byte> body, CancellationToken cancellationToken)
    {
        CheckPartNumber(partNumber);
        return _store.RunAsync("UploadPart", Key, async ct =>
        {
            var r = new UploadPartRequest
            {
                BucketName = _store.Bucket,
                Key = Key,
                UploadId = UploadId,
                PartNumber = partNumber,
                InputStream = new ReadOnlyMemoryStream(body),
                PartSize = body.Length,
            };
            _store.Sse.Apply(r);
            var response = await _store.Client.UploadPartAsync(r, ct).ConfigureAwait(false);
            return new UploadedPart(partNumber, ETag.Parse(response.ETag));
        }, cancellationToken);
    }

    public async ValueTask<UploadedPart> UploadPartCopyAsync(int partNumber, string sourceKey, Core.Storage.ByteRange sourceRange, ETag? sourceIfMatch, CancellationToken cancellationToken)
    {
        CheckPartNumber(partNumber);
        if (!_store.Capabilities.UploadPartCopy)
        {
            throw new ObjectStoreException(ObjectStoreErrorKind.NotSupported, "UploadPartCopy", _store.Bucket, Key,
                "this server has no UploadPartCopy (capability off); upload the part's bytes instead");
        }

        var sourceCustomerKey = _store.SourceCustomerKeyFor(sourceKey);
        if (sourceIfMatch is { } expected && !_store.Dialect.CopySourceIfMatchHonoured)
        {
            // The server would ignore x-amz-copy-source-if-match: check the source version ourselves first.
            // This narrows the race to the length of one request; the caller's conditional complete closes it.
            await _store.HeadAsync(new HeadRequest(sourceKey) { IfMatch = expected, CustomerKey = sourceCustomerKey }, cancellationToken).ConfigureAwait(false);
        }

        return await CopyPartCoreAsync(partNumber, sourceKey, sourceRange, sourceIfMatch, sourceCustomerKey, cancellationToken).ConfigureAwait(false);
    }

    internal ValueTask<UploadedPart> CopyPartCoreAsync(int partNumber, string sourceKey, Core.Storage.ByteRange range, ETag? sourceIfMatch, CustomerKey? sourceCustomerKey, CancellationToken cancellationToken)
        => _store.RunAsync("UploadPartCopy", Key, async ct =>
        {
            var r = new CopyPartRequest
            {
                SourceBucket = _store.Bucket,
                SourceKey = sourceKey,
                DestinationBucket = _store.Bucket,
                DestinationKey = Key,
                UploadId = UploadId,
                PartNumber = partNumber,
                FirstByte = range.Offset,
                LastByte = range.End - 1,
            };
            if (sourceIfMatch is { } tag)
            {
                r.ETagToMatch = [_store.Dialect.FormatForWrite(tag)];
            }

            _store.Sse.Apply(r, sourceCustomerKey);
            var response = await _store.Client.CopyPartAsync(r, ct).ConfigureAwait(false);
            return new UploadedPart(partNumber, ETag.Parse(response.ETag));
        }, cancellationToken);

    public async ValueTask<PutResult> CompleteAsync(IReadOnlyList<UploadedPart> parts, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(parts);
        if (parts.Count == 0)
        {
            throw new ArgumentException("A multipart upload needs at least one part.", nameof(parts));
        }

        var ordered = parts.OrderBy(p => p.PartNumber).ToList();
        var attempts = 0;
        ETag etag;
        try
        {
            etag = await CompleteOnceAsync(ordered, () => attempts++, cancellationToken).ConfigureAwait(false);
        }
        catch (ObjectStoreException ex) when (ex.Kind == ObjectStoreErrorKind.NotFound && attempts > 1)
        {
            // An earlier attempt completed the upload but its response was lost, so the retry finds no upload.
            // Accept only if the object now is exactly the one these parts make.
            var own = await FindOwnCompletionAsync(ordered, cancellationToken).ConfigureAwait(false);
            if (own is null)
            {
                throw;
            }

            etag = own.Value;
        }

        if (etag.IsEmpty)
        {
            // Ceph RGW's CompleteMultipartUpload answers without an ETag; the object has one, so ask for it.
            var info = await _store.HeadAsync(new HeadRequest(Key), cancellationToken).ConfigureAwait(false);
            etag = info.ETag;
        }

        return new PutResult(etag);
    }

    private ValueTask<ETag> CompleteOnceAsync(List<UploadedPart> ordered, Action countAttempt, CancellationToken cancellationToken)
        => _store.RunAsync("CompleteMultipartUpload", Key, async ct =>
        {
            countAttempt();
            var r = new CompleteMultipartUploadRequest
            {
                BucketName = _store.Bucket,
                Key = Key,
                UploadId = UploadId,
                PartETags = ordered.Select(p => new PartETag(p.PartNumber, p.ETag.Quoted)).ToList(),
            };
            _store.ApplyCondition(_condition, v => r.IfMatch = v, v => r.IfNoneMatch = v);
            _store.Sse.Apply(r);
            var response = await _store.Client.CompleteMultipartUploadAsync(r, ct).ConfigureAwait(false);
            return ETag.Parse(response.ETag);
        }, cancellationToken);

    /// <summary>
    /// The object's ETag if it is the one completing <paramref name="parts"/> produces: S3's multipart ETag is the
    /// MD5 of the concatenated binary part MD5s, then "-" and the part count.
    /// </summary>
    private async ValueTask<ETag?> FindOwnCompletionAsync(List<UploadedPart> parts, CancellationToken cancellationToken)
    {
        ObjectInfo info;
        try
        {
            info = await _store.HeadAsync(new HeadRequest(Key), cancellationToken).ConfigureAwait(false);
        }
        catch (ObjectStoreException)
        {
            return null;
        }

        var md5s = new byte[parts.Count * 16];
        for (var i = 0; i < parts.Count; i++)
        {
            var hex = parts[i].ETag.Value;
            if (hex.Length != 32 || Convert.FromHexString(hex, md5s.AsSpan(i * 16, 16), out _, out _) != System.Buffers.OperationStatus.Done)
            {
                return null; // Not an MD5 part ETag (e.g. under SSE-C): cannot prove the object is ours.
            }
        }

#pragma warning disable CA5351 // MD5 is how S3 names multipart objects; not used for security.
        var expected = Convert.ToHexStringLower(System.Security.Cryptography.MD5.HashData(md5s)) + "-" + parts.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
#pragma warning restore CA5351
        return info.ETag.Value == expected ? info.ETag : null;
    }

    public async ValueTask AbortAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _store.RunAsync("AbortMultipartUpload", Key, async ct =>
            {
                await _store.Client.AbortMultipartUploadAsync(new AbortMultipartUploadRequest { BucketName = _store.Bucket, Key = Key, UploadId = UploadId }, ct).ConfigureAwait(false);
                return true;
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (ObjectStoreException ex) when (ex.Kind == ObjectStoreErrorKind.NotFound)
        {
            // Already aborted or completed (perhaps by an earlier attempt whose response was lost): nothing to do.
        }
    }

    /// <summary>Best-effort abort on a failure path: the original error matters more than this one.</summary>
    internal async ValueTask AbortQuietlyAsync()
    {
        try
        {
            await AbortAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (ObjectStoreException)
        {
            // The upload stays until the bucket's lifecycle rule for incomplete uploads removes it.
        }
    }

    private void CheckPartNumber(int partNumber)
    {
        if (partNumber < 1 || partNumber > _store.Capabilities.MaxParts)
        {
            throw new ArgumentOutOfRangeException(nameof(partNumber), partNumber, $"Part numbers run from 1 to {_store.Capabilities.MaxParts}.");
        }
    }
}
