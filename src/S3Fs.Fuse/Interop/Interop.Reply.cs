using System.Runtime.InteropServices;

namespace S3Fs.Fuse;

internal static partial class Interop
{
    /// <summary>
    /// Replies and directory-buffer helpers. Each reply consumes <c>req</c> (libfuse frees it), so it must be
    /// called exactly once per request: <see cref="FuseRequest"/> is the only caller and enforces that.
    /// Return values are 0 or -errno when the kernel did not take the reply (e.g. the request was interrupted).
    /// </summary>
    internal static partial class Shim
    {
        [LibraryImport(Library)]
        internal static partial int s3fs_fuse_reply_err(nint req, int err);

        [LibraryImport(Library)]
        internal static partial void s3fs_fuse_reply_none(nint req);

        [LibraryImport(Library)]
        internal static partial int s3fs_fuse_reply_entry(nint req, in s3fs_entry entry);

        [LibraryImport(Library)]
        internal static partial int s3fs_fuse_reply_create(nint req, in s3fs_entry entry, in s3fs_open_out open);

        [LibraryImport(Library)]
        internal static partial int s3fs_fuse_reply_attr(nint req, in s3fs_attr attr, double attrTimeout);

        [LibraryImport(Library)]
        internal static unsafe partial int s3fs_fuse_reply_readlink(nint req, byte* target);

        [LibraryImport(Library)]
        internal static partial int s3fs_fuse_reply_open(nint req, in s3fs_open_out open);

        [LibraryImport(Library)]
        internal static partial int s3fs_fuse_reply_write(nint req, ulong count);

        [LibraryImport(Library)]
        internal static unsafe partial int s3fs_fuse_reply_buf(nint req, byte* buf, ulong size);

        [LibraryImport(Library)]
        internal static partial int s3fs_fuse_reply_statfs(nint req, in s3fs_statfs stats);

        [LibraryImport(Library)]
        internal static partial int s3fs_fuse_reply_xattr(nint req, ulong size);

        [LibraryImport(Library)]
        internal static unsafe partial ulong s3fs_fuse_add_direntry(
            nint req, byte* buf, ulong bufsize, byte* name, ulong ino, uint mode, long nextOffset);

        [LibraryImport(Library)]
        internal static unsafe partial ulong s3fs_fuse_add_direntry_plus(
            nint req, byte* buf, ulong bufsize, byte* name, in s3fs_entry entry, long nextOffset);
    }
}
