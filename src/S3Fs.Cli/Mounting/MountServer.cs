using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using S3Fs.Cli.Commands;
using S3Fs.Cli.Diagnostics;
using S3Fs.Cli.Options;
using S3Fs.Cli.Volumes;
using S3Fs.Core.FileSystem;
using S3Fs.Fuse;

namespace S3Fs.Cli.Mounting;

/// <summary>
/// Serves one mount in this process: opens the volume, builds the filesystem, mounts it through FUSE, reports
/// readiness, and on unmount or a signal makes sure every change reached S3. Uploads that S3 did not confirm are
/// retried until they succeed; only a second signal gives up, and then says which files were not stored.
/// </summary>
internal sealed partial class MountServer(
    OptionSet options,
    MountSettings settings,
    ConnectionSettings connection,
    string mountPoint,
    IServiceFactory services,
    ILoggerFactory logging) : IDisposable
{
    /// <summary>Pause between attempts to upload what unmount could not (S3 unreachable, throttling...).</summary>
    private static readonly TimeSpan RetryPause = TimeSpan.FromSeconds(10);

    private readonly ILogger _logger = logging.CreateLogger("S3Fs.Mount");
    private readonly CancellationTokenSource _giveUp = new();
    private FuseSession? _session;
    private S3FileSystem? _fs;
    private Task? _shutdown;
    private int _signals;

    public async Task<int> RunAsync(string? readyFile, CommandContext context, CancellationToken cancellationToken)
    {
        var runtime = RuntimeFiles.For(mountPoint);
        MountedFileSystem? mounted = null;
        try
        {
            var volume = await VolumeOpener.OpenAsync(options, services, forWriting: !settings.ReadOnly, cancellationToken, logging.CreateLogger("S3Fs.Volume")).ConfigureAwait(false);
            mounted = FileSystemBuilder.Build(volume, settings, logging);
            _fs = mounted.FileSystem;
            if (!settings.ReadOnly)
            {
                var recovered = await _fs.RecoverAsync(cancellationToken).ConfigureAwait(false);
                if (recovered > 0)
                {
                    LogRecovered(_logger, recovered);
                }
            }

            _session = await FuseSession.MountAsync(_fs, FuseOptions(), _logger, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            var message = Describe(e);
            LogMountFailed(_logger, message);
            if (readyFile is not null)
            {
                RuntimeFiles.WriteAtomically(readyFile, (e is OptionsException or UsageException ? "error: usage: " : "error: ") + message);
            }

            await context.Error.WriteLineAsync($"s3cfs mount: {message}").ConfigureAwait(false);
            if (mounted is not null)
            {
                await mounted.DisposeAsync().ConfigureAwait(false);
            }

            return e is OptionsException ? ExitCodes.Usage : ExitCodes.Failure;
        }

        runtime.Clear();
        runtime.WritePid();
        LogServing(_logger, $"s3://{connection.Bucket}/{connection.Prefix}", mountPoint, FuseSession.LibFuseVersion, Environment.ProcessId);
        if (readyFile is not null)
        {
            RuntimeFiles.WriteAtomically(readyFile, "ready");
        }

        var started = DateTimeOffset.UtcNow;
        var control = ControlServer.Start(runtime.SocketFile, () => Statistics(mounted, started), _logger);
        await using var controlScope = control.ConfigureAwait(false);
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        var ok = await ServeUntilUnmountedAsync().ConfigureAwait(false);
        runtime.WriteStatus(ok ? "ok" : "error: some changes were not uploaded; see the log");
        await mounted.DisposeAsync().ConfigureAwait(false);
        try
        {
            File.Delete(runtime.PidFile);
        }
        catch (IOException)
        {
        }

        return ok ? ExitCodes.Ok : ExitCodes.Failure;
    }

    public void Dispose() => _giveUp.Dispose();

    private MountStats Statistics(MountedFileSystem mounted, DateTimeOffset started)
    {
        var cache = mounted.Content.Statistics;
        var requests = mounted.Volume.Store;
        return new MountStats
        {
            MountPoint = mountPoint,
            Source = $"s3://{connection.Bucket}/{connection.Prefix}",
            Pid = Environment.ProcessId,
            UptimeSeconds = (DateTimeOffset.UtcNow - started).TotalSeconds,
            CacheHits = cache.Hits,
            CacheMisses = cache.Misses,
            CacheHitRatio = cache.HitRatio,
            CacheUsedBytes = cache.UsedBytes,
            CacheCapacityBytes = cache.CapacityBytes,
            BytesIn = requests.BytesDownloaded,
            BytesOut = requests.BytesUploaded,
            S3Requests = requests.Snapshot().ToDictionary(p => p.Key.ToString(), p => p.Value, StringComparer.Ordinal),
            KmsCalls = services.KmsCalls.Snapshot(),
            KnownInodes = mounted.FileSystem.KnownInodes,
        };
    }

    private FuseMountOptions FuseOptions() => new()
    {
        MountPoint = mountPoint,
        FsName = $"s3cfs:{connection.Bucket}/{connection.Prefix}".TrimEnd('/'),
        AllowOther = settings.AllowOther,
        ReadOnly = settings.ReadOnly,
        DefaultPermissions = true,

        // With listing attributes, readdirplus entries cost no request: send them for every chunk (ls -l of 10,000
        // names is then readdir requests only). With exact attributes each costs a HEAD: keep the kernel's choice.
        ReaddirPlusAlways = settings.AttributesFromListings,
    };

    /// <summary>Waits for the unmount, then makes sure nothing unconfirmed is left; true when everything is stored.</summary>
    private async Task<bool> ServeUntilUnmountedAsync()
    {
        try
        {
            await _session!.WaitAsync().ConfigureAwait(false);
            return true;
        }
        catch (FsException e)
        {
            LogFlushFailed(_logger, e.Message);
        }

        // The mount is gone but some uploads failed: keep their data and keep trying (S3 may be back soon).
        while (!_giveUp.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(RetryPause, _giveUp.Token).ConfigureAwait(false);
                await _fs!.FlushAllAsync(_giveUp.Token).ConfigureAwait(false);
                LogFlushRecovered(_logger);
                return true;
            }
            catch (OperationCanceledException)
            {
                break;
            }
            catch (FsException e)
            {
                LogFlushFailed(_logger, e.Message);
            }
        }

        LogGivingUp(_logger);
        return false;
    }

    private void OnSignal(PosixSignalContext context)
    {
        context.Cancel = true; // we shut down ourselves, after flushing
        if (Interlocked.Increment(ref _signals) == 1)
        {
            LogSignal(_logger, context.Signal.ToString());
            _shutdown = ShutdownAsync();
        }
        else
        {
            _giveUp.Cancel();
        }
    }

    /// <summary>First signal: upload every dirty file (open ones too), then detach the mount.</summary>
    private async Task ShutdownAsync()
    {
        try
        {
            await _fs!.FlushAllAsync(_giveUp.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is FsException or OperationCanceledException)
        {
            LogFlushFailed(_logger, e.Message);
        }

        try
        {
            _session?.Unmount();
        }
        catch (IOException e)
        {
            LogUnmountFailed(_logger, e.Message);
        }
    }

    private static string Describe(Exception e) => e switch
    {
        OptionsException o => string.Join("; ", o.Errors.Select(x => x.ToString())),
        FuseUnavailableException or FuseMountException => e.Message,
        _ => e.Message,
    };

    [LoggerMessage(EventId = 2001, Level = LogLevel.Information, Message = "Serving {Source} on {MountPoint} (libfuse {LibFuse}, pid {Pid})")]
    private static partial void LogServing(ILogger logger, string source, string mountPoint, string libFuse, int pid);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Error, Message = "Mount failed: {Message}")]
    private static partial void LogMountFailed(ILogger logger, string message);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Warning, Message = "Completed {Count} directory rename(s) an earlier mount left unfinished")]
    private static partial void LogRecovered(ILogger logger, int count);

    [LoggerMessage(EventId = 2004, Level = LogLevel.Information, Message = "{Signal}: uploading pending changes, then unmounting")]
    private static partial void LogSignal(ILogger logger, string signal);

    [LoggerMessage(EventId = 2005, Level = LogLevel.Error, Message = "Uploading pending changes failed, will retry (their data is kept): {Message}")]
    private static partial void LogFlushFailed(ILogger logger, string message);

    [LoggerMessage(EventId = 2006, Level = LogLevel.Information, Message = "All pending changes are now stored")]
    private static partial void LogFlushRecovered(ILogger logger);

    [LoggerMessage(EventId = 2007, Level = LogLevel.Critical, Message = "Giving up on a second signal: changes S3 did not confirm are lost when this process exits (see the errors above for the files)")]
    private static partial void LogGivingUp(ILogger logger);

    [LoggerMessage(EventId = 2008, Level = LogLevel.Error, Message = "Unmount failed: {Message}")]
    private static partial void LogUnmountFailed(ILogger logger, string message);
}
