using System.Buffers;
using S3Fs.Core.Storage;

namespace S3Fs.Core.Namespace;

/// <summary>
/// Server-side copies for renames and metadata changes, with a fallback for servers that refuse some copies
/// (Ceph RGW answers 501 to CopyObject of an SSE-C or SSE-KMS source): the bytes are then streamed through this
/// process, still as stored (ciphertext stays ciphertext), in ranged GETs and a multipart upload for large objects.
/// </summary>
internal sealed class ObjectCopier
{
    /// <summary>Range size of the streamed fallback: big enough for throughput, small enough for memory (one buffer per copy).</summary>
    private const int StreamChunk = 8 << 20;

    private readonly IObjectStore _store;

    public ObjectCopier(IObjectStore store)
    {
        _store = store;
    }

    /// <summary>Copies the source version to <paramref name="destinationKey"/>; null metadata keeps the source's.</summary>
    public async ValueTask<PutResult> CopyAsync(ObjectVersion source, long sourceSize, string destinationKey, ObjectMetadata? replaceMetadata, CancellationToken cancellationToken)
    {
        try
        {
            return await _store.CopyAsync(
                new CopyRequest(source.Key, destinationKey)
                {
                    ReplaceMetadata = replaceMetadata,
                    SourceIfMatch = source.ETag,
                    SourceSize = sourceSize,
                },
                cancellationToken).ConfigureAwait(false);
        }
        catch (ObjectStoreException e) when (e.Kind == ObjectStoreErrorKind.NotSupported)
        {
            var head = await _store.HeadAsync(new HeadRequest(source.Key) { IfMatch = source.ETag }, cancellationToken).ConfigureAwait(false);
            return await StreamCopyAsync(head, destinationKey, replaceMetadata ?? head.Metadata, cancellationToken).ConfigureAwait(false);
        }
    }

    private async ValueTask<PutResult> StreamCopyAsync(ObjectInfo source, string destinationKey, ObjectMetadata metadata, CancellationToken cancellationToken)
    {
        if (source.Size <= StreamChunk)
        {
            var buffer = ArrayPool<byte>.Shared.Rent((int)Math.Max(1, source.Size));
            try
            {
                var n = source.Size == 0 ? 0 : (await _store.GetRangeAsync(new GetRangeRequest(source.Key, new ByteRange(0, source.Size)) { IfMatch = source.ETag }, buffer, cancellationToken).ConfigureAwait(false)).BytesRead;
                return await _store.PutAsync(new PutRequest(destinationKey, buffer.AsMemory(0, n)) { Metadata = metadata }, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }

        var partSize = Math.Max(StreamChunk, (source.Size / _store.Capabilities.MaxParts) + 1);
        var upload = await _store.StartMultipartUploadAsync(new MultipartUploadRequest(destinationKey) { Metadata = metadata }, cancellationToken).ConfigureAwait(false);
        var chunk = ArrayPool<byte>.Shared.Rent((int)partSize);
        try
        {
            var parts = new List<UploadedPart>();
            for (long offset = 0, part = 1; offset < source.Size; offset += partSize, part++)
            {
                var len = Math.Min(partSize, source.Size - offset);
                var got = await _store.GetRangeAsync(new GetRangeRequest(source.Key, new ByteRange(offset, len)) { IfMatch = source.ETag }, chunk, cancellationToken).ConfigureAwait(false);
                parts.Add(await upload.UploadPartAsync((int)part, chunk.AsMemory(0, got.BytesRead), cancellationToken).ConfigureAwait(false));
            }

            return await upload.CompleteAsync(parts, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await AbortQuietlyAsync(upload).ConfigureAwait(false);
            throw;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }
    }

    /// <summary>Aborts a failed upload; a failure to abort must not hide the original error (lifecycle rules clean up leftovers).</summary>
    internal static async ValueTask AbortQuietlyAsync(IMultipartUpload upload)
    {
        try
        {
            await upload.AbortAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (ObjectStoreException)
        {
        }
    }
}
