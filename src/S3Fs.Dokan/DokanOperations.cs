using Microsoft.Extensions.Logging;
using S3Fs.Core.FileSystem;
using S3Fs.Dokan.Interop;
using S3Fs.Dokan.Security;

namespace S3Fs.Dokan;

/// <summary>
/// The Windows adapter: Dokan's path-based, synchronous callbacks translated into calls on the core's inode-based,
/// asynchronous <see cref="IFileSystem"/>. Each public method is one DOKAN_OPERATIONS callback with managed
/// arguments; the native trampolines (<c>DokanCallbacks</c>) are a thin layer over them, and tests call them directly.
/// <para>
/// Every method runs its work through <see cref="DokanBlocking"/> (the one place that waits) and answers an NTSTATUS:
/// <see cref="FsException"/>s through <see cref="NtStatusMap"/>, anything else logged and answered
/// STATUS_INTERNAL_ERROR. Nothing here throws to the caller.
/// </para>
/// <para>
/// Lifetime of a handle: CreateFile resolves the path, checks the disposition and options, creates what must be
/// created, and stores an <see cref="OpenFileTable"/> id in DOKAN_FILE_INFO.Context. Data goes through a content
/// handle of the core opened on first use. Cleanup (the last CloseHandle of that handle) deletes the object if
/// Windows marked it for deletion, else uploads changes; CloseFile (when the kernel drops the file object, possibly
/// after paging I/O that followed Cleanup) uploads any late changes and releases everything.
/// </para>
/// This file holds construction, the shared runner and CreateFile/Cleanup/CloseFile; the other parts are split by
/// concern (.Data.cs: read, write, flush, sizes; .Info.cs: information, listing, attributes, times, security,
/// volume; .Namespace.cs: delete and move).
/// </summary>
public sealed partial class DokanOperations
{
    /// <summary>The file system name shown by Windows (GetVolumeInformation).</summary>
    public const string FileSystemName = "S3Fs";

    private const uint WriteRightsMask = WinNT.FILE_WRITE_DATA | WinNT.FILE_APPEND_DATA | WinNT.GENERIC_WRITE | WinNT.GENERIC_ALL;
    private static readonly uint WriteBits = Convert.ToUInt32("222", 8);

    private readonly IFileSystem _fs;
    private readonly DokanMountOptions _options;
    private readonly ILogger _logger;
    private readonly OpenFileTable _files = new();
    private readonly InodeReferences _references;
    private readonly PathResolver _resolver;
    private readonly PosixSecurity _security;

    public DokanOperations(IFileSystem fileSystem, DokanMountOptions options, ILogger logger)
    {
        _fs = fileSystem;
        _options = options;
        _logger = logger;
        _references = new InodeReferences(fileSystem, options.InodeCacheSize);
        _resolver = new PathResolver(fileSystem, _references, options.CaseInsensitive);
        _security = new PosixSecurity(options.OwnerSid is { } owner ? Sid.Parse(owner) : Sid.AuthenticatedUsers, Sid.Parse(options.GroupSid));
    }

    public DokanMountOptions Options => _options;

    /// <summary>Where Dokan says the volume is mounted (the mount manager may pick another letter), once mounted.</summary>
    public string? MountedAt { get; private set; }

    /// <summary>Handles open right now (for tests and diagnostics).</summary>
    public int OpenHandles => _files.Count;

    /// <summary>Directories referenced in the core right now (for tests and diagnostics).</summary>
    public int ReferencedInodes => _references.Count;

    /// <summary>ZwCreateFile: open or create <paramref name="fileName"/> with kernel create arguments.</summary>
    public NtStatus CreateFile(string fileName, uint desiredAccess, uint fileAttributes, uint shareAccess, uint createDisposition, uint createOptions, DokanFileInfo info) =>
        Run(nameof(CreateFile), fileName, info, ct => CreateFileAsync(fileName, desiredAccess, fileAttributes, createDisposition, createOptions, info, ct));

    /// <summary>
    /// Cleanup: the last user handle of this file object closed. Deletes the object when <see cref="DokanFileInfo.DeletePending"/>
    /// says so (it cannot fail: CreateFile, DeleteFile and DeleteDirectory checked beforehand), else uploads changes.
    /// Failures are logged; an upload that S3 did not confirm stays dirty in the core and is retried.
    /// </summary>
    public void Cleanup(string fileName, DokanFileInfo info) =>
        Run(nameof(Cleanup), fileName, info, ct => CleanupAsync(fileName, info, ct));

    /// <summary>CloseFile: the file object is gone; upload late (paging) writes and release everything.</summary>
    public void CloseFile(string fileName, DokanFileInfo info) =>
        Run(nameof(CloseFile), fileName, info, ct => CloseFileAsync(info, ct));

    /// <summary>Mounted: Dokan reports where the volume appeared.</summary>
    public NtStatus Mounted(string mountPoint, DokanFileInfo info)
    {
        MountedAt = mountPoint;
        Log.Mounted(_logger, _options.VolumeName, mountPoint);
        return NtStatus.Success;
    }

    /// <summary>Unmounted: drops the directory references; the owner of the core flushes it.</summary>
    public NtStatus Unmounted(DokanFileInfo info)
    {
        _references.Clear();
        Log.Unmounted(_logger, _options.VolumeName);
        return NtStatus.Success;
    }

    /// <summary>Logs an exception a trampoline caught outside any operation (marshalling, a missing context).</summary>
    internal void ReportCallbackFault(string callback, Exception exception) => Log.CallbackFault(_logger, callback, exception);

    private async ValueTask<NtStatus> CreateFileAsync(string fileName, uint desiredAccess, uint fileAttributes, uint createDisposition, uint createOptions, DokanFileInfo info, CancellationToken ct)
    {
        var wantsDirectory = (createOptions & WinNT.FILE_DIRECTORY_FILE) != 0;
        var wantsFile = (createOptions & WinNT.FILE_NON_DIRECTORY_FILE) != 0;
        if ((wantsDirectory && wantsFile) || createDisposition > WinNT.FILE_OVERWRITE_IF
            || (wantsDirectory && createDisposition is not (WinNT.FILE_CREATE or WinNT.FILE_OPEN or WinNT.FILE_OPEN_IF)))
        {
            return NtStatus.InvalidParameter;
        }

        using var target = await _resolver.ResolveAsync(fileName, followFinal: true, ct).ConfigureAwait(false);
        return target.Kind switch
        {
            ResolutionKind.PathNotFound => NtStatus.ObjectPathNotFound,
            ResolutionKind.Missing => await CreateNewAsync(target, wantsDirectory, fileAttributes, createDisposition, info, ct).ConfigureAwait(false),
            _ => await OpenExistingAsync(fileName, target, desiredAccess, createDisposition, createOptions, info, ct).ConfigureAwait(false),
        };
    }

    private async ValueTask<NtStatus> CreateNewAsync(Resolution target, bool wantsDirectory, uint fileAttributes, uint createDisposition, DokanFileInfo info, CancellationToken ct)
    {
        if (createDisposition is WinNT.FILE_OPEN or WinNT.FILE_OVERWRITE)
        {
            return NtStatus.ObjectNameNotFound;
        }

        if (_options.ReadOnly)
        {
            return NtStatus.MediaWriteProtected;
        }

        if (wantsDirectory)
        {
            var dir = await _fs.MkDirAsync(target.ParentInode, target.Name, _options.DirectoryMode, Caller(info), ct).ConfigureAwait(false);
            var opened = _files.Add(dir.Inode, isDirectory: true, isLinkPlaceholder: false, heldLookup: dir.Inode);
            info.Context = opened.Id;
            info.IsDirectory = true;
            return NtStatus.Success;
        }

        var mode = (fileAttributes & WinNT.FILE_ATTRIBUTE_READONLY) != 0 ? _options.FileMode & ~WriteBits : _options.FileMode;
        var (entry, open) = await _fs.CreateAsync(target.ParentInode, target.Name, mode, OpenFlags.ReadWrite | OpenFlags.Create | OpenFlags.Exclusive, Caller(info), ct).ConfigureAwait(false);
        var file = _files.Add(entry.Inode, isDirectory: false, isLinkPlaceholder: false, heldLookup: entry.Inode);
        file.CoreHandle = open.Handle;
        file.Dirty = true; // a new file exists only locally until its first upload
        info.Context = file.Id;
        info.IsDirectory = false;
        return NtStatus.Success;
    }

    private async ValueTask<NtStatus> OpenExistingAsync(string fileName, Resolution target, uint desiredAccess, uint createDisposition, uint createOptions, DokanFileInfo info, CancellationToken ct)
    {
        if (createDisposition == WinNT.FILE_CREATE)
        {
            return NtStatus.ObjectNameCollision;
        }

        var attributes = target.Attributes;
        var deleteOnClose = (createOptions & WinNT.FILE_DELETE_ON_CLOSE) != 0;
        var openedExisting = createDisposition is WinNT.FILE_OPEN_IF or WinNT.FILE_OVERWRITE_IF or WinNT.FILE_SUPERSEDE;
        if (attributes.Kind == FileKind.Directory)
        {
            if ((createOptions & WinNT.FILE_NON_DIRECTORY_FILE) != 0 || createDisposition is WinNT.FILE_OVERWRITE or WinNT.FILE_OVERWRITE_IF or WinNT.FILE_SUPERSEDE)
            {
                return NtStatus.FileIsADirectory;
            }

            if (deleteOnClose && await CheckDeletableAsync(fileName, directory: true, ct).ConfigureAwait(false) is var refused and not NtStatus.Success)
            {
                return refused;
            }

            var dir = _files.Add(attributes.Inode, isDirectory: true, isLinkPlaceholder: false, heldLookup: target.TakeReference());
            info.Context = dir.Id;
            info.IsDirectory = true;
            return openedExisting ? NtStatus.ObjectNameCollision : NtStatus.Success;
        }

        if ((createOptions & WinNT.FILE_DIRECTORY_FILE) != 0)
        {
            return NtStatus.NotADirectory;
        }

        var truncate = createDisposition is WinNT.FILE_OVERWRITE or WinNT.FILE_OVERWRITE_IF or WinNT.FILE_SUPERSEDE;
        var writes = (desiredAccess & WriteRightsMask) != 0 || truncate;
        if (_options.ReadOnly && (writes || deleteOnClose))
        {
            return NtStatus.MediaWriteProtected;
        }

        if (writes && !target.IsLinkPlaceholder)
        {
            // A lookup may answer from a listing, which carries no mode: the read-only check needs the stored one.
            attributes = await _fs.GetAttrAsync(attributes.Inode, ct).ConfigureAwait(false);
        }

        if (writes && (target.IsLinkPlaceholder || IsReadOnly(attributes)))
        {
            return NtStatus.AccessDenied;
        }

        if (deleteOnClose && await CheckDeletableAsync(fileName, directory: false, ct).ConfigureAwait(false) is var denied and not NtStatus.Success)
        {
            return denied;
        }

        var file = _files.Add(attributes.Inode, isDirectory: false, target.IsLinkPlaceholder, target.TakeReference());
        info.Context = file.Id;
        info.IsDirectory = false;
        if (truncate)
        {
            try
            {
                await EnsureCoreHandleAsync(file, truncate: true, ct).ConfigureAwait(false);
            }
            catch
            {
                await ReleaseHandleAsync(file, ct).ConfigureAwait(false);
                info.Context = 0;
                throw;
            }
        }

        return openedExisting ? NtStatus.ObjectNameCollision : NtStatus.Success;
    }

    private async ValueTask<NtStatus> CleanupAsync(string fileName, DokanFileInfo info, CancellationToken ct)
    {
        if (_files.Find(info.Context) is not { } file)
        {
            return NtStatus.InvalidHandle;
        }

        if (info.DeletePending)
        {
            file.Deleted = true;
            file.Dirty = false;
            using var target = await _resolver.ResolveAsync(fileName, followFinal: false, ct).ConfigureAwait(false);
            if (target is { Kind: ResolutionKind.Found, IsRoot: false })
            {
                if (target.Attributes.Kind == FileKind.Directory)
                {
                    await _fs.RmDirAsync(target.ParentInode, target.Name, ct).ConfigureAwait(false);
                }
                else
                {
                    await _fs.UnlinkAsync(target.ParentInode, target.Name, ct).ConfigureAwait(false);
                }
            }

            return NtStatus.Success;
        }

        await UploadIfDirtyAsync(file, ct).ConfigureAwait(false);
        return NtStatus.Success;
    }

    private async ValueTask<NtStatus> CloseFileAsync(DokanFileInfo info, CancellationToken ct)
    {
        if (_files.Remove(info.Context) is not { } file)
        {
            return NtStatus.InvalidHandle;
        }

        info.Context = 0;
        try
        {
            if (!file.Deleted)
            {
                await UploadIfDirtyAsync(file, ct).ConfigureAwait(false);
            }
        }
        finally
        {
            await ReleaseHandleAsync(file, ct).ConfigureAwait(false);
        }

        return NtStatus.Success;
    }

    /// <summary>Uploads the handle's changes (close semantics: returns once S3 confirmed, or throws IoError).</summary>
    private async ValueTask UploadIfDirtyAsync(OpenFile file, CancellationToken ct)
    {
        if (file is { Dirty: true, CoreHandle: { } handle })
        {
            file.Dirty = false;
            try
            {
                await _fs.FlushAsync(file.Inode, handle, ct).ConfigureAwait(false);
            }
            catch
            {
                file.Dirty = true;
                throw;
            }
        }
    }

    /// <summary>Releases what a handle holds: its content handle, and its lookup reference (back to the inode cache).</summary>
    private async ValueTask ReleaseHandleAsync(OpenFile file, CancellationToken ct)
    {
        _files.Remove(file.Id);
        try
        {
            if (file.CoreHandle is { } handle)
            {
                file.CoreHandle = null;
                await _fs.ReleaseAsync(file.Inode, handle, ct).ConfigureAwait(false);
            }
        }
        finally
        {
            if (file.HeldLookup is { } inode)
            {
                _references.Adopt(inode);
            }

            file.Gate.Dispose();
        }
    }

    /// <summary>The core content handle of an open file, opened on first use (with truncation for overwrite dispositions).</summary>
    private async ValueTask<ulong> EnsureCoreHandleAsync(OpenFile file, bool truncate, CancellationToken ct)
    {
        await file.Gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            if (file.CoreHandle is not { } handle)
            {
                var flags = _options.ReadOnly || file.IsLinkPlaceholder ? OpenFlags.ReadOnly : OpenFlags.ReadWrite;
                handle = (await _fs.OpenAsync(file.Inode, truncate ? flags | OpenFlags.Truncate : flags, ct).ConfigureAwait(false)).Handle;
                file.CoreHandle = handle;
            }
            else if (truncate)
            {
                await _fs.SetAttrAsync(file.Inode, new SetAttrRequest { Size = 0 }, handle, RequestContext.Root, ct).ConfigureAwait(false);
            }

            if (truncate)
            {
                file.Dirty = true;
            }

            return handle;
        }
        finally
        {
            file.Gate.Release();
        }
    }

    /// <summary>Whether Windows may delete the object at <paramref name="fileName"/> (the link itself, not a link's target).</summary>
    private async ValueTask<NtStatus> CheckDeletableAsync(string fileName, bool directory, CancellationToken ct)
    {
        if (_options.ReadOnly)
        {
            return NtStatus.MediaWriteProtected;
        }

        using var target = await _resolver.ResolveAsync(fileName, followFinal: false, ct).ConfigureAwait(false);
        if (target.Kind != ResolutionKind.Found)
        {
            return target.Kind == ResolutionKind.Missing ? NtStatus.ObjectNameNotFound : NtStatus.ObjectPathNotFound;
        }

        if (target.IsRoot)
        {
            return NtStatus.AccessDenied;
        }

        var kind = target.Attributes.Kind;
        if (kind == FileKind.Symlink)
        {
            return NtStatus.Success;
        }

        if (directory)
        {
            if (kind != FileKind.Directory)
            {
                return NtStatus.NotADirectory;
            }

            var children = await DirectoryReader.ListNamesAsync(_fs, target.Attributes.Inode, ct).ConfigureAwait(false);
            return children.Count > 0 ? NtStatus.DirectoryNotEmpty : NtStatus.Success;
        }

        if (kind == FileKind.Directory)
        {
            return NtStatus.AccessDenied;
        }

        // The stored mode, not a listing's default: deleting a read-only file is refused as NTFS refuses it.
        var stored = await _fs.GetAttrAsync(target.Attributes.Inode, ct).ConfigureAwait(false);
        return IsReadOnly(stored) ? NtStatus.CannotDelete : NtStatus.Success;
    }

    /// <summary>A file Windows shows with FILE_ATTRIBUTE_READONLY: no write permission for its owner.</summary>
    private static bool IsReadOnly(FileAttributes attributes) =>
        attributes.Kind == FileKind.RegularFile && (attributes.Mode & Convert.ToUInt32("200", 8)) == 0;

    private RequestContext Caller(DokanFileInfo info) => new(_options.Uid, _options.Gid, (int)info.ProcessId);

    private OpenFile? Find(DokanFileInfo info) => _files.Find(info.Context);

    /// <summary>Runs one operation's asynchronous body to completion and turns every outcome into an NTSTATUS.</summary>
    private NtStatus Run(string operation, string path, DokanFileInfo info, Func<CancellationToken, ValueTask<NtStatus>> body)
    {
        try
        {
            var status = DokanBlocking.Run(() => body(CancellationToken.None), info.TimeoutExtender);
            return status;
        }
        catch (FsException e)
        {
            Log.OperationFailed(_logger, e.Level, operation, path, e.Message);
            return NtStatusMap.From(e.Code);
        }
        catch (OperationCanceledException)
        {
            return NtStatus.Cancelled;
        }
        catch (Exception e)
        {
            Log.OperationCrashed(_logger, operation, path, e);
            return NtStatus.InternalError;
        }
    }
}
