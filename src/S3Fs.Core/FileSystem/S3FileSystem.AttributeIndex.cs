using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using S3Fs.Core.Namespace;
using S3Fs.Core.Storage;

namespace S3Fs.Core.FileSystem;

/// <summary>
/// Directory attribute indexes (FILE-FORMAT.md section 7): a full listing loads the directory's index alongside its
/// pages; readdirplus takes the stored attributes of every file whose listed version the index describes from it and
/// reads the others (one HEAD each, as without an index); when a directory handle closes after at least
/// <see cref="IndexWriteThreshold"/> such reads, the index is written again in the background.
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

    /// <summary>Starts reading a directory's index for the listing that has just started.</summary>
    private void StartAttributeIndexLoad(Node dir)
    {
        if (!_options.AttributeIndex)
        {
            return;
        }

        var load = LoadAttributeIndexAsync(IndexDirectory(dir));
        _inodes.WithLock(() =>
        {
            dir.AttributeIndex = load;
            dir.UnindexedReads = 0;
        });
    }

    /// <summary>
    /// For a readdirplus: loads the directory's index if no listing has yet (a cached listing, or one started by a
    /// plain readdir). Lookups never load an index: they cost one request per name either way.
    /// </summary>
    private void EnsureAttributeIndexLoad(Node dir)
    {
        if (_options.AttributeIndex && _inodes.WithLock(() => dir.AttributeIndex) is null)
        {
            StartAttributeIndexLoad(dir);
        }
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
        catch (ObjectStoreException e)
        {
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
    /// Gives the files among <paramref name="unknown"/> whose listed version the directory's index describes their
    /// stored attributes; returns the rest, which the caller reads from S3.
    /// </summary>
    private async ValueTask<List<Node>> ApplyAttributeIndexAsync(Node dir, List<Node> unknown, CancellationToken cancellationToken)
    {
        var load = _inodes.WithLock(() => dir.AttributeIndex);
        var index = load is null ? null : await load.WaitAsync(cancellationToken).ConfigureAwait(false);
        var rest = new List<Node>(unknown.Count);
        var reads = 0;
        foreach (var node in unknown)
        {
            if (node.Kind == FileKind.Directory)
            {
                rest.Add(node);
                continue;
            }

            if (index is not null
                && node is { Content: null, Object: { Metadata: null } state }
                && index.Entries.TryGetValue(node.Name, out var entry)
                && entry.Describes(state.ETag, state.ObjectSize, state.LastModified))
            {
                var kind = PosixAttributes.Parse(entry.UserMetadata).Kind == FileKind.Symlink ? FileKind.Symlink : FileKind.RegularFile;
                var target = kind == node.Kind ? node : _inodes.GetOrAddChild(dir, node.Name, kind);
                SetObjectState(target, state with { Indexed = entry });
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

        _indexWrites[Interlocked.Increment(ref _indexWriteSequence)] = WriteAttributeIndexAsync(index);
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

    private async Task WriteAttributeIndexAsync(AttributeIndex index)
    {
        await Task.Yield();
        var key = AttributeIndex.KeyFor(_options.Prefix, index.Directory);
        try
        {
            await _store.PutAsync(
                new PutRequest(key, index.ToJson()) { Metadata = new ObjectMetadata { ContentType = "application/json" } },
                CancellationToken.None).ConfigureAwait(false);
            LogIndexWritten(_logger, key, index.Entries.Count);
        }
        catch (ObjectStoreException e)
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
        catch (ObjectStoreException e)
        {
            LogIndexDeleteFailed(_logger, key, e.Message);
        }
    }

    /// <summary>Waits for index writes in flight (at dispose).</summary>
    private async ValueTask DrainAttributeIndexWritesAsync()
    {
        foreach (var write in _indexWrites.Values)
        {
            await write.ConfigureAwait(false);
        }

        _indexWrites.Clear();
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
