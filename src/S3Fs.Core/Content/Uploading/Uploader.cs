using System.Buffers;
using S3Fs.Core.Namespace;
using S3Fs.Core.Storage;

namespace S3Fs.Core.Content.Uploading;

/// <summary>
/// Writes a <see cref="ContentSnapshot"/> to S3: one PUT up to <see cref="ContentOptions.SinglePutThreshold"/>, else a
/// multipart upload planned by <see cref="PartPlanner"/>, its parts sent in parallel (at most
/// <see cref="ContentOptions.UploadParallelism"/> per upload, and at most <see cref="ContentOptions.MaxConcurrentPartBuffers"/>
/// part bodies in memory across the mount). An uploaded part is assembled block by block: unchanged runs as stored
/// in the base (one ranged GET each, never decrypted), blocks staged sealed for the object copied as staged, everything
/// else sealed from the snapshot's plaintext. Returns
/// only after S3 confirmed; on any failure the multipart upload is aborted and the exception propagates (the caller
/// keeps the content dirty). A server that turns out to refuse UploadPartCopy gets the whole object uploaded instead.
/// </summary>
internal sealed class Uploader
{
    private readonly ContentServices _s;

    public Uploader(ContentServices services)
    {
        _s = services;
    }

    public async ValueTask<PutResult> UploadAsync(ContentSnapshot snapshot, string key, ObjectMetadata metadata, CancellationToken cancellationToken)
    {
        var storedSize = snapshot.Target.StoredSizeOf(snapshot.Size);
        if (storedSize <= _s.Options.SinglePutThreshold)
        {
            return await PutAsync(snapshot, key, metadata, storedSize, cancellationToken).ConfigureAwait(false);
        }

        var canCopy = _s.Store.Capabilities.UploadPartCopy && snapshot.BaseReusable;
        try
        {
            return await MultipartAsync(snapshot, key, metadata, canCopy, cancellationToken).ConfigureAwait(false);
        }
        catch (ObjectStoreException e) when (canCopy && e.Kind == ObjectStoreErrorKind.NotSupported && e.Operation.Contains("Copy", StringComparison.OrdinalIgnoreCase))
        {
            return await MultipartAsync(snapshot, key, metadata, canCopy: false, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The plan for <paramref name="snapshot"/> (exposed for tests and the early upload's tail).</summary>
    public IReadOnlyList<PlannedPart> Plan(ContentSnapshot snapshot, bool canCopy)
    {
        var capabilities = _s.Store.Capabilities;
        return PartPlanner.Plan(new PartPlanRequest
        {
            BlockCount = snapshot.BlockCount,
            StoredBlockSize = snapshot.Target.StoredBlockSize,
            StoredSize = snapshot.Target.StoredSizeOf(snapshot.Size),
            Reusable = canCopy ? snapshot.ReusableRuns() : [],
            CanCopy = canCopy,
            MinPartSize = capabilities.MinPartSize,
            MaxPartSize = capabilities.MaxPartSize,
            MaxParts = capabilities.MaxParts,
            UploadPartSize = _s.Options.UploadPartSize,
            CopyPartSize = _s.Options.CopyPartSize,
        });
    }

    /// <summary>Sends parts of an open multipart upload in parallel; returns them in order. Cancels the rest on the first failure.</summary>
    public async Task<UploadedPart[]> SendPartsAsync(IMultipartUpload upload, ContentSnapshot snapshot, IReadOnlyList<PlannedPart> parts, CancellationToken cancellationToken)
    {
        using var failed = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var parallel = new SemaphoreSlim(_s.Options.UploadParallelism);
        var results = new UploadedPart[parts.Count];
        var tasks = parts.Select((part, i) => SendOneAsync(i, part)).ToList();
        await WhenAllAsync(tasks).ConfigureAwait(false);
        return results;

        async Task SendOneAsync(int i, PlannedPart part)
        {
            await parallel.WaitAsync(failed.Token).ConfigureAwait(false);
            try
            {
                results[i] = await SendPartAsync(upload, snapshot, part, failed.Token).ConfigureAwait(false);
            }
            catch
            {
                await failed.CancelAsync().ConfigureAwait(false);
                throw;
            }
            finally
            {
                parallel.Release();
            }
        }
    }

    /// <summary>One part: a server-side copy of the base's range, or a body assembled here.</summary>
    public async Task<UploadedPart> SendPartAsync(IMultipartUpload upload, ContentSnapshot snapshot, PlannedPart part, CancellationToken cancellationToken)
    {
        if (part.Source == PartSource.Copy)
        {
            var version = snapshot.Base!.Version;
            return await upload.UploadPartCopyAsync(part.Number, version.Key, new ByteRange(part.Offset, part.Length), version.ETag, cancellationToken).ConfigureAwait(false);
        }

        await _s.PartBuffers.WaitAsync(cancellationToken).ConfigureAwait(false);
        var buffer = ArrayPool<byte>.Shared.Rent((int)part.Length);
        try
        {
            await BuildAsync(snapshot, part.FirstBlock, part.EndBlock, buffer.AsMemory(0, (int)part.Length), cancellationToken).ConfigureAwait(false);
            return await upload.UploadPartAsync(part.Number, buffer.AsMemory(0, (int)part.Length), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            _s.PartBuffers.Release();
        }
    }

    /// <summary>Awaits every task; throws the first failure that is not a cancellation caused by another failure.</summary>
    public static async Task WhenAllAsync(IReadOnlyList<Task> tasks)
    {
        try
        {
            await Task.WhenAll(tasks).ConfigureAwait(false);
        }
        catch (Exception)
        {
            var real = tasks.Where(t => t.IsFaulted).Select(t => t.Exception!.InnerException!).FirstOrDefault();
            if (real is not null)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(real).Throw();
            }

            throw;
        }
    }

    private async ValueTask<PutResult> PutAsync(ContentSnapshot snapshot, string key, ObjectMetadata metadata, long storedSize, CancellationToken cancellationToken)
    {
        await _s.PartBuffers.WaitAsync(cancellationToken).ConfigureAwait(false);
        var buffer = ArrayPool<byte>.Shared.Rent((int)Math.Max(1, storedSize));
        try
        {
            var body = buffer.AsMemory(0, (int)storedSize);
            await BuildAsync(snapshot, 0, snapshot.BlockCount, body, cancellationToken).ConfigureAwait(false);
            return await _s.Store.PutAsync(new PutRequest(key, body) { Metadata = metadata }, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            _s.PartBuffers.Release();
        }
    }

    private async ValueTask<PutResult> MultipartAsync(ContentSnapshot snapshot, string key, ObjectMetadata metadata, bool canCopy, CancellationToken cancellationToken)
    {
        var parts = Plan(snapshot, canCopy);
        var upload = await _s.Store.StartMultipartUploadAsync(new MultipartUploadRequest(key) { Metadata = metadata }, cancellationToken).ConfigureAwait(false);
        try
        {
            var sent = await SendPartsAsync(upload, snapshot, parts, cancellationToken).ConfigureAwait(false);
            return await upload.CompleteAsync(sent, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await ObjectCopier.AbortQuietlyAsync(upload).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>The stored bytes of blocks [first, end) of the new object, into <paramref name="destination"/>.</summary>
    private static async ValueTask BuildAsync(ContentSnapshot snapshot, long first, long end, Memory<byte> destination, CancellationToken cancellationToken)
    {
        var target = snapshot.Target;
        var count = snapshot.BlockCount;
        var origin = target.StoredOffsetOf(first);
        var plain = ArrayPool<byte>.Shared.Rent(snapshot.BlockSize);
        try
        {
            for (var i = first; i < end;)
            {
                var run = snapshot.ReusableRunAt(i);
                var at = (int)(target.StoredOffsetOf(i) - origin);
                if (run.Count > 0)
                {
                    var stop = Math.Min(end, run.End);
                    var length = (int)target.StoredLengthOf(i, stop, snapshot.Size);
                    await snapshot.Base!.ReadStoredAsync(i, stop, destination.Slice(at, length), cancellationToken).ConfigureAwait(false);
                    i = stop;
                    continue;
                }

                if (snapshot.TryGetStoredStaged(i, out var staged))
                {
                    // Staged as the object stores it: copied as is, no AES pass.
                    await snapshot.Staging!.ReadStoredAsync(staged, i, destination.Slice(at, target.StoredBlockSize), cancellationToken).ConfigureAwait(false);
                    i++;
                    continue;
                }

                await snapshot.ReadPlainAsync(i, plain.AsMemory(0, snapshot.BlockSize), cancellationToken).ConfigureAwait(false);
                var plainLength = target.PlainLengthOf(i, snapshot.Size);
                target.Seal(i, i == count - 1, plain.AsSpan(0, plainLength), destination.Span[at..]);
                i++;
            }
        }
        finally
        {
            Array.Clear(plain, 0, snapshot.BlockSize);
            ArrayPool<byte>.Shared.Return(plain);
        }
    }
}
