using System.Runtime.InteropServices;

#pragma warning disable IDE1006 // C names kept on purpose: these mirror dokan.h and the Windows SDK field for field.

namespace S3Fs.Dokan.Interop;

// Blittable mirrors of the Dokan 2.x structs, C names kept. Source of truth: dokan/dokan.h and sys/public.h of
// dokany 2.x (v2.3.1: DOKAN_VERSION 231, DOKAN_MINIMUM_COMPATIBLE_VERSION 200) and the Windows SDK (minwinbase.h,
// fileapi.h). Field order, types and natural (MSVC default /Zp8) alignment must match the C definitions exactly;
// DokanInteropLayoutTests pins every size and offset to the values of the 64-bit Windows headers.

/// <summary>FILETIME (minwinbase.h): 100-ns intervals since 1601-01-01 UTC, split into two DWORDs (4-byte aligned).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct FILETIME
{
    public uint dwLowDateTime;
    public uint dwHighDateTime;

    public readonly long Value => (long)(((ulong)dwHighDateTime << 32) | dwLowDateTime);

    public static FILETIME From(long value) => new() { dwLowDateTime = (uint)value, dwHighDateTime = (uint)((ulong)value >> 32) };
}

/// <summary>
/// DOKAN_OPTIONS (dokan.h, 2.x): how a volume is mounted. Dokan keeps the pointer for the whole mount
/// (DOKAN_FILE_INFO.DokanOptions points back at it), so it lives in native memory owned by <see cref="DokanMount"/>.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct DOKAN_OPTIONS
{
    /// <summary>VOLUME_SECURITY_DESCRIPTOR_MAX_SIZE (sys/public.h): 1024 * 16.</summary>
    public const int VOLUME_SECURITY_DESCRIPTOR_MAX_SIZE = 1024 * 16;

    public ushort Version;

    /// <summary>BOOLEAN (one byte).</summary>
    public byte SingleThread;

    public uint Options;
    public ulong GlobalContext;

    /// <summary>LPCWSTR.</summary>
    public char* MountPoint;

    /// <summary>LPCWSTR.</summary>
    public char* UNCName;

    /// <summary>Milliseconds a request may take before the driver gives up on it.</summary>
    public uint Timeout;

    public uint AllocationUnitSize;
    public uint SectorSize;
    public uint VolumeSecurityDescriptorLength;
    public fixed byte VolumeSecurityDescriptor[VOLUME_SECURITY_DESCRIPTOR_MAX_SIZE];
}

/// <summary>
/// DOKAN_FILE_INFO (dokan.h, 2.x): per-request information. <c>Context</c> is ours (we store an
/// <see cref="OpenFileTable"/> id in it); everything else belongs to Dokan. The 2.x layout has
/// <c>ProcessingContext</c> after <c>DokanOptions</c> and renamed DeleteOnClose to <c>DeletePending</c>.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct DOKAN_FILE_INFO
{
    public ulong Context;
    public ulong DokanContext;
    public DOKAN_OPTIONS* DokanOptions;
    public void* ProcessingContext;
    public uint ProcessId;
    public byte IsDirectory;
    public byte DeletePending;
    public byte PagingIo;
    public byte SynchronousIo;
    public byte Nocache;
    public byte WriteToEndOfFile;
}

/// <summary>WIN32_FIND_DATAW (minwinbase.h): one directory entry handed to Dokan's FillFindData.</summary>
[StructLayout(LayoutKind.Sequential, CharSet = CharSet.Unicode)]
internal unsafe struct WIN32_FIND_DATAW
{
    /// <summary>MAX_PATH (minwindef.h).</summary>
    public const int MAX_PATH = 260;

    /// <summary>Length of the 8.3 alternate name buffer (14 WCHARs).</summary>
    public const int ALTERNATE_NAME_LENGTH = 14;

    public uint dwFileAttributes;
    public FILETIME ftCreationTime;
    public FILETIME ftLastAccessTime;
    public FILETIME ftLastWriteTime;
    public uint nFileSizeHigh;
    public uint nFileSizeLow;
    public uint dwReserved0;
    public uint dwReserved1;
    public fixed char cFileName[MAX_PATH];
    public fixed char cAlternateFileName[ALTERNATE_NAME_LENGTH];
}

/// <summary>BY_HANDLE_FILE_INFORMATION (fileapi.h): what GetFileInformation fills.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct BY_HANDLE_FILE_INFORMATION
{
    public uint dwFileAttributes;
    public FILETIME ftCreationTime;
    public FILETIME ftLastAccessTime;
    public FILETIME ftLastWriteTime;
    public uint dwVolumeSerialNumber;
    public uint nFileSizeHigh;
    public uint nFileSizeLow;
    public uint nNumberOfLinks;
    public uint nFileIndexHigh;
    public uint nFileIndexLow;
}

/// <summary>
/// DOKAN_OPERATIONS (dokan.h, 2.x): the callback table, in header order. Every callback is DOKAN_CALLBACK
/// (__stdcall; the only convention on x64 and ARM64). A null entry tells Dokan the operation is not implemented.
/// Parameter lists follow the header: LPCWSTR is char*, ACCESS_MASK/ULONG/DWORD are uint, LONGLONG is long,
/// BOOL is int, NTSTATUS is int, PSECURITY_INFORMATION is uint*.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct DOKAN_OPERATIONS
{
    /// <summary>(FileName, PDOKAN_IO_SECURITY_CONTEXT, DesiredAccess, FileAttributes, ShareAccess, CreateDisposition, CreateOptions, DokanFileInfo).</summary>
    public delegate* unmanaged[Stdcall]<char*, void*, uint, uint, uint, uint, uint, DOKAN_FILE_INFO*, int> ZwCreateFile;

    public delegate* unmanaged[Stdcall]<char*, DOKAN_FILE_INFO*, void> Cleanup;

    public delegate* unmanaged[Stdcall]<char*, DOKAN_FILE_INFO*, void> CloseFile;

    /// <summary>(FileName, Buffer, BufferLength, LPDWORD ReadLength, Offset, DokanFileInfo).</summary>
    public delegate* unmanaged[Stdcall]<char*, void*, uint, uint*, long, DOKAN_FILE_INFO*, int> ReadFile;

    /// <summary>(FileName, Buffer, NumberOfBytesToWrite, LPDWORD NumberOfBytesWritten, Offset, DokanFileInfo).</summary>
    public delegate* unmanaged[Stdcall]<char*, void*, uint, uint*, long, DOKAN_FILE_INFO*, int> WriteFile;

    public delegate* unmanaged[Stdcall]<char*, DOKAN_FILE_INFO*, int> FlushFileBuffers;

    public delegate* unmanaged[Stdcall]<char*, BY_HANDLE_FILE_INFORMATION*, DOKAN_FILE_INFO*, int> GetFileInformation;

    /// <summary>(FileName, PFillFindData, DokanFileInfo).</summary>
    public delegate* unmanaged[Stdcall]<char*, void*, DOKAN_FILE_INFO*, int> FindFiles;

    /// <summary>(PathName, SearchPattern, PFillFindData, DokanFileInfo).</summary>
    public delegate* unmanaged[Stdcall]<char*, char*, void*, DOKAN_FILE_INFO*, int> FindFilesWithPattern;

    public delegate* unmanaged[Stdcall]<char*, uint, DOKAN_FILE_INFO*, int> SetFileAttributes;

    /// <summary>(FileName, const FILETIME* Creation, LastAccess, LastWrite, DokanFileInfo); each pointer may be null.</summary>
    public delegate* unmanaged[Stdcall]<char*, FILETIME*, FILETIME*, FILETIME*, DOKAN_FILE_INFO*, int> SetFileTime;

    public delegate* unmanaged[Stdcall]<char*, DOKAN_FILE_INFO*, int> DeleteFile;

    public delegate* unmanaged[Stdcall]<char*, DOKAN_FILE_INFO*, int> DeleteDirectory;

    /// <summary>(FileName, NewFileName, BOOL ReplaceIfExisting, DokanFileInfo).</summary>
    public delegate* unmanaged[Stdcall]<char*, char*, int, DOKAN_FILE_INFO*, int> MoveFile;

    public delegate* unmanaged[Stdcall]<char*, long, DOKAN_FILE_INFO*, int> SetEndOfFile;

    public delegate* unmanaged[Stdcall]<char*, long, DOKAN_FILE_INFO*, int> SetAllocationSize;

    /// <summary>Only called with DOKAN_OPTION_FILELOCK_USER_MODE, which we never set: byte-range locks stay in the driver.</summary>
    public delegate* unmanaged[Stdcall]<char*, long, long, DOKAN_FILE_INFO*, int> LockFile;

    public delegate* unmanaged[Stdcall]<char*, long, long, DOKAN_FILE_INFO*, int> UnlockFile;

    /// <summary>(PULONGLONG FreeBytesAvailable, TotalNumberOfBytes, TotalNumberOfFreeBytes, DokanFileInfo).</summary>
    public delegate* unmanaged[Stdcall]<ulong*, ulong*, ulong*, DOKAN_FILE_INFO*, int> GetDiskFreeSpace;

    /// <summary>(VolumeNameBuffer, VolumeNameSize, LPDWORD Serial, LPDWORD MaxComponentLength, LPDWORD Flags, FileSystemNameBuffer, FileSystemNameSize, DokanFileInfo).</summary>
    public delegate* unmanaged[Stdcall]<char*, uint, uint*, uint*, uint*, char*, uint, DOKAN_FILE_INFO*, int> GetVolumeInformation;

    /// <summary>(LPCWSTR MountPoint, DokanFileInfo).</summary>
    public delegate* unmanaged[Stdcall]<char*, DOKAN_FILE_INFO*, int> Mounted;

    public delegate* unmanaged[Stdcall]<DOKAN_FILE_INFO*, int> Unmounted;

    /// <summary>(FileName, PSECURITY_INFORMATION, PSECURITY_DESCRIPTOR, BufferLength, PULONG LengthNeeded, DokanFileInfo).</summary>
    public delegate* unmanaged[Stdcall]<char*, uint*, void*, uint, uint*, DOKAN_FILE_INFO*, int> GetFileSecurity;

    /// <summary>(FileName, PSECURITY_INFORMATION, PSECURITY_DESCRIPTOR, BufferLength, DokanFileInfo).</summary>
    public delegate* unmanaged[Stdcall]<char*, uint*, void*, uint, DOKAN_FILE_INFO*, int> SetFileSecurity;

    /// <summary>(FileName, PFillFindStreamData, PVOID FindStreamContext, DokanFileInfo); only with DOKAN_OPTION_ALT_STREAM, which we never set.</summary>
    public delegate* unmanaged[Stdcall]<char*, void*, void*, DOKAN_FILE_INFO*, int> FindStreams;
}
