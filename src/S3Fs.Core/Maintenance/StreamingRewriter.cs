using System.Buffers;
using System.Security.Cryptography;
using S3Fs.Core.Storage;

namespace S3Fs.Core.Maintenance;

/// <summary>
/// Replaces an object by a transformed version of itself (<see cref="PartTransform"/>: sealed for migrate, unchanged
/// for a copy the server cannot do), streaming: ranged GETs pinned to the version read, one PUT for small objects or
/// a multipart upload for large ones (parts uploaded a few at a time while the next is read). Memory is bounded by a
/// run-wide pool of part buffers, never by object size.
///
/// The replacement only lands on the version that was read: the PUT (or CompleteMultipartUpload) carries
/// <c>If-Match</c> its ETag when the server honours it (<see cref="ObjectStoreCapabilities.ConditionalReplace"/>,
/// <see cref="ObjectStoreCapabilities.ConditionalMultipartComplete"/>); otherwise a HEAD checks the ETag just before
/// the write, which narrows the race with a concurrent writer to one request but cannot close it.
/// </summary>
internal sealed class StreamingRewriter
{
    private readonly IObjectStore _store;
    private readonly StreamingOptions _options;
    private readonly SemaphoreSlim _partBuffers;

    public StreamingRewriter(IObjectStore store, StreamingOptions options, SemaphoreSlim partBuffers)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(options.PartsInFlightPerObject, 1);
        if (options.PartSize < store.Capabilities.MinPartSize || options.PartSize % Crypto.Format.FormatV1.MaxBlockSize != 0)
        {
            throw new ArgumentException($"The part size {options.PartSize} must be a multiple of {Crypto.Format.FormatV1.MaxBlockSize} (so parts hold whole blocks of any block size) and at least the server's minimum part size {store.Capabilities.MinPartSize}.", nameof(options));
        }

        _store = store;
        _options = options;
        _partBuffers = partBuffers;
    }

    /// <summary>
    /// Rewrites <paramref name="source"/> onto its own key; returns the stored size. <paramref name="sourceKey"/> is
    /// the SSE-C key to read it with when it is not the store's current key (the write uses the current key).
    /// </summary>
    public async ValueTask<long> RewriteAsync(ObjectInfo source, CustomerKey? sourceKey, PartTransform transform, ObjectMetadata metadata, IByteCounter bytes, CancellationToken cancellationToken)
    {
        var read = new Source(source, sourceKey);
        if (source.Size <= _options.SinglePutThreshold)
        {
            await PutWholeAsync(read, transform, metadata, bytes, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await UploadPartsAsync(read, transform, metadata, bytes, cancellationToken).ConfigureAwait(false);
        }

        return transform.OutputSize(source.Size);
    }

    private async ValueTask PutWholeAsync(Source source, PartTransform transform, ObjectMetadata metadata, IByteCounter bytes, CancellationToken cancellationToken)
    {
        var size = (int)source.Info.Size;
        var outputSize = (int)transform.OutputSize(size);
        await _partBuffers.WaitAsync(cancellationToken).ConfigureAwait(false);
        var input = ArrayPool<byte>.Shared.Rent(Math.Max(1, size));
        var output = ArrayPool<byte>.Shared.Rent(Math.Max(1, outputSize));
        try
        {
            await ReadAsync(source, 0, size, input, cancellationToken).ConfigureAwait(false);
            transform.Apply(input.AsSpan(0, size), 0, size, output);
            bytes.Add(size);
            var condition = WriteCondition.None;
            if (_store.Capabilities.ConditionalReplace)
            {
                condition = WriteCondition.IfMatches(source.Info.ETag);
            }
            else
            {
                await CheckUnchangedAsync(source, cancellationToken).ConfigureAwait(false);
            }

            await _store.PutAsync(new PutRequest(source.Info.Key, output.AsMemory(0, outputSize)) { Metadata = metadata, Condition = condition }, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(input); // plaintext, when migrating
            ArrayPool<byte>.Shared.Return(input);
            ArrayPool<byte>.Shared.Return(output);
            _partBuffers.Release();
        }
    }

    private async ValueTask UploadPartsAsync(Source source, PartTransform transform, ObjectMetadata metadata, IByteCounter bytes, CancellationToken cancellationToken)
    {
        var caps = _store.Capabilities;
        var size = source.Info.Size;
        var partSize = PartSize(size, transform.Unit, caps.MaxParts);
        var conditional = caps.ConditionalMultipartComplete;
        var upload = await _store.StartMultipartUploadAsync(
            new MultipartUploadRequest(source.Info.Key) { Metadata = metadata, Condition = conditional ? WriteCondition.IfMatches(source.Info.ETag) : WriteCondition.None },
            cancellationToken).ConfigureAwait(false);
        var inFlight = new List<Task<UploadedPart>>(_options.PartsInFlightPerObject);
        var done = new List<UploadedPart>();
        try
        {
            var partNumber = 1;
            for (long offset = 0; offset < size; offset += partSize, partNumber++)
            {
                var length = (int)Math.Min(partSize, size - offset);
                var (buffer, outputLength) = await ReadPartAsync(source, transform, offset, length, cancellationToken).ConfigureAwait(false);
                bytes.Add(length);
                inFlight.Add(UploadPartAsync(upload, partNumber, buffer, outputLength, cancellationToken));
                if (inFlight.Count >= _options.PartsInFlightPerObject)
                {
                    done.Add(await inFlight[0].ConfigureAwait(false));
                    inFlight.RemoveAt(0);
                }
            }

            done.AddRange(await Task.WhenAll(inFlight).ConfigureAwait(false));
            inFlight.Clear();
            if (!conditional)
            {
                await CheckUnchangedAsync(source, cancellationToken).ConfigureAwait(false);
            }

            await upload.CompleteAsync(done, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            // Let the part uploads still running finish (they return their buffers), then abort so no parts stay billed.
            try
            {
                await Task.WhenAll(inFlight).ConfigureAwait(false);
            }
            catch
            {
                // Their failures are this failure's consequences; the first error is the one rethrown below.
            }

            await AbortQuietlyAsync(upload).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Takes a part-buffer slot, reads one part and transforms it; the caller passes buffer and slot on to the upload.</summary>
    private async ValueTask<(byte[] Buffer, int Length)> ReadPartAsync(Source source, PartTransform transform, long offset, int length, CancellationToken cancellationToken)
    {
        var outputLength = transform.OutputLength(offset, length);
        await _partBuffers.WaitAsync(cancellationToken).ConfigureAwait(false);
        var output = ArrayPool<byte>.Shared.Rent(outputLength);
        var input = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            await ReadAsync(source, offset, length, input, cancellationToken).ConfigureAwait(false);
            transform.Apply(input.AsSpan(0, length), offset, source.Info.Size, output);
            return (output, outputLength);
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(output);
            _partBuffers.Release();
            throw;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(input.AsSpan(0, length));
            ArrayPool<byte>.Shared.Return(input);
        }
    }

    /// <summary>Uploads one part, then returns its buffer and its slot whatever happens.</summary>
    private async Task<UploadedPart> UploadPartAsync(IMultipartUpload upload, int partNumber, byte[] buffer, int length, CancellationToken cancellationToken)
    {
        try
        {
            return await upload.UploadPartAsync(partNumber, buffer.AsMemory(0, length), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            _partBuffers.Release();
        }
    }

    /// <summary>Bytes [offset, offset + length) of the version read, or PreconditionFailed if it changed.</summary>
    private async ValueTask ReadAsync(Source source, long offset, int length, byte[] destination, CancellationToken cancellationToken)
    {
        if (length == 0)
        {
            return;
        }

        var info = source.Info;
        var result = await _store.GetRangeAsync(new GetRangeRequest(info.Key, new ByteRange(offset, length)) { IfMatch = info.ETag, CustomerKey = source.CustomerKey }, destination, cancellationToken).ConfigureAwait(false);
        if (result.BytesRead != length || result.ObjectSize != info.Size)
        {
            throw new ObjectStoreException(ObjectStoreErrorKind.PreconditionFailed, "GetObject", _store.Bucket, info.Key,
                $"asked for {length} bytes at {offset} of a {info.Size}-byte object, got {result.BytesRead} of a {result.ObjectSize}-byte one");
        }
    }

    /// <summary>Without a conditional write, the last look before replacing: still the version that was read?</summary>
    private async ValueTask CheckUnchangedAsync(Source source, CancellationToken cancellationToken)
        => await _store.HeadAsync(new HeadRequest(source.Info.Key) { IfMatch = source.Info.ETag, CustomerKey = source.CustomerKey }, cancellationToken).ConfigureAwait(false);

    /// <summary>The configured part size, grown in whole units when the object would need more than <paramref name="maxParts"/> parts.</summary>
    private long PartSize(long objectSize, int unit, int maxParts)
    {
        var needed = (objectSize + maxParts - 1) / maxParts;
        var part = Math.Max(_options.PartSize, (needed + unit - 1) / unit * unit);
        if (part + (part / unit * Crypto.Format.BlockLayout.Overhead) > Array.MaxLength)
        {
            throw new InvalidOperationException($"An object of {objectSize} bytes needs parts of {part} bytes, more than one buffer can hold.");
        }

        return part;
    }

    private static async ValueTask AbortQuietlyAsync(IMultipartUpload upload)
    {
        try
        {
            await upload.AbortAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (ObjectStoreException)
        {
            // Abort is cleanup: its failure must not hide the error that caused it (a lifecycle rule removes leftovers).
        }
    }

    /// <summary>The version being rewritten and the SSE-C key that reads it (null: the store's own choice).</summary>
    private sealed record Source(ObjectInfo Info, CustomerKey? CustomerKey);
}
