using System.Globalization;
using Amazon.S3.Model;
using S3Fs.Core.Storage;

namespace S3Fs.Aws.Storage;

/// <summary>The ranged GET: straight into the caller's buffer, pinned to one ETag, resumed when a body breaks.</summary>
public sealed partial class S3ObjectStore
{
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
            (key, ct) => GetWithKeyAsync(request, destination[..wanted], key, ct),
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Every attempt asks only for the bytes not yet received, with <c>If-Match</c> set to the ETag of the first
    /// response (or the caller's), so a body cut mid-way is resumed from where it broke and the result never mixes
    /// two versions. A body that ends early is a transient failure, never a short read.
    /// </summary>
    private async ValueTask<GetRangeResult> GetWithKeyAsync(GetRangeRequest request, Memory<byte> destination, CustomerKey? customerKey, CancellationToken cancellationToken)
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
                var n = await body.ReadAsync(destination[received..expected], ct).ConfigureAwait(false);
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
