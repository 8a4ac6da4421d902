#pragma warning disable IDE1006 // C names kept on purpose: each constant is the #define of the header named beside it.

namespace S3Fs.Dokan.Interop;

/// <summary>Constants of dokan.h (dokany 2.x), C names kept.</summary>
internal static class DokanConstants
{
    /// <summary>
    /// The API level we request in DOKAN_OPTIONS.Version: 2.0.0. dokan.h 2.x defines DOKAN_MINIMUM_COMPATIBLE_VERSION
    /// as 200, so every 2.x dokan2.dll accepts it, and we use nothing newer than 2.0.
    /// </summary>
    public const ushort DOKAN_VERSION = 200;

    /// <summary>The library file of Dokan 2.x (the major API version is part of the name: dokan2.dll, dokan2.sys).</summary>
    public const string DOKAN_DLL = "dokan2";

    // DOKAN_OPTION_* (the DOKAN_OPTIONS.Options flags of dokan.h 2.x).
    public const uint DOKAN_OPTION_DEBUG = 1;
    public const uint DOKAN_OPTION_STDERR = 1 << 1;
    public const uint DOKAN_OPTION_ALT_STREAM = 1 << 2;
    public const uint DOKAN_OPTION_WRITE_PROTECT = 1 << 3;
    public const uint DOKAN_OPTION_NETWORK = 1 << 4;
    public const uint DOKAN_OPTION_REMOVABLE = 1 << 5;
    public const uint DOKAN_OPTION_MOUNT_MANAGER = 1 << 6;
    public const uint DOKAN_OPTION_CURRENT_SESSION = 1 << 7;
    public const uint DOKAN_OPTION_FILELOCK_USER_MODE = 1 << 8;
    public const uint DOKAN_OPTION_CASE_SENSITIVE = 1 << 9;
    public const uint DOKAN_OPTION_ENABLE_UNMOUNT_NETWORK_DRIVE = 1 << 10;
    public const uint DOKAN_OPTION_DISPATCH_DRIVER_LOGS = 1 << 11;
    public const uint DOKAN_OPTION_ALLOW_IPC_BATCHING = 1 << 12;

    // DokanMainResult: what DokanCreateFileSystem returns.
    public const int DOKAN_SUCCESS = 0;
    public const int DOKAN_ERROR = -1;
    public const int DOKAN_DRIVE_LETTER_ERROR = -2;
    public const int DOKAN_DRIVER_INSTALL_ERROR = -3;
    public const int DOKAN_START_ERROR = -4;
    public const int DOKAN_MOUNT_ERROR = -5;
    public const int DOKAN_MOUNT_POINT_ERROR = -6;
    public const int DOKAN_VERSION_ERROR = -7;

    /// <summary>INFINITE (winbase.h), for DokanWaitForFileSystemClosed.</summary>
    public const uint INFINITE = 0xFFFFFFFF;

    /// <summary>WAIT_OBJECT_0 (winbase.h): the wait ended because the file system closed.</summary>
    public const uint WAIT_OBJECT_0 = 0;

    /// <summary>WAIT_TIMEOUT (winerror.h).</summary>
    public const uint WAIT_TIMEOUT = 258;
}

/// <summary>
/// Windows SDK constants the callbacks receive or answer with (winnt.h, wdm.h / ntifs.h for the kernel create
/// dispositions and options that ZwCreateFile passes through unchanged), C names kept.
/// </summary>
internal static class WinNT
{
    // ACCESS_MASK bits (winnt.h). Dokan forwards the IRP_MJ_CREATE DesiredAccess, already mapped from generic rights.
    public const uint FILE_READ_DATA = 0x0001;
    public const uint FILE_LIST_DIRECTORY = 0x0001;
    public const uint FILE_WRITE_DATA = 0x0002;
    public const uint FILE_ADD_FILE = 0x0002;
    public const uint FILE_APPEND_DATA = 0x0004;
    public const uint FILE_ADD_SUBDIRECTORY = 0x0004;
    public const uint FILE_READ_EA = 0x0008;
    public const uint FILE_WRITE_EA = 0x0010;
    public const uint FILE_EXECUTE = 0x0020;
    public const uint FILE_TRAVERSE = 0x0020;
    public const uint FILE_DELETE_CHILD = 0x0040;
    public const uint FILE_READ_ATTRIBUTES = 0x0080;
    public const uint FILE_WRITE_ATTRIBUTES = 0x0100;
    public const uint DELETE = 0x0001_0000;
    public const uint READ_CONTROL = 0x0002_0000;
    public const uint WRITE_DAC = 0x0004_0000;
    public const uint WRITE_OWNER = 0x0008_0000;
    public const uint SYNCHRONIZE = 0x0010_0000;
    public const uint GENERIC_ALL = 0x1000_0000;
    public const uint GENERIC_EXECUTE = 0x2000_0000;
    public const uint GENERIC_WRITE = 0x4000_0000;
    public const uint GENERIC_READ = 0x8000_0000;

    /// <summary>STANDARD_RIGHTS_READ | FILE_READ_DATA | FILE_READ_ATTRIBUTES | FILE_READ_EA | SYNCHRONIZE.</summary>
    public const uint FILE_GENERIC_READ = 0x0012_0089;

    /// <summary>STANDARD_RIGHTS_WRITE | FILE_WRITE_DATA | FILE_WRITE_ATTRIBUTES | FILE_WRITE_EA | FILE_APPEND_DATA | SYNCHRONIZE.</summary>
    public const uint FILE_GENERIC_WRITE = 0x0012_0116;

    /// <summary>STANDARD_RIGHTS_EXECUTE | FILE_READ_ATTRIBUTES | FILE_EXECUTE | SYNCHRONIZE.</summary>
    public const uint FILE_GENERIC_EXECUTE = 0x0012_00A0;

    /// <summary>FILE_ALL_ACCESS: STANDARD_RIGHTS_REQUIRED | SYNCHRONIZE | 0x1FF.</summary>
    public const uint FILE_ALL_ACCESS = 0x001F_01FF;

    // FILE_SHARE_* (winnt.h). The Dokan driver enforces share access itself (IoCheckShareAccess on its FCBs).
    public const uint FILE_SHARE_READ = 1;
    public const uint FILE_SHARE_WRITE = 2;
    public const uint FILE_SHARE_DELETE = 4;

    // Kernel create dispositions (wdm.h), as ZwCreateFile receives them. Win32 CreateFile maps CREATE_NEW to
    // FILE_CREATE, CREATE_ALWAYS to FILE_OVERWRITE_IF, OPEN_EXISTING to FILE_OPEN, OPEN_ALWAYS to FILE_OPEN_IF and
    // TRUNCATE_EXISTING to FILE_OVERWRITE.
    public const uint FILE_SUPERSEDE = 0;
    public const uint FILE_OPEN = 1;
    public const uint FILE_CREATE = 2;
    public const uint FILE_OPEN_IF = 3;
    public const uint FILE_OVERWRITE = 4;
    public const uint FILE_OVERWRITE_IF = 5;

    // Kernel create options (wdm.h).
    public const uint FILE_DIRECTORY_FILE = 0x0000_0001;
    public const uint FILE_WRITE_THROUGH = 0x0000_0002;
    public const uint FILE_NON_DIRECTORY_FILE = 0x0000_0040;
    public const uint FILE_DELETE_ON_CLOSE = 0x0000_1000;
    public const uint FILE_OPEN_REPARSE_POINT = 0x0020_0000;

    // FILE_ATTRIBUTE_* (winnt.h).
    public const uint FILE_ATTRIBUTE_READONLY = 0x0001;
    public const uint FILE_ATTRIBUTE_HIDDEN = 0x0002;
    public const uint FILE_ATTRIBUTE_SYSTEM = 0x0004;
    public const uint FILE_ATTRIBUTE_DIRECTORY = 0x0010;
    public const uint FILE_ATTRIBUTE_ARCHIVE = 0x0020;
    public const uint FILE_ATTRIBUTE_NORMAL = 0x0080;
    public const uint FILE_ATTRIBUTE_TEMPORARY = 0x0100;

    // File system flags for GetVolumeInformation (winnt.h).
    public const uint FILE_CASE_SENSITIVE_SEARCH = 0x0000_0001;
    public const uint FILE_CASE_PRESERVED_NAMES = 0x0000_0002;
    public const uint FILE_UNICODE_ON_DISK = 0x0000_0004;
    public const uint FILE_PERSISTENT_ACLS = 0x0000_0008;
    public const uint FILE_READ_ONLY_VOLUME = 0x0008_0000;

    // SECURITY_INFORMATION bits (winnt.h).
    public const uint OWNER_SECURITY_INFORMATION = 0x1;
    public const uint GROUP_SECURITY_INFORMATION = 0x2;
    public const uint DACL_SECURITY_INFORMATION = 0x4;
    public const uint SACL_SECURITY_INFORMATION = 0x8;
}
