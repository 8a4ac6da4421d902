namespace S3Fs.Core.Storage;

/// <summary>
/// The S3 operations the core needs, and nothing more. Implementations: <c>S3ObjectStore</c> (AWS SDK, in
/// S3Fs.Aws), <c>InMemoryObjectStore</c> (tests), and decorators (fault injection, instrumentation).
/// Keys are full object keys (the mount prefix already applied). Every failure is an
/// <see cref="ObjectStoreException"/>; retries of transient failures happen inside the implementation.
/// </summary>
public interface IObjectStore
{
    /// <summary>Bucket name, for messages.</summary>
    string Bucket { get; }

    /// <summary>What this server supports. Callers check it and degrade instead of assuming.</summary>
    ObjectStoreCapabilities Capabilities { get; }

    /// <summary>
    /// The latest <c>Date</c> a response of this store carried (whole seconds, the server's clock), or null when none
    /// is known. Any request sent after reading it is handled at a server time at or after this value: a lower bound of
    /// the server's clock that the directory attribute index needs (FILE-FORMAT.md section 7). Null by default.
    /// </summary>
    DateTimeOffset? LatestServerDate => null;

    ValueTask<ObjectInfo> HeadAsync(HeadRequest request, CancellationToken cancellationToken);

    /// <summary>
    /// Reads <paramref name="request"/>.Range into <paramref name="destination"/> (at least Range.Length bytes).
    /// A range that runs past the end of the object is cut short: BytesRead tells how much arrived.
    /// A range that starts at or past the end fails with <see cref="ObjectStoreErrorKind.InvalidRange"/>.
    /// </summary>
    ValueTask<GetRangeResult> GetRangeAsync(GetRangeRequest request, Memory<byte> destination, CancellationToken cancellationToken);

    /// <summary>
    /// The same read as <see cref="GetRangeAsync(GetRangeRequest, Memory{byte}, CancellationToken)"/>, but the body is
    /// handed to <paramref name="chunk"/> in order as it arrives, in pieces of any size that are valid only during the
    /// call, so that a large range needs no buffer of its size. The handler sees every byte once, also when a broken body
    /// is resumed; if the read fails, it may have seen a prefix. This default reads the range into one pooled buffer
    /// first; stores that stream (S3ObjectStore) and decorators override it.
    /// </summary>
    async ValueTask<GetRangeResult> StreamRangeAsync(GetRangeRequest request, RangeChunkHandler chunk, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(chunk);
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent((int)Math.Max(1, request.Range.Length));
        try
        {
            var got = await GetRangeAsync(request, buffer.AsMemory(0, (int)request.Range.Length), cancellationToken).ConfigureAwait(false);
            chunk(buffer.AsSpan(0, got.BytesRead));
            return got;
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    ValueTask<PutResult> PutAsync(PutRequest request, CancellationToken cancellationToken);

    ValueTask<IMultipartUpload> StartMultipartUploadAsync(MultipartUploadRequest request, CancellationToken cancellationToken);

    /// <summary>Server-side copy; multipart copy above <see cref="ObjectStoreCapabilities.MaxSingleCopySize"/>.</summary>
    ValueTask<PutResult> CopyAsync(CopyRequest request, CancellationToken cancellationToken);

    ValueTask<ListPage> ListAsync(ListRequest request, CancellationToken cancellationToken);

    /// <summary>Deletes one key. Deleting a missing key succeeds (S3 semantics).</summary>
    ValueTask DeleteAsync(string key, CancellationToken cancellationToken);

    /// <summary>Batch delete (up to 1000 keys per request; more are split). Per-key failures are reported, not thrown.</summary>
    ValueTask<DeleteResult> DeleteManyAsync(IReadOnlyList<string> keys, CancellationToken cancellationToken);
}

/// <summary>Receives the next piece of a streamed GET body (<see cref="IObjectStore.StreamRangeAsync"/>); valid only during the call.</summary>
public delegate void RangeChunkHandler(ReadOnlySpan<byte> chunk);

/// <summary>An open multipart upload. Parts may be uploaded concurrently.</summary>
public interface IMultipartUpload
{
    string Key { get; }

    string UploadId { get; }

    ValueTask<UploadedPart> UploadPartAsync(int partNumber, ReadOnlyMemory<byte> body, CancellationToken cancellationToken);

    /// <summary>UploadPartCopy: a part taken server-side from <paramref name="sourceKey"/> (only if <see cref="ObjectStoreCapabilities.UploadPartCopy"/>).</summary>
    ValueTask<UploadedPart> UploadPartCopyAsync(int partNumber, string sourceKey, ByteRange sourceRange, ETag? sourceIfMatch, CancellationToken cancellationToken);

    ValueTask<PutResult> CompleteAsync(IReadOnlyList<UploadedPart> parts, CancellationToken cancellationToken);

    ValueTask AbortAsync(CancellationToken cancellationToken);
}
