using Microsoft.Extensions.Logging;

namespace S3Fs.Core.FileSystem;

/// <summary>
/// A filesystem failure with a code the adapters map, a message for the log, and the level it deserves:
/// a missing file is routine (Debug), a failed upload is not (Error).
/// </summary>
public sealed class FsException : Exception
{
    public FsException(FsErrorCode code, string message, Exception? inner = null, LogLevel level = LogLevel.Debug)
        : base(message, inner)
    {
        Code = code;
        Level = level;
    }

    public FsErrorCode Code { get; }

    public LogLevel Level { get; }

    public static FsException NotFound(string what) => new(FsErrorCode.NotFound, $"{what}: no such file or directory");
}
