using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using System.Security.Principal;
using Microsoft.Extensions.Logging;
using S3Fs.Core.FileSystem;
using S3Fs.Dokan.Interop;

namespace S3Fs.Dokan;

/// <summary>
/// Owns one mounted volume for its whole life: the native DOKAN_OPTIONS and DOKAN_OPERATIONS (Dokan keeps pointers
/// to both), the strings they point to, the GCHandle that lets the callbacks find <see cref="DokanOperations"/>, and
/// the Dokan instance handle. Nothing is freed before Dokan has closed the instance (DokanCloseHandle waits for every
/// callback to finish), so no callback can ever see freed memory.
/// <para>
/// Use: <see cref="Mount"/>, then <see cref="WaitForUnmountAsync"/> (it completes when the volume goes away, by
/// <see cref="Unmount()"/>, <see cref="Unmount(string)"/> from another process, or Explorer's eject), then
/// <see cref="DisposeAsync"/>, then flush the core (<see cref="IFileSystem.FlushAllAsync"/>) before exiting.
/// </para>
/// </summary>
[SupportedOSPlatform("windows")]
public sealed class DokanMount : IAsyncDisposable
{
    /// <summary>How long disposal waits for Dokan to report the volume closed: unmounting flushes the kernel's caches
    /// through our callbacks (uploads included), which the driver timeout bounds per request.</summary>
    private static readonly TimeSpan UnmountWait = TimeSpan.FromMinutes(2);

    private static readonly Lock LibraryLock = new();
    private static int _libraryUsers;

    private readonly Lock _lock = new();
    private readonly ILogger _logger;
    private GCHandle _self;
    private unsafe DOKAN_OPTIONS* _nativeOptions;
    private unsafe DOKAN_OPERATIONS* _table;
    private unsafe char* _mountPoint;
    private unsafe char* _uncName;
    private nint _instance;
    private Task? _closed;
    private bool _disposed;
    private bool _libraryInitialized;

    private DokanMount(DokanOperations operations, ILogger logger)
    {
        Operations = operations;
        _logger = logger;
    }

    /// <summary>The adapter serving this volume.</summary>
    public DokanOperations Operations { get; }

    /// <summary>Where the volume is mounted (the mount manager may have chosen another letter than asked).</summary>
    public string MountPoint => Operations.MountedAt ?? Operations.Options.MountPoint;

    /// <summary>
    /// Mounts <paramref name="fileSystem"/>. Without an owner SID in the options, files are shown owned by the user
    /// running this process. Throws <see cref="ArgumentException"/> listing every invalid option, and
    /// <see cref="InvalidOperationException"/> with Dokan's reason when the mount fails.
    /// </summary>
    public static DokanMount Mount(IFileSystem fileSystem, DokanMountOptions options, ILogger logger)
    {
        if (options.OwnerSid is null)
        {
            using var identity = WindowsIdentity.GetCurrent();
            if (identity.User is { } user)
            {
                options = options with { OwnerSid = user.Value };
            }
        }

        var errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException("cannot mount: " + string.Join("; ", errors), nameof(options));
        }

        var mount = new DokanMount(new DokanOperations(fileSystem, options, logger), logger);
        try
        {
            mount.Start(options);
            return mount;
        }
        catch
        {
            mount.Release();
            throw;
        }
    }

    /// <summary>Unmounts a Dokan volume by mount point, also one another process mounted (<c>s3cfs unmount S:</c>).</summary>
    public static bool Unmount(string mountPoint) => DokanMethods.DokanRemoveMountPoint(mountPoint);

    /// <summary>Completes when the volume is unmounted, however that happens.</summary>
    public Task WaitForUnmountAsync(CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_closed is null)
            {
                // DokanWaitForFileSystemClosed blocks: it gets a dedicated thread, never a thread-pool one.
                var closed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                var instance = _instance;
                var waiter = new Thread(() =>
                {
                    // WAIT_OBJECT_0 when the volume closed; anything else (WAIT_FAILED) means it cannot be waited on
                    // any more, which for our purpose is the same: the volume is gone.
                    var waited = DokanMethods.DokanWaitForFileSystemClosed(instance, DokanConstants.INFINITE);
                    if (waited != DokanConstants.WAIT_OBJECT_0)
                    {
                        Log.WaitForCloseEnded(_logger, waited);
                    }

                    closed.TrySetResult();
                })
                {
                    IsBackground = true,
                    Name = "dokan-wait-closed",
                };
                waiter.Start();
                _closed = closed.Task;
            }

            return _closed.WaitAsync(cancellationToken);
        }
    }

    /// <summary>Asks Dokan to unmount this volume; <see cref="WaitForUnmountAsync"/> completes once it is gone.</summary>
    public bool Unmount() => DokanMethods.DokanRemoveMountPoint(MountPoint);

    /// <summary>
    /// Unmounts (if still mounted), waits until Dokan has released the instance (no callback runs afterwards), then
    /// frees the native memory and the GCHandle.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        Task? closed;
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            closed = _closed;
        }

        if (closed is not null && _instance != 0)
        {
            // The waiting thread should leave DokanWaitForFileSystemClosed before DokanCloseHandle frees the instance.
            // If Dokan does not close the volume within the bound, DokanCloseHandle below unmounts it regardless.
            if (!Unmount())
            {
                Log.UnmountRefused(_logger, MountPoint);
            }

            try
            {
                await closed.WaitAsync(UnmountWait).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                Log.UnmountRefused(_logger, MountPoint);
            }
        }

        Release();
    }

    /// <summary>Closes the instance (DokanCloseHandle unmounts and waits for running callbacks) and frees everything.</summary>
    private void Release()
    {
        if (_instance != 0)
        {
            DokanMethods.DokanCloseHandle(_instance);
            _instance = 0;
        }

        FreeNative();
        if (_self.IsAllocated)
        {
            _self.Free();
        }

        if (_libraryInitialized)
        {
            _libraryInitialized = false;
            lock (LibraryLock)
            {
                if (--_libraryUsers == 0)
                {
                    DokanMethods.DokanShutdown();
                }
            }
        }
    }

    /// <summary>The DOKAN_OPTIONS.Options flags for <paramref name="options"/>.</summary>
    internal static uint OptionFlags(DokanMountOptions options)
    {
        uint flags = 0;
        if (options.ReadOnly)
        {
            flags |= DokanConstants.DOKAN_OPTION_WRITE_PROTECT;
        }

        if (options.UncName is not null)
        {
            flags |= DokanConstants.DOKAN_OPTION_NETWORK;
        }

        if (options.Removable)
        {
            flags |= DokanConstants.DOKAN_OPTION_REMOVABLE;
        }

        if (!options.CaseInsensitive)
        {
            flags |= DokanConstants.DOKAN_OPTION_CASE_SENSITIVE;
        }

        return flags;
    }

    /// <summary>Fills a zeroed DOKAN_OPTIONS for <paramref name="options"/> (platform-neutral, so tests check it on Linux).</summary>
    internal static unsafe void FillOptions(DOKAN_OPTIONS* native, DokanMountOptions options, nint globalContext, char* mountPoint, char* uncName)
    {
        native->Version = DokanConstants.DOKAN_VERSION;
        native->SingleThread = 0;
        native->Options = OptionFlags(options);
        native->GlobalContext = (ulong)globalContext;
        native->MountPoint = mountPoint;
        native->UNCName = uncName;
        native->Timeout = (uint)options.Timeout.TotalMilliseconds;
        native->AllocationUnitSize = options.AllocationUnitSize;
        native->SectorSize = options.SectorSize;
        native->VolumeSecurityDescriptorLength = 0; // none: Windows' default volume security applies
    }

    private unsafe void Start(DokanMountOptions options)
    {
        lock (LibraryLock)
        {
            if (_libraryUsers++ == 0)
            {
                DokanMethods.DokanInit();
            }
        }

        _libraryInitialized = true;

        // SAFETY: the options, the table and the strings they point to live in native memory owned by this instance
        // and are freed only in Release, after DokanCloseHandle has waited for every callback to finish.
        _self = GCHandle.Alloc(Operations);
        Log.DokanVersions(_logger, DokanMethods.DokanVersion(), DokanMethods.DokanDriverVersion());
        _mountPoint = (char*)Marshal.StringToHGlobalUni(options.MountPoint);
        _uncName = options.UncName is null ? null : (char*)Marshal.StringToHGlobalUni(options.UncName);
        _nativeOptions = (DOKAN_OPTIONS*)NativeMemory.AllocZeroed((nuint)sizeof(DOKAN_OPTIONS));
        _table = (DOKAN_OPERATIONS*)NativeMemory.AllocZeroed((nuint)sizeof(DOKAN_OPERATIONS));
        *_table = DokanCallbacks.CreateTable();
        FillOptions(_nativeOptions, options, GCHandle.ToIntPtr(_self), _mountPoint, _uncName);
        nint instance;
        var result = DokanMethods.DokanCreateFileSystem(_nativeOptions, _table, &instance);
        if (result != DokanConstants.DOKAN_SUCCESS)
        {
            throw new InvalidOperationException($"Dokan could not mount {options.MountPoint}: {Describe(result)}");
        }

        _instance = instance;
    }

    private unsafe void FreeNative()
    {
        // SAFETY: only reached after DokanCloseHandle returned (or the mount never started): Dokan no longer uses any of it.
        NativeMemory.Free(_nativeOptions);
        NativeMemory.Free(_table);
        Marshal.FreeHGlobal((nint)_mountPoint);
        Marshal.FreeHGlobal((nint)_uncName);
        _nativeOptions = null;
        _table = null;
        _mountPoint = null;
        _uncName = null;
    }

    /// <summary>What to do about a DokanCreateFileSystem result (DokanMainResult in dokan.h).</summary>
    internal static string Describe(int result) => result switch
    {
        DokanConstants.DOKAN_DRIVE_LETTER_ERROR => "bad drive letter (use a free letter such as S:)",
        DokanConstants.DOKAN_DRIVER_INSTALL_ERROR => "the Dokan driver is not installed (install Dokan 2.x, see docs/WINDOWS.md)",
        DokanConstants.DOKAN_START_ERROR => "the Dokan driver refused to start the volume (is the Dokan 2.x driver loaded? reboot after installing)",
        DokanConstants.DOKAN_MOUNT_ERROR => "the drive letter or folder is already in use",
        DokanConstants.DOKAN_MOUNT_POINT_ERROR => "the mount point is invalid (a folder mount point must be an existing empty folder on NTFS)",
        DokanConstants.DOKAN_VERSION_ERROR => "the installed Dokan is older than 2.0 (install Dokan 2.x)",
        _ => $"Dokan error {result}",
    };
}
