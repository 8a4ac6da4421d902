using System.Buffers;
using System.Text;
using Microsoft.Extensions.Logging;
using S3Fs.Core.FileSystem;

namespace S3Fs.Fuse;

/// <summary>
/// The thin translation layer: FUSE request arguments become <see cref="IFileSystem"/> calls and their results
/// become replies. It holds no filesystem state of its own.
/// </summary>
/// <remarks>
/// Threading: <see cref="Dispatch"/> runs on a libfuse worker. It copies everything it needs out of the native
/// request (names, and write/xattr payloads into pooled or owned buffers: libfuse reuses its buffer as soon as
/// the callback returns, libfuse#725), registers the request for interrupts and starts the core's ValueTask.
/// A core call that completes synchronously is answered inline; otherwise the handler's continuation answers
/// later on the thread pool (fuse_reply_* may be called from any thread). No handler ever blocks on a task.
/// </remarks>
internal sealed partial class FuseOperations : IDisposable
{
    // open(2) flags the core understands (OpenFlags): O_ACCMODE | O_CREAT | O_EXCL | O_TRUNC | O_APPEND.
    private const uint OpenFlagsMask = 0x3 | 0x40 | 0x80 | 0x200 | 0x400;

    private readonly IFileSystem _fs;
    private readonly FuseMountOptions _options;
    private readonly ILogger _logger;
    private readonly TaskCompletionSource<Interop.Shim.s3fs_init_info> _initialized =
        new(TaskCreationOptions.RunContinuationsAsynchronously);

    private readonly TaskCompletionSource _flushed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _flushStarted;

    // Strict: a name that is not valid UTF-8 cannot name an S3 key, so it is refused rather than mangled.
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>The filesystem this session serves.</summary>
    internal IFileSystem FileSystem => _fs;

    public FuseOperations(IFileSystem fileSystem, FuseMountOptions options, ILogger logger)
    {
        _fs = fileSystem;
        _options = options;
        _logger = logger;
        Tracker = new RequestTracker(options.MaxInFlightRequests, logger);
    }

    public RequestTracker Tracker { get; }

    /// <summary>Completes with the negotiated connection parameters when the kernel's INIT was answered.</summary>
    public Task<Interop.Shim.s3fs_init_info> Initialized => _initialized.Task;

    /// <summary>Starts <see cref="IFileSystem.FlushAllAsync"/> once (on DESTROY or at teardown) and returns that run.</summary>
    public Task FlushAllOnceAsync()
    {
        if (Interlocked.Exchange(ref _flushStarted, 1) == 0)
        {
            _ = FlushAllAsync();
        }

        return _flushed.Task;
    }

    public void Dispose() => Tracker.Dispose();

    /// <summary>Entry for every request; never throws (see <see cref="FuseCallbacks"/>).</summary>
    public unsafe void Dispatch(Interop.Shim.s3fs_request* r)
    {
        // SAFETY: r is the shim's stack copy of the request, valid until this method returns; every pointer in it
        // (names, payloads, forget arrays, init info) is read or copied before returning.
        var opcode = (Interop.Shim.Opcode)r->opcode;
        switch (opcode)
        {
            case Interop.Shim.Opcode.Init:
                _initialized.TrySetResult(*(Interop.Shim.s3fs_init_info*)r->data);
                return;
            case Interop.Shim.Opcode.Destroy:
                Log.DestroyReceived(_logger);
                StartFlushAll();
                return;
            case Interop.Shim.Opcode.Forget:
                Forget(r->ino, r->size);
                Interop.Shim.s3fs_fuse_reply_none(r->req);
                return;
            case Interop.Shim.Opcode.ForgetMulti:
                foreach (var forget in new ReadOnlySpan<Interop.Shim.s3fs_forget>(r->data, checked((int)r->size)))
                {
                    Forget(forget.ino, forget.nlookup);
                }

                Interop.Shim.s3fs_fuse_reply_none(r->req);
                return;
        }

        FuseRequest request;
        try
        {
            request = Tracker.Begin(r->req, opcode, (long)r->ino);
        }
        catch (Exception ex)
        {
            Log.DispatchFault(_logger, ex, opcode);
            _ = Interop.Shim.s3fs_fuse_reply_err(r->req, Errno.EIO);
            return;
        }

        try
        {
            Interop.Shim.s3fs_fuse_req_arm_interrupt(r->req);
            Start(request, r);
        }
        catch (Exception ex)
        {
            Fail(request, ex);
        }
    }

    private unsafe void Start(FuseRequest q, Interop.Shim.s3fs_request* r)
    {
        // SAFETY: called only from Dispatch with the same live request pointer.
        long ino = (long)r->ino;
        ulong? handle = r->has_fh != 0 ? r->fh : null;
        var context = new RequestContext(r->uid, r->gid, r->pid);
        switch (q.Opcode)
        {
            case Interop.Shim.Opcode.Lookup:
                _ = LookupAsync(q, ino, Name(r->name, Errno.ENOENT));
                break;
            case Interop.Shim.Opcode.GetAttr:
                _ = GetAttrAsync(q, ino);
                break;
            case Interop.Shim.Opcode.SetAttr:
                _ = SetAttrAsync(q, ino, ToSetAttrRequest(r->flags, r->attr), handle, context);
                break;
            case Interop.Shim.Opcode.ReadLink:
                _ = ReadLinkAsync(q, ino);
                break;
            case Interop.Shim.Opcode.MkNod:
                _ = MkNodAsync(q, ino, Name(r->name, Errno.EILSEQ), r->mode, context);
                break;
            case Interop.Shim.Opcode.MkDir:
                _ = MkDirAsync(q, ino, Name(r->name, Errno.EILSEQ), r->mode & AttributeConverter.PermissionMask, context);
                break;
            case Interop.Shim.Opcode.Unlink:
                _ = UnlinkAsync(q, ino, Name(r->name, Errno.ENOENT));
                break;
            case Interop.Shim.Opcode.RmDir:
                _ = RmDirAsync(q, ino, Name(r->name, Errno.ENOENT));
                break;
            case Interop.Shim.Opcode.Symlink:
                _ = SymlinkAsync(q, Name(r->name2, Errno.EILSEQ), ino, Name(r->name, Errno.EILSEQ), context);
                break;
            case Interop.Shim.Opcode.Rename:
                _ = RenameAsync(q, ino, Name(r->name, Errno.ENOENT), (long)r->ino2, Name(r->name2, Errno.EILSEQ), ToRenameFlags(r->flags));
                break;
            case Interop.Shim.Opcode.Link:
                _ = LinkAsync(q, ino, (long)r->ino2, Name(r->name2, Errno.EILSEQ));
                break;
            case Interop.Shim.Opcode.Open:
                _ = OpenAsync(q, ino, ToOpenFlags(r->flags));
                break;
            case Interop.Shim.Opcode.Create:
                _ = CreateAsync(q, ino, Name(r->name, Errno.EILSEQ), r->mode & AttributeConverter.PermissionMask, ToOpenFlags(r->flags), context);
                break;
            case Interop.Shim.Opcode.Read:
                _ = ReadAsync(q, ino, r->fh, r->offset, (int)Math.Min(r->size, FuseMountOptions.MaxIoSize));
                break;
            case Interop.Shim.Opcode.Write:
                int length = checked((int)r->size);
                byte[] payload = ArrayPool<byte>.Shared.Rent(length);
                new ReadOnlySpan<byte>(r->data, length).CopyTo(payload);
                _ = WriteAsync(q, ino, r->fh, r->offset, payload, length);
                break;
            case Interop.Shim.Opcode.Flush:
                _ = FlushAsync(q, ino, r->fh);
                break;
            case Interop.Shim.Opcode.Release:
                _ = ReleaseAsync(q, ino, r->fh);
                break;
            case Interop.Shim.Opcode.Fsync:
                _ = FsyncAsync(q, ino, r->fh, r->flags != 0);
                break;
            case Interop.Shim.Opcode.OpenDir:
                _ = OpenDirAsync(q, ino);
                break;
            case Interop.Shim.Opcode.ReadDir:
            case Interop.Shim.Opcode.ReadDirPlus:
                _ = ReadDirAsync(q, ino, r->fh, r->offset, (int)Math.Min(r->size, FuseMountOptions.MaxIoSize), q.Opcode == Interop.Shim.Opcode.ReadDirPlus);
                break;
            case Interop.Shim.Opcode.ReleaseDir:
                _ = ReleaseDirAsync(q, ino, r->fh);
                break;
            case Interop.Shim.Opcode.StatFs:
                _ = StatFsAsync(q, ino);
                break;
            case Interop.Shim.Opcode.SetXAttr:
                _ = SetXAttrAsync(q, ino, Name(r->name, Errno.EILSEQ), new ReadOnlySpan<byte>(r->data, checked((int)r->size)).ToArray(), ToXAttrFlags(r->flags));
                break;
            case Interop.Shim.Opcode.GetXAttr:
                // Names outside user.* never get here: the shim answers them with EOPNOTSUPP (s3fs_fuse_ops.c).
                _ = GetXAttrAsync(q, ino, Name(r->name, Errno.ENODATA), r->size);
                break;
            case Interop.Shim.Opcode.ListXAttr:
                _ = ListXAttrAsync(q, ino, r->size);
                break;
            case Interop.Shim.Opcode.RemoveXAttr:
                _ = RemoveXAttrAsync(q, ino, Name(r->name, Errno.ENODATA));
                break;
            default:
                throw new FuseErrnoException(Errno.EOPNOTSUPP, $"opcode {q.Opcode} is not handled");
        }
    }

    /// <summary>Answers a failed request: core errors through <see cref="ErrnoMap"/>, anything unexpected as EIO.</summary>
    private void Fail(FuseRequest q, Exception ex)
    {
        int errno = ex switch
        {
            FsException fs => ErrnoMap.From(fs.Code),
            FuseErrnoException fe => fe.Errno,
            OperationCanceledException when q.Token.IsCancellationRequested => Errno.EINTR,
            _ => Errno.EIO,
        };

        // Reply first: the kernel caller must never wait on a logger.
        q.ReplyError(errno);
        try
        {
            switch (ex)
            {
                case FsException fs:
                    Log.OperationFailed(_logger, fs.Level, q.Opcode, q.Inode, errno, fs.Message);
                    break;
                case FuseErrnoException or OperationCanceledException:
                    Log.OperationFailed(_logger, LogLevel.Debug, q.Opcode, q.Inode, errno, ex.Message);
                    break;
                default:
                    Log.UnexpectedFailure(_logger, ex, q.Opcode, q.Inode);
                    break;
            }
        }
        catch (Exception)
        {
            // A broken logger must not take the request path down with it.
        }
    }

    private void Forget(ulong inode, ulong count)
    {
        try
        {
            _fs.Forget((long)inode, count);
        }
        catch (Exception ex)
        {
            Log.UnexpectedFailure(_logger, ex, Interop.Shim.Opcode.Forget, (long)inode);
        }
    }

    /// <summary>Begins the flush without waiting: DESTROY arrives on a native thread; teardown awaits the same run.</summary>
    private void StartFlushAll() => _ = FlushAllOnceAsync();

    /// <summary>The one flush run; even a synchronous throw from the core ends up in <see cref="_flushed"/>.</summary>
    private async Task FlushAllAsync()
    {
        try
        {
            await _fs.FlushAllAsync(CancellationToken.None).ConfigureAwait(false);
            _flushed.SetResult();
        }
        catch (Exception ex)
        {
            _flushed.SetException(ex);
        }
    }

    /// <summary>Copies a NUL-terminated UTF-8 name out of the native request; invalid UTF-8 is answered with <paramref name="errnoIfInvalid"/>.</summary>
    private static unsafe string Name(byte* name, int errnoIfInvalid)
    {
        // SAFETY: name is a NUL-terminated string owned by libfuse, valid during the callback that calls this.
        if (name == null)
        {
            throw new FuseErrnoException(Errno.EINVAL, "missing name");
        }

        var bytes = System.Runtime.InteropServices.MemoryMarshal.CreateReadOnlySpanFromNullTerminated(name);
        try
        {
            return StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            throw new FuseErrnoException(errnoIfInvalid, "name is not valid UTF-8");
        }
    }

    private static OpenFlags ToOpenFlags(uint flags) => (OpenFlags)(flags & OpenFlagsMask);

    private static RenameFlags ToRenameFlags(uint flags)
    {
        // RENAME_NOREPLACE = 1, RENAME_EXCHANGE = 2 (same values as RenameFlags); RENAME_WHITEOUT (4) is overlayfs-only.
        const uint Known = 1 | 2;
        if ((flags & ~Known) != 0)
        {
            throw new FuseErrnoException(Errno.EINVAL, $"unsupported rename flags 0x{flags:x}");
        }

        return (RenameFlags)flags;
    }

    private static XAttrFlags ToXAttrFlags(uint flags)
    {
        // XATTR_CREATE = 1, XATTR_REPLACE = 2 (same values as XAttrFlags).
        const uint Known = 1 | 2;
        if ((flags & ~Known) != 0)
        {
            throw new FuseErrnoException(Errno.EINVAL, $"unsupported setxattr flags 0x{flags:x}");
        }

        return (XAttrFlags)flags;
    }

    private static SetAttrRequest ToSetAttrRequest(uint valid, in Interop.Shim.s3fs_setattr_in attr)
    {
        // FUSE_SET_ATTR_* bits (fuse_lowlevel.h).
        const uint Mode = 1 << 0, Uid = 1 << 1, Gid = 1 << 2, Size = 1 << 3, ATime = 1 << 4, MTime = 1 << 5;
        const uint ATimeNow = 1 << 7, MTimeNow = 1 << 8;
        bool atimeNow = (valid & ATimeNow) != 0;
        bool mtimeNow = (valid & MTimeNow) != 0;
        return new SetAttrRequest
        {
            Mode = (valid & Mode) != 0 ? attr.mode & AttributeConverter.PermissionMask : null,
            Uid = (valid & Uid) != 0 ? attr.uid : null,
            Gid = (valid & Gid) != 0 ? attr.gid : null,
            Size = (valid & Size) != 0 ? attr.size : null,
            ATime = (valid & ATime) != 0 && !atimeNow ? AttributeConverter.FromUnix(attr.atime_sec, attr.atime_nsec) : null,
            MTime = (valid & MTime) != 0 && !mtimeNow ? AttributeConverter.FromUnix(attr.mtime_sec, attr.mtime_nsec) : null,
            ATimeNow = atimeNow,
            MTimeNow = mtimeNow,
        };
    }

    /// <summary>Replies with an entry; if the kernel did not take it, it holds no reference, so the core forgets one.</summary>
    private void ReplyEntry(FuseRequest q, EntryReply entry)
    {
        if (q.ReplyEntry(AttributeConverter.ToEntry(entry)) != 0)
        {
            Log.ReplyRefused(_logger, q.Opcode, q.Inode);
            Forget((ulong)entry.Inode, 1);
        }
    }
}
