using System.Buffers;
using System.Globalization;
using Amazon.S3.Model;
using S3Fs.Core.Storage;

namespace S3Fs.Aws.Storage;

/// <summary>The ranged GET: straight into the caller's buffer, pinned to one ETag, resumed when a body breaks.</summary>
public sealed partial class S3ObjectStore
{
    /// <summary>Bytes a streamed GET reads from the response at a time: 64 KiB, about one sealed block.</summary>
    private const int StreamChunk = 64 * 1024;

    public async ValueTask<GetRangeResult> GetRangeAsync(GetRangeRequest request, Memory<byte> destination, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var wanted = (int)Math.Min(request.Range.Length, int.MaxValue);
        if (destination.Length < request.Range.Length)
        {
            throw new ArgumentException($"The buffer holds {destination.Length} bytes but the range {request.Range} needs {request.Range.Length}.", nameof(destination));
        }

        return await WithReadKeyAsync(
            request.Key,
            request.CustomerKey,
            (key, ct) => GetWithKeyAsync(request, new BodyTarget(destination[..wanted], null), key, ct),
            cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<GetRangeResult> StreamRangeAsync(GetRangeRequest request, RangeChunkHandler chunk, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(chunk);
        var scratch = ArrayPool<byte>.Shared.Rent(StreamChunk);
        var reader = new ChunkReader(chunk);
        try
        {
            return await WithReadKeyAsync(
                request.Key,
                request.CustomerKey,
                (key, ct) => GetWithKeyAsync(request, new BodyTarget(scratch.AsMemory(0, StreamChunk), reader), key, ct),
                cancellationToken).ConfigureAwait(false);
        }
        catch (ObjectStoreException) when (reader.Failure is { } failure)
        {
            // The handler's own error (an integrity failure, say), not the store's: the caller gets it as it was.
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
            throw;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(scratch);
        }
    }

    /// <summary>
    /// Every attempt asks only for the bytes not yet received, with <c>If-Match</c> set to the ETag of the first
    /// response (or the caller's), so a body cut mid-way is resumed from where it broke and the result never mixes
    /// two versions. A body that ends early is a transient failure, never a short read.
    /// </summary>
    private async ValueTask<GetRangeResult> GetWithKeyAsync(GetRangeRequest request, BodyTarget target, CustomerKey? customerKey, CancellationToken cancellationToken)
    {
        var received = 0;
        var expected = -1;
        long objectSize = -1;
        var etag = request.IfMatch;
        var range = request.Range;

        return await RunAsync("GetObject", request.Key, async ct =>
        {
            var first = range.Offset + received;
            var lastInclusive = expected >= 0 ? range.Offset + expected - 1 : range.End - 1;
            var r = new GetObjectRequest { BucketName = Bucket, Key = request.Key, ByteRange = new Amazon.S3.Model.ByteRange(first, lastInclusive) };
            if (etag is { } pinned)
            {
                r.EtagToMatch = _dialect.FormatForRead(pinned);
            }

            SseHeaders.ApplyRead(r, customerKey);
            using var response = await _client.GetObjectAsync(r, ct).ConfigureAwait(false);
            var actual = ETag.Parse(response.ETag);
            if (etag is { } wantedTag && actual != wantedTag)
            {
                // The server ignored If-Match (or answered for another version): never mix versions.
                throw Precondition("GetObject", request.Key, wantedTag, actual);
            }

            etag = actual;
            var total = TotalSize(response.ContentRange, first, response.ContentLength, request.Key);
            if (expected < 0)
            {
                objectSize = total;
                expected = (int)Math.Min(range.Length, total - range.Offset);
            }

            var body = response.ResponseStream;
            while (received < expected)
            {
                int n;
                if (target.Reader is { } reader)
                {
                    n = await body.ReadAsync(target.Buffer[..Math.Min(target.Buffer.Length, expected - received)], ct).ConfigureAwait(false);
                    reader.Deliver(target.Buffer.Span[..n], this, request.Key);
                }
                else
                {
                    n = await body.ReadAsync(target.Buffer[received..expected], ct).ConfigureAwait(false);
                }

                if (n == 0)
                {
                    break;
                }

                received += n;
            }

            if (received < expected)
            {
                throw new ObjectStoreException(ObjectStoreErrorKind.Transient, "GetObject", Bucket, request.Key,
                    $"the response body ended after {received} of {expected} bytes of {range}");
            }

            return new GetRangeResult(received, actual, objectSize)
            {
                Metadata = ReadMetadata(response.Metadata, response.Headers.ContentType),
                LastModified = ToUtc(response.LastModified),
            };
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Where a GET body goes: into <see cref="Buffer"/> at its offset in the range, or, when <see cref="Reader"/> is set,
    /// through <see cref="Buffer"/> (a small scratch buffer, reused) to the reader's handler.
    /// </summary>
    private readonly record struct BodyTarget(Memory<byte> Buffer, ChunkReader? Reader);

    /// <summary>
    /// Calls the caller's handler and keeps what it threw: an exception from the handler must reach the caller as is,
    /// not be mapped to a store error or retried, so it crosses the retry loop as a non-retryable store error.
    /// </summary>
    private sealed class ChunkReader(RangeChunkHandler handler)
    {
        public Exception? Failure { get; private set; }

        public void Deliver(ReadOnlySpan<byte> chunk, S3ObjectStore store, string key)
        {
            try
            {
                handler(chunk);
            }
            catch (Exception e)
            {
                Failure = e;
                throw new ObjectStoreException(ObjectStoreErrorKind.Other, "GetObject", store.Bucket, key, "the reader of the response body failed: " + e.Message, e);
            }
        }
    }

    /// <summary>Object size from <c>Content-Range: bytes a-b/total</c>.</summary>
    private long TotalSize(string? contentRange, long first, long contentLength, string key)
    {
        if (!string.IsNullOrEmpty(contentRange))
        {
            var slash = contentRange.LastIndexOf('/');
            if (slash >= 0 && long.TryParse(contentRange.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var total))
            {
                return total;
            }
        }

        if (first == 0)
        {
            // A 200 without Content-Range: the server sent the whole object, which starts where we asked.
            return contentLength;
        }

        throw new ObjectStoreException(ObjectStoreErrorKind.Other, "GetObject", Bucket, key,
            $"the server ignored the Range header (no Content-Range in the response to a GET from offset {first}); it does not support ranged reads");
    }
}
