using System.Runtime.InteropServices;

namespace S3Fs.Fuse;

internal static partial class Interop
{
    /// <summary>Session lifetime, version and ABI functions of libs3fs_fuse.so (see s3fs_fuse.h for each contract).</summary>
    internal static partial class Shim
    {
        /// <summary>Resolved to libs3fs_fuse.so by <see cref="NativeShim"/>.</summary>
        internal const string Library = "s3fs_fuse";

        [LibraryImport(Library)]
        internal static partial int s3fs_fuse_abi_version();

        [LibraryImport(Library)]
        internal static partial uint s3fs_fuse_struct_size(StructId which);

        /// <summary>Static string owned by libfuse: never freed.</summary>
        [LibraryImport(Library)]
        internal static unsafe partial byte* s3fs_fuse_version();

        [LibraryImport(Library)]
        internal static unsafe partial void s3fs_fuse_set_log(delegate* unmanaged[Cdecl]<int, byte*, void> log);

        [LibraryImport(Library)]
        internal static unsafe partial FuseSessionHandle s3fs_fuse_session_new(s3fs_session_config* config);

        [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
        internal static partial int s3fs_fuse_session_mount(FuseSessionHandle session, string mountpoint);

        /// <summary>Blocks until the filesystem is unmounted: call only from the dedicated loop thread.</summary>
        [LibraryImport(Library)]
        internal static unsafe partial int s3fs_fuse_session_loop(FuseSessionHandle session, s3fs_loop_config* config);

        [LibraryImport(Library)]
        internal static partial int s3fs_fuse_session_request_unmount(FuseSessionHandle session);

        /// <summary>fuse_lowlevel_notify_store: 0 or -errno. May block on a page locked by a read in flight.</summary>
        [LibraryImport(Library)]
        internal static unsafe partial int s3fs_fuse_notify_store(FuseSessionHandle session, ulong ino, ulong offset, byte* buf, ulong size);

        /// <summary>Only from <see cref="FuseSessionHandle.ReleaseHandle"/>.</summary>
        [LibraryImport(Library)]
        internal static partial void s3fs_fuse_session_destroy(nint session);

        [LibraryImport(Library)]
        internal static partial void s3fs_fuse_req_arm_interrupt(nint req);
    }
}
