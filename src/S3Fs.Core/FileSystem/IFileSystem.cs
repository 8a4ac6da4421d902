namespace S3Fs.Core.FileSystem;

/// <summary>
/// The inode-based, asynchronous filesystem the adapters drive (FUSE low-level on Linux, Dokan on Windows).
/// The root directory is inode 1. Names are single path components in UTF-8-able strings. Failures are
/// <see cref="FsException"/>; any other exception is a bug and adapters answer it with EIO.
/// </summary>
public interface IFileSystem
{
    const long RootInode = 1;

    /// <summary>
    /// Where the filesystem may put a file's contents straight into the kernel's page cache (FUSE notify_store). Set
    /// by an adapter whose platform has one, before the first request; null (the default) for none.
    /// </summary>
    IKernelPageCache? KernelPageCache { get; set; }

    ValueTask<EntryReply> LookupAsync(long parent, string name, CancellationToken cancellationToken);

    /// <summary>The kernel dropped <paramref name="count"/> references to the inode.</summary>
    void Forget(long inode, ulong count);

    ValueTask<FileAttributes> GetAttrAsync(long inode, CancellationToken cancellationToken);

    /// <summary>chmod, chown, truncate and utimens. <paramref name="handle"/> is set when called on an open file (ftruncate).</summary>
    ValueTask<FileAttributes> SetAttrAsync(long inode, SetAttrRequest request, ulong? handle, RequestContext context, CancellationToken cancellationToken);

    ValueTask<string> ReadLinkAsync(long inode, CancellationToken cancellationToken);

    ValueTask<EntryReply> MkDirAsync(long parent, string name, uint mode, RequestContext context, CancellationToken cancellationToken);

    ValueTask UnlinkAsync(long parent, string name, CancellationToken cancellationToken);

    ValueTask RmDirAsync(long parent, string name, CancellationToken cancellationToken);

    ValueTask<EntryReply> SymlinkAsync(string target, long parent, string name, RequestContext context, CancellationToken cancellationToken);

    ValueTask RenameAsync(long parent, string name, long newParent, string newName, RenameFlags flags, CancellationToken cancellationToken);

    ValueTask<EntryReply> LinkAsync(long inode, long newParent, string newName, CancellationToken cancellationToken);

    ValueTask<OpenReply> OpenAsync(long inode, OpenFlags flags, CancellationToken cancellationToken);

    ValueTask<(EntryReply Entry, OpenReply Open)> CreateAsync(long parent, string name, uint mode, OpenFlags flags, RequestContext context, CancellationToken cancellationToken);

    /// <summary>Reads up to destination.Length bytes at offset; fewer only at end of file.</summary>
    ValueTask<int> ReadAsync(long inode, ulong handle, long offset, Memory<byte> destination, CancellationToken cancellationToken);

    /// <summary>Writes all of <paramref name="data"/> at <paramref name="offset"/>. The adapter owns (and has copied) the buffer.</summary>
    ValueTask<int> WriteAsync(long inode, ulong handle, long offset, ReadOnlyMemory<byte> data, CancellationToken cancellationToken);

    /// <summary>close() on one file descriptor: uploads dirty data; an unconfirmed upload fails with IoError.</summary>
    ValueTask FlushAsync(long inode, ulong handle, CancellationToken cancellationToken);

    /// <summary>Last close of the handle.</summary>
    ValueTask ReleaseAsync(long inode, ulong handle, CancellationToken cancellationToken);

    /// <summary>Returns only after S3 confirmed the upload of all dirty data of the file.</summary>
    ValueTask FsyncAsync(long inode, ulong handle, bool dataOnly, CancellationToken cancellationToken);

    ValueTask<OpenReply> OpenDirAsync(long inode, CancellationToken cancellationToken);

    /// <summary>
    /// Hands entries from <paramref name="offset"/> (0 = start, then the last entry's NextOffset) to the sink until it
    /// refuses one or no further entry is available yet (a directory still being listed hands out what it has). A call
    /// that adds nothing means the end of the directory: callers call again from the last NextOffset until then.
    /// </summary>
    ValueTask ReadDirAsync(long inode, ulong handle, long offset, IDirectoryEntrySink sink, CancellationToken cancellationToken);

    ValueTask ReleaseDirAsync(long inode, ulong handle, CancellationToken cancellationToken);

    ValueTask<FsStats> StatFsAsync(long inode, CancellationToken cancellationToken);

    ValueTask SetXAttrAsync(long inode, string name, ReadOnlyMemory<byte> value, XAttrFlags flags, CancellationToken cancellationToken);

    /// <summary>Returns the value; NoAttribute when absent, NotSupported for a name outside user.* (only those are stored).</summary>
    ValueTask<byte[]> GetXAttrAsync(long inode, string name, CancellationToken cancellationToken);

    ValueTask<IReadOnlyList<string>> ListXAttrAsync(long inode, CancellationToken cancellationToken);

    ValueTask RemoveXAttrAsync(long inode, string name, CancellationToken cancellationToken);

    /// <summary>Uploads every dirty file (unmount, SIGTERM). Throws if any upload S3 did not confirm.</summary>
    ValueTask FlushAllAsync(CancellationToken cancellationToken);
}

[Flags]
public enum XAttrFlags
{
    None = 0,
    Create = 1,
    Replace = 2,
}
