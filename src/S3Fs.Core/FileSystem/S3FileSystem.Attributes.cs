using S3Fs.Core.Namespace;
using S3Fs.Core.Storage;

namespace S3Fs.Core.FileSystem;

/// <summary>
/// chmod, chown, truncate, utimens and extended attributes. Attributes of a file with unuploaded changes travel
/// with its next upload; otherwise they are stored at once by copying the object onto itself with new metadata
/// (no data moves, no re-encryption).
/// </summary>
public sealed partial class S3FileSystem
{
    /// <summary>
    /// The only extended-attribute namespace stored (in user metadata; Linux lets unprivileged users set xattrs only
    /// there): every other name has no value.
    /// </summary>
    public const string UserXAttrPrefix = "user.";

    public async ValueTask<FileAttributes> SetAttrAsync(long inode, SetAttrRequest request, ulong? handle, RequestContext context, CancellationToken cancellationToken)
    {
        try
        {
            CheckWritable();
            var node = _inodes.Get(inode);
            var now = _time.GetUtcNow();

            // A truncation is a writer for its whole length: no page cache fill may run or start meanwhile (a store of
            // the old bytes past the new end would bring them back); afterwards the content is local. Begun before
            // the gate, so a store blocked on a page cannot hold up the requests that queue behind the gate.
            var truncating = request.Size is not null;
            if (truncating)
            {
                await BeginWriterAsync(node).ConfigureAwait(false);
            }

            try
            {
                await ChangeAttributesAsync(node, request, now, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                if (truncating)
                {
                    EndWriter(node);
                }
            }

            return Attributes(node);
        }
        catch (Exception e)
        {
            throw ErrorMapping.Translate(e, "setattr");
        }
    }

    /// <summary>Under the node's gate: the truncation, the attribute changes, and storing them.</summary>
    private async ValueTask ChangeAttributesAsync(Node node, SetAttrRequest request, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await node.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (request.Size is { } size)
            {
                if (node.Kind != FileKind.RegularFile)
                {
                    throw new FsException(node.Kind == FileKind.Directory ? FsErrorCode.IsADirectory : FsErrorCode.InvalidArgument, $"cannot truncate {node}");
                }

                var content = await EnsureContentAsync(node, cancellationToken).ConfigureAwait(false);
                if (content.Size != size)
                {
                    await content.SetSizeAsync(size, cancellationToken).ConfigureAwait(false);
                }

                // truncate(2) changes mtime even when the size stays.
                node.PendingAttributes = (node.PendingAttributes ?? new PosixAttributes()) with { MTime = now };
            }

            var pending = (node.PendingAttributes ?? new PosixAttributes()) with { CTime = now };
            if (request.Mode is { } mode)
            {
                pending = pending with { Mode = TypeBits(node.Kind) | (mode & 0xFFFu) };
            }

            pending = pending with
            {
                Uid = request.Uid ?? pending.Uid,
                Gid = request.Gid ?? pending.Gid,
                ATime = request.ATimeNow ? now : request.ATime ?? pending.ATime,
                MTime = request.MTimeNow ? now : request.MTime ?? pending.MTime,
            };
            node.PendingAttributes = pending;
            node.LocalChangeTime = now;
            await StoreAttributesLockedAsync(node, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            node.Gate.Release();
        }
    }

    public async ValueTask<byte[]> GetXAttrAsync(long inode, string name, CancellationToken cancellationToken)
    {
        // Answered without I/O: the kernel asks for security.capability on writes, ls -l for security.selinux and ACLs.
        RequireUserNamespace(name);

        try
        {
            var xattrs = await CurrentXAttrsAsync(_inodes.Get(inode), cancellationToken).ConfigureAwait(false);
            return xattrs.TryGetValue(name, out var value)
                ? value
                : throw new FsException(FsErrorCode.NoAttribute, $"no extended attribute '{name}'");
        }
        catch (Exception e)
        {
            throw ErrorMapping.Translate(e, "getxattr");
        }
    }

    public async ValueTask<IReadOnlyList<string>> ListXAttrAsync(long inode, CancellationToken cancellationToken)
    {
        try
        {
            var xattrs = await CurrentXAttrsAsync(_inodes.Get(inode), cancellationToken).ConfigureAwait(false);
            return xattrs.Keys.Order(StringComparer.Ordinal).ToList();
        }
        catch (Exception e)
        {
            throw ErrorMapping.Translate(e, "listxattr");
        }
    }

    public ValueTask SetXAttrAsync(long inode, string name, ReadOnlyMemory<byte> value, XAttrFlags flags, CancellationToken cancellationToken)
    {
        RequireUserNamespace(name);

        var copy = value.ToArray();
        return ChangeXAttrsAsync(inode, "setxattr", xattrs =>
        {
            var exists = xattrs.ContainsKey(name);
            if ((flags & XAttrFlags.Create) != 0 && exists)
            {
                throw new FsException(FsErrorCode.AlreadyExists, $"extended attribute '{name}' exists");
            }

            if ((flags & XAttrFlags.Replace) != 0 && !exists)
            {
                throw new FsException(FsErrorCode.NoAttribute, $"no extended attribute '{name}'");
            }

            xattrs[name] = copy;
        }, cancellationToken);
    }

    public ValueTask RemoveXAttrAsync(long inode, string name, CancellationToken cancellationToken)
    {
        RequireUserNamespace(name);
        return ChangeXAttrsAsync(inode, "removexattr", xattrs =>
        {
            if (!xattrs.Remove(name))
            {
                throw new FsException(FsErrorCode.NoAttribute, $"no extended attribute '{name}'");
            }
        }, cancellationToken);
    }

    /// <summary>Only user.* attributes (with a name after the prefix) are ever stored: any other is NotSupported (EOPNOTSUPP).</summary>
    private static void RequireUserNamespace(string name)
    {
        if (!name.StartsWith(UserXAttrPrefix, StringComparison.Ordinal) || name.Length == UserXAttrPrefix.Length)
        {
            throw new FsException(FsErrorCode.NotSupported, $"extended attribute '{name}': only the user.* namespace is stored");
        }
    }

    private async ValueTask ChangeXAttrsAsync(long inode, string operation, Action<Dictionary<string, byte[]>> change, CancellationToken cancellationToken)
    {
        try
        {
            CheckWritable();
            var node = _inodes.Get(inode);
            await node.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                var xattrs = new Dictionary<string, byte[]>(await CurrentXAttrsLockedAsync(node, cancellationToken).ConfigureAwait(false), StringComparer.Ordinal);
                change(xattrs);
                var before = node.PendingAttributes;
                var beforeChanged = node.XAttrsChanged;
                node.PendingAttributes = (node.PendingAttributes ?? new PosixAttributes()) with { XAttrs = xattrs, CTime = _time.GetUtcNow() };
                node.XAttrsChanged = true;
                try
                {
                    await StoreAttributesLockedAsync(node, cancellationToken).ConfigureAwait(false);
                }
                catch (FsException e) when (e.Code == FsErrorCode.NoSpace)
                {
                    node.PendingAttributes = before;
                    node.XAttrsChanged = beforeChanged;
                    throw;
                }
            }
            finally
            {
                node.Gate.Release();
            }
        }
        catch (Exception e)
        {
            throw ErrorMapping.Translate(e, operation);
        }
    }

    private async ValueTask<IReadOnlyDictionary<string, byte[]>> CurrentXAttrsAsync(Node node, CancellationToken cancellationToken)
    {
        await node.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await CurrentXAttrsLockedAsync(node, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            node.Gate.Release();
        }
    }

    private async ValueTask<IReadOnlyDictionary<string, byte[]>> CurrentXAttrsLockedAsync(Node node, CancellationToken cancellationToken)
    {
        if (node.XAttrsChanged && node.PendingAttributes is { } pending)
        {
            return pending.XAttrs;
        }

        await EnsureMetadataLockedAsync(node, cancellationToken).ConfigureAwait(false);
        return node.Object?.Metadata is { } md ? PosixAttributes.Parse(md.UserMetadata).XAttrs : new Dictionary<string, byte[]>();
    }

    /// <summary>Call with Gate held: makes <see cref="Node.Object"/> carry metadata (one HEAD if it came from a listing).</summary>
    private async ValueTask EnsureMetadataLockedAsync(Node node, CancellationToken cancellationToken)
    {
        if (node.Object is { Metadata: null } state)
        {
            var head = await _store.HeadAsync(new HeadRequest(state.Key), cancellationToken).ConfigureAwait(false);
            node.Object = ObjectState.FromInfo(head);
        }
    }

    /// <summary>
    /// Call with Gate held. Stores pending attributes now unless an upload will carry them: a dirty or never-uploaded
    /// file uploads them on close (or now, if no handle is open); a clean object gets them by a copy onto itself;
    /// an implicit directory gets a marker object.
    /// </summary>
    private async ValueTask StoreAttributesLockedAsync(Node node, CancellationToken cancellationToken)
    {
        if (node.Unlinked)
        {
            return;
        }

        if (node.Content is { } content && (content.IsDirty || node.Object is null))
        {
            if (node.OpenHandles == 0)
            {
                await UploadLockedAsync(node, "setattr", cancellationToken).ConfigureAwait(false);
            }

            return;
        }

        var key = ObjectKeyOf(node);
        if (node.Object is null)
        {
            // An implicit directory (a prefix with no marker): create the marker to hold the attributes.
            var md = MergedAttributes(node);
            CheckMetadataBudget(md);
            var put = await _store.PutAsync(new PutRequest(key, ReadOnlyMemory<byte>.Empty) { Metadata = new ObjectMetadata { UserMetadata = md, ContentType = DirectoryContentType } }, cancellationToken).ConfigureAwait(false);
            node.Object = new ObjectState(key, 0, put.ETag, _time.GetUtcNow(), new ObjectMetadata { UserMetadata = md, ContentType = DirectoryContentType });
        }
        else
        {
            await EnsureMetadataLockedAsync(node, cancellationToken).ConfigureAwait(false);
            var current = node.Object!;
            var md = MergedAttributes(node);
            foreach (var (k, v) in current.Metadata!.UserMetadata)
            {
                if (_content.IsContentMetadata(k))
                {
                    md[k] = v; // the envelope travels unchanged
                }
            }

            CheckMetadataBudget(md);
            var metadata = current.Metadata with { UserMetadata = md };
            var copied = await new ObjectCopier(_store).CopyAsync(new ObjectVersion(current.Key, current.ETag), current.ObjectSize, current.Key, metadata, cancellationToken).ConfigureAwait(false);
            node.Object = current with { ETag = copied.ETag, Metadata = metadata };
            node.Content?.Relocate(new ObjectVersion(current.Key, copied.ETag));
        }

        node.PendingAttributes = null;
        node.XAttrsChanged = false;
    }

    private void CheckMetadataBudget(IReadOnlyDictionary<string, string> md)
    {
        var size = PosixAttributes.MetadataSize(md);
        if (size > _store.Capabilities.MaxUserMetadataBytes)
        {
            throw new FsException(FsErrorCode.NoSpace, $"attributes need {size} bytes of S3 user metadata; the limit is {_store.Capabilities.MaxUserMetadataBytes} (remove some extended attributes)");
        }
    }

    private static uint TypeBits(FileKind kind) => kind switch
    {
        FileKind.Directory => PosixAttributes.DirectoryType,
        FileKind.Symlink => PosixAttributes.SymlinkType,
        _ => PosixAttributes.RegularType,
    };
}
