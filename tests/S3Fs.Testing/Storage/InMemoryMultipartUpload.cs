using System.Collections.Concurrent;
using S3Fs.Core.Storage;

namespace S3Fs.Testing.Storage;

/// <summary>
/// A multipart upload of <see cref="InMemoryObjectStore"/>: parts may arrive concurrently and in any order;
/// completion checks what S3 checks (parts exist with the given ETags, ascending numbers, every part but the last at
/// least MinPartSize) and applies the upload's condition atomically.
/// </summary>
internal sealed class InMemoryMultipartUpload : IMultipartUpload
{
    private readonly InMemoryObjectStore _store;
    private readonly ObjectMetadata _metadata;
    private readonly WriteCondition _condition;
    private readonly string? _customerKeyMd5;
    private readonly ConcurrentDictionary<int, (byte[] Data, ETag ETag)> _parts = new();
    private volatile bool _finished;

    public InMemoryMultipartUpload(InMemoryObjectStore store, string key, string uploadId, ObjectMetadata metadata, WriteCondition condition, string? customerKeyMd5)
    {
        _store = store;
        Key = key;
        UploadId = uploadId;
        _metadata = metadata;
        _condition = condition;
        _customerKeyMd5 = customerKeyMd5;
    }

    public string Key { get; }

    public string UploadId { get; }

    public ValueTask<UploadedPart> UploadPartAsync(int partNumber, ReadOnlyMemory<byte> body, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        CheckOpen("UploadPart");
        CheckPartNumber(partNumber);
        var data = body.ToArray();
        var etag = new ETag(InMemoryObjectStore.Md5Hex(data));
        _parts[partNumber] = (data, etag);
        return ValueTask.FromResult(new UploadedPart(partNumber, etag));
    }

    public ValueTask<UploadedPart> UploadPartCopyAsync(int partNumber, string sourceKey, ByteRange sourceRange, ETag? sourceIfMatch, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        CheckOpen("UploadPartCopy");
        CheckPartNumber(partNumber);
        if (!_store.Capabilities.UploadPartCopy)
        {
            throw _store.Error(ObjectStoreErrorKind.NotSupported, "UploadPartCopy", Key, "UploadPartCopy is not supported (capability off); upload the part's bytes instead");
        }

        var source = _store.Read("UploadPartCopy", sourceKey, sourceIfMatch, null);
        if (sourceRange.End > source.Body.Length)
        {
            throw _store.Error(ObjectStoreErrorKind.InvalidRange, "UploadPartCopy", Key, $"the source range {sourceRange} exceeds the {source.Body.Length}-byte source {sourceKey}");
        }

        var data = source.Body.AsSpan((int)sourceRange.Offset, (int)sourceRange.Length).ToArray();
        var etag = new ETag(InMemoryObjectStore.Md5Hex(data));
        _parts[partNumber] = (data, etag);
        return ValueTask.FromResult(new UploadedPart(partNumber, etag));
    }

    public ValueTask<PutResult> CompleteAsync(IReadOnlyList<UploadedPart> parts, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        CheckOpen("CompleteMultipartUpload");
        if (parts.Count == 0)
        {
            throw new ArgumentException("A multipart upload needs at least one part.", nameof(parts));
        }

        var chosen = new List<byte[]>(parts.Count);
        var md5s = new List<byte[]>(parts.Count);
        for (var i = 0; i < parts.Count; i++)
        {
            var p = parts[i];
            if (i > 0 && p.PartNumber <= parts[i - 1].PartNumber)
            {
                throw _store.Error(ObjectStoreErrorKind.Other, "CompleteMultipartUpload", Key, "InvalidPartOrder: parts must be listed in ascending order");
            }

            if (!_parts.TryGetValue(p.PartNumber, out var stored) || stored.ETag != p.ETag)
            {
                throw _store.Error(ObjectStoreErrorKind.Other, "CompleteMultipartUpload", Key, $"InvalidPart: part {p.PartNumber} was not uploaded or its ETag differs");
            }

            if (i < parts.Count - 1 && stored.Data.Length < _store.Capabilities.MinPartSize)
            {
                throw _store.Error(ObjectStoreErrorKind.Other, "CompleteMultipartUpload", Key,
                    $"EntityTooSmall: part {p.PartNumber} is {stored.Data.Length} bytes; every part but the last must be at least {_store.Capabilities.MinPartSize}");
            }

            chosen.Add(stored.Data);
            md5s.Add(InMemoryObjectStore.Md5(stored.Data));
        }

        var body = chosen.SelectMany(d => d).ToArray();
        var etag = InMemoryObjectStore.MultipartETag(md5s);
        _store.Commit(Key, new InMemoryObjectStore.StoredObject(body, etag, _store.Now, _metadata, _customerKeyMd5), _condition);
        _finished = true;
        return ValueTask.FromResult(new PutResult(etag));
    }

    public ValueTask AbortAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        _finished = true;
        _parts.Clear();
        return ValueTask.CompletedTask;
    }

    private void CheckOpen(string operation)
    {
        if (_finished)
        {
            throw _store.Error(ObjectStoreErrorKind.NotFound, operation, Key, $"NoSuchUpload: upload {UploadId} was completed or aborted");
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
