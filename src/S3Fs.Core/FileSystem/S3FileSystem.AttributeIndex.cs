using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using S3Fs.Core.Namespace;
using S3Fs.Core.Storage;

namespace S3Fs.Core.FileSystem;

/// <summary>
/// Directory attribute indexes (FILE-FORMAT.md section 7): the first readdirplus of a directory in a mount loads the
/// directory's index alongside the listing (once per mount; the index then stays with the directory, replaced by the
/// one this mount writes). readdirplus, and the lookups of names a listing showed, take the stored attributes of every
/// file whose listed version an entry describes from it and read the others (one HEAD each, as without an index);
/// when a directory handle closes after at least <see cref="IndexWriteThreshold"/> such reads, the index is written
/// again in the background. Lookups alone never load an index.
/// </summary>
public sealed partial class S3FileSystem
{
    /// <summary>Reads of unindexed files after which closing the directory writes its index.</summary>
    private const int IndexWriteThreshold = 16;

    /// <summary>Index writes in flight (awaited at dispose); keyed by a sequence number.</summary>
    private readonly ConcurrentDictionary<long, Task> _indexWrites = new();
    private long _indexWriteSequence;

    /// <summary>The index's directory name: the path relative to the mount prefix, "" or ending in '/'.</summary>
    private string IndexDirectory(Node dir)
    {
        var path = _inodes.PathOf(dir);
        return path.Length == 0 ? string.Empty : path + "/";
    }

    /// <summary>The directory's index, loading it first if <paramref name="mayLoad"/> (a readdirplus) and no readdirplus of this mount has.</summary>
    private Task<AttributeIndex?>? AttributeIndexOfAsync(Node dir, bool mayLoad)
    {
        if (!_options.AttributeIndex)
        {
            return null;
        }

        return _inodes.WithLock(() =>
        {
            if (dir.AttributeIndex is null && mayLoad)
            {
                dir.AttributeIndex = LoadAttributeIndexAsync(IndexDirectory(dir));
            }

            return dir.AttributeIndex;
        });
    }

    /// <summary>The index of a directory, or null when it has none, or one this mount cannot use (logged). Never throws.</summary>
    private async Task<AttributeIndex?> LoadAttributeIndexAsync(string directory)
    {
        await Task.Yield(); // started from a readdir request, which goes on to wait for its listing
        var key = AttributeIndex.KeyFor(_options.Prefix, directory);
        using var body = new MemoryStream();
        try
        {
            var got = await _store.StreamRangeAsync(
                new GetRangeRequest(key, new ByteRange(0, AttributeIndex.MaxBytes)),
                chunk => body.Write(chunk),
                CancellationToken.None).ConfigureAwait(false);
            if (got.ObjectSize > AttributeIndex.MaxBytes)
            {
                LogIndexUnusable(_logger, key, $"it is {got.ObjectSize} bytes, more than {AttributeIndex.MaxBytes}");
                return null;
            }
        }
        catch (ObjectStoreException e) when (e.Kind == ObjectStoreErrorKind.NotFound)
        {
            return null;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Only a cache: whatever went wrong, the files are read one by one as without it.
            LogIndexUnusable(_logger, key, e.Message);
            return null;
        }

        var index = AttributeIndex.TryParse(body.GetBuffer().AsSpan(0, (int)body.Length), directory, out var problem);
        if (index is null)
        {
            LogIndexUnusable(_logger, key, problem!);
        }

        return index;
    }

    /// <summary>
    /// Gives the files among <paramref name="unknown"/> whose listed version (ETag, size, Last-Modified second) the
    /// directory's index describes their stored attributes; returns the rest, which the caller reads from S3.
    /// </summary>
    /// <param name="dir">The directory.</param>
    /// <param name="unknown">Children whose attributes are not known, each with what the listing showed of it.</param>
    /// <param name="cancellationToken">Cancels the wait for the index (readdirplus started loading it).</param>
    private async ValueTask<List<Node>> ApplyAttributeIndexAsync(Node dir, List<(Node Node, ListedChild Child)> unknown, CancellationToken cancellationToken)
    {
        var rest = new List<Node>(unknown.Count);
        var load = unknown.Any(u => u.Node.Kind != FileKind.Directory) ? AttributeIndexOfAsync(dir, mayLoad: false) : null;
        var index = load is null ? null : await load.WaitAsync(cancellationToken).ConfigureAwait(false);
        var reads = 0;
        foreach (var (node, child) in unknown)
        {
            if (node.Kind == FileKind.Directory)
            {
                rest.Add(node);
                continue;
            }

            if (index is not null
                && node is { Content: null, Object: { Metadata: null } state }
                && state.ETag == child.ETag
                && index.Entries.TryGetValue(node.Name, out var entry)
                && entry.Describes(child.ETag, child.ObjectSize, child.LastModified)
                && PlausibleSize(entry))
            {
                // The listing's version, which the entry describes (the node may hold an older listing's Last-Modified).
                var listed = new ObjectState(state.Key, child.ObjectSize, child.ETag, child.LastModified, null) { Indexed = entry };
                var kind = PosixAttributes.Of(entry.UserMetadata).Kind == FileKind.Symlink ? FileKind.Symlink : FileKind.RegularFile;
                var target = kind == node.Kind ? node : _inodes.GetOrAddChild(dir, node.Name, kind);
                SetObjectState(target, listed);
                continue;
            }

            reads++;
            rest.Add(node);
        }

        if (reads > 0)
        {
            _inodes.WithLock(() => dir.UnindexedReads += reads);
        }

        return rest;
    }

    /// <summary>
    /// Whether an entry's plaintext size is one the object's stored size allows: the stored size itself (a plain
    /// object) or what a listing derives from it (a sealed object of the volume's block size). Any other entry is not
    /// used (a file sealed with another block size is read, as without an index), so an index cannot make a file
    /// look shorter or longer than it is.
    /// </summary>
    private bool PlausibleSize(IndexedEntry entry) =>
        entry.PlainSize == entry.ObjectSize || entry.PlainSize == _content.SizeOf(entry.ObjectSize, null);

    /// <summary>
    /// After a directory handle closes: if its listing read at least <see cref="IndexWriteThreshold"/> files' metadata
    /// from S3, writes the directory's index in the background with every file whose stored attributes are known and
    /// settled (FILE-FORMAT.md section 7, "Writing").
    /// </summary>
    private void MaybeWriteAttributeIndex(Node dir)
    {
        if (!_options.AttributeIndex || _options.ReadOnly)
        {
            return;
        }

        var children = _inodes.WithLock(() =>
        {
            if (dir.UnindexedReads < IndexWriteThreshold || dir.Listing is not { } listing || dir.Unlinked)
            {
                return null;
            }

            dir.UnindexedReads = 0;
            return listing.Children.Values.Where(c => c.Kind != FileKind.Directory).Select(c => c.Name).ToList();
        });
        if (children is null || children.Count > AttributeIndex.MaxEntries)
        {
            return;
        }

        var entries = new List<IndexedEntry>(children.Count);
        foreach (var name in children)
        {
            if (_inodes.FindChild(dir, name) is { Content: null, PendingAttributes: null, Unlinked: false, Object: { } state }
                && IndexEntryOf(name, state) is { } entry)
            {
                entries.Add(entry);
            }
        }

        if (entries.Count == 0)
        {
            return; // nothing settled yet (all changed within the last seconds): the next listing tries again
        }

        var index = new AttributeIndex(IndexDirectory(dir), entries);
        foreach (var (id, done) in _indexWrites)
        {
            if (done.IsCompleted)
            {
                _indexWrites.TryRemove(id, out _);
            }
        }

        _indexWrites[Interlocked.Increment(ref _indexWriteSequence)] = WriteAttributeIndexAsync(dir, index);
    }

    /// <summary>The index entry for a file's known state, if it may be indexed: read from S3 long enough after its last change, or indexed already.</summary>
    private IndexedEntry? IndexEntryOf(string name, ObjectState state)
    {
        if (state.ValidIndexed is { } indexed)
        {
            return indexed with { Name = name };
        }

        return state is { Metadata: { } md, Read: { } read } && read.Describes(state) && AttributeIndex.Settled(state.LastModified, read.ServerDate)
            ? AttributeIndex.EntryFor(name, state.ETag, state.ObjectSize, state.LastModified, _content.SizeOf(state.ObjectSize, md), md)
            : null;
    }

    /// <summary>Writes an index (never throws: a failure is logged); once written it is the one the directory uses.</summary>
    private async Task WriteAttributeIndexAsync(Node dir, AttributeIndex index)
    {
        await Task.Yield();
        var key = AttributeIndex.KeyFor(_options.Prefix, index.Directory);
        try
        {
            await _store.PutAsync(
                new PutRequest(key, index.ToJson()) { Metadata = new ObjectMetadata { ContentType = "application/json" } },
                CancellationToken.None).ConfigureAwait(false);
            LogIndexWritten(_logger, key, index.Entries.Count);
            _inodes.WithLock(() => { dir.AttributeIndex = Task.FromResult<AttributeIndex?>(index); });
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Only a cache: the next listing reads the files' metadata again and tries again.
            LogIndexWriteFailed(_logger, key, e.Message);
        }
    }

    /// <summary>
    /// When a directory is removed: deletes its index too, unless its last listing found none. Best effort: a left-over
    /// index is only a few bytes and can never describe a later object (entries match one version only).
    /// </summary>
    private async ValueTask DeleteAttributeIndexAsync(Node dir)
    {
        var load = _inodes.WithLock(() => dir.AttributeIndex);
        if (!_options.AttributeIndex || load is { IsCompletedSuccessfully: true, Result: null })
        {
            return;
        }

        var key = AttributeIndex.KeyFor(_options.Prefix, IndexDirectory(dir));
        try
        {
            await _store.DeleteAsync(key, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            LogIndexDeleteFailed(_logger, key, e.Message);
        }
    }

    /// <summary>Waits for index writes in flight (at dispose).</summary>
    private async ValueTask DrainAttributeIndexWritesAsync()
    {
        while (!_indexWrites.IsEmpty)
        {
            foreach (var (id, write) in _indexWrites)
            {
                await write.ConfigureAwait(false); // never faults (the write logs its errors)
                _indexWrites.TryRemove(id, out _);
            }
        }
    }

    [LoggerMessage(EventId = 1205, Level = LogLevel.Warning, Message = "Directory attribute index {Key} is not used (the directory's files are read one by one): {Reason}")]
    private static partial void LogIndexUnusable(ILogger logger, string key, string reason);

    [LoggerMessage(EventId = 1206, Level = LogLevel.Debug, Message = "Directory attribute index {Key} written with {Entries} entries")]
    private static partial void LogIndexWritten(ILogger logger, string key, int entries);

    [LoggerMessage(EventId = 1207, Level = LogLevel.Information, Message = "Directory attribute index {Key} was not written (the next listing tries again): {Error}")]
    private static partial void LogIndexWriteFailed(ILogger logger, string key, string error);

    [LoggerMessage(EventId = 1208, Level = LogLevel.Information, Message = "Directory attribute index {Key} of a removed directory was left behind (harmless; it matches no later object): {Error}")]
    private static partial void LogIndexDeleteFailed(ILogger logger, string key, string error);
}
