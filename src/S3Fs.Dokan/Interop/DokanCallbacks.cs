using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace S3Fs.Dokan.Interop;

/// <summary>
/// The native entry points Dokan calls: one [UnmanagedCallersOnly] static trampoline per DOKAN_OPERATIONS member,
/// each a thin translation to <see cref="DokanOperations"/>. The operations object of the mount is found through
/// DOKAN_OPTIONS.GlobalContext (a GCHandle <see cref="DokanMount"/> holds for the mount's life); the per-file state
/// through DOKAN_FILE_INFO.Context (an <see cref="OpenFileTable"/> id, never a GCHandle).
/// <para>
/// An exception must never cross back into native code (it would end the process): every trampoline catches
/// everything, reports it to the mount's log when it can, and answers STATUS_INTERNAL_ERROR.
/// </para>
/// </summary>
internal static unsafe class DokanCallbacks
{
    private const int InternalError = unchecked((int)NtStatus.InternalError);

    /// <summary>The operations table: every callback we implement, null for those Dokan must handle itself.</summary>
    public static DOKAN_OPERATIONS CreateTable() => new()
    {
        ZwCreateFile = &ZwCreateFile,
        Cleanup = &Cleanup,
        CloseFile = &CloseFile,
        ReadFile = &ReadFile,
        WriteFile = &WriteFile,
        FlushFileBuffers = &FlushFileBuffers,
        GetFileInformation = &GetFileInformation,
        FindFiles = &FindFiles,
        FindFilesWithPattern = &FindFilesWithPattern,
        SetFileAttributes = &SetFileAttributes,
        SetFileTime = &SetFileTime,
        DeleteFile = &DeleteFile,
        DeleteDirectory = &DeleteDirectory,
        MoveFile = &MoveFile,
        SetEndOfFile = &SetEndOfFile,
        SetAllocationSize = &SetAllocationSize,
        LockFile = null, // byte-range locks stay in the driver (no DOKAN_OPTION_FILELOCK_USER_MODE)
        UnlockFile = null,
        GetDiskFreeSpace = &GetDiskFreeSpace,
        GetVolumeInformation = &GetVolumeInformation,
        Mounted = &Mounted,
        Unmounted = &Unmounted,
        GetFileSecurity = &GetFileSecurity,
        SetFileSecurity = &SetFileSecurity,
        FindStreams = null, // alternate streams are not offered (no DOKAN_OPTION_ALT_STREAM)
    };

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvStdcall)])]
    private static int ZwCreateFile(char* fileName, void* securityContext, uint desiredAccess, uint fileAttributes, uint shareAccess, uint createDisposition, uint createOptions, DOKAN_FILE_INFO* info)
    {
        try
        {
            // SAFETY: Dokan passes a NUL-terminated path and a DOKAN_FILE_INFO valid for the duration of the call.
            var managed = Managed(info);
            var status = Operations(info).CreateFile(Text(fileName), desiredAccess, fileAttributes, shareAccess, createDisposition, createOptions, managed);
            CopyBack(managed, info);
            return (int)status;
        }
        catch (Exception e)
        {
            return Fault(info, nameof(ZwCreateFile), e);
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvStdcall)])]
    private static void Cleanup(char* fileName, DOKAN_FILE_INFO* info)
    {
        try
        {
            var managed = Managed(info);
            Operations(info).Cleanup(Text(fileName), managed);
            CopyBack(managed, info);
        }
        catch (Exception e)
        {
            Fault(info, nameof(Cleanup), e);
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvStdcall)])]
    private static void CloseFile(char* fileName, DOKAN_FILE_INFO* info)
    {
        try
        {
            var managed = Managed(info);
            Operations(info).CloseFile(Text(fileName), managed);
            CopyBack(managed, info);
        }
        catch (Exception e)
        {
            Fault(info, nameof(CloseFile), e);
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvStdcall)])]
    private static int ReadFile(char* fileName, void* buffer, uint bufferLength, uint* readLength, long offset, DOKAN_FILE_INFO* info)
    {
        try
        {
            if (bufferLength > int.MaxValue)
            {
                return unchecked((int)NtStatus.InvalidParameter);
            }

            // SAFETY: Dokan owns `buffer` (bufferLength bytes) until this call returns; the span does not outlive it.
            var status = Operations(info).ReadFile(Text(fileName), new Span<byte>(buffer, (int)bufferLength), out var read, offset, Managed(info));
            if (readLength != null)
            {
                *readLength = (uint)read;
            }

            return (int)status;
        }
        catch (Exception e)
        {
            return Fault(info, nameof(ReadFile), e);
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvStdcall)])]
    private static int WriteFile(char* fileName, void* buffer, uint numberOfBytesToWrite, uint* numberOfBytesWritten, long offset, DOKAN_FILE_INFO* info)
    {
        try
        {
            if (numberOfBytesToWrite > int.MaxValue)
            {
                return unchecked((int)NtStatus.InvalidParameter);
            }

            // SAFETY: Dokan owns `buffer` until this call returns; WriteFile copies it before handing it to the core.
            var status = Operations(info).WriteFile(Text(fileName), new ReadOnlySpan<byte>(buffer, (int)numberOfBytesToWrite), out var written, offset, Managed(info));
            if (numberOfBytesWritten != null)
            {
                *numberOfBytesWritten = (uint)written;
            }

            return (int)status;
        }
        catch (Exception e)
        {
            return Fault(info, nameof(WriteFile), e);
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvStdcall)])]
    private static int FlushFileBuffers(char* fileName, DOKAN_FILE_INFO* info)
    {
        try
        {
            return (int)Operations(info).FlushFileBuffers(Text(fileName), Managed(info));
        }
        catch (Exception e)
        {
            return Fault(info, nameof(FlushFileBuffers), e);
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvStdcall)])]
    private static int GetFileInformation(char* fileName, BY_HANDLE_FILE_INFORMATION* buffer, DOKAN_FILE_INFO* info)
    {
        try
        {
            var status = Operations(info).GetFileInformation(Text(fileName), out var information, Managed(info));
            if (status == NtStatus.Success)
            {
                // SAFETY: Dokan passes a writable BY_HANDLE_FILE_INFORMATION for the duration of the call.
                *buffer = new BY_HANDLE_FILE_INFORMATION
                {
                    dwFileAttributes = information.Attributes,
                    ftCreationTime = FILETIME.From(FileTimes.ToFileTime(information.CreationTime)),
                    ftLastAccessTime = FILETIME.From(FileTimes.ToFileTime(information.LastAccessTime)),
                    ftLastWriteTime = FILETIME.From(FileTimes.ToFileTime(information.LastWriteTime)),
                    dwVolumeSerialNumber = information.VolumeSerialNumber,
                    nFileSizeHigh = (uint)((ulong)information.Length >> 32),
                    nFileSizeLow = (uint)information.Length,
                    nNumberOfLinks = information.NumberOfLinks,
                    nFileIndexHigh = (uint)((ulong)information.FileIndex >> 32),
                    nFileIndexLow = (uint)information.FileIndex,
                };
            }

            return (int)status;
        }
        catch (Exception e)
        {
            return Fault(info, nameof(GetFileInformation), e);
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvStdcall)])]
    private static int FindFiles(char* fileName, void* fillFindData, DOKAN_FILE_INFO* info)
    {
        try
        {
            var status = Operations(info).FindFiles(Text(fileName), out var entries, Managed(info));
            return (int)(status == NtStatus.Success ? Fill(entries, fillFindData, info) : status);
        }
        catch (Exception e)
        {
            return Fault(info, nameof(FindFiles), e);
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvStdcall)])]
    private static int FindFilesWithPattern(char* pathName, char* searchPattern, void* fillFindData, DOKAN_FILE_INFO* info)
    {
        try
        {
            var pattern = searchPattern == null ? "*" : Text(searchPattern);
            var status = Operations(info).FindFilesWithPattern(Text(pathName), pattern, out var entries, Managed(info));
            return (int)(status == NtStatus.Success ? Fill(entries, fillFindData, info) : status);
        }
        catch (Exception e)
        {
            return Fault(info, nameof(FindFilesWithPattern), e);
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvStdcall)])]
    private static int SetFileAttributes(char* fileName, uint fileAttributes, DOKAN_FILE_INFO* info)
    {
        try
        {
            return (int)Operations(info).SetFileAttributes(Text(fileName), fileAttributes, Managed(info));
        }
        catch (Exception e)
        {
            return Fault(info, nameof(SetFileAttributes), e);
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvStdcall)])]
    private static int SetFileTime(char* fileName, FILETIME* creationTime, FILETIME* lastAccessTime, FILETIME* lastWriteTime, DOKAN_FILE_INFO* info)
    {
        try
        {
            // SAFETY: each FILETIME pointer is either null ("not given") or valid for the duration of the call.
            long? creation = creationTime == null ? null : creationTime->Value;
            long? access = lastAccessTime == null ? null : lastAccessTime->Value;
            long? write = lastWriteTime == null ? null : lastWriteTime->Value;
            return (int)Operations(info).SetFileTime(Text(fileName), creation, access, write, Managed(info));
        }
        catch (Exception e)
        {
            return Fault(info, nameof(SetFileTime), e);
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvStdcall)])]
    private static int DeleteFile(char* fileName, DOKAN_FILE_INFO* info)
    {
        try
        {
            return (int)Operations(info).DeleteFile(Text(fileName), Managed(info));
        }
        catch (Exception e)
        {
            return Fault(info, nameof(DeleteFile), e);
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvStdcall)])]
    private static int DeleteDirectory(char* fileName, DOKAN_FILE_INFO* info)
    {
        try
        {
            return (int)Operations(info).DeleteDirectory(Text(fileName), Managed(info));
        }
        catch (Exception e)
        {
            return Fault(info, nameof(DeleteDirectory), e);
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvStdcall)])]
    private static int MoveFile(char* fileName, char* newFileName, int replaceIfExisting, DOKAN_FILE_INFO* info)
    {
        try
        {
            return (int)Operations(info).MoveFile(Text(fileName), Text(newFileName), replaceIfExisting != 0, Managed(info));
        }
        catch (Exception e)
        {
            return Fault(info, nameof(MoveFile), e);
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvStdcall)])]
    private static int SetEndOfFile(char* fileName, long byteOffset, DOKAN_FILE_INFO* info)
    {
        try
        {
            return (int)Operations(info).SetEndOfFile(Text(fileName), byteOffset, Managed(info));
        }
        catch (Exception e)
        {
            return Fault(info, nameof(SetEndOfFile), e);
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvStdcall)])]
    private static int SetAllocationSize(char* fileName, long allocSize, DOKAN_FILE_INFO* info)
    {
        try
        {
            return (int)Operations(info).SetAllocationSize(Text(fileName), allocSize, Managed(info));
        }
        catch (Exception e)
        {
            return Fault(info, nameof(SetAllocationSize), e);
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvStdcall)])]
    private static int GetDiskFreeSpace(ulong* freeBytesAvailable, ulong* totalNumberOfBytes, ulong* totalNumberOfFreeBytes, DOKAN_FILE_INFO* info)
    {
        try
        {
            var status = Operations(info).GetDiskFreeSpace(out var available, out var total, out var free, Managed(info));

            // SAFETY: each out pointer is null or a writable ULONGLONG for the duration of the call.
            if (freeBytesAvailable != null)
            {
                *freeBytesAvailable = available;
            }

            if (totalNumberOfBytes != null)
            {
                *totalNumberOfBytes = total;
            }

            if (totalNumberOfFreeBytes != null)
            {
                *totalNumberOfFreeBytes = free;
            }

            return (int)status;
        }
        catch (Exception e)
        {
            return Fault(info, nameof(GetDiskFreeSpace), e);
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvStdcall)])]
    private static int GetVolumeInformation(char* volumeNameBuffer, uint volumeNameSize, uint* volumeSerialNumber, uint* maximumComponentLength, uint* fileSystemFlags, char* fileSystemNameBuffer, uint fileSystemNameSize, DOKAN_FILE_INFO* info)
    {
        try
        {
            var status = Operations(info).GetVolumeInformation(out var volume, Managed(info));

            // SAFETY: the name buffers hold the given number of WCHARs; the other pointers are null or writable DWORDs.
            CopyString(volume.VolumeName, volumeNameBuffer, volumeNameSize);
            CopyString(volume.FileSystemName, fileSystemNameBuffer, fileSystemNameSize);
            if (volumeSerialNumber != null)
            {
                *volumeSerialNumber = volume.SerialNumber;
            }

            if (maximumComponentLength != null)
            {
                *maximumComponentLength = volume.MaximumComponentLength;
            }

            if (fileSystemFlags != null)
            {
                *fileSystemFlags = volume.FileSystemFlags;
            }

            return (int)status;
        }
        catch (Exception e)
        {
            return Fault(info, nameof(GetVolumeInformation), e);
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvStdcall)])]
    private static int Mounted(char* mountPoint, DOKAN_FILE_INFO* info)
    {
        try
        {
            return (int)Operations(info).Mounted(Text(mountPoint), Managed(info));
        }
        catch (Exception e)
        {
            return Fault(info, nameof(Mounted), e);
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvStdcall)])]
    private static int Unmounted(DOKAN_FILE_INFO* info)
    {
        try
        {
            return (int)Operations(info).Unmounted(Managed(info));
        }
        catch (Exception e)
        {
            return Fault(info, nameof(Unmounted), e);
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvStdcall)])]
    private static int GetFileSecurity(char* fileName, uint* securityInformation, void* securityDescriptor, uint bufferLength, uint* lengthNeeded, DOKAN_FILE_INFO* info)
    {
        try
        {
            if (bufferLength > int.MaxValue || (securityDescriptor == null && bufferLength != 0))
            {
                return unchecked((int)NtStatus.InvalidParameter);
            }

            // SAFETY: the descriptor buffer holds bufferLength bytes for the duration of the call.
            var requested = securityInformation == null ? 0 : *securityInformation;
            var status = Operations(info).GetFileSecurity(Text(fileName), requested, new Span<byte>(securityDescriptor, (int)bufferLength), out var needed, Managed(info));
            if (lengthNeeded != null)
            {
                *lengthNeeded = (uint)needed;
            }

            return (int)status;
        }
        catch (Exception e)
        {
            return Fault(info, nameof(GetFileSecurity), e);
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvStdcall)])]
    private static int SetFileSecurity(char* fileName, uint* securityInformation, void* securityDescriptor, uint bufferLength, DOKAN_FILE_INFO* info)
    {
        try
        {
            if (bufferLength > int.MaxValue || (securityDescriptor == null && bufferLength != 0))
            {
                return unchecked((int)NtStatus.InvalidParameter);
            }

            // SAFETY: the descriptor holds bufferLength bytes for the duration of the call.
            var requested = securityInformation == null ? 0 : *securityInformation;
            return (int)Operations(info).SetFileSecurity(Text(fileName), requested, new ReadOnlySpan<byte>(securityDescriptor, (int)bufferLength), Managed(info));
        }
        catch (Exception e)
        {
            return Fault(info, nameof(SetFileSecurity), e);
        }
    }

    /// <summary>Hands the entries to Dokan's FillFindData, one WIN32_FIND_DATAW each; stops if Dokan says its buffer is full.</summary>
    private static NtStatus Fill(IReadOnlyList<FindData> entries, void* fillFindData, DOKAN_FILE_INFO* info)
    {
        var fill = (delegate* unmanaged[Stdcall]<WIN32_FIND_DATAW*, DOKAN_FILE_INFO*, int>)fillFindData;
        foreach (var entry in entries)
        {
            WIN32_FIND_DATAW data = default;
            data.dwFileAttributes = entry.Attributes;
            data.ftCreationTime = FILETIME.From(FileTimes.ToFileTime(entry.CreationTime));
            data.ftLastAccessTime = FILETIME.From(FileTimes.ToFileTime(entry.LastAccessTime));
            data.ftLastWriteTime = FILETIME.From(FileTimes.ToFileTime(entry.LastWriteTime));
            data.nFileSizeHigh = (uint)((ulong)entry.Length >> 32);
            data.nFileSizeLow = (uint)entry.Length;

            // SAFETY: cFileName is a fixed buffer of MAX_PATH chars inside the local `data`; FindFilesWithPattern only
            // returns names shorter than MAX_PATH, so the name and its terminating NUL fit.
            entry.FileName.AsSpan().CopyTo(new Span<char>(data.cFileName, WIN32_FIND_DATAW.MAX_PATH - 1));
            if (fill(&data, info) == 1)
            {
                break;
            }
        }

        return NtStatus.Success;
    }

    /// <summary>The managed copy of the fields an operation reads.</summary>
    private static DokanFileInfo Managed(DOKAN_FILE_INFO* info) => new()
    {
        Context = info->Context,
        IsDirectory = info->IsDirectory != 0,
        DeletePending = info->DeletePending != 0,
        PagingIo = info->PagingIo != 0,
        SynchronousIo = info->SynchronousIo != 0,
        Nocache = info->Nocache != 0,
        WriteToEndOfFile = info->WriteToEndOfFile != 0,
        ProcessId = info->ProcessId,
        TimeoutExtender = OperatingSystem.IsWindows() ? new NativeTimeoutExtender(info) : null,
    };

    /// <summary>Writes back the fields an operation may change (CreateFile sets Context and IsDirectory, CloseFile clears Context).</summary>
    private static void CopyBack(DokanFileInfo managed, DOKAN_FILE_INFO* info)
    {
        info->Context = managed.Context;
        info->IsDirectory = managed.IsDirectory ? (byte)1 : (byte)0;
    }

    /// <summary>The mount's operations object, from the GCHandle stored in DOKAN_OPTIONS.GlobalContext.</summary>
    private static DokanOperations Operations(DOKAN_FILE_INFO* info)
    {
        if (info == null || info->DokanOptions == null || info->DokanOptions->GlobalContext == 0)
        {
            throw new InvalidOperationException("Dokan called without DOKAN_OPTIONS.GlobalContext: the volume is not ours");
        }

        return GCHandle.FromIntPtr((nint)info->DokanOptions->GlobalContext).Target as DokanOperations
            ?? throw new InvalidOperationException("DOKAN_OPTIONS.GlobalContext does not hold a DokanOperations");
    }

    private static string Text(char* text) => text == null ? string.Empty : new string(text);

    /// <summary>Copies <paramref name="value"/> into a WCHAR buffer of <paramref name="capacity"/> chars, truncated, NUL-terminated.</summary>
    private static void CopyString(string value, char* buffer, uint capacity)
    {
        if (buffer == null || capacity == 0)
        {
            return;
        }

        var length = (int)Math.Min((uint)value.Length, capacity - 1);
        value.AsSpan(0, length).CopyTo(new Span<char>(buffer, length));
        buffer[length] = '\0';
    }

    /// <summary>Reports an exception that escaped an operation (never rethrows) and answers STATUS_INTERNAL_ERROR.</summary>
    private static int Fault(DOKAN_FILE_INFO* info, string callback, Exception exception)
    {
        try
        {
            Operations(info).ReportCallbackFault(callback, exception);
        }
        catch (Exception)
        {
            // Nowhere to report to (no operations object reachable); the status code is all Windows will get.
        }

        return InternalError;
    }
}
