using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;

namespace S3Fs.Fuse.Tests.Mount;

/// <summary>
/// The libc calls the end-to-end tests make against a mount, each returning the errno it failed with. System.IO
/// hides what these tests must see: it ignores the result of close(2) (where a failed upload reports EIO), treats
/// mkdir of an existing directory as success and turns most errnos into generic exceptions. Paths are passed as
/// NUL-terminated UTF-8. Layouts are the kernel's (statx is the same on every architecture).
/// </summary>
internal static class Posix
{
    public const int OReadOnly = 0;
    public const int OWriteOnly = 1;
    public const int OReadWrite = 2;
    public const int OCreate = 0x40;
    public const int OExclusive = 0x80;
    public const int OTruncate = 0x200;
    public const int OAppend = 0x400;

    /// <summary>
    /// O_CLOEXEC, added to every open, as .NET does for its own files. Without it every process any test starts
    /// meanwhile (tests run in parallel) keeps a copy of the descriptor for its whole life, and with it the file and
    /// the mount busy. Even with it, a child forked while the descriptor is open closes its copy at exec, and that close
    /// sends the mount a FLUSH like any other: see <see cref="UploadFailureTests"/>, which therefore runs alone.
    /// </summary>
    private const int OCloseOnExec = 0x80000;

    public const int EIO = 5;
    public const int ENODATA = 61;
    public const int ERANGE = 34;

    private const int AtFdCwd = -100;
    private const int AtSymlinkNoFollow = 0x100;

    /// <summary>STATX_BASIC_STATS: type, mode, nlink, uid, gid, times, ino, size, blocks.</summary>
    private const uint StatxBasicStats = 0x7ff;

    /// <summary>sizeof(struct statx).</summary>
    private const int StatxSize = 256;

    /// <summary>tv_nsec value that leaves a time unchanged in utimensat.</summary>
    private const long UtimeOmit = (1L << 30) - 2;

    /// <summary>What lstat reports, in the units the tests compare.</summary>
    public sealed record StatResult(uint Mode, uint Uid, uint Gid, long Size, long Inode, DateTimeOffset MTime, DateTimeOffset ATime);

    public static int LastErrno => Marshal.GetLastPInvokeError();

    public static (int Fd, int Errno) Open(string path, int flags, uint mode = 0x1a4 /* 0644 */)
    {
        int fd = open(Z(path), flags | OCloseOnExec, mode);
        return (fd, fd < 0 ? LastErrno : 0);
    }

    /// <summary>close(2): 0, or the errno the filesystem's flush reported.</summary>
    public static int Close(int fd) => close(fd) == 0 ? 0 : LastErrno;

    public static int Fsync(int fd) => fsync(fd) == 0 ? 0 : LastErrno;

    /// <summary>Writes all of <paramref name="data"/> at <paramref name="offset"/> (-1: at the file position, as with O_APPEND).</summary>
    public static int WriteAll(int fd, byte[] data, long offset) => WriteAll(fd, data.AsSpan(), offset);

    /// <inheritdoc cref="WriteAll(int, byte[], long)"/>
    public static int WriteAll(int fd, ReadOnlySpan<byte> data, long offset)
    {
        while (!data.IsEmpty)
        {
            nint n = offset < 0 ? write(fd, ref MemoryMarshal.GetReference(data), (nuint)data.Length)
                                : pwrite(fd, ref MemoryMarshal.GetReference(data), (nuint)data.Length, offset);
            if (n < 0)
            {
                return LastErrno;
            }

            data = data[(int)n..];
            if (offset >= 0)
            {
                offset += n;
            }
        }

        return 0;
    }

    /// <summary>Reads at <paramref name="offset"/> until the buffer is full or end of file; returns bytes read, or -errno.</summary>
    public static long ReadFully(int fd, Span<byte> buffer, long offset)
    {
        int total = 0;
        while (total < buffer.Length)
        {
            var rest = buffer[total..];
            nint n = pread(fd, ref MemoryMarshal.GetReference(rest), (nuint)rest.Length, offset + total);
            if (n < 0)
            {
                return -LastErrno;
            }

            if (n == 0)
            {
                break;
            }

            total += (int)n;
        }

        return total;
    }

    public static int Truncate(string path, long size) => truncate(Z(path), size) == 0 ? 0 : LastErrno;

    public static int MkDir(string path, uint mode) => mkdir(Z(path), mode) == 0 ? 0 : LastErrno;

    public static int RmDir(string path) => rmdir(Z(path)) == 0 ? 0 : LastErrno;

    public static int Unlink(string path) => unlink(Z(path)) == 0 ? 0 : LastErrno;

    public static int Rename(string from, string to) => rename(Z(from), Z(to)) == 0 ? 0 : LastErrno;

    public static int Symlink(string target, string path) => symlink(Z(target), Z(path)) == 0 ? 0 : LastErrno;

    public static int Chmod(string path, uint mode) => chmod(Z(path), mode) == 0 ? 0 : LastErrno;

    public static (string? Target, int Errno) ReadLink(string path)
    {
        var buffer = new byte[4096]; // PATH_MAX
        nint n = readlink(Z(path), buffer, (nuint)buffer.Length);
        return n < 0 ? (null, LastErrno) : (Encoding.UTF8.GetString(buffer, 0, (int)n), 0);
    }

    /// <summary>Sets the modification time, leaving the access time as it is (utimensat with UTIME_OMIT).</summary>
    public static int SetMTime(string path, DateTimeOffset mtime)
    {
        var ms = mtime.ToUnixTimeMilliseconds();
        long[] times = [0, UtimeOmit, Math.DivRem(ms, 1000, out var rest), rest * 1_000_000];
        if (rest < 0)
        {
            times[2]--;
            times[3] += 1_000_000_000;
        }

        return utimensat(AtFdCwd, Z(path), times, AtSymlinkNoFollow) == 0 ? 0 : LastErrno;
    }

    /// <summary>lstat through statx(2) (AT_SYMLINK_NOFOLLOW).</summary>
    public static (StatResult? Stat, int Errno) LStat(string path)
    {
        var buffer = new byte[StatxSize];
        if (statx(AtFdCwd, Z(path), AtSymlinkNoFollow, StatxBasicStats, buffer) != 0)
        {
            return (null, LastErrno);
        }

        var b = buffer.AsSpan();
        return (new StatResult(
            Mode: BinaryPrimitives.ReadUInt16LittleEndian(b[28..]),
            Uid: BinaryPrimitives.ReadUInt32LittleEndian(b[20..]),
            Gid: BinaryPrimitives.ReadUInt32LittleEndian(b[24..]),
            Size: BinaryPrimitives.ReadInt64LittleEndian(b[40..]),
            Inode: BinaryPrimitives.ReadInt64LittleEndian(b[32..]),
            MTime: Timestamp(b[112..]),
            ATime: Timestamp(b[64..])), 0);
    }

    public static int SetXAttr(string path, string name, byte[] value) =>
        lsetxattr(Z(path), Z(name), value, (nuint)value.Length, 0) == 0 ? 0 : LastErrno;

    public static int RemoveXAttr(string path, string name) => lremovexattr(Z(path), Z(name)) == 0 ? 0 : LastErrno;

    public static (byte[]? Value, int Errno) GetXAttr(string path, string name)
    {
        var buffer = new byte[64 * 1024]; // XATTR_SIZE_MAX
        nint n = lgetxattr(Z(path), Z(name), buffer, (nuint)buffer.Length);
        return n < 0 ? (null, LastErrno) : (buffer[..(int)n], 0);
    }

    public static (IReadOnlyList<string>? Names, int Errno) ListXAttr(string path)
    {
        var buffer = new byte[64 * 1024];
        nint n = llistxattr(Z(path), buffer, (nuint)buffer.Length);
        if (n < 0)
        {
            return (null, LastErrno);
        }

        return (Encoding.UTF8.GetString(buffer, 0, (int)n).Split('\0', StringSplitOptions.RemoveEmptyEntries), 0);
    }

    /// <summary>posix_fadvise(POSIX_FADV_DONTNEED) on the whole file: the kernel drops its cached pages (what fio's invalidate does). 0 or errno.</summary>
    public static int DropPageCache(Microsoft.Win32.SafeHandles.SafeFileHandle file) =>
        posix_fadvise((int)file.DangerousGetHandle(), 0, 0, 4);

    /// <summary>The text of an errno (strerror), for failure messages.</summary>
    public static string Describe(int errno) => Marshal.GetPInvokeErrorMessage(errno);

    private static DateTimeOffset Timestamp(ReadOnlySpan<byte> b) =>
        DateTimeOffset.FromUnixTimeSeconds(BinaryPrimitives.ReadInt64LittleEndian(b))
            .AddTicks(BinaryPrimitives.ReadUInt32LittleEndian(b[8..]) / 100);

    private static byte[] Z(string s) => Encoding.UTF8.GetBytes(s + "\0");

    [DllImport("libc.so.6", SetLastError = true)]
    private static extern int open(byte[] path, int flags, uint mode);

    [DllImport("libc.so.6")]
    private static extern int posix_fadvise(int fd, long offset, long length, int advice);

    [DllImport("libc.so.6", SetLastError = true)]
    private static extern int close(int fd);

    [DllImport("libc.so.6", SetLastError = true)]
    private static extern int fsync(int fd);

    [DllImport("libc.so.6", SetLastError = true)]
    private static extern nint write(int fd, ref byte buffer, nuint count);

    [DllImport("libc.so.6", SetLastError = true)]
    private static extern nint pwrite(int fd, ref byte buffer, nuint count, long offset);

    [DllImport("libc.so.6", SetLastError = true)]
    private static extern nint pread(int fd, ref byte buffer, nuint count, long offset);

    [DllImport("libc.so.6", SetLastError = true)]
    private static extern int truncate(byte[] path, long length);

    [DllImport("libc.so.6", SetLastError = true)]
    private static extern int mkdir(byte[] path, uint mode);

    [DllImport("libc.so.6", SetLastError = true)]
    private static extern int rmdir(byte[] path);

    [DllImport("libc.so.6", SetLastError = true)]
    private static extern int unlink(byte[] path);

    [DllImport("libc.so.6", SetLastError = true)]
    private static extern int rename(byte[] from, byte[] to);

    [DllImport("libc.so.6", SetLastError = true)]
    private static extern int symlink(byte[] target, byte[] path);

    [DllImport("libc.so.6", SetLastError = true)]
    private static extern nint readlink(byte[] path, byte[] buffer, nuint size);

    [DllImport("libc.so.6", SetLastError = true)]
    private static extern int chmod(byte[] path, uint mode);

    [DllImport("libc.so.6", SetLastError = true)]
    private static extern int utimensat(int dirfd, byte[] path, long[] times, int flags);

    [DllImport("libc.so.6", SetLastError = true)]
    private static extern int statx(int dirfd, byte[] path, int flags, uint mask, byte[] buffer);

    [DllImport("libc.so.6", SetLastError = true)]
    private static extern int lsetxattr(byte[] path, byte[] name, byte[] value, nuint size, int flags);

    [DllImport("libc.so.6", SetLastError = true)]
    private static extern nint lgetxattr(byte[] path, byte[] name, byte[] value, nuint size);

    [DllImport("libc.so.6", SetLastError = true)]
    private static extern nint llistxattr(byte[] path, byte[] list, nuint size);

    [DllImport("libc.so.6", SetLastError = true)]
    private static extern int lremovexattr(byte[] path, byte[] name);
}
