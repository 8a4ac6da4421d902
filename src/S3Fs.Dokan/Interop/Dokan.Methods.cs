using System.Runtime.InteropServices;
using System.Runtime.Versioning;

namespace S3Fs.Dokan.Interop;

/// <summary>
/// The entry points of dokan2.dll we call, C names and header signatures kept (dokan.h 2.x, DOKANAPI = __stdcall,
/// the platform default LibraryImport uses on Windows). Windows only: on other systems there is no dokan2.dll, and
/// <see cref="SupportedOSPlatformAttribute"/> makes the compiler refuse calls from code that is not itself
/// Windows-only.
/// </summary>
[SupportedOSPlatform("windows")]
internal static unsafe partial class DokanMethods
{
    /// <summary>VOID DokanInit(): once per process, before the first DokanCreateFileSystem.</summary>
    [LibraryImport(DokanConstants.DOKAN_DLL)]
    internal static partial void DokanInit();

    /// <summary>VOID DokanShutdown(): once per process, after every volume is unmounted.</summary>
    [LibraryImport(DokanConstants.DOKAN_DLL)]
    internal static partial void DokanShutdown();

    /// <summary>int DokanCreateFileSystem(PDOKAN_OPTIONS, PDOKAN_OPERATIONS, DOKAN_HANDLE*): mounts and returns at once.</summary>
    [LibraryImport(DokanConstants.DOKAN_DLL)]
    internal static partial int DokanCreateFileSystem(DOKAN_OPTIONS* options, DOKAN_OPERATIONS* operations, nint* instance);

    /// <summary>DWORD DokanWaitForFileSystemClosed(DOKAN_HANDLE, DWORD dwMilliseconds): WaitForSingleObject semantics.</summary>
    [LibraryImport(DokanConstants.DOKAN_DLL)]
    internal static partial uint DokanWaitForFileSystemClosed(nint instance, uint milliseconds);

    /// <summary>BOOL DokanIsFileSystemRunning(DOKAN_HANDLE).</summary>
    [LibraryImport(DokanConstants.DOKAN_DLL)]
    [return: MarshalAs(UnmanagedType.Bool)]
    internal static partial bool DokanIsFileSystemRunning(nint instance);

    /// <summary>VOID DokanCloseHandle(DOKAN_HANDLE): unmounts and waits until the instance's resources are released.</summary>
    [LibraryImport(DokanConstants.DOKAN_DLL)]
    internal static partial void DokanCloseHandle(nint instance);

    /// <summary>BOOL DokanRemoveMountPoint(LPCWSTR): unmounts a volume by mount point, also one of another process.</summary>
    [LibraryImport(DokanConstants.DOKAN_DLL, StringMarshalling = StringMarshalling.Utf16)]
    [return: MarshalAs(UnmanagedType.Bool)]
    internal static partial bool DokanRemoveMountPoint(string mountPoint);

    /// <summary>BOOL DokanResetTimeout(ULONG Timeout, PDOKAN_FILE_INFO): gives the current request another Timeout ms.</summary>
    [LibraryImport(DokanConstants.DOKAN_DLL)]
    [return: MarshalAs(UnmanagedType.Bool)]
    internal static partial bool DokanResetTimeout(uint timeout, DOKAN_FILE_INFO* dokanFileInfo);

    /// <summary>ULONG DokanVersion(): the library version without dots (231 for 2.3.1).</summary>
    [LibraryImport(DokanConstants.DOKAN_DLL)]
    internal static partial uint DokanVersion();

    /// <summary>ULONG DokanDriverVersion(): the kernel driver version, 0 on failure.</summary>
    [LibraryImport(DokanConstants.DOKAN_DLL)]
    internal static partial uint DokanDriverVersion();

    /// <summary>
    /// VOID DokanMapKernelToUserCreateFileFlags(ACCESS_MASK, ULONG FileAttributes, ULONG CreateOptions,
    /// ULONG CreateDisposition, ACCESS_MASK*, DWORD*, DWORD*): kernel create arguments to Win32 CreateFile ones.
    /// Bound for diagnostics; the adapter works on the kernel values directly.
    /// </summary>
    [LibraryImport(DokanConstants.DOKAN_DLL)]
    internal static partial void DokanMapKernelToUserCreateFileFlags(
        uint desiredAccess, uint fileAttributes, uint createOptions, uint createDisposition,
        uint* outDesiredAccess, uint* outFileAttributesAndFlags, uint* outCreationDisposition);

    /// <summary>NTSTATUS DokanNtStatusFromWin32(DWORD): Win32 error to NTSTATUS.</summary>
    [LibraryImport(DokanConstants.DOKAN_DLL)]
    internal static partial int DokanNtStatusFromWin32(uint error);
}
