using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using S3Fs.Core.FileSystem;

namespace S3Fs.Fuse;

/// <summary>
/// The lifetime owner of one FUSE mount: the native session (a SafeHandle), the GCHandle that roots the
/// operations object the native callbacks reach, and the dedicated thread that runs libfuse's multi-threaded
/// loop. Mount with <see cref="MountAsync"/>; the mount ends when someone unmounts it (<see cref="Unmount"/>,
/// <c>fusermount3 -u</c>, <c>umount</c>), after which the session answers or cancels what is in flight, frees
/// the native session and flushes the filesystem. <see cref="WaitAsync"/> reports that outcome.
/// </summary>
/// <remarks>
/// Teardown order matters: requests answered later still point into the native session, so it is destroyed
/// only after every request was answered; destroying it delivers DESTROY, which starts
/// <see cref="IFileSystem.FlushAllAsync"/>; only then is the GCHandle freed.
/// </remarks>
public sealed class FuseSession : IAsyncDisposable, IDisposable
{
    /// <summary>
    /// How long the kernel gets to send INIT after mount(2) succeeded. It normally arrives within milliseconds;
    /// waiting longer means the loop never started serving, and the mount must not be reported as ready.
    /// </summary>
    private static readonly TimeSpan InitTimeout = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Grace for requests still running in the core after the session ended (they were cancelled, so a
    /// well-behaved core finishes at once). Past it the native session is leaked rather than freed under them.
    /// </summary>
    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(30);

    private readonly FuseOperations _operations;
    private readonly FuseSessionHandle _handle;
    private readonly FuseMountOptions _options;
    private readonly ILogger _logger;
    private readonly TaskCompletionSource<int> _loopExited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Thread _loopThread;
    private readonly Task _completion;
    private GCHandle _operationsHandle;

    private FuseSession(FuseOperations operations, FuseSessionHandle handle, GCHandle operationsHandle, FuseMountOptions options, ILogger logger)
    {
        _operations = operations;
        _handle = handle;
        _operationsHandle = operationsHandle;
        _options = options;
        _logger = logger;
        _loopThread = new Thread(RunLoop) { IsBackground = true, Name = "s3cfs-fuse-loop" };
        _completion = RunTeardownAsync();
    }

    public string MountPoint => _options.MountPoint;

    /// <summary>What the kernel negotiated at INIT.</summary>
    public FuseConnectionInfo Connection { get; private set; } = new(0, 0, 0, 0, 0, 0, 0);

    /// <summary>The runtime libfuse version (e.g. "3.14.0"). Throws <see cref="FuseUnavailableException"/> without the shim.</summary>
    public static string LibFuseVersion
    {
        get
        {
            NativeShim.EnsureAvailable();
            return NativeShim.LibFuseVersion;
        }
    }

    /// <summary>
    /// Mounts <paramref name="fileSystem"/> and returns once the kernel has connected (INIT answered).
    /// Throws <see cref="ArgumentException"/> for bad options, <see cref="FuseUnavailableException"/> when the native
    /// shim or libfuse3 is missing, and <see cref="FuseMountException"/> when libfuse or the kernel refuses.
    /// </summary>
    public static async Task<FuseSession> MountAsync(
        IFileSystem fileSystem, FuseMountOptions options, ILogger? logger = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(fileSystem);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        NativeShim.EnsureAvailable();
        logger ??= NullLogger.Instance;
        NativeShim.UseLogger(logger);
        Log.Mounting(logger, options.FsName, options.MountPoint, NativeShim.LibFuseVersion, Interop.Shim.AbiVersion);

        var operations = new FuseOperations(fileSystem, options, logger);
        var operationsHandle = GCHandle.Alloc(operations);
        FuseSessionHandle handle;
        using (var errors = NativeShim.CaptureErrors())
        {
            handle = CreateNativeSession(options, operationsHandle);
            string? failure = null;
            if (handle.IsInvalid)
            {
                failure = $"libfuse refused the session options for {options.MountPoint}: {errors.Text}";
            }
            else if (Interop.Shim.s3fs_fuse_session_mount(handle, options.MountPoint) != 0)
            {
                failure = $"Mounting on {options.MountPoint} failed: {errors.Text}. " +
                          "Check that /dev/fuse exists, fusermount3 is installed (package fuse3), and the directory is not already a mount point.";
            }

            if (failure is not null)
            {
                handle.Dispose();
                operationsHandle.Free();
                operations.Dispose();
                throw new FuseMountException(failure);
            }
        }

        var session = new FuseSession(operations, handle, operationsHandle, options, logger);
        session._loopThread.Start();
        Task first;
        try
        {
            first = await Task.WhenAny(operations.Initialized, session._loopExited.Task)
                .WaitAsync(InitTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is TimeoutException or OperationCanceledException)
        {
            await session.AbandonAsync().ConfigureAwait(false);
            if (ex is TimeoutException)
            {
                throw new FuseMountException($"The kernel did not connect to the FUSE session on {options.MountPoint} within {InitTimeout.TotalSeconds:0} s.", ex);
            }

            throw;
        }

        if (first != operations.Initialized)
        {
            int result = await session._loopExited.Task.ConfigureAwait(false);
            await session.AbandonAsync().ConfigureAwait(false);
            throw new FuseMountException($"The FUSE session on {options.MountPoint} ended before the kernel connected (libfuse loop returned {result}).");
        }

        var info = await operations.Initialized.ConfigureAwait(false);
        session.Connection = FuseConnectionInfo.From(info);
        fileSystem.KernelPageCache = new FusePageCache(handle);
        Log.Mounted(logger, options.MountPoint, info.proto_major, info.proto_minor, info.max_write, info.max_read, info.max_readahead, info.want);
        return session;
    }

    /// <summary>
    /// Completes when the filesystem has been unmounted and flushed; faults with the flush error if
    /// <see cref="IFileSystem.FlushAllAsync"/> failed (data the object store did not confirm).
    /// </summary>
    public Task WaitAsync(CancellationToken cancellationToken = default) => _completion.WaitAsync(cancellationToken);

    /// <summary>
    /// Asks the kernel to detach the mount (lazily: files still open keep being served until closed) and
    /// returns at once; <see cref="WaitAsync"/> completes when teardown is done. Calling it again is harmless.
    /// </summary>
    public void Unmount()
    {
        if (_completion.IsCompleted)
        {
            return;
        }

        int result;
        try
        {
            result = Interop.Shim.s3fs_fuse_session_request_unmount(_handle);
        }
        catch (ObjectDisposedException)
        {
            return; // teardown already freed the session
        }

        // EINVAL: no longer a mount point, i.e. already unmounted.
        if (result != 0 && result != -Errno.EINVAL)
        {
            throw new IOException($"Unmounting {MountPoint} failed: {Marshal.GetPInvokeErrorMessage(-result)}. Try: fusermount3 -u -z {MountPoint}");
        }
    }

    /// <summary>Unmounts and waits for teardown; a flush failure is logged (and reported by <see cref="WaitAsync"/>), not thrown.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            Unmount();
            await _completion.ConfigureAwait(false);
        }
        catch (Exception)
        {
            // Already logged by teardown / visible through WaitAsync.
        }
    }

    /// <summary>Requests the unmount without waiting; teardown finishes on its own (await <see cref="WaitAsync"/> to observe it).</summary>
    public void Dispose()
    {
        try
        {
            Unmount();
        }
        catch (IOException)
        {
            // Dispose must not throw; the mount stays until someone unmounts it.
        }
    }

    private static unsafe FuseSessionHandle CreateNativeSession(FuseMountOptions options, GCHandle operationsHandle)
    {
        byte[] fsName = NulTerminatedUtf8(options.FsName);
        byte[] subtype = NulTerminatedUtf8(FuseMountOptions.Subtype);

        // SAFETY: both strings are NUL-terminated and pinned for the call, and the shim copies them. The callbacks are
        // static [UnmanagedCallersOnly] methods, and user is a GCHandle that stays allocated until teardown has
        // destroyed the native session (or, if creation fails, until this session is discarded unused).
        fixed (byte* fsNamePtr = fsName)
        fixed (byte* subtypePtr = subtype)
        {
            var config = new Interop.Shim.s3fs_session_config
            {
                fsname = fsNamePtr,
                subtype = subtypePtr,
                allow_other = options.AllowOther ? 1 : 0,
                default_permissions = options.DefaultPermissions ? 1 : 0,
                read_only = options.ReadOnly ? 1 : 0,
                debug = options.Debug ? 1 : 0,
                readdirplus_always = options.ReaddirPlusAlways ? 1 : 0,
                max_io = FuseMountOptions.MaxIoSize,
                max_background = (uint)options.MaxBackground,
                dispatch = &FuseCallbacks.Dispatch,
                interrupt = &FuseCallbacks.Interrupt,
                user = GCHandle.ToIntPtr(operationsHandle),
            };
            return Interop.Shim.s3fs_fuse_session_new(&config);
        }
    }

    private static byte[] NulTerminatedUtf8(string value)
    {
        byte[] bytes = new byte[Encoding.UTF8.GetByteCount(value) + 1];
        Encoding.UTF8.GetBytes(value, bytes);
        return bytes;
    }

    /// <summary>Body of the dedicated loop thread: libfuse blocks here and spawns its own worker threads.</summary>
    private void RunLoop()
    {
        int result;
        try
        {
            result = RunNativeLoop();
        }
        catch (Exception ex)
        {
            Log.LoopFailed(_logger, ex);
            result = -Errno.EIO;
        }

        _loopExited.TrySetResult(result);
    }

    private unsafe int RunNativeLoop()
    {
        // SAFETY: config (below) lives in this frame for the whole blocking call; the shim copies it into libfuse's own
        // loop configuration before any worker starts. The SafeHandle stays referenced for the call's duration.
        var config = new Interop.Shim.s3fs_loop_config
        {
            clone_fd = _options.CloneFd ? 1 : 0,
            max_idle_threads = _options.MaxIdleThreads,
            max_threads = _options.MaxThreads,
        };

        return Interop.Shim.s3fs_fuse_session_loop(_handle, &config);
    }

    private async Task RunTeardownAsync()
    {
        int loopResult = await _loopExited.Task.ConfigureAwait(false);
        Log.LoopEnded(_logger, MountPoint, loopResult);
        _operations.FileSystem.KernelPageCache = null; // stores in flight fail cleanly once the handle is closed

        // The kernel connection is gone: nobody can receive these answers, so stop the work behind them.
        _operations.Tracker.CancelAll();
        bool drained = await _operations.Tracker.DrainAsync(DrainTimeout).ConfigureAwait(false);
        if (drained)
        {
            _handle.Dispose(); // closes the channel, unmounts if still mounted, delivers DESTROY (starts FlushAll), frees
        }
        else
        {
            Log.DrainTimedOut(_logger, _operations.Tracker.InFlight, MountPoint);
            _handle.SetHandleAsInvalid();
        }

        try
        {
            await _operations.FlushAllOnceAsync().ConfigureAwait(false);
            Log.Unmounted(_logger, MountPoint);
        }
        catch (Exception ex)
        {
            Log.FlushAllFailed(_logger, ex, MountPoint);
            throw;
        }
        finally
        {
            if (drained)
            {
                _operationsHandle.Free();
                _operations.Dispose();
            }
        }
    }

    /// <summary>A mount that never became ready: unmount, wait for teardown, swallow its outcome.</summary>
    private async Task AbandonAsync()
    {
        try
        {
            Unmount();
        }
        catch (IOException)
        {
            // fall through: teardown still runs when the loop ends
        }

        try
        {
            await _completion.ConfigureAwait(false);
        }
        catch (Exception)
        {
            // The mount never served a request; its flush outcome is not interesting.
        }
    }
}
