using S3Fs.Core.Storage;

namespace S3Fs.Core.Content;

/// <summary>
/// The content layer of a volume: turns objects into readable and writable file contents and back. It knows the
/// volume's format (client-side encrypted or plain), the block size, the master keys, the block caches and the
/// staging area; the namespace knows names, inodes and POSIX attributes and never touches ciphertext.
/// </summary>
public interface IContentStore
{
    /// <summary>
    /// The file size of an object. With <paramref name="metadata"/> null (seen only in a listing, no HEAD): the
    /// plaintext size when the object's size is a valid ciphertext size of this volume's format, else the object
    /// size (a plain object). With metadata: decided by whether it carries an envelope.
    /// </summary>
    long SizeOf(long objectSize, ObjectMetadata? metadata);

    /// <summary>Opens an existing object (its HEAD, with metadata). Throws FsException(IntegrityError/KeyUnavailable) for bad envelopes or keys.</summary>
    ValueTask<IFileContent> OpenAsync(ObjectInfo head, CancellationToken cancellationToken);

    /// <summary>
    /// What a HEAD of <paramref name="key"/> returns (null if there is no such object), for a file object a listing showed
    /// with <paramref name="listedSize"/> bytes. A small object is read whole with one GET instead, whose headers carry
    /// the same metadata, and its blocks are kept in the cache: a file that is looked up is usually opened and read next,
    /// and this way that costs one request instead of two.
    /// </summary>
    ValueTask<ObjectInfo?> HeadAsync(string key, long listedSize, CancellationToken cancellationToken);

    /// <summary>A new, empty, dirty file that exists only locally until uploaded.</summary>
    IFileContent CreateNew();

    /// <summary>Whether a user-metadata name belongs to the content layer (the envelope): kept verbatim when attributes change.</summary>
    bool IsContentMetadata(string name);
}

/// <summary>
/// The content of one regular file (or symlink target) while it is open or dirty. Thread-safe: concurrent reads,
/// writes and uploads are serialised internally where they must be.
/// </summary>
public interface IFileContent : IAsyncDisposable
{
    /// <summary>Current logical (plaintext) size, including unflushed writes and truncation.</summary>
    long Size { get; }

    /// <summary>Whether there are changes S3 has not confirmed yet.</summary>
    bool IsDirty { get; }

    /// <summary>The object version this content is based on; null for a file never uploaded.</summary>
    ObjectVersion? Base { get; }

    /// <summary>
    /// The base object was copied to another key (rename) and the old one deleted: read further blocks from
    /// <paramref name="newBase"/>. The stored bytes are identical; only the key and possibly the ETag changed.
    /// </summary>
    void Relocate(ObjectVersion newBase);

    /// <summary>A reader with its own read-ahead state (one per open handle).</summary>
    IFileReader CreateReader();

    /// <summary>
    /// Set by the namespace so that a large file written sequentially can start its upload before it is closed: the
    /// content calls it (from a write, holding none of the namespace's locks) when it is ready to start, and gets the
    /// key and attributes that upload would use, or null for "not now". Null (the default) disables early uploads.
    /// <see cref="UploadAsync"/> still decides: if its key differs, the early upload is discarded.
    /// </summary>
    Func<UploadTarget?>? UploadTargetProvider { get; set; }

    ValueTask WriteAsync(long offset, ReadOnlyMemory<byte> data, CancellationToken cancellationToken);

    /// <summary>Truncates or extends (with zeros) to <paramref name="size"/>.</summary>
    ValueTask SetSizeAsync(long size, CancellationToken cancellationToken);

    /// <summary>
    /// Uploads the content to <paramref name="key"/> with <paramref name="attributes"/> (POSIX and other non-content
    /// user metadata) merged with the content layer's own metadata, and returns the stored object. Returns only
    /// after S3 confirmed. On failure the content stays dirty, nothing is discarded, and the exception propagates.
    /// </summary>
    ValueTask<ObjectInfo> UploadAsync(string key, IReadOnlyDictionary<string, string> attributes, CancellationToken cancellationToken);

    /// <summary>
    /// Starts copying the stored object this content is based on into a cache outside this process (the kernel's
    /// page cache of the file) through <paramref name="store"/>, in the background (<see cref="IPageCacheFill"/>).
    /// Null when there is nothing to copy or the content has local changes: only a clean file's bytes are its base's.
    /// </summary>
    IPageCacheFill? StartPageCacheFill(PageStore store);
}

/// <summary>Stores plaintext at <paramref name="offset"/> of the file into the page cache; false if the cache refused (stop).</summary>
public delegate bool PageStore(long offset, ReadOnlySpan<byte> data);

/// <summary>A running copy of a clean file into a page cache (see <see cref="IFileContent.StartPageCacheFill"/>).</summary>
public interface IPageCacheFill
{
    /// <summary>Completes when every block was offered to the store, or the fill stopped (never faults).</summary>
    Task Completion { get; }

    /// <summary>
    /// Serves a read from the fill's local copy when it holds every block the read covers (the kernel dropped those
    /// pages: they are stored again); -1 when it does not, and the read goes the ordinary way.
    /// </summary>
    ValueTask<int> TryReadAsync(long offset, Memory<byte> destination, CancellationToken cancellationToken);

    /// <summary>
    /// A read of [offset, +length) is about to be served: fetches the chunk around it that is not stored yet, so the
    /// read waits for that fetch and nothing it brings in is fetched again.
    /// </summary>
    void BeforeRead(long offset, int length);

    /// <summary>Stops the fill. Once this returns the store is not called again, so the file may then change.</summary>
    ValueTask StopAsync();
}

/// <summary>Where, and with which attributes, a file would be uploaded now (see <see cref="IFileContent.UploadTargetProvider"/>).</summary>
public sealed record UploadTarget(string Key, IReadOnlyDictionary<string, string> Attributes);

/// <summary>Reads of one open handle: sequential access is detected here and drives read-ahead.</summary>
public interface IFileReader : IDisposable
{
    /// <summary>Reads up to destination.Length bytes at offset; fewer only at end of file.</summary>
    ValueTask<int> ReadAsync(long offset, Memory<byte> destination, CancellationToken cancellationToken);
}
