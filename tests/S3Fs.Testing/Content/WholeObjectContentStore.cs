using S3Fs.Core.Content;
using S3Fs.Core.Storage;

namespace S3Fs.Testing.Content;

/// <summary>
/// A deliberately naive content layer for namespace unit tests: plain objects, whole content in memory, one PUT per
/// upload. It isolates the namespace logic from encryption, caching and multipart uploads (tested on their own).
/// </summary>
public sealed class WholeObjectContentStore(IObjectStore store) : IContentStore
{
    private readonly IObjectStore _store = store;

    public int Uploads { get; private set; }

    public long SizeOf(long objectSize, ObjectMetadata? metadata) => objectSize;

    public async ValueTask<IFileContent> OpenAsync(ObjectInfo head, CancellationToken cancellationToken)
    {
        var data = new byte[head.Size];
        if (head.Size > 0)
        {
            await _store.GetRangeAsync(new GetRangeRequest(head.Key, new ByteRange(0, head.Size)) { IfMatch = head.ETag }, data, cancellationToken);
        }

        return new Content(this, data, head.Version, head.Metadata.ContentType);
    }

    public async ValueTask<ObjectInfo?> HeadAsync(string key, long listedSize, CancellationToken cancellationToken)
    {
        try
        {
            return await _store.HeadAsync(new HeadRequest(key), cancellationToken);
        }
        catch (ObjectStoreException e) when (e.Kind == ObjectStoreErrorKind.NotFound)
        {
            return null;
        }
    }

    public IFileContent CreateNew() => new Content(this, [], null, null) { IsDirty = true };

    public bool IsContentMetadata(string name) => false;

    private sealed class Content(WholeObjectContentStore owner, byte[] data, ObjectVersion? baseVersion, string? contentType) : IFileContent
    {
        private readonly Lock _lock = new();
        private byte[] _data = data;
        private int _version;

        public long Size
        {
            get
            {
                lock (_lock)
                {
                    return _data.Length;
                }
            }
        }

        public bool IsDirty { get; set; }

        public ObjectVersion? Base { get; private set; } = baseVersion;

        public Func<UploadTarget?>? UploadTargetProvider { get; set; }

        public void Relocate(ObjectVersion newBase) => Base = newBase;

        public IFileReader CreateReader() => new Reader(this);

        /// <summary>Never: this store has no blocks to copy into a page cache.</summary>
        public IPageCacheFill? StartPageCacheFill(PageStore store) => null;

        public ValueTask WriteAsync(long offset, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
        {
            lock (_lock)
            {
                var end = offset + data.Length;
                if (end > _data.Length)
                {
                    Array.Resize(ref _data, (int)end);
                }

                data.Span.CopyTo(_data.AsSpan((int)offset));
                IsDirty = true;
                _version++;
            }

            return ValueTask.CompletedTask;
        }

        public ValueTask SetSizeAsync(long size, CancellationToken cancellationToken)
        {
            lock (_lock)
            {
                Array.Resize(ref _data, (int)size);
                IsDirty = true;
                _version++;
            }

            return ValueTask.CompletedTask;
        }

        public async ValueTask<ObjectInfo> UploadAsync(string key, IReadOnlyDictionary<string, string> attributes, CancellationToken cancellationToken)
        {
            byte[] snapshot;
            int version;
            lock (_lock)
            {
                snapshot = _data.ToArray();
                version = _version;
            }

            var metadata = new ObjectMetadata { UserMetadata = new Dictionary<string, string>(attributes), ContentType = contentType };
            var put = await owner._store.PutAsync(new PutRequest(key, snapshot) { Metadata = metadata }, cancellationToken);
            owner.Uploads++;
            lock (_lock)
            {
                IsDirty = _version != version;
            }

            Base = new ObjectVersion(key, put.ETag);
            return new ObjectInfo(key, snapshot.Length, put.ETag, DateTimeOffset.UtcNow, metadata);
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;

        private sealed class Reader(Content content) : IFileReader
        {
            public ValueTask<int> ReadAsync(long offset, Memory<byte> destination, CancellationToken cancellationToken)
            {
                lock (content._lock)
                {
                    if (offset >= content._data.Length)
                    {
                        return ValueTask.FromResult(0);
                    }

                    var n = (int)Math.Min(destination.Length, content._data.Length - offset);
                    content._data.AsSpan((int)offset, n).CopyTo(destination.Span);
                    return ValueTask.FromResult(n);
                }
            }

            public void Dispose()
            {
            }
        }
    }
}
