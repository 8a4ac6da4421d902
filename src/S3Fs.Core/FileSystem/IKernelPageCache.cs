namespace S3Fs.Core.FileSystem;

/// <summary>
/// The kernel's page cache of file contents, where the platform lets a filesystem fill it (FUSE: notify_store).
/// Pages stored here are served to readers by the kernel without a request to the filesystem, until the kernel
/// evicts them or invalidates the file's cache (an open without keep_cache, a changed size or time).
/// </summary>
public interface IKernelPageCache
{
    /// <summary>
    /// Stores <paramref name="data"/> at <paramref name="offset"/> of <paramref name="inode"/>'s cached contents.
    /// False when the kernel refused (the inode is no longer known, the connection is gone): stop storing. May block
    /// briefly on a page locked by a read in flight, so it must not be called from inside a read before it is answered.
    /// </summary>
    bool Store(long inode, long offset, ReadOnlySpan<byte> data);
}
