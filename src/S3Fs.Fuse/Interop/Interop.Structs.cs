using System.Runtime.InteropServices;

namespace S3Fs.Fuse;

internal static partial class Interop
{
    /// <summary>
    /// Blittable mirrors of the structs in <c>native/fuse-shim/s3fs_fuse.h</c>, C names kept. Field order and
    /// sizes must match the header exactly; <see cref="NativeShim"/> compares every size with the shim's own
    /// <c>sizeof</c> at load time, so a stale .so fails loudly instead of corrupting memory.
    /// </summary>
    internal static partial class Shim
    {
        /// <summary>S3FS_FUSE_ABI_VERSION in s3fs_fuse.h.</summary>
        internal const int AbiVersion = 3;

        [StructLayout(LayoutKind.Sequential)]
        internal struct s3fs_attr
        {
            public ulong ino;
            public uint mode;
            public uint nlink;
            public uint uid;
            public uint gid;
            public long size;
            public long blocks;
            public uint blksize;
            public uint padding;
            public long atime_sec;
            public long atime_nsec;
            public long mtime_sec;
            public long mtime_nsec;
            public long ctime_sec;
            public long ctime_nsec;
        }

        [StructLayout(LayoutKind.Sequential)]
        internal struct s3fs_entry
        {
            public ulong ino;
            public ulong generation;
            public s3fs_attr attr;
            public double attr_timeout;
            public double entry_timeout;
        }

        [StructLayout(LayoutKind.Sequential)]
        internal struct s3fs_open_out
        {
            public ulong fh;
            public uint direct_io;
            public uint keep_cache;
            public uint nonseekable;
            public uint cache_readdir;
        }

        [StructLayout(LayoutKind.Sequential)]
        internal struct s3fs_statfs
        {
            public ulong bsize;
            public ulong frsize;
            public ulong blocks;
            public ulong bfree;
            public ulong bavail;
            public ulong files;
            public ulong ffree;
            public ulong favail;
            public ulong namemax;
        }

        [StructLayout(LayoutKind.Sequential)]
        internal struct s3fs_forget
        {
            public ulong ino;
            public ulong nlookup;
        }

        [StructLayout(LayoutKind.Sequential)]
        internal struct s3fs_setattr_in
        {
            public uint mode;
            public uint uid;
            public uint gid;
            public uint padding;
            public long size;
            public long atime_sec;
            public long atime_nsec;
            public long mtime_sec;
            public long mtime_nsec;
        }

        [StructLayout(LayoutKind.Sequential)]
        internal struct s3fs_init_info
        {
            public uint proto_major;
            public uint proto_minor;
            public uint capable;
            public uint want;
            public uint max_write;
            public uint max_read;
            public uint max_readahead;
            public uint max_background;
            public uint congestion_threshold;
            public uint time_gran;
        }

        [StructLayout(LayoutKind.Sequential)]
        internal unsafe struct s3fs_request
        {
            public uint opcode;
            public uint flags;
            public nint req;
            public nint user;
            public ulong ino;
            public ulong ino2;
            public ulong fh;
            public long offset;
            public ulong size;
            public byte* name;
            public byte* name2;
            public byte* data;
            public uint mode;
            public uint umask;
            public uint uid;
            public uint gid;
            public int pid;
            public uint has_fh;
            public s3fs_setattr_in attr;
        }

        [StructLayout(LayoutKind.Sequential)]
        internal unsafe struct s3fs_session_config
        {
            public byte* fsname;
            public byte* subtype;
            public int allow_other;
            public int default_permissions;
            public int read_only;
            public int debug;
            public int readdirplus_always;
            public uint max_io;
            public uint max_background;
            public delegate* unmanaged[Cdecl]<s3fs_request*, void> dispatch;
            public delegate* unmanaged[Cdecl]<nint, nint, void> interrupt;
            public nint user;
        }

        [StructLayout(LayoutKind.Sequential)]
        internal struct s3fs_loop_config
        {
            public int clone_fd;
            public int max_idle_threads;
            public int max_threads;
            public int padding;
        }

        /// <summary>Selectors for s3fs_fuse_struct_size (S3FS_STRUCT_* in s3fs_fuse.h).</summary>
        internal enum StructId
        {
            Request = 1,
            Attr = 2,
            Entry = 3,
            OpenOut = 4,
            Statfs = 5,
            SessionConfig = 6,
            LoopConfig = 7,
            InitInfo = 8,
            Forget = 9,
        }

        /// <summary>S3FS_OP_* in s3fs_fuse.h.</summary>
        internal enum Opcode : uint
        {
            Init = 1,
            Destroy = 2,
            Lookup = 3,
            Forget = 4,
            ForgetMulti = 5,
            GetAttr = 6,
            SetAttr = 7,
            ReadLink = 8,
            MkNod = 9,
            MkDir = 10,
            Unlink = 11,
            RmDir = 12,
            Symlink = 13,
            Rename = 14,
            Link = 15,
            Open = 16,
            Read = 17,
            Write = 18,
            Flush = 19,
            Release = 20,
            Fsync = 21,
            OpenDir = 22,
            ReadDir = 23,
            ReadDirPlus = 24,
            ReleaseDir = 25,
            StatFs = 26,
            SetXAttr = 27,
            GetXAttr = 28,
            ListXAttr = 29,
            RemoveXAttr = 30,
            Create = 31,
        }
    }
}
