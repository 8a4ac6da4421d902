using S3Fs.Core.FileSystem;

namespace S3Fs.Fuse;

/// <summary>
/// The kernel's page cache of this session's files, filled with FUSE notify_store (<see cref="IKernelPageCache"/>).
/// The session handle is reference-counted across each call, so a store racing the teardown fails cleanly
/// (false) instead of touching a freed session.
/// </summary>
internal sealed class FusePageCache(FuseSessionHandle session) : IKernelPageCache
{
    private volatile bool _unsupported;

    public unsafe bool Store(long inode, long offset, ReadOnlySpan<byte> data)
    {
        // SAFETY: data is pinned by fixed for the whole call and the shim reads exactly data.Length bytes from it
        // (copied into the kernel before it returns); the SafeHandle keeps the session alive during the call.
        if (_unsupported || data.IsEmpty)
        {
            return !_unsupported;
        }

        int result;
        try
        {
            // SAFETY: pinned for the native call only; the pointer does not outlive the fixed block.
            fixed (byte* bytes = data)
            {
                result = Interop.Shim.s3fs_fuse_notify_store(session, (ulong)inode, (ulong)offset, bytes, (ulong)data.Length);
            }
        }
        catch (ObjectDisposedException)
        {
            return false; // the session is gone
        }

        if (result == -Errno.ENOSYS)
        {
            _unsupported = true; // a kernel without notify_store: never ask again
        }

        return result == 0;
    }
}
