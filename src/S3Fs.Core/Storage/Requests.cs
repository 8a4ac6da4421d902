namespace S3Fs.Core.Storage;

/// <summary>A byte range [Offset, Offset + Length) of an object. Length is at least 1.</summary>
public readonly record struct ByteRange
{
    public ByteRange(long offset, long length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(length);
        Offset = offset;
        Length = length;
    }

    public long Offset { get; }

    public long Length { get; }

    /// <summary>Exclusive end.</summary>
    public long End => Offset + Length;

    public override string ToString() => $"bytes={Offset}-{End - 1}";
}

/// <summary>User metadata (names without the <c>x-amz-meta-</c> prefix, lower case) and content type of an object.</summary>
public sealed record ObjectMetadata
{
    public static readonly ObjectMetadata Empty = new();

    public IReadOnlyDictionary<string, string> UserMetadata { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    public string? ContentType { get; init; }

    public ObjectMetadata WithUserMetadata(IReadOnlyDictionary<string, string> userMetadata) => this with { UserMetadata = userMetadata };

    /// <summary>Bytes this metadata occupies against S3's 2 KB user-metadata limit (names plus values, UTF-8).</summary>
    public int UserMetadataSize()
    {
        var total = 0;
        foreach (var (k, v) in UserMetadata)
        {
            total += System.Text.Encoding.UTF8.GetByteCount(k) + System.Text.Encoding.UTF8.GetByteCount(v);
        }

        return total;
    }
}

/// <summary>A condition on a write. <see cref="None"/> writes unconditionally.</summary>
public readonly record struct WriteCondition
{
    private WriteCondition(ETag? ifMatch, bool ifNoneMatchAny)
    {
        IfMatch = ifMatch;
        IfNoneMatchAny = ifNoneMatchAny;
    }

    public static WriteCondition None => default;

    /// <summary><c>If-None-Match: *</c>: create only if no object exists under the key.</summary>
    public static WriteCondition IfNoneExists => new(null, true);

    /// <summary><c>If-Match: etag</c>: replace only the version the caller has seen.</summary>
    public static WriteCondition IfMatches(ETag etag) => new(etag, false);

    public ETag? IfMatch { get; }

    public bool IfNoneMatchAny { get; }

    public bool IsNone => IfMatch is null && !IfNoneMatchAny;
}

/// <summary>HEAD result, or the object part of a listing once metadata is known.</summary>
public sealed record ObjectInfo(string Key, long Size, ETag ETag, DateTimeOffset LastModified, ObjectMetadata Metadata)
{
    public ObjectVersion Version => new(Key, ETag);
}

/// <summary>One object of a listing page. Listings carry no user metadata.</summary>
public sealed record ListEntry(string Key, long Size, ETag ETag, DateTimeOffset LastModified);

/// <summary>One page of ListObjectsV2.</summary>
public sealed record ListPage(IReadOnlyList<ListEntry> Objects, IReadOnlyList<string> CommonPrefixes, string? NextContinuationToken)
{
    public bool IsTruncated => NextContinuationToken is not null;
}

public sealed record ListRequest(string Prefix)
{
    /// <summary>Null lists recursively; "/" groups by directory.</summary>
    public string? Delimiter { get; init; } = "/";

    public string? ContinuationToken { get; init; }

    public string? StartAfter { get; init; }

    /// <summary>At most 1000 (the S3 maximum per page).</summary>
    public int MaxKeys { get; init; } = 1000;
}

public sealed record GetRangeRequest(string Key, ByteRange Range)
{
    /// <summary>Sent as <c>If-Match</c> so that one logical read never mixes two versions of an object.</summary>
    public ETag? IfMatch { get; init; }

    /// <summary>Overrides the store's SSE-C key for this request (reading an object written under an older key).</summary>
    public CustomerKey? CustomerKey { get; init; }
}

/// <summary>What a ranged GET delivered into the caller's buffer.</summary>
public readonly record struct GetRangeResult(int BytesRead, ETag ETag, long ObjectSize)
{
    /// <summary>
    /// The object's metadata, from the GET response's headers (the same a HEAD returns), when the store reports it:
    /// a small object can then be read whole without a HEAD first.
    /// </summary>
    public ObjectMetadata? Metadata { get; init; }

    /// <summary>The object's last-modified time, from the same response (with <see cref="Metadata"/>).</summary>
    public DateTimeOffset LastModified { get; init; }
}

public sealed record HeadRequest(string Key)
{
    public ETag? IfMatch { get; init; }

    public CustomerKey? CustomerKey { get; init; }
}

public sealed record PutRequest(string Key, ReadOnlyMemory<byte> Body)
{
    public ObjectMetadata Metadata { get; init; } = ObjectMetadata.Empty;

    public WriteCondition Condition { get; init; }
}

public sealed record PutResult(ETag ETag);

public sealed record CopyRequest(string SourceKey, string DestinationKey)
{
    /// <summary>Null copies the source's metadata (directive COPY); non-null replaces it (directive REPLACE).</summary>
    public ObjectMetadata? ReplaceMetadata { get; init; }

    /// <summary>Copy only if the source still has this ETag.</summary>
    public ETag? SourceIfMatch { get; init; }

    public WriteCondition DestinationCondition { get; init; }

    /// <summary>SSE-C key the source was written with, when it differs from the store's (re-keying).</summary>
    public CustomerKey? SourceCustomerKey { get; init; }

    /// <summary>Source size if the caller knows it (saves a HEAD when choosing between single and multipart copy).</summary>
    public long? SourceSize { get; init; }
}

public sealed record MultipartUploadRequest(string Key)
{
    public ObjectMetadata Metadata { get; init; } = ObjectMetadata.Empty;

    public WriteCondition Condition { get; init; }
}

/// <summary>A completed part: its number (1-based) and the ETag the server returned for it.</summary>
public readonly record struct UploadedPart(int PartNumber, ETag ETag);

public sealed record DeleteResult(IReadOnlyList<string> Deleted, IReadOnlyList<DeleteFailure> Failed);

public sealed record DeleteFailure(string Key, ObjectStoreErrorKind Kind, string Message);
