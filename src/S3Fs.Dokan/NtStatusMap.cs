using S3Fs.Core.FileSystem;

namespace S3Fs.Dokan;

/// <summary>
/// The one place an <see cref="FsErrorCode"/> becomes an NTSTATUS. The switch has no discard arm on purpose: a new
/// FsErrorCode member is a compile error (CS8509) here until someone decides what Windows should see for it.
/// </summary>
public static class NtStatusMap
{
#pragma warning disable CS8524 // Only unnamed enum values (casts of undefined integers) reach the default; named members are exhaustive.
    public static NtStatus From(FsErrorCode code) => code switch
    {
        // A missing last component; the path resolver answers ObjectPathNotFound itself for a missing directory on the way.
        FsErrorCode.NotFound => NtStatus.ObjectNameNotFound,
        FsErrorCode.AlreadyExists => NtStatus.ObjectNameCollision,
        FsErrorCode.NotEmpty => NtStatus.DirectoryNotEmpty,
        FsErrorCode.NotADirectory => NtStatus.NotADirectory,
        FsErrorCode.IsADirectory => NtStatus.FileIsADirectory,
        FsErrorCode.AccessDenied => NtStatus.AccessDenied,

        // ERROR_WRITE_PROTECT: Explorer says "the media is write protected", exactly the situation of a read-only mount.
        FsErrorCode.ReadOnly => NtStatus.MediaWriteProtected,
        FsErrorCode.NotSupported => NtStatus.NotSupported,
        FsErrorCode.InvalidArgument => NtStatus.InvalidParameter,

        // NTFS's own answer for a component longer than the volume allows.
        FsErrorCode.NameTooLong => NtStatus.ObjectNameInvalid,
        FsErrorCode.BadHandle => NtStatus.InvalidHandle,

        // ERROR_CRC ("data error (cyclic redundancy check)"): data that failed authentication is never served.
        FsErrorCode.IntegrityError => NtStatus.DataError,

        // EFS's status for "this file cannot be decrypted here": precise, and distinct from access denied.
        FsErrorCode.KeyUnavailable => NtStatus.DecryptionFailed,
        FsErrorCode.Busy => NtStatus.DeviceBusy,
        FsErrorCode.NoSpace => NtStatus.DiskFull,
        FsErrorCode.Range => NtStatus.BufferTooSmall,
        FsErrorCode.NoAttribute => NtStatus.NonexistentEaEntry,
        FsErrorCode.Interrupted => NtStatus.Cancelled,
        FsErrorCode.IoError => NtStatus.IoDeviceError,
        FsErrorCode.FileTooLarge => NtStatus.FileTooLarge,
        FsErrorCode.CrossDevice => NtStatus.NotSameDevice,
    };
#pragma warning restore CS8524
}
