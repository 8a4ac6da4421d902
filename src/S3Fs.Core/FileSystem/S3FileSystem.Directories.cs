using Microsoft.Extensions.Logging;
using S3Fs.Core.Namespace;
using S3Fs.Core.Storage;

namespace S3Fs.Core.FileSystem;

/// <summary>Directories: listing (cached with a TTL, updated by our own changes), readdir, mkdir, rmdir.</summary>
public sealed partial class S3FileSystem
{
    /// <summary>The content type s3fs-fuse and the S3 console give directory marker objects.</summary>
    public const string DirectoryContentType = "application/x-directory";

    /// <summary>
    /// Entries whose attributes readdirplus loads at once when it meets one it does not know: 128, eight rounds of
    /// <see cref="FileSystemOptions.MaxParallelCopies"/> HEADs. A kernel request holds 25 (4 KiB) to several hundred
    /// entries; what is loaded but does not fit stays known for the next request.
    /// </summary>
    private const int AttributesAhead = 128;

    /// <summary>
    /// Listing pages (1,000 keys each) a lookup miss may spend listing its directory whole: two, so that a folder of
    /// 1,000 files and its marker object (1,001 keys) still qualifies.
    /// </summary>
    private const int SmallDirectoryPages = 2;

    public ValueTask<OpenReply> OpenDirAsync(long inode, CancellationToken cancellationToken)
    {
        var node = _inodes.Get(inode);
        RequireDirectory(node);
        return ValueTask.FromResult(new OpenReply(_handles.Add(new DirectoryHandle(node)), KeepCache: false, DirectIo: false));
    }

    public ValueTask ReleaseDirAsync(long inode, ulong handle, CancellationToken cancellationToken)
    {
        var h = _handles.Remove<DirectoryHandle>(handle);
        ForgetIfUnused(h.SwapRefused(null), null);
        MaybeWriteAttributeIndex(h.Node);
        return ValueTask.CompletedTask;
    }

    /// <summary>Drops a node not handed to the kernel, if nothing else holds it (and it is not <paramref name="keep"/>).</summary>
    private void ForgetIfUnused(Node? node, Node? keep)
    {
        if (node is not null && !ReferenceEquals(node, keep))
        {
            _inodes.Forget(node.Inode, 0);
        }
    }

    public async ValueTask ReadDirAsync(long inode, ulong handle, long offset, IDirectoryEntrySink sink, CancellationToken cancellationToken)
    {
        try
        {
            var h = _handles.Get<DirectoryHandle>(handle);
            DirectoryStream stream;
            await h.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                if (offset == 0 || h.Entries is null)
                {
                    h.Entries = OpenEntries(h.Node);
                }

                if (sink.WantsAttributes)
                {
                    // Alongside the listing, once per directory and mount: readdirplus uses it, and so do the lookups
                    // that follow when the kernel goes on with plain readdir (it does after a short first reply).
                    _ = AttributeIndexOfAsync(h.Node, mayLoad: true);
                }

                stream = h.Entries;
            }
            finally
            {
                h.Gate.Release();
            }

            var entries = await stream.WaitForAsync(offset, cancellationToken).ConfigureAwait(false);

            var loadedUpTo = 0;
            for (var i = (int)Math.Min(offset, entries.Count); i < entries.Count; i++)
            {
                var (name, child) = entries[i];
                if (child is null)
                {
                    var self = name == "." ? h.Node : h.Node.Parent ?? h.Node;
                    if (!sink.TryAdd(new DirectoryEntry(name, self.Inode, FileKind.Directory, i + 1), null))
                    {
                        return;
                    }

                    continue;
                }

                if (!sink.WantsAttributes)
                {
                    var known = _inodes.FindChild(h.Node, name);
                    var ino = known?.Inode ?? SyntheticInode(h.Node, name);

                    // A file or symlink is only a guess unless this version's metadata was read (or it was made here).
                    var confirmed = known is not null && AttributesKnown(known) && (known.Content is not null || known.Object is null || known.Object.ETag == child.ETag);
                    var kind = confirmed ? known!.Kind : child.Kind;
                    var typedByListing = TypedByListing(child.Kind, child.ObjectSize);
                    var entry = new DirectoryEntry(name, ino, kind, i + 1) { KindGuessed = kind != FileKind.Directory && !confirmed && !typedByListing };
                    if (!sink.TryAdd(entry, null))
                    {
                        return;
                    }

                    continue;
                }

                var node = NodeFromListing(h.Node, child);
                if (!AttributesSettled(node) && i >= loadedUpTo)
                {
                    loadedUpTo = i + AttributesAhead;
                    await LoadAttributesAheadAsync(h.Node, entries, i, cancellationToken).ConfigureAwait(false);
                    node = NodeFromListing(h.Node, child);
                }

                if (!sink.TryAdd(new DirectoryEntry(name, node.Inode, node.Kind, i + 1), Entry(node)))
                {
                    // Not handed to the kernel. The next readdir starts from it (dropping it here would lose the
                    // attributes just loaded and cost its HEAD again); the release drops it if nothing took it.
                    ForgetIfUnused(h.SwapRefused(node), node);
                    return;
                }

                _inodes.AddLookup(node);
            }
        }
        catch (Exception e)
        {
            throw ErrorMapping.Translate(e, "readdir");
        }
    }

    /// <summary>
    /// readdirplus hands the kernel each entry's type and attributes, and a listing has only guesses: no mode, owner or
    /// times, and a symlink looks like a file (find -type trusts that type without a stat). Loads the stored ones of the
    /// next <see cref="AttributesAhead"/> entries not known yet, <see cref="FileSystemOptions.MaxParallelCopies"/> HEADs at
    /// a time, so that listing a directory nothing was looked up in costs parallel HEADs instead of one lookup round
    /// trip per name. Entries whose HEAD fails stay guesses, which <see cref="Entry"/> marks as not cacheable.
    /// </summary>
    private async ValueTask LoadAttributesAheadAsync(Node dir, IReadOnlyList<(string Name, ListedChild? Child)> entries, int from, CancellationToken cancellationToken)
    {
        var unknown = new List<(Node Node, ListedChild Child)>();
        for (var i = from; i < entries.Count && i < from + AttributesAhead; i++)
        {
            if (entries[i].Child is { } child && NodeFromListing(dir, child) is var node && !AttributesSettled(node))
            {
                unknown.Add((node, child));
            }
        }

        if (unknown.Count == 0)
        {
            return;
        }

        var toRead = await ApplyAttributeIndexAsync(dir, unknown, cancellationToken).ConfigureAwait(false);
        if (toRead.Count == 0)
        {
            // All from the index: no worker tasks to start (a lookup of an indexed name passes here every 16 names).
            return;
        }

        var readAfter = _store.LatestServerDate;
        await Parallel.ForEachAsync(
            toRead,
            new ParallelOptions { MaxDegreeOfParallelism = _options.MaxParallelCopies, CancellationToken = cancellationToken },
            async (node, ct) =>
            {
                try
                {
                    await LoadAttributesAsync(dir, node, ct, readAfter).ConfigureAwait(false);
                }
                catch (ObjectStoreException e)
                {
                    LogAttributesAheadFailed(_logger, node.Name, e.Message);
                }
            }).ConfigureAwait(false);
    }

    public async ValueTask<EntryReply> MkDirAsync(long parent, string name, uint mode, RequestContext context, CancellationToken cancellationToken)
    {
        try
        {
            CheckWritable();
            var dir = _inodes.Get(parent);
            RequireDirectory(dir);
            CheckName(name);
            if (await ResolveChildAsync(dir, name, cancellationToken).ConfigureAwait(false) is not null)
            {
                throw new FsException(FsErrorCode.AlreadyExists, $"'{name}' already exists");
            }

            var now = _time.GetUtcNow();
            var attributes = new PosixAttributes
            {
                Mode = PosixAttributes.DirectoryType | (mode & 0xFFFu),
                Uid = context.Uid,
                Gid = context.Gid,
                ATime = now,
                MTime = now,
                CTime = now,
            };
            var md = new Dictionary<string, string>(StringComparer.Ordinal);
            attributes.WriteTo(md);
            var key = ChildKey(dir, name) + "/";
            var metadata = new ObjectMetadata { UserMetadata = md, ContentType = DirectoryContentType };
            PutResult put;
            try
            {
                put = await _store.PutAsync(
                    new PutRequest(key, ReadOnlyMemory<byte>.Empty)
                    {
                        Metadata = metadata,
                        Condition = _store.Capabilities.ConditionalCreate ? WriteCondition.IfNoneExists : WriteCondition.None,
                    },
                    cancellationToken).ConfigureAwait(false);
            }
            catch (ObjectStoreException e) when (e.Kind == ObjectStoreErrorKind.PreconditionFailed)
            {
                throw new FsException(FsErrorCode.AlreadyExists, $"'{name}' was created by another client", e);
            }

            var node = _inodes.GetOrAddChild(dir, name, FileKind.Directory);
            node.Object = new ObjectState(key, 0, put.ETag, now, metadata);
            node.Unlinked = false;
            _inodes.WithLock(() => node.Listing = new DirectoryListing(now, new SortedDictionary<string, ListedChild>(StringComparer.Ordinal)));
            AddToListing(dir, new ListedChild(name, FileKind.Directory, 0, default, now));
            _inodes.AddLookup(node);
            return Entry(node);
        }
        catch (Exception e)
        {
            throw ErrorMapping.Translate(e, "mkdir");
        }
    }

    public async ValueTask RmDirAsync(long parent, string name, CancellationToken cancellationToken)
    {
        try
        {
            CheckWritable();
            var dir = _inodes.Get(parent);
            RequireDirectory(dir);
            var node = await ResolveChildAsync(dir, name, cancellationToken).ConfigureAwait(false)
                ?? throw FsException.NotFound($"'{name}'");
            if (node.Kind != FileKind.Directory)
            {
                throw new FsException(FsErrorCode.NotADirectory, $"'{name}' is not a directory");
            }

            var key = DirectoryKey(node);
            if (HasLocalOnlyChildren(node))
            {
                throw new FsException(FsErrorCode.NotEmpty, $"'{name}' is not empty");
            }

            var page = await _store.ListAsync(new ListRequest(key) { MaxKeys = 2 }, cancellationToken).ConfigureAwait(false);
            if (page.CommonPrefixes.Count > 0 || page.Objects.Any(o => o.Key != key))
            {
                throw new FsException(FsErrorCode.NotEmpty, $"'{name}' is not empty");
            }

            await _store.DeleteAsync(key, cancellationToken).ConfigureAwait(false);
            await _store.DeleteAsync(key[..^1] + DirectoryLister.LegacyFolderSuffix, cancellationToken).ConfigureAwait(false);
            await DeleteAttributeIndexAsync(node).ConfigureAwait(false);
            _inodes.Detach(node);
            RemoveFromListing(dir, name);
        }
        catch (Exception e)
        {
            throw ErrorMapping.Translate(e, "rmdir");
        }
    }

    /// <summary>
    /// The entries of a directory being opened for reading: from its listing if that is fresh, else a stream filled by a
    /// new listing in the background, page by page (<see cref="DirectoryStream"/>). The listing is not tied to the
    /// readdir that started it: it runs to its end (and is cached) even if that request is interrupted.
    /// </summary>
    private DirectoryStream OpenEntries(Node dir)
    {
        var now = _time.GetUtcNow();
        var cached = _inodes.WithLock(() => dir.Listing is { } l && l.IsFresh(now, _options.ListingTtl) ? l.Children.Values.ToList() : null);
        if (cached is not null)
        {
            return DirectoryStream.Of(cached);
        }

        var stream = new DirectoryStream();
        _ = FillEntriesAsync(dir, stream, now);
        return stream;
    }

    private async Task FillEntriesAsync(Node dir, DirectoryStream stream, DateTimeOffset now)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _inodes.WithLock(() => { dir.ListingInProgress = done.Task; });
        try
        {
            await Task.Yield(); // the readdir that opened the stream goes on to wait for its first entries
            var children = await _lister.ListAsync(DirectoryKey(dir), dir.IsRoot, int.MaxValue, CancellationToken.None, stream.Add).ConfigureAwait(false);
            stream.Complete(InstallListing(dir, now, children!));
        }
        catch (Exception e)
        {
            stream.Fail(e);
        }
        finally
        {
            _inodes.WithLock(() =>
            {
                if (dir.ListingInProgress == done.Task)
                {
                    dir.ListingInProgress = null;
                }
            });
            done.TrySetResult();
        }
    }

    /// <summary>
    /// A lookup that finds no fresh listing of its directory lists the directory instead of probing the one name
    /// when the directory fits in <see cref="SmallDirectoryPages"/> listing pages: that answers this lookup and every
    /// other in the directory for the listing TTL (a program opening 1,000 files of a folder by name sends two LISTs,
    /// not 1,000 HEAD and LIST pairs). Null when the directory is larger; it is then not tried again for a listing TTL.
    /// </summary>
    private async ValueTask<DirectoryListing?> TryListSmallDirectoryAsync(Node dir, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        if (_inodes.WithLock(() => dir.LargeDirectoryUntil > now))
        {
            return null;
        }

        var children = await _lister.ListAsync(DirectoryKey(dir), dir.IsRoot, SmallDirectoryPages, cancellationToken).ConfigureAwait(false);
        if (children is null)
        {
            _inodes.WithLock(() => dir.LargeDirectoryUntil = now + _options.ListingTtl);
            return null;
        }

        InstallListing(dir, now, children);
        return _inodes.WithLock(() => dir.Listing);
    }

    private List<ListedChild> InstallListing(Node dir, DateTimeOffset now, SortedDictionary<string, ListedChild> children) =>
        _inodes.WithLock(() =>
        {
            // Files created here and not uploaded yet exist only in memory: keep them visible.
            foreach (var node in _inodes.NodesWithContent())
            {
                if (node is { Object: null, Content: not null, Unlinked: false } && node.Parent == dir && !children.ContainsKey(node.Name))
                {
                    children[node.Name] = dir.Listing?.Children.GetValueOrDefault(node.Name)
                        ?? new ListedChild(node.Name, node.Kind, 0, default, node.LocalChangeTime);
                }
            }

            dir.Listing = new DirectoryListing(now, children);
            return children.Values.ToList();
        });

    private void AddToListing(Node dir, ListedChild child) =>
        _inodes.WithLock(() =>
        {
            if (dir.Listing is { } l)
            {
                l.Children[child.Name] = child;
            }
        });

    private void RemoveFromListing(Node dir, string name) =>
        _inodes.WithLock(() => dir.Listing?.Children.Remove(name));

    private bool HasLocalOnlyChildren(Node dir) =>
        _inodes.Descendants(dir).Any(n => n is { Object: null, Content: not null, Unlinked: false });

    /// <summary>A stable, non-zero inode number for a plain readdir entry the kernel has not looked up (it ignores it).</summary>
    private static long SyntheticInode(Node dir, string name) =>
        (long)(((ulong)(uint)HashCode.Combine(dir.Inode, name) << 8) | 0x4000_0000_0000_0000UL);

    [LoggerMessage(EventId = 1204, Level = LogLevel.Debug, Message = "Loading the attributes of '{Name}' for readdirplus failed (its lookup will try again): {Error}")]
    private static partial void LogAttributesAheadFailed(ILogger logger, string name, string error);
}
