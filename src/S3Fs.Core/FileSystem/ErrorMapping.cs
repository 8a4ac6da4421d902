using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using S3Fs.Core.Storage;

namespace S3Fs.Core.FileSystem;

/// <summary>
/// The one place where failures of the layers below (object store, crypto) become <see cref="FsException"/>s,
/// each with the log level it deserves.
/// </summary>
public static class ErrorMapping
{
    public static FsException FromStore(ObjectStoreException e, string operation) => e.Kind switch
    {
        ObjectStoreErrorKind.NotFound => new FsException(FsErrorCode.NotFound, $"{operation}: {e.Message}", e, LogLevel.Debug),
        ObjectStoreErrorKind.AccessDenied => new FsException(FsErrorCode.AccessDenied, $"{operation}: {e.Message}", e, LogLevel.Warning),
        ObjectStoreErrorKind.Throttled => new FsException(FsErrorCode.Busy, $"{operation}: {e.Message}", e, LogLevel.Warning),
        ObjectStoreErrorKind.NotSupported => new FsException(FsErrorCode.NotSupported, $"{operation}: {e.Message}", e, LogLevel.Warning),
        ObjectStoreErrorKind.PreconditionFailed => new FsException(FsErrorCode.IoError, $"{operation}: the object changed underneath (another client wrote it): {e.Message}", e, LogLevel.Warning),
        ObjectStoreErrorKind.Transient or ObjectStoreErrorKind.InvalidRange or ObjectStoreErrorKind.Other =>
            new FsException(FsErrorCode.IoError, $"{operation}: {e.Message}", e, LogLevel.Error),
        _ => new FsException(FsErrorCode.IoError, $"{operation}: {e.Message}", e, LogLevel.Error),
    };

    /// <summary>Translates anything thrown below the filesystem; FsExceptions and cancellations pass through.</summary>
    public static Exception Translate(Exception e, string operation) => e switch
    {
        FsException => e,
        OperationCanceledException => e,
        ObjectStoreException s => FromStore(s, operation),
        CryptographicException c => new FsException(FsErrorCode.IntegrityError, $"{operation}: {c.Message}", c, LogLevel.Error),
        _ => e,
    };
}
