using S3Fs.Conformance;
using S3Fs.Core.FileSystem;
using S3Fs.Core.Storage;

namespace S3Fs.Fuse.Tests.Mount;

/// <summary>
/// The shared behaviour suite's driver for a real FUSE mount: every operation is a system call on the mount point
/// (through <see cref="Posix"/>, so that close(2) errors and exact errnos are seen), translated back into the
/// core's <see cref="FsErrorCode"/> with the inverse of <see cref="ErrnoMap"/>. The mount is an
/// <see cref="InProcessMount"/> of an RGW volume under a fresh prefix, deleted on dispose.
/// </summary>
public sealed class FuseMountDriver : IFsDriver
{
    /// <summary>Blocking calls run off the test thread and fail the test instead of hanging it.</summary>
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(60);

    /// <summary>One read(2) request of the read loop: the largest FUSE request (1 MiB).</summary>
    private const int ReadChunk = 1024 * 1024;

    private static readonly Dictionary<int, FsErrorCode> CodeOfErrno = BuildErrnoTable();

    private readonly MountVolume _volume;
    private readonly InProcessMount _mount;

    private FuseMountDriver(MountVolume volume, InProcessMount mount)
    {
        _volume = volume;
        _mount = mount;
    }

    public IObjectStore Store => _volume.Store;

    public string Prefix => _volume.Prefix;

    public InProcessMount Mount => _mount;

    public static async Task<FuseMountDriver> StartAsync(string testName, bool encrypted)
    {
        var volume = await MountVolume.CreateAsync(testName, encrypted);
        try
        {
            return new FuseMountDriver(volume, await InProcessMount.StartAsync(volume));
        }
        catch
        {
            await volume.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _mount.DisposeAsync();
        }
        finally
        {
            await _volume.DisposeAsync();
        }
    }

    public Task RemountAsync() => _mount.RemountAsync();

    public Task WriteAllAsync(string path, byte[] data) =>
        WriteThroughAsync(path, Posix.OWriteOnly | Posix.OCreate | Posix.OTruncate, 0, data, "write");

    public Task WriteAtAsync(string path, long offset, byte[] data) =>
        WriteThroughAsync(path, Posix.OReadWrite, offset, data, "write at");

    public Task AppendAsync(string path, byte[] data) =>
        WriteThroughAsync(path, Posix.OWriteOnly | Posix.OAppend, -1, data, "append");

    public Task<byte[]> ReadAllAsync(string path) => CallAsync(() =>
    {
        var fd = Open(path, Posix.OReadOnly, "read");
        try
        {
            using var result = new MemoryStream();
            var buffer = new byte[ReadChunk];
            long offset = 0;
            while (true)
            {
                var n = Posix.ReadFully(fd, buffer, offset);
                Check(n < 0 ? (int)-n : 0, "read", path);
                if (n == 0)
                {
                    break;
                }

                result.Write(buffer, 0, (int)n);
                offset += n;
            }

            return result.ToArray();
        }
        finally
        {
            Check(Posix.Close(fd), "close", path);
        }
    });

    public Task<byte[]> ReadAtAsync(string path, long offset, int count) => CallAsync(() =>
    {
        var fd = Open(path, Posix.OReadOnly, "read at");
        try
        {
            var buffer = new byte[count];
            var n = Posix.ReadFully(fd, buffer, offset);
            Check(n < 0 ? (int)-n : 0, "read at", path);
            return buffer[..(int)n];
        }
        finally
        {
            Check(Posix.Close(fd), "close", path);
        }
    });

    public Task TruncateAsync(string path, long size) => CallAsync(() => Check(Posix.Truncate(Full(path), size), "truncate", path));

    public Task<FsStat?> StatAsync(string path) => CallAsync(() =>
    {
        var (st, errno) = Posix.LStat(Full(path));
        if (errno == 2 /* ENOENT */)
        {
            return null;
        }

        Check(errno, "lstat", path);
        var kind = (st!.Mode & 0xF000) switch
        {
            0x4000 => FileKind.Directory,
            0xA000 => FileKind.Symlink,
            0x8000 => FileKind.RegularFile,
            var other => throw new InvalidOperationException($"{path} has an unexpected file type {other:x}"),
        };
        return new FsStat(kind, st.Size, st.Mode & 0xFFF, st.Uid, st.Gid, st.MTime);
    });

    public Task MkDirAsync(string path) => CallAsync(() => Check(Posix.MkDir(Full(path), Convert.ToUInt32("755", 8)), "mkdir", path));

    public Task RmDirAsync(string path) => CallAsync(() => Check(Posix.RmDir(Full(path)), "rmdir", path));

    public Task UnlinkAsync(string path) => CallAsync(() => Check(Posix.Unlink(Full(path)), "unlink", path));

    public Task RenameAsync(string from, string to) => CallAsync(() => Check(Posix.Rename(Full(from), Full(to)), "rename", from + " -> " + to));

    public Task<IReadOnlyList<string>> ListAsync(string path) => CallAsync<IReadOnlyList<string>>(() =>
    {
        try
        {
            return Directory.EnumerateFileSystemEntries(Full(path))
                .Select(e => Path.GetFileName(e))
                .Order(StringComparer.Ordinal)
                .ToList();
        }
        catch (DirectoryNotFoundException e)
        {
            throw new FsDriverException(FsErrorCode.NotFound, $"readdir {path}: {e.Message}");
        }
    });

    public Task SymlinkAsync(string target, string path) => CallAsync(() => Check(Posix.Symlink(target, Full(path)), "symlink", path));

    public Task<string> ReadLinkAsync(string path) => CallAsync(() =>
    {
        var (target, errno) = Posix.ReadLink(Full(path));
        Check(errno, "readlink", path);
        return target!;
    });

    public Task ChmodAsync(string path, uint mode) => CallAsync(() => Check(Posix.Chmod(Full(path), mode), "chmod", path));

    public Task SetMTimeAsync(string path, DateTimeOffset mtime) => CallAsync(() => Check(Posix.SetMTime(Full(path), mtime), "utimensat", path));

    public Task SetXAttrAsync(string path, string name, byte[] value) =>
        CallAsync(() => Check(Posix.SetXAttr(Full(path), name, value), "setxattr", path));

    public Task<byte[]?> GetXAttrAsync(string path, string name) => CallAsync(() =>
    {
        var (value, errno) = Posix.GetXAttr(Full(path), name);
        if (errno == Posix.ENODATA)
        {
            return null;
        }

        Check(errno, "getxattr", path);
        return value;
    });

    public Task<IReadOnlyList<string>> ListXAttrAsync(string path) => CallAsync(() =>
    {
        var (names, errno) = Posix.ListXAttr(Full(path));
        Check(errno, "listxattr", path);
        return (IReadOnlyList<string>)names!.Order(StringComparer.Ordinal).ToList();
    });

    public Task RemoveXAttrAsync(string path, string name) => CallAsync(() => Check(Posix.RemoveXAttr(Full(path), name), "removexattr", path));

    /// <summary>The core's code for an errno (EIO is IoError; EPERM, which the core never produces, reads as AccessDenied).</summary>
    public static FsErrorCode CodeOf(int errno) =>
        CodeOfErrno.TryGetValue(errno, out var code) ? code : FsErrorCode.IoError;

    private static Dictionary<int, FsErrorCode> BuildErrnoTable()
    {
        var table = new Dictionary<int, FsErrorCode> { [Posix.EIO] = FsErrorCode.IoError, [1 /* EPERM */] = FsErrorCode.AccessDenied };
        foreach (var code in Enum.GetValues<FsErrorCode>())
        {
            table.TryAdd(ErrnoMap.From(code), code);
        }

        return table;
    }

    private Task WriteThroughAsync(string path, int flags, long offset, byte[] data, string operation) => CallAsync(() =>
    {
        var fd = Open(path, flags, operation);
        int writeErrno;
        try
        {
            writeErrno = Posix.WriteAll(fd, data, offset);
        }
        finally
        {
            // close(2) is where the upload happens and where its failure is reported: never ignored.
            var closeErrno = Posix.Close(fd);
            if (closeErrno != 0)
            {
                Check(closeErrno, "close", path);
            }
        }

        Check(writeErrno, operation, path);
    });

    private int Open(string path, int flags, string operation)
    {
        var (fd, errno) = Posix.Open(Full(path), flags);
        Check(errno, operation + " (open)", path);
        return fd;
    }

    private string Full(string relative) => relative.Length == 0 ? _mount.Root : Path.Combine(_mount.Root, relative);

    private static void Check(int errno, string operation, string path)
    {
        if (errno != 0)
        {
            throw new FsDriverException(CodeOf(errno), $"{operation} {path}: {Posix.Describe(errno)} (errno {errno})");
        }
    }

    private static Task CallAsync(Action call) => Task.Run(call).WaitAsync(CallTimeout);

    private static Task<T> CallAsync<T>(Func<T> call) => Task.Run(call).WaitAsync(CallTimeout);
}
