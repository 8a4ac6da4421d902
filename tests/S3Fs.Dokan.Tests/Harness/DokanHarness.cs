using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using S3Fs.Core.Content;
using S3Fs.Core.FileSystem;
using S3Fs.Core.Storage;
using S3Fs.Dokan.Interop;
using S3Fs.Testing.Content;
using S3Fs.Testing.Storage;

namespace S3Fs.Dokan.Tests.Harness;

/// <summary>
/// Stands in for the Dokan driver: drives <see cref="DokanOperations"/> over a real <see cref="S3FileSystem"/> the way
/// dokan2.dll calls it (CreateFile, the I/O calls with the context it returned, Cleanup with DeletePending on the
/// handle Windows marked for deletion, CloseFile). Each harness has its own store (or bucket prefix).
/// </summary>
public sealed class DokanHarness : IAsyncDisposable
{
    public const uint ReadAccess = WinNT.FILE_READ_DATA | WinNT.FILE_READ_ATTRIBUTES | WinNT.FILE_READ_EA | WinNT.READ_CONTROL | WinNT.SYNCHRONIZE;
    public const uint WriteAccess = WinNT.FILE_WRITE_DATA | WinNT.FILE_APPEND_DATA | WinNT.FILE_WRITE_ATTRIBUTES | WinNT.FILE_WRITE_EA | WinNT.SYNCHRONIZE;
    public const uint ReadWriteAccess = ReadAccess | WriteAccess;
    public const uint AppendAccess = WinNT.FILE_APPEND_DATA | WinNT.SYNCHRONIZE;
    public const uint AttributesAccess = WinNT.FILE_READ_ATTRIBUTES | WinNT.READ_CONTROL | WinNT.SYNCHRONIZE;
    public const uint DeleteAccess = WinNT.DELETE | WinNT.FILE_READ_ATTRIBUTES | WinNT.SYNCHRONIZE;
    public const uint ListAccess = WinNT.FILE_LIST_DIRECTORY | WinNT.FILE_READ_ATTRIBUTES | WinNT.SYNCHRONIZE;
    public const uint ShareAll = WinNT.FILE_SHARE_READ | WinNT.FILE_SHARE_WRITE | WinNT.FILE_SHARE_DELETE;

    private readonly Func<IObjectStore, IContentStore> _content;
    private readonly ILogger _logger;

    public DokanHarness(IObjectStore store, string prefix, DokanMountOptions? options = null, ILogger? logger = null, Func<IObjectStore, IContentStore>? content = null)
    {
        Store = store;
        Prefix = prefix;
        Options = options ?? new DokanMountOptions();
        _logger = logger ?? NullLogger.Instance;
        _content = content ?? (s => new WholeObjectContentStore(s));
        FileSystem = NewFileSystem();
        Operations = new DokanOperations(FileSystem, Options, _logger);
    }

    public IObjectStore Store { get; }

    public string Prefix { get; }

    /// <summary>Runs after the file system is disposed (deleting an RGW test prefix).</summary>
    public Func<Task>? Cleanup { get; init; }

    public DokanMountOptions Options { get; }

    public S3FileSystem FileSystem { get; private set; }

    public DokanOperations Operations { get; private set; }

    public static DokanHarness InMemory(DokanMountOptions? options = null, ILogger? logger = null) =>
        new(new InMemoryObjectStore("dokan"), "mnt/", options, logger);

    /// <summary>ZwCreateFile as the driver sends it; the returned handle remembers FILE_DELETE_ON_CLOSE like the driver's FCB does.</summary>
    public Handle Open(string path, uint access, uint disposition, uint createOptions = 0, uint attributes = 0)
    {
        var info = new DokanFileInfo { ProcessId = 4242 };
        var status = Operations.CreateFile(path, access, attributes, ShareAll, disposition, createOptions, info);
        return new Handle(this, path, info, status, deletePending: (createOptions & WinNT.FILE_DELETE_ON_CLOSE) != 0);
    }

    /// <summary>Opens an existing object for reading attributes only, as Explorer and GetFileAttributes do.</summary>
    public Handle OpenExisting(string path, uint access = AttributesAccess, uint createOptions = 0) => Open(path, access, WinNT.FILE_OPEN, createOptions);

    /// <summary>CreateFile(CREATE_ALWAYS) + WriteFile in 64 KiB pieces + CloseHandle.</summary>
    public void WriteAll(string path, byte[] data)
    {
        using var h = Open(path, ReadWriteAccess, WinNT.FILE_OVERWRITE_IF, WinNT.FILE_NON_DIRECTORY_FILE);
        h.ExpectOpen();
        const int piece = 64 * 1024;
        for (var i = 0; i < data.Length; i += piece)
        {
            Assert.Equal(NtStatus.Success, h.Write(i, data.AsSpan(i, Math.Min(piece, data.Length - i)).ToArray()));
        }
    }

    /// <summary>CreateFile(OPEN_EXISTING) + ReadFile until the end + CloseHandle.</summary>
    public byte[] ReadAll(string path)
    {
        using var h = Open(path, ReadAccess, WinNT.FILE_OPEN, WinNT.FILE_NON_DIRECTORY_FILE);
        h.ExpectOpen();
        var result = new MemoryStream();
        var buffer = new byte[64 * 1024];
        while (true)
        {
            Assert.Equal(NtStatus.Success, Operations.ReadFile(path, buffer, out var read, result.Length, h.Info));
            if (read == 0)
            {
                break;
            }

            result.Write(buffer, 0, read);
        }

        return result.ToArray();
    }

    /// <summary>FindFirstFile/FindNextFile on a directory: the names Windows is shown.</summary>
    public IReadOnlyList<FindData> List(string directory, string pattern = "*")
    {
        using var h = Open(directory, ListAccess, WinNT.FILE_OPEN, WinNT.FILE_DIRECTORY_FILE);
        h.ExpectOpen();
        Assert.Equal(NtStatus.Success, Operations.FindFilesWithPattern(directory, pattern, out var entries, h.Info));
        return entries;
    }

    public IReadOnlyList<string> ListNames(string directory, string pattern = "*") =>
        List(directory, pattern).Select(e => e.FileName).Order(StringComparer.Ordinal).ToList();

    /// <summary>GetFileAttributesEx: null when the path does not exist.</summary>
    public FileInformation? Stat(string path)
    {
        using var h = OpenExisting(path);
        if (h.Status is NtStatus.ObjectNameNotFound or NtStatus.ObjectPathNotFound)
        {
            return null;
        }

        h.ExpectOpen();
        Assert.Equal(NtStatus.Success, Operations.GetFileInformation(path, out var information, h.Info));
        return information;
    }

    /// <summary>CreateDirectory.</summary>
    public NtStatus MkDir(string path)
    {
        using var h = Open(path, ListAccess, WinNT.FILE_CREATE, WinNT.FILE_DIRECTORY_FILE);
        return h.Status;
    }

    /// <summary>DeleteFile / RemoveDirectory: open for DELETE, set the disposition, close.</summary>
    public NtStatus Delete(string path, bool directory)
    {
        using var h = Open(path, DeleteAccess, WinNT.FILE_OPEN, directory ? WinNT.FILE_DIRECTORY_FILE : WinNT.FILE_NON_DIRECTORY_FILE);
        return h.IsOpen ? h.MarkForDeletion(true) : h.Status;
    }

    /// <summary>MoveFileEx: open the source for DELETE, rename through that handle, close.</summary>
    public NtStatus Move(string from, string to, bool replace)
    {
        using var h = Open(from, DeleteAccess, WinNT.FILE_OPEN);
        return h.IsOpen ? Operations.MoveFile(from, to, replace, h.Info) : h.Status;
    }

    /// <summary>Unmounts (flushing everything) and mounts the same bucket prefix again with empty caches.</summary>
    public async Task RemountAsync()
    {
        Assert.Equal(0, Operations.OpenHandles);
        Operations.Unmounted(new DokanFileInfo());
        await FileSystem.FlushAllAsync(CancellationToken.None);
        await FileSystem.DisposeAsync();
        FileSystem = NewFileSystem();
        Operations = new DokanOperations(FileSystem, Options, _logger);
    }

    public async ValueTask DisposeAsync()
    {
        Operations.Unmounted(new DokanFileInfo());
        await FileSystem.DisposeAsync();
        if (Cleanup is not null)
        {
            await Cleanup();
        }
    }

    private S3FileSystem NewFileSystem() =>
        new(Store, _content(Store), new FileSystemOptions { Prefix = Prefix }, _logger);
}

/// <summary>One Windows handle: the DokanFileInfo the driver keeps for it, and its delete-on-close state.</summary>
public sealed class Handle(DokanHarness harness, string path, DokanFileInfo info, NtStatus status, bool deletePending) : IDisposable
{
    private bool _deletePending = deletePending;
    private bool _closed;

    public string Path { get; } = path;

    public DokanFileInfo Info { get; } = info;

    public NtStatus Status { get; } = status;

    /// <summary>CreateFile succeeded (STATUS_OBJECT_NAME_COLLISION from OPEN_IF/OVERWRITE_IF means "opened the existing one").</summary>
    public bool IsOpen => Status is NtStatus.Success or NtStatus.ObjectNameCollision && Info.Context != 0;

    private DokanOperations Ops => harness.Operations;

    public void ExpectOpen() => Assert.True(IsOpen, $"CreateFile {Path}: {Status}");

    public NtStatus Write(long offset, byte[] data, bool toEnd = false, bool paging = false)
    {
        var info = toEnd || paging ? new DokanFileInfo { Context = Info.Context, IsDirectory = Info.IsDirectory, WriteToEndOfFile = toEnd, PagingIo = paging } : Info;
        var status = Ops.WriteFile(Path, data, out var written, offset, info);
        if (status == NtStatus.Success && !paging)
        {
            Assert.Equal(data.Length, written);
        }

        return status;
    }

    public byte[] Read(long offset, int count)
    {
        var buffer = new byte[count];
        Assert.Equal(NtStatus.Success, Ops.ReadFile(Path, buffer, out var read, offset, Info));
        return buffer[..read];
    }

    public FileInformation Information()
    {
        Assert.Equal(NtStatus.Success, Ops.GetFileInformation(Path, out var information, Info));
        return information;
    }

    /// <summary>SetFileInformation(FileDispositionInformation): DeleteFile/DeleteDirectory with the requested state.</summary>
    public NtStatus MarkForDeletion(bool delete)
    {
        Info.DeletePending = delete;
        var status = Info.IsDirectory ? Ops.DeleteDirectory(Path, Info) : Ops.DeleteFile(Path, Info);
        Info.DeletePending = false;
        if (status == NtStatus.Success)
        {
            _deletePending = delete;
        }

        return status;
    }

    /// <summary>CloseHandle: Cleanup (deleting if marked), then CloseFile.</summary>
    public void Close()
    {
        if (_closed || !IsOpen)
        {
            return;
        }

        _closed = true;
        Info.DeletePending = _deletePending;
        Ops.Cleanup(Path, Info);
        Info.DeletePending = false;
        Ops.CloseFile(Path, Info);
    }

    public void Dispose() => Close();
}
