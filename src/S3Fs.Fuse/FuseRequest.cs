using System.Text;

namespace S3Fs.Fuse;

/// <summary>
/// One kernel request that has been handed to the core and not yet answered: its native <c>fuse_req_t</c>, the
/// cancellation source a kernel INTERRUPT triggers, and the only code that calls <c>s3fs_fuse_reply_*</c>.
/// Replying consumes the native request, so every reply goes through <see cref="TryBeginReply"/>, which lets
/// exactly one through; a second attempt is a bug that is logged and never reaches libfuse.
/// </summary>
/// <remarks>
/// Order inside a reply: (1) leave the tracker's table, so an interrupt arriving now finds nothing and a new
/// request reusing the freed address cannot collide; (2) the native reply, which first waits out any running
/// interrupt callback and unregisters it; (3) give the in-flight slot back. The cancellation source is disposed
/// only if nobody cancelled it, because CancelAsync runs its callbacks later on the thread pool.
/// </remarks>
[System.Diagnostics.CodeAnalysis.SuppressMessage(
    "Design",
    "CA1001:Types that own disposable fields should be disposable",
    Justification = "The request's lifetime ends with its reply: EndReply disposes the source unless a CancelAsync may still be running its callbacks, in which case the GC collects it (it holds no timer or wait handle).")]
internal sealed class FuseRequest
{
    private readonly RequestTracker _tracker;
    private readonly CancellationTokenSource _cancellation = new();
    private readonly Lock _gate = new();
    private bool _finished;
    private int _replied;

    public FuseRequest(RequestTracker tracker, nint handle, Interop.Shim.Opcode opcode, long inode)
    {
        _tracker = tracker;
        Handle = handle;
        Opcode = opcode;
        Inode = inode;
    }

    /// <summary>The native fuse_req_t; invalid once a reply was sent.</summary>
    public nint Handle { get; }

    public Interop.Shim.Opcode Opcode { get; }

    public long Inode { get; }

    /// <summary>Cancelled when a kernel interrupt is not answered within its grace (see RequestTracker) or the session ends under it.</summary>
    public CancellationToken Token => _cancellation.Token;

    /// <summary>Called after an interrupt's grace period or at teardown; does nothing once answered; must not reply.</summary>
    public void Cancel()
    {
        lock (_gate)
        {
            if (!_finished && !_cancellation.IsCancellationRequested)
            {
                // CancelAsync: callbacks run on the pool, never inline here, so a continuation cannot try to reply
                // while libfuse holds the request lock this thread is inside of.
                _ = _cancellation.CancelAsync();
            }
        }
    }

    public int ReplyError(int errno)
    {
        if (!TryBeginReply())
        {
            return -Errno.EINVAL;
        }

        try
        {
            return Interop.Shim.s3fs_fuse_reply_err(Handle, errno);
        }
        finally
        {
            EndReply();
        }
    }

    public int ReplyOk() => ReplyError(0);

    public int ReplyEntry(in Interop.Shim.s3fs_entry entry)
    {
        if (!TryBeginReply())
        {
            return -Errno.EINVAL;
        }

        try
        {
            return Interop.Shim.s3fs_fuse_reply_entry(Handle, entry);
        }
        finally
        {
            EndReply();
        }
    }

    public int ReplyCreate(in Interop.Shim.s3fs_entry entry, in Interop.Shim.s3fs_open_out open)
    {
        if (!TryBeginReply())
        {
            return -Errno.EINVAL;
        }

        try
        {
            return Interop.Shim.s3fs_fuse_reply_create(Handle, entry, open);
        }
        finally
        {
            EndReply();
        }
    }

    public int ReplyAttr(in Interop.Shim.s3fs_attr attr, double timeoutSeconds)
    {
        if (!TryBeginReply())
        {
            return -Errno.EINVAL;
        }

        try
        {
            return Interop.Shim.s3fs_fuse_reply_attr(Handle, attr, timeoutSeconds);
        }
        finally
        {
            EndReply();
        }
    }

    public int ReplyOpen(in Interop.Shim.s3fs_open_out open)
    {
        if (!TryBeginReply())
        {
            return -Errno.EINVAL;
        }

        try
        {
            return Interop.Shim.s3fs_fuse_reply_open(Handle, open);
        }
        finally
        {
            EndReply();
        }
    }

    public int ReplyWrite(int count)
    {
        if (!TryBeginReply())
        {
            return -Errno.EINVAL;
        }

        try
        {
            return Interop.Shim.s3fs_fuse_reply_write(Handle, (ulong)count);
        }
        finally
        {
            EndReply();
        }
    }

    public int ReplyStatFs(in Interop.Shim.s3fs_statfs stats)
    {
        if (!TryBeginReply())
        {
            return -Errno.EINVAL;
        }

        try
        {
            return Interop.Shim.s3fs_fuse_reply_statfs(Handle, stats);
        }
        finally
        {
            EndReply();
        }
    }

    /// <summary>Answers an xattr size probe (the caller passed size 0).</summary>
    public int ReplyXAttrSize(int size)
    {
        if (!TryBeginReply())
        {
            return -Errno.EINVAL;
        }

        try
        {
            return Interop.Shim.s3fs_fuse_reply_xattr(Handle, (ulong)size);
        }
        finally
        {
            EndReply();
        }
    }

    /// <summary>Answers with bytes (read data, readdir buffers, xattr values); libfuse copies them before returning.</summary>
    public int ReplyBuffer(ReadOnlySpan<byte> data)
    {
        if (!TryBeginReply())
        {
            return -Errno.EINVAL;
        }

        try
        {
            unsafe
            {
                // SAFETY: data is pinned for the call; s3fs_fuse_reply_buf writes it to /dev/fuse before returning and keeps no pointer.
                fixed (byte* p = data)
                {
                    return Interop.Shim.s3fs_fuse_reply_buf(Handle, p, (ulong)data.Length);
                }
            }
        }
        finally
        {
            EndReply();
        }
    }

    public int ReplyReadLink(string target)
    {
        if (!TryBeginReply())
        {
            return -Errno.EINVAL;
        }

        try
        {
            byte[] bytes = new byte[Encoding.UTF8.GetByteCount(target) + 1];
            Encoding.UTF8.GetBytes(target, bytes);
            unsafe
            {
                // SAFETY: bytes is NUL-terminated (last element left 0) and pinned for the call; libfuse copies it.
                fixed (byte* p = bytes)
                {
                    return Interop.Shim.s3fs_fuse_reply_readlink(Handle, p);
                }
            }
        }
        finally
        {
            EndReply();
        }
    }

    private bool TryBeginReply()
    {
        if (Interlocked.Exchange(ref _replied, 1) != 0)
        {
            _tracker.ReportDoubleReply(this);
            return false;
        }

        _tracker.Detach(this);
        return true;
    }

    private void EndReply()
    {
        bool cancelled;
        lock (_gate)
        {
            _finished = true;
            cancelled = _cancellation.IsCancellationRequested;
        }

        if (!cancelled)
        {
            _cancellation.Dispose();
        }

        _tracker.Complete();
    }
}
