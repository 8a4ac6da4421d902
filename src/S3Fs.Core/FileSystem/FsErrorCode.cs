namespace S3Fs.Core.FileSystem;

/// <summary>
/// Every error the filesystem core reports. Each adapter maps these with one exhaustive switch
/// (errno on Linux, NTSTATUS on Windows); adding a member breaks those switches at compile time on purpose.
/// </summary>
public enum FsErrorCode
{
    NotFound,
    AlreadyExists,
    NotEmpty,
    NotADirectory,
    IsADirectory,
    AccessDenied,
    ReadOnly,
    NotSupported,
    InvalidArgument,
    NameTooLong,
    BadHandle,

    /// <summary>Ciphertext failed authentication, or the envelope is malformed: never served as data.</summary>
    IntegrityError,

    /// <summary>No configured master key opens the object's data key.</summary>
    KeyUnavailable,

    /// <summary>The object store throttled us beyond the retry budget.</summary>
    Busy,

    /// <summary>No space for metadata (xattrs beyond S3's 2 KB budget) or staging.</summary>
    NoSpace,

    /// <summary>The value does not fit the caller's buffer (xattr queries).</summary>
    Range,

    /// <summary>The extended attribute does not exist.</summary>
    NoAttribute,

    /// <summary>Operation interrupted (cancellation).</summary>
    Interrupted,

    /// <summary>Any I/O failure, including an upload S3 did not confirm.</summary>
    IoError,

    /// <summary>File too large for the object store's limits.</summary>
    FileTooLarge,

    /// <summary>Cross-device link (hard links are not supported; rename across mounts).</summary>
    CrossDevice,
}
