using S3Fs.Core.FileSystem;

namespace S3Fs.Dokan;

/// <summary>Deleting and renaming. Both act on the name (a symlink itself, never its target).</summary>
public sealed partial class DokanOperations
{
    /// <summary>
    /// DeleteFile: may the file be deleted when its last handle closes? Nothing is deleted here: Cleanup does it
    /// with <see cref="DokanFileInfo.DeletePending"/> set. <see cref="DokanFileInfo.DeletePending"/> false cancels an
    /// earlier request and always succeeds.
    /// </summary>
    public NtStatus DeleteFile(string fileName, DokanFileInfo info)
    {
        if (Find(info) is null)
        {
            return NtStatus.InvalidHandle;
        }

        return !info.DeletePending
            ? NtStatus.Success
            : Run(nameof(DeleteFile), fileName, info, ct => CheckDeletableAsync(fileName, directory: false, ct));
    }

    /// <summary>DeleteDirectory: as <see cref="DeleteFile"/>; a directory that is not empty answers STATUS_DIRECTORY_NOT_EMPTY.</summary>
    public NtStatus DeleteDirectory(string fileName, DokanFileInfo info)
    {
        if (Find(info) is null)
        {
            return NtStatus.InvalidHandle;
        }

        return !info.DeletePending
            ? NtStatus.Success
            : Run(nameof(DeleteDirectory), fileName, info, ct => CheckDeletableAsync(fileName, directory: true, ct));
    }

    /// <summary>
    /// MoveFile: renames <paramref name="fileName"/> to <paramref name="newFileName"/>. An existing target answers
    /// STATUS_OBJECT_NAME_COLLISION unless <paramref name="replaceIfExisting"/>; then the core replaces it with POSIX
    /// rename semantics (a directory target must be empty, STATUS_DIRECTORY_NOT_EMPTY otherwise). On a
    /// case-insensitive mount a name that differs only in case from the source is a case change, not a collision.
    /// </summary>
    public NtStatus MoveFile(string fileName, string newFileName, bool replaceIfExisting, DokanFileInfo info)
    {
        if (Find(info) is null)
        {
            return NtStatus.InvalidHandle;
        }

        if (_options.ReadOnly)
        {
            return NtStatus.MediaWriteProtected;
        }

        return Run(nameof(MoveFile), fileName, info, async ct =>
        {
            using var source = await _resolver.ResolveAsync(fileName, followFinal: false, ct).ConfigureAwait(false);
            if (source.Kind != ResolutionKind.Found)
            {
                return source.Kind == ResolutionKind.Missing ? NtStatus.ObjectNameNotFound : NtStatus.ObjectPathNotFound;
            }

            if (source.IsRoot)
            {
                return NtStatus.AccessDenied;
            }

            using var target = await _resolver.ResolveAsync(newFileName, followFinal: false, ct).ConfigureAwait(false);
            switch (target.Kind)
            {
                case ResolutionKind.PathNotFound:
                    return NtStatus.ObjectPathNotFound;

                case ResolutionKind.Missing:
                    await _fs.RenameAsync(source.ParentInode, source.Name, target.ParentInode, target.Name, replaceIfExisting ? RenameFlags.None : RenameFlags.NoReplace, ct).ConfigureAwait(false);
                    return NtStatus.Success;

                default:
                    if (target.IsRoot)
                    {
                        return NtStatus.AccessDenied;
                    }

                    if (target.Attributes.Inode == source.Attributes.Inode)
                    {
                        // The same object under another case (or itself): a case change, or nothing to do.
                        if (target.RequestedName != source.Name || target.ParentInode != source.ParentInode)
                        {
                            await _fs.RenameAsync(source.ParentInode, source.Name, target.ParentInode, target.RequestedName, RenameFlags.None, ct).ConfigureAwait(false);
                        }

                        return NtStatus.Success;
                    }

                    if (!replaceIfExisting)
                    {
                        return NtStatus.ObjectNameCollision;
                    }

                    await _fs.RenameAsync(source.ParentInode, source.Name, target.ParentInode, target.Name, RenameFlags.None, ct).ConfigureAwait(false);
                    return NtStatus.Success;
            }
        });
    }
}
