using S3Fs.Core.FileSystem;
using FileAttributes = S3Fs.Core.FileSystem.FileAttributes;

namespace S3Fs.Fuse;

/// <summary>
/// Converts the core's attribute and reply types to the shim's struct stat / fuse_entry_param mirrors, and
/// kernel timestamps (seconds + nanoseconds since the epoch) to and from <see cref="DateTimeOffset"/>.
/// </summary>
internal static class AttributeConverter
{
    // S_IFMT type bits (sys/stat.h).
    public const uint S_IFMT = 0xF000;   // 0170000
    public const uint S_IFDIR = 0x4000;  // 0040000
    public const uint S_IFREG = 0x8000;  // 0100000
    public const uint S_IFLNK = 0xA000;  // 0120000

    /// <summary>Permission, setuid/setgid and sticky bits (07777).</summary>
    public const uint PermissionMask = 0xFFF;

    /// <summary>st_blocks counts 512-byte units regardless of the block size (stat(2)).</summary>
    private const long StatBlockUnit = 512;

    private const long NanosecondsPerTick = 100;

#pragma warning disable CS8524 // No discard arm: a new FileKind must get its S_IFMT bits here (CS8509).
    public static uint TypeBits(FileKind kind) => kind switch
    {
        FileKind.RegularFile => S_IFREG,
        FileKind.Directory => S_IFDIR,
        FileKind.Symlink => S_IFLNK,
    };
#pragma warning restore CS8524

    public static Interop.Shim.s3fs_attr ToAttr(FileAttributes attributes)
    {
        var (atimeSec, atimeNsec) = ToUnix(attributes.ATime);
        var (mtimeSec, mtimeNsec) = ToUnix(attributes.MTime);
        var (ctimeSec, ctimeNsec) = ToUnix(attributes.CTime);
        return new Interop.Shim.s3fs_attr
        {
            ino = (ulong)attributes.Inode,
            mode = TypeBits(attributes.Kind) | (attributes.Mode & PermissionMask),
            nlink = attributes.LinkCount,
            uid = attributes.Uid,
            gid = attributes.Gid,
            size = attributes.Size,
            blocks = (attributes.Size + StatBlockUnit - 1) / StatBlockUnit,
            blksize = (uint)Math.Max(attributes.BlockSize, 0),
            atime_sec = atimeSec,
            atime_nsec = atimeNsec,
            mtime_sec = mtimeSec,
            mtime_nsec = mtimeNsec,
            ctime_sec = ctimeSec,
            ctime_nsec = ctimeNsec,
        };
    }

    public static Interop.Shim.s3fs_entry ToEntry(EntryReply reply) => new()
    {
        ino = (ulong)reply.Inode,
        generation = 0, // inode numbers are never reused within a mount
        attr = ToAttr(reply.Attributes),
        attr_timeout = reply.AttrTimeout.TotalSeconds,
        entry_timeout = reply.EntryTimeout.TotalSeconds,
    };

    public static Interop.Shim.s3fs_open_out ToOpenOut(OpenReply reply) => new()
    {
        fh = reply.Handle,
        direct_io = reply.DirectIo ? 1u : 0u,
        keep_cache = reply.KeepCache ? 1u : 0u,
    };

    /// <summary>
    /// For a directory the kernel's "page cache" is its readdir cache: KeepCache both fills it (FOPEN_CACHE_DIR)
    /// and keeps what an earlier open cached (FOPEN_KEEP_CACHE), so a repeated listing costs no request at all.
    /// </summary>
    public static Interop.Shim.s3fs_open_out ToOpenDirOut(OpenReply reply) => new()
    {
        fh = reply.Handle,
        keep_cache = reply.KeepCache ? 1u : 0u,
        cache_readdir = reply.KeepCache ? 1u : 0u,
    };

    public static Interop.Shim.s3fs_statfs ToStatFs(FsStats stats) => new()
    {
        bsize = (ulong)stats.BlockSize,
        frsize = (ulong)stats.BlockSize,
        blocks = (ulong)stats.TotalBlocks,
        bfree = (ulong)stats.FreeBlocks,
        bavail = (ulong)stats.AvailableBlocks,
        files = (ulong)stats.TotalFiles,
        ffree = (ulong)stats.FreeFiles,
        favail = (ulong)stats.FreeFiles,
        namemax = (ulong)stats.MaxNameLength,
    };

    /// <summary>Seconds and nanoseconds since the Unix epoch, flooring so nanoseconds are always 0..999,999,999.</summary>
    public static (long Seconds, long Nanoseconds) ToUnix(DateTimeOffset time)
    {
        long ticks = time.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks;
        long seconds = Math.DivRem(ticks, TimeSpan.TicksPerSecond, out long remainder);
        if (remainder < 0)
        {
            seconds--;
            remainder += TimeSpan.TicksPerSecond;
        }

        return (seconds, remainder * NanosecondsPerTick);
    }

    /// <summary>The inverse of <see cref="ToUnix"/> (to 100 ns); a time outside DateTimeOffset's range is InvalidArgument.</summary>
    public static DateTimeOffset FromUnix(long seconds, long nanoseconds)
    {
        const long MinSeconds = -62_135_596_800;  // 0001-01-01T00:00:00Z
        const long MaxSeconds = 253_402_300_799;  // 9999-12-31T23:59:59Z
        if (seconds < MinSeconds || seconds > MaxSeconds || nanoseconds < 0 || nanoseconds > 999_999_999)
        {
            throw new FsException(FsErrorCode.InvalidArgument, $"timestamp {seconds}.{nanoseconds:D9} is outside the supported range (years 1-9999)");
        }

        return DateTimeOffset.UnixEpoch.AddTicks((seconds * TimeSpan.TicksPerSecond) + (nanoseconds / NanosecondsPerTick));
    }
}
