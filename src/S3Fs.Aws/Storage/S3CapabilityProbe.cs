using System.Text;
using Amazon.S3.Model;
using S3Fs.Core.Storage;

namespace S3Fs.Aws.Storage;

/// <summary>
/// Learns what a server really does, by trying it on scratch objects under a caller-chosen prefix: whether
/// <c>If-None-Match: *</c> and <c>If-Match</c> on PUT are enforced (and in which ETag form a correct <c>If-Match</c>
/// is accepted, for PUT and for GET), whether UploadPartCopy with a byte range yields the right bytes, whether
/// conditions on CompleteMultipartUpload, on the destination of CopyObject, and <c>x-amz-copy-source-if-match</c>
/// are enforced. A feature counts only
/// if the server both refuses the wrong case and accepts the right one: a server that ignores a header looks like
/// one that honours it until the wrong case is tried. Every probe object is deleted afterwards.
/// </summary>
internal sealed class S3CapabilityProbe
{
    /// <summary>An ETag no object has (MD5 is 32 hex digits; this one is all zeros).</summary>
    private static readonly ETag WrongETag = new("00000000000000000000000000000000");

    /// <summary>16 distinct bytes, so a ranged part copy that takes the wrong bytes is visible.</summary>
    private static readonly byte[] ProbeBody = Encoding.ASCII.GetBytes("0123456789abcdef");

    private readonly S3ObjectStore _store;
    private readonly S3StoreOptions _options;
    private readonly string _keyA;
    private readonly string _keyB;
    private readonly string _keyC;

    public S3CapabilityProbe(S3ObjectStore store, S3StoreOptions options, string probePrefix)
    {
        _store = store;
        _options = options;
        var stem = probePrefix + ".s3cfs-probe-" + Guid.NewGuid().ToString("N");
        _keyA = stem + "-a";
        _keyB = stem + "-b";
        _keyC = stem + "-c";
    }

    public async Task<(ObjectStoreCapabilities Capabilities, ServerDialect Dialect)> RunAsync(ObjectStoreCapabilities current, ServerDialect assumed, CancellationToken ct)
    {
        var caps = current;
        var dialect = assumed;
        try
        {
            // 1-2. If-None-Match: * must succeed on a new key and be refused on an existing one.
            ETag etag;
            var probeCreate = _options.ConditionalCreate == CapabilitySetting.Auto;
            if (probeCreate && await TryAsync(() => PutAsync(ProbeBody, null, "*", ct)).ConfigureAwait(false) is { } created)
            {
                etag = created;
                var again = await TryAsync(() => PutAsync(ProbeBody, null, "*", ct)).ConfigureAwait(false);
                caps = caps with { ConditionalCreate = again is null && LastRefused };
                etag = again ?? etag;
            }
            else
            {
                etag = await PutAsync(ProbeBody, null, null, ct).ConfigureAwait(false);
                caps = probeCreate ? caps with { ConditionalCreate = false } : caps;
            }

            // 3. If-Match on PUT: refused with a wrong ETag, accepted with the right one in one of the two forms.
            var writeForm = dialect.WriteIfMatch;
            if (_options.ConditionalReplace == CapabilitySetting.Auto)
            {
                var wrong = await TryAsync(() => PutAsync(ProbeBody, ServerDialect.Format(WrongETag, ETagHeaderForm.Unquoted), null, ct)).ConfigureAwait(false);
                var refusesWrong = wrong is null && LastRefused;
                etag = wrong ?? etag;
                var accepted = false;
                foreach (var form in new[] { ETagHeaderForm.Unquoted, ETagHeaderForm.Quoted })
                {
                    if (await TryAsync(() => PutAsync(ProbeBody, ServerDialect.Format(etag, form), null, ct)).ConfigureAwait(false) is { } replaced)
                    {
                        etag = replaced;
                        writeForm = form;
                        accepted = true;
                        break;
                    }
                }

                caps = caps with { ConditionalReplace = refusesWrong && accepted };
            }

            // 4. The form a correct If-Match on GET is accepted in (reads also check the returned ETag).
            var readForm = writeForm;
            foreach (var form in new[] { ETagHeaderForm.Unquoted, ETagHeaderForm.Quoted })
            {
                if (await TryAsync(() => GetFirstByteAsync(_keyA, ServerDialect.Format(etag, form), ct)).ConfigureAwait(false) is not null)
                {
                    readForm = form;
                    break;
                }
            }

            dialect = dialect with { ReadIfMatch = readForm, WriteIfMatch = writeForm };

            // 5. UploadPartCopy with a byte range must produce exactly those bytes.
            if (_options.UploadPartCopy == CapabilitySetting.Auto)
            {
                caps = caps with { UploadPartCopy = await ProbeUploadPartCopyAsync(ct).ConfigureAwait(false) };
            }

            // 6. x-amz-copy-source-if-match with a wrong ETag must be refused.
            var copied = await TryAsync(() => CopyWithWrongSourceTagAsync(dialect, ct)).ConfigureAwait(false);
            dialect = dialect with { CopySourceIfMatchHonoured = copied is null && LastRefused, Probed = true };

            // 7. Conditions on CompleteMultipartUpload.
            if (_options.ConditionalMultipartComplete == CapabilitySetting.Auto)
            {
                caps = caps with { ConditionalMultipartComplete = await ProbeConditionalCompleteAsync(dialect, ct).ConfigureAwait(false) };
            }

            // 8. Conditions on the destination of CopyObject.
            if (_options.ConditionalCopy == CapabilitySetting.Auto)
            {
                caps = caps with { ConditionalCopy = await ProbeConditionalCopyAsync(dialect, ct).ConfigureAwait(false) };
            }

            return (caps, dialect);
        }
        finally
        {
            await CleanUpAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Whether the last failed <see cref="TryAsync{T}"/> was a refusal (412/409), not an error.</summary>
    private bool LastRefused { get; set; }

    private async Task<T?> TryAsync<T>(Func<Task<T>> attempt)
        where T : struct
    {
        try
        {
            var result = await attempt().ConfigureAwait(false);
            LastRefused = false;
            return result;
        }
        catch (ObjectStoreException ex) when (ex.Kind is not (ObjectStoreErrorKind.AccessDenied or ObjectStoreErrorKind.Throttled or ObjectStoreErrorKind.Transient))
        {
            // Refused, or not implemented / not understood: either way the feature does not work as probed.
            LastRefused = ex.Kind == ObjectStoreErrorKind.PreconditionFailed;
            return null;
        }
    }

    private Task<ETag> PutAsync(byte[] body, string? ifMatch, string? ifNoneMatch, CancellationToken ct)
        => PutToAsync(_keyA, body, ifMatch, ifNoneMatch, ct);

    private async Task<ETag> PutToAsync(string key, byte[] body, string? ifMatch, string? ifNoneMatch, CancellationToken ct)
        => await _store.RunAsync("PutObject (capability probe)", key, async token =>
        {
            var r = new PutObjectRequest { BucketName = _store.Bucket, Key = key, InputStream = new ReadOnlyMemoryStream(body), IfMatch = ifMatch, IfNoneMatch = ifNoneMatch };
            _store.Sse.Apply(r);
            var response = await _store.Client.PutObjectAsync(r, token).ConfigureAwait(false);
            return ETag.Parse(response.ETag);
        }, ct).ConfigureAwait(false);

    private async Task<ETag> GetFirstByteAsync(string key, string ifMatch, CancellationToken ct)
        => await _store.RunAsync("GetObject (capability probe)", key, async token =>
        {
            var r = new GetObjectRequest { BucketName = _store.Bucket, Key = key, ByteRange = new Amazon.S3.Model.ByteRange(0, 0), EtagToMatch = ifMatch };
            SseHeaders.ApplyRead(r, _store.Sse.CurrentKey);
            using var response = await _store.Client.GetObjectAsync(r, token).ConfigureAwait(false);
            return ETag.Parse(response.ETag);
        }, ct).ConfigureAwait(false);

    private async Task<bool> ProbeUploadPartCopyAsync(CancellationToken ct)
    {
        var upload = new S3MultipartUpload(_store, _keyB, await _store.InitiateAsync(_keyB, ObjectMetadata.Empty, ct).ConfigureAwait(false), WriteCondition.None);
        try
        {
            // Bytes 3..9 of the probe body: "3456789".
            var part = await upload.CopyPartCoreAsync(1, _keyA, new Core.Storage.ByteRange(3, 7), null, _store.Sse.CurrentKey, ct).ConfigureAwait(false);
            await upload.CompleteAsync([part], ct).ConfigureAwait(false);
        }
        catch (ObjectStoreException ex) when (ex.Kind is ObjectStoreErrorKind.NotSupported or ObjectStoreErrorKind.Other or ObjectStoreErrorKind.InvalidRange or ObjectStoreErrorKind.NotFound)
        {
            await upload.AbortQuietlyAsync().ConfigureAwait(false);
            return false;
        }

        var buffer = new byte[ProbeBody.Length];
        var read = await _store.GetRangeAsync(new GetRangeRequest(_keyB, new Core.Storage.ByteRange(0, ProbeBody.Length)), buffer, ct).ConfigureAwait(false);
        return buffer.AsSpan(0, read.BytesRead).SequenceEqual(ProbeBody.AsSpan(3, 7));
    }

    private async Task<bool> CopyWithWrongSourceTagAsync(ServerDialect dialect, CancellationToken ct)
        => await _store.RunAsync("CopyObject (capability probe)", _keyC, async token =>
        {
            var r = new CopyObjectRequest
            {
                SourceBucket = _store.Bucket,
                SourceKey = _keyA,
                DestinationBucket = _store.Bucket,
                DestinationKey = _keyC,
                ETagToMatch = dialect.FormatForWrite(WrongETag),
            };
            _store.Sse.Apply(r, _store.Sse.CurrentKey);
            await _store.Client.CopyObjectAsync(r, token).ConfigureAwait(false);
            return true;
        }, ct).ConfigureAwait(false);

    /// <summary>Copying onto an existing key: If-None-Match: * and a wrong If-Match refused, the right If-Match accepted.</summary>
    private async Task<bool> ProbeConditionalCopyAsync(ServerDialect dialect, CancellationToken ct)
    {
        var target = await PutToAsync(_keyC, ProbeBody, null, null, ct).ConfigureAwait(false);
        if (await TryAsync(() => CopyOntoCAsync(null, "*", ct)).ConfigureAwait(false) is not null || !LastRefused)
        {
            return false;
        }

        if (await TryAsync(() => CopyOntoCAsync(dialect.FormatForWrite(WrongETag), null, ct)).ConfigureAwait(false) is not null || !LastRefused)
        {
            return false;
        }

        return await TryAsync(() => CopyOntoCAsync(dialect.FormatForWrite(target), null, ct)).ConfigureAwait(false) is not null;
    }

    private async Task<bool> CopyOntoCAsync(string? ifMatch, string? ifNoneMatch, CancellationToken ct)
        => await _store.RunAsync("CopyObject (capability probe)", _keyC, async token =>
        {
            var r = new CopyObjectRequest
            {
                SourceBucket = _store.Bucket,
                SourceKey = _keyA,
                DestinationBucket = _store.Bucket,
                DestinationKey = _keyC,
                IfMatch = ifMatch,
                IfNoneMatch = ifNoneMatch,
            };
            _store.Sse.Apply(r, _store.Sse.CurrentKey);
            await _store.Client.CopyObjectAsync(r, token).ConfigureAwait(false);
            return true;
        }, ct).ConfigureAwait(false);

    /// <summary>If-None-Match: * on an existing key and a wrong If-Match must be refused; the right If-Match accepted.</summary>
    private async Task<bool> ProbeConditionalCompleteAsync(ServerDialect dialect, CancellationToken ct)
    {
        if (await CompleteWithAsync(null, "*", ct).ConfigureAwait(false) is not null || !LastRefused)
        {
            return false;
        }

        if (await CompleteWithAsync(dialect.FormatForWrite(WrongETag), null, ct).ConfigureAwait(false) is not null || !LastRefused)
        {
            return false;
        }

        var current = await _store.HeadAsync(new HeadRequest(_keyA), ct).ConfigureAwait(false);
        return await CompleteWithAsync(dialect.FormatForWrite(current.ETag), null, ct).ConfigureAwait(false) is not null;
    }

    private async Task<ETag?> CompleteWithAsync(string? ifMatch, string? ifNoneMatch, CancellationToken ct)
    {
        var uploadId = await _store.InitiateAsync(_keyA, ObjectMetadata.Empty, ct).ConfigureAwait(false);
        var upload = new S3MultipartUpload(_store, _keyA, uploadId, WriteCondition.None);
        var result = await TryAsync(async () =>
        {
            var part = await upload.UploadPartAsync(1, ProbeBody, ct).ConfigureAwait(false);
            return await _store.RunAsync("CompleteMultipartUpload (capability probe)", _keyA, async token =>
            {
                var r = new CompleteMultipartUploadRequest
                {
                    BucketName = _store.Bucket,
                    Key = _keyA,
                    UploadId = uploadId,
                    PartETags = [new PartETag(1, part.ETag.Quoted)],
                    IfMatch = ifMatch,
                    IfNoneMatch = ifNoneMatch,
                };
                _store.Sse.Apply(r);
                var response = await _store.Client.CompleteMultipartUploadAsync(r, token).ConfigureAwait(false);
                return ETag.Parse(response.ETag);
            }, ct).ConfigureAwait(false);
        }).ConfigureAwait(false);
        if (result is null)
        {
            var refused = LastRefused;
            await upload.AbortQuietlyAsync().ConfigureAwait(false);
            LastRefused = refused;
        }

        return result;
    }

    private async Task CleanUpAsync()
    {
        try
        {
            // Not cancellable: scratch objects must not outlive an interrupted probe.
            await _store.DeleteManyAsync([_keyA, _keyB, _keyC], CancellationToken.None).ConfigureAwait(false);
        }
        catch (ObjectStoreException)
        {
            // A leftover probe object is harmless: it lives under the probe prefix with a unique name.
        }
    }
}
