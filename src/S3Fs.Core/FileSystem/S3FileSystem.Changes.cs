using System.Text;
using S3Fs.Core.Namespace;
using S3Fs.Core.Storage;

namespace S3Fs.Core.FileSystem;

/// <summary>Namespace changes: unlink, rename, symlinks and hard links.</summary>
public sealed partial class S3FileSystem
{
    public async ValueTask UnlinkAsync(long parent, string name, CancellationToken cancellationToken)
    {
        try
        {
            CheckWritable();
            var dir = _inodes.Get(parent);
            RequireDirectory(dir);
            var node = await ResolveChildAsync(dir, name, cancellationToken).ConfigureAwait(false)
                ?? throw FsException.NotFound($"'{name}'");
            if (node.Kind == FileKind.Directory)
            {
                throw new FsException(FsErrorCode.IsADirectory, $"'{name}' is a directory");
            }

            await node.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                if (node.Object is not null)
                {
                    await _store.DeleteAsync(node.Object.Key, cancellationToken).ConfigureAwait(false);
                }

                // Open handles keep working on the content until the last close, which then drops it (POSIX).
                _inodes.Detach(node);
                if (node.OpenHandles == 0 && node.Content is not null)
                {
                    await node.Content.DisposeAsync().ConfigureAwait(false);
                    node.Content = null;
                }
            }
            finally
            {
                node.Gate.Release();
            }

            RemoveFromListing(dir, name);
        }
        catch (Exception e)
        {
            throw ErrorMapping.Translate(e, "unlink");
        }
    }

    public async ValueTask RenameAsync(long parent, string name, long newParent, string newName, RenameFlags flags, CancellationToken cancellationToken)
    {
        try
        {
            CheckWritable();
            if ((flags & RenameFlags.Exchange) != 0)
            {
                throw new FsException(FsErrorCode.NotSupported, "rename with RENAME_EXCHANGE is not supported: S3 cannot swap two objects atomically");
            }

            var fromDir = _inodes.Get(parent);
            var toDir = _inodes.Get(newParent);
            RequireDirectory(fromDir);
            RequireDirectory(toDir);
            CheckName(newName);
            var node = await ResolveChildAsync(fromDir, name, cancellationToken).ConfigureAwait(false)
                ?? throw FsException.NotFound($"'{name}'");
            if (fromDir == toDir && name == newName)
            {
                return;
            }

            if (node.Kind == FileKind.Directory)
            {
                for (var d = toDir; d is not null; d = d.Parent)
                {
                    if (d == node)
                    {
                        throw new FsException(FsErrorCode.InvalidArgument, $"cannot move '{name}' into itself");
                    }
                }
            }

            var target = await ResolveChildAsync(toDir, newName, cancellationToken).ConfigureAwait(false);
            if (node.Kind == FileKind.Directory)
            {
                await RenameDirectoryAsync(node, toDir, newName, target, flags, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await RenameFileAsync(node, toDir, newName, target, flags, cancellationToken).ConfigureAwait(false);
            }

            RemoveFromListing(fromDir, name);
            AddToListing(toDir, ListedChildOf(node, newName));
        }
        catch (Exception e)
        {
            throw ErrorMapping.Translate(e, "rename");
        }
    }

    public async ValueTask<EntryReply> SymlinkAsync(string target, long parent, string name, RequestContext context, CancellationToken cancellationToken)
    {
        try
        {
            CheckWritable();
            var dir = _inodes.Get(parent);
            RequireDirectory(dir);
            CheckName(name);
            if (target.Length == 0 || Encoding.UTF8.GetByteCount(target) >= 4096)
            {
                throw new FsException(FsErrorCode.NameTooLong, "a symlink target must be 1 to 4095 bytes");
            }

            if (await ResolveChildAsync(dir, name, cancellationToken).ConfigureAwait(false) is not null)
            {
                throw new FsException(FsErrorCode.AlreadyExists, $"'{name}' already exists");
            }

            var node = _inodes.GetOrAddChild(dir, name, FileKind.Symlink);
            var now = _time.GetUtcNow();
            await node.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                node.Unlinked = false;
                node.Object = null;
                node.SymlinkTarget = target;
                node.LocalChangeTime = now;
                node.PendingAttributes = new PosixAttributes
                {
                    Mode = PosixAttributes.SymlinkType | 0x1FFu,
                    Uid = context.Uid,
                    Gid = context.Gid,
                    ATime = now,
                    MTime = now,
                    CTime = now,
                };

                // The target is content like any other: in an encrypting mount it is stored encrypted.
                node.Content = _content.CreateNew();
                await node.Content.WriteAsync(0, Encoding.UTF8.GetBytes(target), cancellationToken).ConfigureAwait(false);
                await UploadLockedAsync(node, "symlink", cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                _inodes.Detach(node);
                throw;
            }
            finally
            {
                node.Gate.Release();
            }

            _inodes.AddLookup(node);
            return Entry(node);
        }
        catch (Exception e)
        {
            throw ErrorMapping.Translate(e, "symlink");
        }
    }

    public async ValueTask<string> ReadLinkAsync(long inode, CancellationToken cancellationToken)
    {
        try
        {
            var node = _inodes.Get(inode);
            if (node.Kind != FileKind.Symlink)
            {
                throw new FsException(FsErrorCode.InvalidArgument, $"{node} is not a symlink");
            }

            if (node.SymlinkTarget is { } cached)
            {
                return cached;
            }

            await node.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                var content = await EnsureContentAsync(node, cancellationToken).ConfigureAwait(false);
                if (node.Object?.Metadata is { } md && PosixAttributes.Parse(md.UserMetadata).Kind != FileKind.Symlink)
                {
                    // Shown as a symlink by a directory attribute index the object disagrees with: never hand a
                    // file's content out as a link target (readlink checks no permission).
                    throw new FsException(FsErrorCode.IoError, $"{node} is not a symlink in S3 (its directory's attribute index says it is; remount to see it as it is)");
                }

                if (content.Size >= 4096)
                {
                    throw new FsException(FsErrorCode.IoError, $"{node}: stored symlink target is {content.Size} bytes, more than a path can be");
                }

                var buffer = new byte[content.Size];
                using (var reader = content.CreateReader())
                {
                    var read = 0;
                    while (read < buffer.Length)
                    {
                        var n = await reader.ReadAsync(read, buffer.AsMemory(read), cancellationToken).ConfigureAwait(false);
                        if (n == 0)
                        {
                            break;
                        }

                        read += n;
                    }
                }

                node.SymlinkTarget = Encoding.UTF8.GetString(buffer);
                if (node.OpenHandles == 0 && !content.IsDirty)
                {
                    await content.DisposeAsync().ConfigureAwait(false);
                    node.Content = null;
                }

                return node.SymlinkTarget;
            }
            finally
            {
                node.Gate.Release();
            }
        }
        catch (Exception e)
        {
            throw ErrorMapping.Translate(e, "readlink");
        }
    }

    public ValueTask<EntryReply> LinkAsync(long inode, long newParent, string newName, CancellationToken cancellationToken) =>
        throw new FsException(FsErrorCode.NotSupported, "hard links are not supported: an S3 object has exactly one name (use a symlink or a copy)");

    private async ValueTask RenameFileAsync(Node node, Node toDir, string newName, Node? target, RenameFlags flags, CancellationToken cancellationToken)
    {
        if (target is not null)
        {
            if ((flags & RenameFlags.NoReplace) != 0)
            {
                throw new FsException(FsErrorCode.AlreadyExists, $"'{newName}' already exists");
            }

            if (target.Kind == FileKind.Directory)
            {
                throw new FsException(FsErrorCode.IsADirectory, $"'{newName}' is a directory");
            }
        }

        await node.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // Upload pending changes first: the copy below then carries them, and nothing refers to the old key afterwards.
            await UploadLockedAsync(node, "rename", cancellationToken).ConfigureAwait(false);
            var newKey = ChildKey(toDir, newName);
            if (node.Object is { } obj)
            {
                var copied = await new ObjectCopier(_store).CopyAsync(new ObjectVersion(obj.Key, obj.ETag), obj.ObjectSize, newKey, null, cancellationToken).ConfigureAwait(false);
                await _store.DeleteAsync(obj.Key, cancellationToken).ConfigureAwait(false);
                node.Object = obj with { Key = newKey, ETag = copied.ETag };
                node.LastOpenedVersion = null;
                node.Content?.Relocate(new ObjectVersion(newKey, copied.ETag));
            }

            var replaced = _inodes.Move(node, toDir, newName);
            if (replaced is not null && replaced.Content is not null && replaced.OpenHandles == 0)
            {
                await replaced.Content.DisposeAsync().ConfigureAwait(false);
                replaced.Content = null;
            }
        }
        finally
        {
            node.Gate.Release();
        }
    }

    private async ValueTask RenameDirectoryAsync(Node node, Node toDir, string newName, Node? target, RenameFlags flags, CancellationToken cancellationToken)
    {
        var fromKey = DirectoryKey(node);
        var toKey = ChildKey(toDir, newName) + "/";
        var renamer = new DirectoryRenamer(_store, _options.Prefix, _options.MaxParallelCopies, _logger);
        var resuming = await renamer.FindPendingAsync(fromKey, toKey, cancellationToken).ConfigureAwait(false) is not null;
        if (target is not null && !resuming)
        {
            if ((flags & RenameFlags.NoReplace) != 0)
            {
                throw new FsException(FsErrorCode.AlreadyExists, $"'{newName}' already exists");
            }

            if (target.Kind != FileKind.Directory)
            {
                throw new FsException(FsErrorCode.NotADirectory, $"'{newName}' is not a directory");
            }

            var page = await _store.ListAsync(new ListRequest(toKey) { MaxKeys = 2 }, cancellationToken).ConfigureAwait(false);
            if (page.CommonPrefixes.Count > 0 || page.Objects.Any(o => o.Key != toKey) || HasLocalOnlyChildren(target))
            {
                throw new FsException(FsErrorCode.NotEmpty, $"'{newName}' is not empty");
            }
        }

        // Everything below must be in S3 before its keys are copied.
        foreach (var child in _inodes.Descendants(node))
        {
            if (child.Content is { IsDirty: true } || child.PendingAttributes is not null && child.Object is null)
            {
                await UploadIfDirtyAsync(child, "rename", cancellationToken).ConfigureAwait(false);
            }
        }

        if (target is not null && !resuming)
        {
            await _store.DeleteAsync(toKey, cancellationToken).ConfigureAwait(false);
        }

        await renamer.RenameAsync(fromKey, toKey, cancellationToken).ConfigureAwait(false);
        if (node.Object is { } marker)
        {
            node.Object = marker with { Key = toKey };
        }

        _inodes.Move(node, toDir, newName);
        _inodes.WithLock(() => node.Listing = null);
        foreach (var child in _inodes.Descendants(node))
        {
            // Keys of everything below changed (paths rebuild from the tree); the copies may carry new ETags.
            child.Listing = null;
            if (child.Object is { } o && child.Kind != FileKind.Directory)
            {
                var newKey = ObjectKeyOf(child);
                if (child.Content is not null)
                {
                    var head = await _store.HeadAsync(new HeadRequest(newKey), cancellationToken).ConfigureAwait(false);
                    child.Object = ObjectState.FromInfo(head);
                    child.Content.Relocate(head.Version);
                }
                else
                {
                    child.Object = o with { Key = newKey, Metadata = null };
                }
            }
        }
    }

    private ListedChild ListedChildOf(Node node, string name) =>
        node.Object is { } o
            ? new ListedChild(name, node.Kind == FileKind.Directory ? FileKind.Directory : FileKind.RegularFile, o.ObjectSize, o.ETag, o.LastModified) { ObjectKey = node.Kind == FileKind.Directory ? null : o.Key }
            : new ListedChild(name, node.Kind == FileKind.Directory ? FileKind.Directory : FileKind.RegularFile, 0, default, _time.GetUtcNow());
}
