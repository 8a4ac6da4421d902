using S3Fs.Conformance;
using S3Fs.Core.FileSystem;
using S3Fs.Core.Storage;
using S3Fs.Dokan.Interop;
using S3Fs.Dokan.Security;
using S3Fs.Dokan.Tests.Harness;
using static S3Fs.Dokan.Tests.Harness.DokanHarness;

namespace S3Fs.Dokan.Tests.Conformance;

/// <summary>
/// The shared behaviour suite's driver, played by a Windows program on the drive: every operation Windows has a call
/// for goes through <see cref="DokanOperations"/> with the call sequence Win32 makes (CreateFile with the matching
/// disposition and options, ReadFile/WriteFile, SetEndOfFile, SetFileTime, SetFileSecurity for chmod as icacls does,
/// FindFiles, the delete disposition, MoveFileEx with replace, CloseHandle as Cleanup + CloseFile). Suite paths are
/// escaped as a user would type them (<see cref="WindowsNames"/>), listed names unescaped, NTSTATUS answers
/// translated back into the core's error codes.
/// <para>
/// What Windows has no call for through Dokan goes to the core directly, as a Linux client of the same bucket would
/// do it: creating and reading symlinks (Dokan has no reparse points), extended attributes (Dokan exposes no EAs),
/// and the one fact a Windows stat cannot show, that a name is a symlink (Windows sees the target). Everything else
/// in <see cref="StatAsync"/> (size, mtime, directory or file, permission bits read back from the security
/// descriptor) comes from the adapter.
/// </para>
/// Each call runs on a dedicated thread, as Dokan runs callbacks on its own threads (<see cref="DokanBlocking"/>).
/// </summary>
public sealed class DokanAdapterDriver(DokanHarness harness) : IFsDriver
{
    private const uint AllSecurity = WinNT.OWNER_SECURITY_INFORMATION | WinNT.GROUP_SECURITY_INFORMATION | WinNT.DACL_SECURITY_INFORMATION;

    public IObjectStore Store => harness.Store;

    public string Prefix => harness.Prefix;

    private DokanOperations Ops => harness.Operations;

    private PosixSecurity Security => new(Sid.Parse(harness.Options.OwnerSid ?? Sid.AuthenticatedUsers.ToString()), Sid.Parse(harness.Options.GroupSid));

    public Task WriteAllAsync(string path, byte[] data) => OnDokanThread(() =>
    {
        using var h = Open(path, ReadWriteAccess, WinNT.FILE_OVERWRITE_IF, WinNT.FILE_NON_DIRECTORY_FILE);
        WritePieces(h, 0, data);
    });

    public Task<byte[]> ReadAllAsync(string path) => OnDokanThread(() =>
    {
        using var h = Open(path, ReadAccess, WinNT.FILE_OPEN, WinNT.FILE_NON_DIRECTORY_FILE);
        var size = Info(h).Length;
        var result = new byte[size];
        var at = 0;
        while (at < size)
        {
            Check(Ops.ReadFile(h.Path, result.AsSpan(at, (int)Math.Min(64 * 1024, size - at)), out var read, at, h.Info));
            Assert.True(read > 0, $"ReadFile at {at} of {size} returned nothing");
            at += read;
        }

        return result;
    });

    public Task WriteAtAsync(string path, long offset, byte[] data) => OnDokanThread(() =>
    {
        using var h = Open(path, ReadWriteAccess, WinNT.FILE_OPEN, WinNT.FILE_NON_DIRECTORY_FILE);
        WritePieces(h, offset, data);
    });

    public Task<byte[]> ReadAtAsync(string path, long offset, int count) => OnDokanThread(() =>
    {
        using var h = Open(path, ReadAccess, WinNT.FILE_OPEN, WinNT.FILE_NON_DIRECTORY_FILE);
        var buffer = new byte[count];
        Check(Ops.ReadFile(h.Path, buffer, out var read, offset, h.Info));
        return buffer[..read];
    });

    public Task AppendAsync(string path, byte[] data) => OnDokanThread(() =>
    {
        using var h = Open(path, AppendAccess, WinNT.FILE_OPEN, WinNT.FILE_NON_DIRECTORY_FILE);
        Check(h.Write(-1, data, toEnd: true));
    });

    public Task TruncateAsync(string path, long size) => OnDokanThread(() =>
    {
        using var h = Open(path, WriteAccess, WinNT.FILE_OPEN, WinNT.FILE_NON_DIRECTORY_FILE);
        Check(Ops.SetEndOfFile(h.Path, size, h.Info));
    });

    public async Task<FsStat?> StatAsync(string path)
    {
        var windows = await OnDokanThread(() =>
        {
            using var h = harness.OpenExisting(WindowsPath(path));
            if (h.Status is NtStatus.ObjectNameNotFound or NtStatus.ObjectPathNotFound)
            {
                return ((FileInformation Info, uint Mode)?)null;
            }

            Check(h.Status);
            var info = Info(h);
            var buffer = new byte[4096];
            Check(Ops.GetFileSecurity(h.Path, AllSecurity, buffer, out var length, h.Info));
            var mode = Security.ReadPermissions(buffer.AsSpan(0, length)) ?? throw new InvalidOperationException("GetFileSecurity returned no DACL");
            return (info, mode);
        });
        if (windows is not { } w)
        {
            return null;
        }

        var kind = (w.Info.Attributes & WinNT.FILE_ATTRIBUTE_DIRECTORY) != 0 ? FileKind.Directory : FileKind.RegularFile;
        if (await IsSymlinkInCoreAsync(path))
        {
            kind = FileKind.Symlink;
        }

        return new FsStat(kind, w.Info.Length, w.Mode, 0, 0, w.Info.LastWriteTime);
    }

    public Task MkDirAsync(string path) => OnDokanThread(() => Check(harness.MkDir(WindowsPath(path))));

    public Task RmDirAsync(string path) => OnDokanThread(() => Check(harness.Delete(WindowsPath(path), directory: true)));

    public Task UnlinkAsync(string path) => OnDokanThread(() => Check(harness.Delete(WindowsPath(path), directory: false)));

    public Task RenameAsync(string from, string to) =>
        OnDokanThread(() => Check(harness.Move(WindowsPath(from), WindowsPath(to), replace: true)));

    public Task<IReadOnlyList<string>> ListAsync(string path) => OnDokanThread<IReadOnlyList<string>>(() =>
    {
        using var h = Open(path, ListAccess, WinNT.FILE_OPEN, WinNT.FILE_DIRECTORY_FILE);
        Check(Ops.FindFiles(h.Path, out var entries, h.Info));
        return entries.Select(e => WindowsNames.FromWindows(e.FileName)).Order(StringComparer.Ordinal).ToList();
    });

    public Task ChmodAsync(string path, uint mode) => OnDokanThread(() =>
    {
        using var h = harness.OpenExisting(WindowsPath(path), WinNT.WRITE_DAC | AttributesAccess);
        Check(h.Status);
        Check(Ops.SetFileSecurity(h.Path, WinNT.DACL_SECURITY_INFORMATION, Security.Build(mode, AllSecurity), h.Info));
    });

    public Task SetMTimeAsync(string path, DateTimeOffset mtime) => OnDokanThread(() =>
    {
        using var h = harness.OpenExisting(WindowsPath(path), WinNT.FILE_WRITE_ATTRIBUTES | AttributesAccess);
        Check(h.Status);
        Check(Ops.SetFileTime(h.Path, null, null, FileTimes.ToFileTime(mtime), h.Info));
    });

    // ---- What Windows cannot express through Dokan: done on the core, as a Linux client of the bucket would. ----
    public Task SymlinkAsync(string target, string path) => Core(path, async (fs, parent, name) =>
        fs.Forget((await fs.SymlinkAsync(target, parent, name, RequestContext.Root, CancellationToken.None)).Inode, 1));

    public Task<string> ReadLinkAsync(string path) => CoreOnNode(path, (fs, ino) => fs.ReadLinkAsync(ino, CancellationToken.None).AsTask());

    public Task SetXAttrAsync(string path, string name, byte[] value) =>
        CoreOnNode(path, async (fs, ino) =>
        {
            await fs.SetXAttrAsync(ino, name, value, XAttrFlags.None, CancellationToken.None);
            return 0;
        });

    public async Task<byte[]?> GetXAttrAsync(string path, string name)
    {
        try
        {
            return await CoreOnNode(path, (fs, ino) => fs.GetXAttrAsync(ino, name, CancellationToken.None).AsTask());
        }
        catch (FsDriverException e) when (e.Code == FsErrorCode.NoAttribute)
        {
            return null;
        }
    }

    public Task<IReadOnlyList<string>> ListXAttrAsync(string path) =>
        CoreOnNode(path, (fs, ino) => fs.ListXAttrAsync(ino, CancellationToken.None).AsTask());

    public Task RemoveXAttrAsync(string path, string name) =>
        CoreOnNode(path, async (fs, ino) =>
        {
            await fs.RemoveXAttrAsync(ino, name, CancellationToken.None);
            return 0;
        });

    public Task RemountAsync() => harness.RemountAsync();

    public ValueTask DisposeAsync() => harness.DisposeAsync();

    /// <summary>The Windows path a user types for a suite path: '\' separators, each name escaped as listed.</summary>
    public static string WindowsPath(string path) =>
        "\\" + string.Join('\\', path.Split('/', StringSplitOptions.RemoveEmptyEntries).Select(WindowsNames.ToWindows));

    /// <summary>The core's error code for an NTSTATUS the adapter answered (the inverse of <see cref="NtStatusMap"/>).</summary>
    public static FsErrorCode CodeOf(NtStatus status) => status switch
    {
        NtStatus.ObjectNameNotFound or NtStatus.ObjectPathNotFound => FsErrorCode.NotFound,
        NtStatus.CannotDelete => FsErrorCode.AccessDenied,
        _ => Enum.GetValues<FsErrorCode>().Where(c => NtStatusMap.From(c) == status).DefaultIfEmpty(FsErrorCode.IoError).First(),
    };

    /// <summary>Anything but STATUS_SUCCESS is the failure a Win32 call would report (a collision from OPEN_IF is judged by <see cref="Handle.IsOpen"/>).</summary>
    private static void Check(NtStatus status)
    {
        if (status != NtStatus.Success)
        {
            throw new FsDriverException(CodeOf(status), $"the adapter answered {status}");
        }
    }

    /// <summary>Dokan runs callbacks on its own threads, never the .NET thread pool's; so does this driver.</summary>
    private static Task<T> OnDokanThread<T>(Func<T> call) =>
        Task.Factory.StartNew(call, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    private static Task OnDokanThread(Action call) =>
        Task.Factory.StartNew(call, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    private Handle Open(string path, uint access, uint disposition, uint createOptions)
    {
        var h = harness.Open(WindowsPath(path), access, disposition, createOptions);
        if (!h.IsOpen)
        {
            Check(h.Status);
            Check(NtStatus.InternalError); // opened nothing yet no error: never expected
        }

        return h;
    }

    private FileInformation Info(Handle h)
    {
        Check(Ops.GetFileInformation(h.Path, out var info, h.Info));
        return info;
    }

    private static void WritePieces(Handle h, long offset, byte[] data)
    {
        // Windows programs write in pieces; 64 KiB is what Explorer's copy engine and most runtimes use.
        const int piece = 64 * 1024;
        for (var i = 0; i < data.Length; i += piece)
        {
            Check(h.Write(offset + i, data.AsSpan(i, Math.Min(piece, data.Length - i)).ToArray()));
        }
    }

    private async Task<bool> IsSymlinkInCoreAsync(string path)
    {
        try
        {
            return await CoreOnNode(path, async (fs, ino) => (await fs.GetAttrAsync(ino, CancellationToken.None)).Kind == FileKind.Symlink);
        }
        catch (FsDriverException e) when (e.Code == FsErrorCode.NotFound)
        {
            return false;
        }
    }

    private Task<int> Core(string path, Func<IFileSystem, long, string, Task> action) => Translate(async () =>
    {
        var parts = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var walked = await WalkAsync(parts[..^1]);
        try
        {
            await action(harness.FileSystem, walked.Count == 0 ? IFileSystem.RootInode : walked[^1], parts[^1]);
            return 0;
        }
        finally
        {
            Release(walked);
        }
    });

    private Task<T> CoreOnNode<T>(string path, Func<IFileSystem, long, Task<T>> action) => Translate(async () =>
    {
        var walked = await WalkAsync(path.Split('/', StringSplitOptions.RemoveEmptyEntries));
        try
        {
            return await action(harness.FileSystem, walked.Count == 0 ? IFileSystem.RootInode : walked[^1]);
        }
        finally
        {
            Release(walked);
        }
    });

    /// <summary>Looks each name up from the root; the caller releases the references once done with the inodes.</summary>
    private async Task<List<long>> WalkAsync(IEnumerable<string> names)
    {
        var walked = new List<long>();
        try
        {
            var ino = IFileSystem.RootInode;
            foreach (var name in names)
            {
                ino = (await harness.FileSystem.LookupAsync(ino, name, CancellationToken.None)).Inode;
                walked.Add(ino);
            }

            return walked;
        }
        catch
        {
            Release(walked);
            throw;
        }
    }

    private void Release(List<long> inodes)
    {
        foreach (var ino in inodes)
        {
            harness.FileSystem.Forget(ino, 1);
        }
    }

    private static async Task<T> Translate<T>(Func<Task<T>> action)
    {
        try
        {
            return await action();
        }
        catch (FsException e)
        {
            throw new FsDriverException(e.Code, e.Message);
        }
    }
}
