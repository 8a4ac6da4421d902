namespace S3Fs.Dokan;

/// <summary>
/// The NTSTATUS values the adapter answers Dokan with (ntstatus.h; each member's doc names the C constant).
/// Dokan callbacks return NTSTATUS, a LONG: the trampolines cast these to int.
/// </summary>
public enum NtStatus : uint
{
    /// <summary>STATUS_SUCCESS.</summary>
    Success = 0x0000_0000,

    /// <summary>STATUS_BUFFER_OVERFLOW: the buffer is too small; the needed size is reported (a warning, not an error).</summary>
    BufferOverflow = 0x8000_0005,

    /// <summary>STATUS_DEVICE_BUSY (ERROR_BUSY).</summary>
    DeviceBusy = 0x8000_0011,

    /// <summary>STATUS_NOT_IMPLEMENTED.</summary>
    NotImplemented = 0xC000_0002,

    /// <summary>STATUS_INVALID_HANDLE.</summary>
    InvalidHandle = 0xC000_0008,

    /// <summary>STATUS_INVALID_PARAMETER.</summary>
    InvalidParameter = 0xC000_000D,

    /// <summary>STATUS_INVALID_DEVICE_REQUEST: the operation does not apply to this kind of object (reading a directory).</summary>
    InvalidDeviceRequest = 0xC000_0010,

    /// <summary>STATUS_ACCESS_DENIED.</summary>
    AccessDenied = 0xC000_0022,

    /// <summary>STATUS_BUFFER_TOO_SMALL.</summary>
    BufferTooSmall = 0xC000_0023,

    /// <summary>STATUS_OBJECT_NAME_INVALID (what NTFS answers for a name that is too long).</summary>
    ObjectNameInvalid = 0xC000_0033,

    /// <summary>STATUS_OBJECT_NAME_NOT_FOUND: the last component does not exist.</summary>
    ObjectNameNotFound = 0xC000_0034,

    /// <summary>STATUS_OBJECT_NAME_COLLISION: exists already; from ZwCreateFile with OPEN_IF/OVERWRITE_IF it means "opened the existing one".</summary>
    ObjectNameCollision = 0xC000_0035,

    /// <summary>STATUS_OBJECT_PATH_NOT_FOUND: a directory on the way does not exist.</summary>
    ObjectPathNotFound = 0xC000_003A,

    /// <summary>STATUS_DATA_ERROR (ERROR_CRC): the data failed its integrity check.</summary>
    DataError = 0xC000_003E,

    /// <summary>STATUS_NONEXISTENT_EA_ENTRY.</summary>
    NonexistentEaEntry = 0xC000_0051,

    /// <summary>STATUS_INVALID_SECURITY_DESCR.</summary>
    InvalidSecurityDescriptor = 0xC000_0079,

    /// <summary>STATUS_DISK_FULL.</summary>
    DiskFull = 0xC000_007F,

    /// <summary>STATUS_MEDIA_WRITE_PROTECTED (ERROR_WRITE_PROTECT): a read-only mount.</summary>
    MediaWriteProtected = 0xC000_00A2,

    /// <summary>STATUS_FILE_IS_A_DIRECTORY.</summary>
    FileIsADirectory = 0xC000_00BA,

    /// <summary>STATUS_NOT_SUPPORTED.</summary>
    NotSupported = 0xC000_00BB,

    /// <summary>STATUS_NOT_SAME_DEVICE.</summary>
    NotSameDevice = 0xC000_00D4,

    /// <summary>STATUS_INTERNAL_ERROR: an unexpected exception in the adapter (logged with the operation).</summary>
    InternalError = 0xC000_00E5,

    /// <summary>STATUS_DIRECTORY_NOT_EMPTY.</summary>
    DirectoryNotEmpty = 0xC000_0101,

    /// <summary>STATUS_NOT_A_DIRECTORY.</summary>
    NotADirectory = 0xC000_0103,

    /// <summary>STATUS_CANCELLED.</summary>
    Cancelled = 0xC000_0120,

    /// <summary>STATUS_CANNOT_DELETE: what NTFS answers for deleting a read-only file.</summary>
    CannotDelete = 0xC000_0121,

    /// <summary>STATUS_IO_DEVICE_ERROR (ERROR_IO_DEVICE).</summary>
    IoDeviceError = 0xC000_0185,

    /// <summary>STATUS_DECRYPTION_FAILED (ERROR_DECRYPTION_FAILED): no configured key opens the file.</summary>
    DecryptionFailed = 0xC000_028B,

    /// <summary>STATUS_FILE_TOO_LARGE (ERROR_FILE_TOO_LARGE).</summary>
    FileTooLarge = 0xC000_0904,
}
