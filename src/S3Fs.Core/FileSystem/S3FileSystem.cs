using System.Text;
using Microsoft.Extensions.Logging;
using S3Fs.Core.Content;
using S3Fs.Core.Namespace;
using S3Fs.Core.Storage;

namespace S3Fs.Core.FileSystem;

/// <summary>
/// The filesystem over one bucket prefix: the <see cref="IFileSystem"/> the FUSE and Dokan adapters drive.
/// This file holds lookups and attributes; the other parts of the class are split by concern
/// (S3FileSystem.Files.cs: open/read/write/upload; .Directories.cs: readdir, mkdir, rmdir;
/// .Changes.cs: unlink, rename, symlink, setattr, xattrs). Names, inodes and POSIX attributes live here;
/// file contents (encryption, caching, staging, uploads) live behind <see cref="IContentStore"/>.
/// </summary>
public sealed partial class S3FileSystem : IFileSystem, IAsyncDisposable
{
    private readonly IObjectStore _store;
    private readonly IContentStore _content;
    private readonly FileSystemOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly InodeTable _inodes = new();
    private readonly HandleTable _handles = new();
    private readonly DirectoryLister _lister;
    private readonly DateTimeOffset _mountTime;
    private readonly PendingUploadRetrier _pendingUploads;

    public S3FileSystem(IObjectStore store, IContentStore content, FileSystemOptions options, ILogger logger, TimeProvider? time = null)
    {
        _store = store;
        _content = content;
        _options = options;
        _logger = logger;
        _time = time ?? TimeProvider.System;
        _lister = new DirectoryLister(store, logger, options.MaxNameLength);
        _mountTime = _time.GetUtcNow();
        _pendingUploads = new PendingUploadRetrier(RetryPendingUploadsAsync, _time, logger);
    }

    /// <summary>Completes directory renames that an earlier mount left half done (run before serving).</summary>
    public async ValueTask<int> RecoverAsync(CancellationToken cancellationToken) =>
        await new DirectoryRenamer(_store, _options.Prefix, _options.MaxParallelCopies, _logger).CompletePendingAsync(cancellationToken).ConfigureAwait(false);

    public async ValueTask DisposeAsync()
    {
        await _pendingUploads.DisposeAsync().ConfigureAwait(false);
        await DrainAttributeIndexWritesAsync().ConfigureAwait(false);
        foreach (var node in _inodes.NodesWithContent())
        {
            await StopPageFillAsync(node).ConfigureAwait(false);
            if (node.Content is { IsDirty: false } content)
            {
                await content.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private async ValueTask<int> RetryPendingUploadsAsync(CancellationToken cancellationToken)
    {
        var left = 0;
        foreach (var node in _inodes.NodesWithContent())
        {
            if (node.OpenHandles > 0 || node.Content is not { IsDirty: true })
            {
                continue;
            }

            try
            {
                await UploadIfDirtyAsync(node, "retry", cancellationToken).ConfigureAwait(false);
            }
            catch (FsException)
            {
                left++;
            }
        }

        return left;
    }

    /// <summary>Inodes currently known (for tests and stats).</summary>
    public int KnownInodes => _inodes.Count;

    public async ValueTask<EntryReply> LookupAsync(long parent, string name, CancellationToken cancellationToken)
    {
        try
        {
            var dir = _inodes.Get(parent);
            RequireDirectory(dir);
            CheckName(name);
            var node = await ResolveChildAsync(dir, name, cancellationToken).ConfigureAwait(false)
                ?? throw FsException.NotFound($"'{name}'");
            if (!AttributesSettled(node))
            {
                node = await LoadAttributesForLookupAsync(dir, node, cancellationToken).ConfigureAwait(false)
                    ?? throw FsException.NotFound($"'{name}'");
            }

            _inodes.AddLookup(node);
            return Entry(node);
        }
        catch (Exception e)
        {
            throw ErrorMapping.Translate(e, "lookup");
        }
    }

    public void Forget(long inode, ulong count) => _inodes.Forget(inode, count);

    public async ValueTask<FileAttributes> GetAttrAsync(long inode, CancellationToken cancellationToken)
    {
        try
        {
            var node = _inodes.Get(inode);
            if (node.Kind != FileKind.Directory && node.Object is { Metadata: null } && node.Content is null && !node.Unlinked && !AttributesSettled(node))
            {
                // Attributes so far came from a listing; a getattr after the kernel's cache expired is the moment
                // to learn the stored mode, owner and times (one HEAD, then cached with the ETag).
                await RefreshFromHeadAsync(node, cancellationToken).ConfigureAwait(false);
            }
            else if (node.Kind == FileKind.Directory && !AttributesSettled(node) && !node.Unlinked)
            {
                await LoadMarkerAsync(node, cancellationToken).ConfigureAwait(false);
            }

            return Attributes(node);
        }
        catch (Exception e)
        {
            throw ErrorMapping.Translate(e, "getattr");
        }
    }

    public ValueTask<FsStats> StatFsAsync(long inode, CancellationToken cancellationToken)
    {
        const long blockSize = 4096;
        var blocks = _options.ReportedCapacityBytes / blockSize;
        return ValueTask.FromResult(new FsStats
        {
            BlockSize = blockSize,
            TotalBlocks = blocks,
            FreeBlocks = blocks,
            AvailableBlocks = blocks,
            TotalFiles = 1L << 40,
            FreeFiles = 1L << 40,
            MaxNameLength = _options.MaxNameLength,
        });
    }

    /// <summary>Finds a child by name: from a fresh listing if there is one, else with one HEAD and one LIST in parallel.</summary>
    private async ValueTask<Node?> ResolveChildAsync(Node dir, string name, CancellationToken cancellationToken)
    {
        if (dir.IsRoot && name == DirectoryLister.InternalDirectoryName)
        {
            return null;
        }

        var known = _inodes.FindChild(dir, name);
        if (known is not null && known.Object is null && known.Kind != FileKind.Directory)
        {
            return known; // created here, not uploaded yet
        }

        var now = _time.GetUtcNow();
        Task? inProgress = null;
        _inodes.WithLock(() =>
        {
            if (dir.Listing is not { } l || !l.IsFresh(now, _options.ListingTtl))
            {
                inProgress = dir.ListingInProgress;
            }
        });
        if (inProgress is not null)
        {
            // readdir is listing this directory (ls -l looks up every name it reads): its listing answers this lookup.
            await inProgress.WaitAsync(cancellationToken).ConfigureAwait(false);
            now = _time.GetUtcNow();
        }

        var listing = _inodes.WithLock(() => dir.Listing is { } l && l.IsFresh(now, _options.ListingTtl) ? l : null)
            ?? await TryListSmallDirectoryAsync(dir, cancellationToken).ConfigureAwait(false);
        if (listing is not null)
        {
            var child = _inodes.WithLock(() => listing.Children.GetValueOrDefault(name));
            return child is null ? null : NodeFromListing(dir, child);
        }

        var key = ChildKey(dir, name);
        var headTask = HeadOrNullAsync(key, cancellationToken);
        var listTask = _store.ListAsync(new ListRequest(key + "/") { MaxKeys = 1 }, cancellationToken);
        ObjectInfo? head;
        ListPage page;
        try
        {
            head = await headTask.ConfigureAwait(false);
        }
        finally
        {
            page = await listTask.ConfigureAwait(false);
        }

        if (page.Objects.Count > 0 || page.CommonPrefixes.Count > 0)
        {
            var node = _inodes.GetOrAddChild(dir, name, FileKind.Directory);
            var marker = page.Objects.FirstOrDefault(o => o.Key == key + "/");
            if (marker is not null && node.Object?.ETag != marker.ETag)
            {
                node.Object = new ObjectState(marker.Key, 0, marker.ETag, marker.LastModified, null);
            }
            else if (marker is null && node.Object is null)
            {
                node.ImplicitDirectory = true; // the first key under the prefix would have been its marker
            }

            return node;
        }

        return head is null ? null : NodeFromHead(dir, name, head);
    }

    /// <summary>A file or symlink node for an object whose HEAD (with metadata) is known.</summary>
    /// <param name="dir">The directory.</param>
    /// <param name="name">The child's name.</param>
    /// <param name="head">What the HEAD (or GET) returned.</param>
    /// <param name="readAfter">A lower bound of the server's clock before that request was sent, if known.</param>
    private Node NodeFromHead(Node dir, string name, ObjectInfo head, DateTimeOffset? readAfter = null)
    {
        var kind = PosixAttributes.Of(head.Metadata.UserMetadata).Kind == FileKind.Symlink ? FileKind.Symlink : FileKind.RegularFile;
        var fileNode = _inodes.GetOrAddChild(dir, name, kind);
        var state = ObjectState.FromInfo(head);
        SetObjectState(fileNode, readAfter is { } date ? state with { Read = new ReadStamp(head.Metadata, date) } : state);
        return fileNode;
    }

    /// <summary>
    /// Whether a node's type, mode, owner and times are the stored ones (from metadata, or set here), rather than what a
    /// listing suggests: a listing cannot tell a symlink from a file and carries no mode, owner or times.
    /// </summary>
    private static bool AttributesKnown(Node node) =>
        node.IsRoot || node.Content is not null || node.PendingAttributes is not null || node.Object switch
        {
            { Metadata: not null } => true,
            { ValidIndexed: not null } => true,

            // No object: a file created here, or a directory known to have no marker.
            null => node.Kind != FileKind.Directory || node.ImplicitDirectory,
            _ => false,
        };

    /// <summary>
    /// Whether a node's attributes may be handed to the kernel as they are: the stored ones, or, with
    /// <see cref="FileSystemOptions.AttributesFromListings"/>, a listed file's when the listing leaves no doubt about its
    /// type. Directories always need their marker read (a chmod 700 on a directory is worth one HEAD per directory).
    /// </summary>
    private bool AttributesSettled(Node node) => AttributesKnown(node) || TypedByListing(node.Kind, node.Object?.ObjectSize ?? 0);

    /// <summary>
    /// With <see cref="FileSystemOptions.AttributesFromListings"/>: whether a listed file object can be shown with the
    /// listing's attributes. Not when it could be a symlink: a link's target (1 to 4095 bytes, encrypted like any content
    /// in an encrypting volume) is its content, and only its metadata says it is a link.
    /// </summary>
    private bool TypedByListing(FileKind kind, long objectSize) =>
        _options.AttributesFromListings && kind == FileKind.RegularFile && _content.SizeOf(objectSize, null) is 0 or >= 4096;

    /// <summary>
    /// Learns the stored attributes of a name seen only in a listing before the kernel caches them: one HEAD of the
    /// object (which may reveal a symlink: a node of that kind then replaces the guess), or of a directory's marker.
    /// Null when the object is gone.
    /// </summary>
    private async ValueTask<Node?> LoadAttributesAsync(Node dir, Node node, CancellationToken cancellationToken, DateTimeOffset? readAfter = null)
    {
        if (node.Kind == FileKind.Directory)
        {
            await LoadMarkerAsync(node, cancellationToken).ConfigureAwait(false);
            return node;
        }

        var head = await _content.HeadAsync(ChildKey(dir, node.Name), node.Object?.ObjectSize ?? 0, cancellationToken).ConfigureAwait(false);
        return head is null ? null : NodeFromHead(dir, node.Name, head, readAfter);
    }

    /// <summary>
    /// A lookup of a name known only from a fresh listing is usually one of many (ls -l stats every name it has just
    /// read): load the attributes of the names after it too, one round of parallel HEADs, so the next lookups find them
    /// known instead of each waiting for its own HEAD.
    /// </summary>
    private async ValueTask<Node?> LoadAttributesForLookupAsync(Node dir, Node node, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var following = _inodes.WithLock(() => dir.Listing is { } l && l.IsFresh(now, _options.ListingTtl)
            ? l.ChildrenFrom(node.Name, _options.MaxParallelCopies)
                .Select(c => (c.Name, (ListedChild?)c))
                .ToList()
            : null);
        if (following is { Count: > 1 })
        {
            await LoadAttributesAheadAsync(dir, following, 0, cancellationToken).ConfigureAwait(false);
            node = _inodes.FindChild(dir, node.Name) ?? node;
            if (AttributesSettled(node))
            {
                return node;
            }
        }

        return await LoadAttributesAsync(dir, node, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reads a directory's marker (its stored mode, owner and times); without one it is an implicit directory.</summary>
    private async ValueTask LoadMarkerAsync(Node directory, CancellationToken cancellationToken)
    {
        var marker = await HeadOrNullAsync(DirectoryKey(directory), cancellationToken).ConfigureAwait(false);
        if (marker is null)
        {
            directory.ImplicitDirectory = true;
        }
        else
        {
            directory.Object = ObjectState.FromInfo(marker);
        }
    }

    private Node NodeFromListing(Node dir, ListedChild child)
    {
        var known = _inodes.FindChild(dir, child.Name);

        // A listing cannot tell a symlink from a file (that is in the object's metadata); a node already known to be
        // a symlink stays one as long as the object is the same version.
        var kind = child.Kind == FileKind.RegularFile && known is { Kind: FileKind.Symlink } && known.Object?.ETag == child.ETag
            ? FileKind.Symlink
            : child.Kind;
        var node = _inodes.GetOrAddChild(dir, child.Name, kind);
        // A new version, or (for a node whose attributes came from an attribute index or not at all) a new Last-Modified:
        // another client's chmod is a copy in place that keeps the ETag, and an index entry describes one version only.
        if (child.Kind != FileKind.Directory && node.Content is null
            && (node.Object?.ETag != child.ETag
                || node.Object is { Metadata: null } o && o.LastModified.ToUnixTimeSeconds() != child.LastModified.ToUnixTimeSeconds()))
        {
            node.Object = new ObjectState(child.ObjectKey!, child.ObjectSize, child.ETag, child.LastModified, null);
        }

        return node;
    }

    private async ValueTask<ObjectInfo?> HeadOrNullAsync(string key, CancellationToken cancellationToken)
    {
        try
        {
            return await _store.HeadAsync(new HeadRequest(key), cancellationToken).ConfigureAwait(false);
        }
        catch (ObjectStoreException e) when (e.Kind == ObjectStoreErrorKind.NotFound)
        {
            return null;
        }
    }

    private async ValueTask RefreshFromHeadAsync(Node node, CancellationToken cancellationToken)
    {
        var state = node.Object!;
        var head = await HeadOrNullAsync(state.Key, cancellationToken).ConfigureAwait(false);
        if (head is null)
        {
            // Deleted by another client: keep answering with what we knew; the next lookup will not find it.
            return;
        }

        SetObjectState(node, ObjectState.FromInfo(head));
    }

    private static void SetObjectState(Node node, ObjectState state)
    {
        if (node.Content is null)
        {
            node.Object = state;
        }
    }

    /// <summary>
    /// The reply for a lookup or a readdirplus entry. Attributes that are only a listing's guesses (readdirplus of a
    /// directory not looked up yet) get no cache time, so the kernel looks the name up (and learns the stored ones)
    /// before it uses them: otherwise a 0600 file would be shown, and permission-checked, as the mount's default mode.
    /// </summary>
    private EntryReply Entry(Node node) => AttributesSettled(node)
        ? new(Attributes(node), _options.EntryTimeout, _options.AttrTimeout)
        : new(Attributes(node), TimeSpan.Zero, TimeSpan.Zero);

    /// <summary>The attributes the kernel sees: stored POSIX metadata where known, else the mount's defaults.</summary>
    private FileAttributes Attributes(Node node)
    {
        var indexed = node.Object?.ValidIndexed;
        var stored = (node.Object?.Metadata ?? indexed?.Metadata) is { } md ? PosixAttributes.Of(md.UserMetadata) : null;
        var pending = node.PendingAttributes;
        var fallbackTime = node.Object?.LastModified ?? (node.LocalChangeTime == default ? _mountTime : node.LocalChangeTime);
        var mtime = pending?.MTime ?? stored?.MTime ?? fallbackTime;
        var defaultMode = node.Kind == FileKind.Directory ? _options.DirectoryMode : node.Kind == FileKind.Symlink ? 0x1FFu : _options.FileMode;
        var mode = (pending?.Mode ?? stored?.Mode ?? defaultMode) & 0xFFFu;
        long size = node.Kind switch
        {
            FileKind.Directory => 4096,
            FileKind.Symlink when node.SymlinkTarget is not null => Encoding.UTF8.GetByteCount(node.SymlinkTarget),
            _ => node.Content?.Size ?? indexed?.PlainSize ?? (node.Object is { } o ? _content.SizeOf(o.ObjectSize, o.Metadata) : 0),
        };
        return new FileAttributes
        {
            Inode = node.Inode,
            Kind = node.Kind,
            Mode = mode,
            Size = size,
            Uid = pending?.Uid ?? stored?.Uid ?? _options.Uid,
            Gid = pending?.Gid ?? stored?.Gid ?? _options.Gid,
            LinkCount = node.Kind == FileKind.Directory ? 2u : 1u,
            MTime = mtime,
            ATime = pending?.ATime ?? stored?.ATime ?? mtime,
            CTime = pending?.CTime ?? stored?.CTime ?? (node.LocalChangeTime > mtime ? node.LocalChangeTime : mtime),
        };
    }

    /// <summary>The key of a child file: prefix + path + name.</summary>
    private string ChildKey(Node dir, string name) => DirectoryKey(dir) + name;

    /// <summary>The key prefix of a directory's children: "" or ending in '/'.</summary>
    private string DirectoryKey(Node dir)
    {
        var path = _inodes.PathOf(dir);
        return path.Length == 0 ? _options.Prefix : _options.Prefix + path + "/";
    }

    private string ObjectKeyOf(Node node) => node.Kind == FileKind.Directory ? DirectoryKey(node) : ChildKey(node.Parent!, node.Name);

    private static void RequireDirectory(Node node)
    {
        if (node.Kind != FileKind.Directory)
        {
            throw new FsException(FsErrorCode.NotADirectory, $"{node} is not a directory");
        }
    }

    private void CheckName(string name)
    {
        if (Encoding.UTF8.GetByteCount(name) > _options.MaxNameLength)
        {
            throw new FsException(FsErrorCode.NameTooLong, $"'{name[..Math.Min(name.Length, 32)]}...' is longer than {_options.MaxNameLength} bytes");
        }

        if (name.Length == 0 || name == "." || name == ".." || name.Contains('/', StringComparison.Ordinal))
        {
            throw new FsException(FsErrorCode.InvalidArgument, $"'{name}' is not a valid name");
        }
    }

    private void CheckWritable()
    {
        if (_options.ReadOnly)
        {
            throw new FsException(FsErrorCode.ReadOnly, "the filesystem is mounted read-only");
        }
    }
}
