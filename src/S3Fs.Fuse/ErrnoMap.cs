using S3Fs.Core.FileSystem;

namespace S3Fs.Fuse;

/// <summary>
/// The one place an <see cref="FsErrorCode"/> becomes an errno. The switch has no discard arm on purpose: a new
/// FsErrorCode member is a compile error (CS8509) here until someone decides its errno.
/// </summary>
public static class ErrnoMap
{
#pragma warning disable CS8524 // Only unnamed enum values (casts of undefined integers) reach the default; named members are exhaustive.
    public static int From(FsErrorCode code) => code switch
    {
        FsErrorCode.NotFound => Errno.ENOENT,
        FsErrorCode.AlreadyExists => Errno.EEXIST,
        FsErrorCode.NotEmpty => Errno.ENOTEMPTY,
        FsErrorCode.NotADirectory => Errno.ENOTDIR,
        FsErrorCode.IsADirectory => Errno.EISDIR,
        FsErrorCode.AccessDenied => Errno.EACCES,
        FsErrorCode.ReadOnly => Errno.EROFS,
        FsErrorCode.NotSupported => Errno.EOPNOTSUPP,
        FsErrorCode.InvalidArgument => Errno.EINVAL,
        FsErrorCode.NameTooLong => Errno.ENAMETOOLONG,
        FsErrorCode.BadHandle => Errno.EBADF,
        FsErrorCode.IntegrityError => Errno.EIO,

        // fscrypt's answer for "the key for this file is not available": precise, and distinct from EACCES.
        FsErrorCode.KeyUnavailable => Errno.ENOKEY,

        // Not EAGAIN: a blocking read() returning EAGAIN makes many programs spin or misreport.
        FsErrorCode.Busy => Errno.EBUSY,
        FsErrorCode.NoSpace => Errno.ENOSPC,
        FsErrorCode.Range => Errno.ERANGE,
        FsErrorCode.NoAttribute => Errno.ENODATA,
        FsErrorCode.Interrupted => Errno.EINTR,
        FsErrorCode.IoError => Errno.EIO,
        FsErrorCode.FileTooLarge => Errno.EFBIG,
        FsErrorCode.CrossDevice => Errno.EXDEV,
    };
#pragma warning restore CS8524
}
