using Microsoft.Extensions.Logging;

namespace S3Fs.Dokan;

/// <summary>Log messages of the Windows adapter (event ids 1500-1599).</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 1501, Message = "{Operation} {Path}: {Error}")]
    public static partial void OperationFailed(ILogger logger, LogLevel level, string operation, string path, string error);

    [LoggerMessage(EventId = 1502, Level = LogLevel.Error, Message = "{Operation} {Path} failed unexpectedly; answered STATUS_INTERNAL_ERROR")]
    public static partial void OperationCrashed(ILogger logger, string operation, string path, Exception exception);

    [LoggerMessage(EventId = 1503, Level = LogLevel.Error, Message = "Dokan callback {Callback} threw before reaching the adapter; answered STATUS_INTERNAL_ERROR")]
    public static partial void CallbackFault(ILogger logger, string callback, Exception exception);

    [LoggerMessage(EventId = 1504, Level = LogLevel.Information, Message = "Mounted {VolumeName} at {MountPoint}")]
    public static partial void Mounted(ILogger logger, string volumeName, string mountPoint);

    [LoggerMessage(EventId = 1505, Level = LogLevel.Information, Message = "Unmounted {VolumeName}")]
    public static partial void Unmounted(ILogger logger, string volumeName);

    [LoggerMessage(EventId = 1506, Level = LogLevel.Warning, Message = "{Directory}: '{Name}' is {Length} characters once escaped, more than a Windows directory entry holds (259); it is not listed")]
    public static partial void NameTooLongForWindows(ILogger logger, string directory, string name, int length);

    [LoggerMessage(EventId = 1507, Level = LogLevel.Debug, Message = "{Path}: owner, group and SACL changes are not stored (S3Fs keeps POSIX permission bits only)")]
    public static partial void SecurityPartsIgnored(ILogger logger, string path);

    [LoggerMessage(EventId = 1509, Level = LogLevel.Debug, Message = "DokanWaitForFileSystemClosed returned {Result} instead of WAIT_OBJECT_0; treating the volume as gone")]
    public static partial void WaitForCloseEnded(ILogger logger, uint result);

    [LoggerMessage(EventId = 1510, Level = LogLevel.Warning, Message = "Dokan did not close {MountPoint} when asked; closing the instance anyway")]
    public static partial void UnmountRefused(ILogger logger, string mountPoint);

    [LoggerMessage(EventId = 1508, Level = LogLevel.Information, Message = "Dokan library {LibraryVersion}, driver {DriverVersion}")]
    public static partial void DokanVersions(ILogger logger, uint libraryVersion, uint driverVersion);
}
