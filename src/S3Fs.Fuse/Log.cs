using Microsoft.Extensions.Logging;

namespace S3Fs.Fuse;

/// <summary>
/// Source-generated log messages of the FUSE adapter. Event ids 3000-3099 belong to S3Fs.Fuse.
/// </summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 3000, Level = LogLevel.Information, Message = "Mounting {FsName} on {MountPoint} with libfuse {LibFuseVersion} (shim ABI {Abi})")]
    public static partial void Mounting(ILogger logger, string fsName, string mountPoint, string libFuseVersion, int abi);

    [LoggerMessage(EventId = 3001, Level = LogLevel.Information, Message = "Mounted {MountPoint}: FUSE protocol {Major}.{Minor}, max_write {MaxWrite}, max_read {MaxRead}, max_readahead {MaxReadahead}, capabilities 0x{Want:x}")]
    public static partial void Mounted(ILogger logger, string mountPoint, uint major, uint minor, uint maxWrite, uint maxRead, uint maxReadahead, uint want);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Information, Message = "Unmounted {MountPoint}; all dirty data flushed")]
    public static partial void Unmounted(ILogger logger, string mountPoint);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Debug, Message = "FUSE session loop for {MountPoint} ended with {Result}")]
    public static partial void LoopEnded(ILogger logger, string mountPoint, int result);

    [LoggerMessage(EventId = 3004, Level = LogLevel.Error, Message = "Flushing dirty data at unmount of {MountPoint} failed: data not confirmed by the object store may be lost")]
    public static partial void FlushAllFailed(ILogger logger, Exception exception, string mountPoint);

    [LoggerMessage(EventId = 3005, Level = LogLevel.Error, Message = "{Count} FUSE requests on {MountPoint} were still running after the session ended; the native session is leaked rather than freed under them")]
    public static partial void DrainTimedOut(ILogger logger, int count, string mountPoint);

    [LoggerMessage(EventId = 3006, Level = LogLevel.Critical, Message = "The FUSE session loop thread failed")]
    public static partial void LoopFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 3007, Level = LogLevel.Debug, Message = "DESTROY received: flushing all dirty data")]
    public static partial void DestroyReceived(ILogger logger);

    [LoggerMessage(EventId = 3010, Message = "{Opcode} on inode {Inode} failed with errno {Errno}: {Reason}")]
    public static partial void OperationFailed(ILogger logger, LogLevel level, Interop.Shim.Opcode opcode, long inode, int errno, string reason);

    [LoggerMessage(EventId = 3011, Level = LogLevel.Error, Message = "{Opcode} on inode {Inode} failed unexpectedly; answered EIO")]
    public static partial void UnexpectedFailure(ILogger logger, Exception exception, Interop.Shim.Opcode opcode, long inode);

    [LoggerMessage(EventId = 3012, Level = LogLevel.Critical, Message = "FUSE dispatch of {Opcode} failed before the request was handed over; answered EIO")]
    public static partial void DispatchFault(ILogger logger, Exception exception, Interop.Shim.Opcode opcode);

    [LoggerMessage(EventId = 3013, Level = LogLevel.Error, Message = "Bug: a second reply to {Opcode} on inode {Inode} was suppressed")]
    public static partial void DoubleReply(ILogger logger, Interop.Shim.Opcode opcode, long inode);

    [LoggerMessage(EventId = 3014, Level = LogLevel.Debug, Message = "The kernel did not take the reply to {Opcode} on inode {Inode} (the request was interrupted)")]
    public static partial void ReplyRefused(ILogger logger, Interop.Shim.Opcode opcode, long inode);

    [LoggerMessage(EventId = 3015, Level = LogLevel.Debug, Message = "Kernel interrupted {Opcode} on inode {Inode}")]
    public static partial void RequestInterrupted(ILogger logger, Interop.Shim.Opcode opcode, long inode);

    [LoggerMessage(EventId = 3020, Message = "libfuse: {Message}")]
    public static partial void LibFuseMessage(ILogger logger, LogLevel level, string message);
}
