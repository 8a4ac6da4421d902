using S3Fs.Dokan.Interop;

namespace S3Fs.Dokan.Tests.Interop;

/// <summary>
/// Pins the interop structs to the layout of the 64-bit Windows headers (MSVC x64, default packing /Zp8: every field
/// at a multiple of its own size, the struct padded to its largest member). Where each number comes from:
/// <list type="bullet">
/// <item>DOKAN_OPTIONS, DOKAN_FILE_INFO, DOKAN_OPERATIONS: dokan/dokan.h of dokany 2.x (checked against v2.3.1);
/// VOLUME_SECURITY_DESCRIPTOR_MAX_SIZE = 1024 * 16 from sys/public.h. USHORT 2, BOOLEAN/UCHAR 1, ULONG 4, ULONG64 8,
/// pointers 8 bytes.</item>
/// <item>WIN32_FIND_DATAW (minwinbase.h): sizeof 592 = 4 + 3 * 8 (FILETIMEs, 4-aligned) + 4 * 4 + 260 * 2 + 14 * 2.</item>
/// <item>BY_HANDLE_FILE_INFORMATION (fileapi.h): sizeof 52 = 4 + 3 * 8 + 6 * 4.</item>
/// <item>FILETIME (minwinbase.h): two DWORDs, sizeof 8, alignment 4.</item>
/// </list>
/// These run on any 64-bit OS: the layout rules of .NET's sequential layout for these blittable types are the same.
/// </summary>
public unsafe class DokanInteropLayoutTests
{
    [Fact]
    public void Layout_Runs_OnA64BitProcess() => Assert.Equal(8, sizeof(nint));

    [Fact]
    public void DOKAN_OPTIONS_MatchesDokanH()
    {
        DOKAN_OPTIONS o = default;
        var b = (byte*)&o;
        Assert.Equal(0, (byte*)&o.Version - b);
        Assert.Equal(2, (byte*)&o.SingleThread - b);
        Assert.Equal(4, (byte*)&o.Options - b);
        Assert.Equal(8, (byte*)&o.GlobalContext - b);
        Assert.Equal(16, (byte*)&o.MountPoint - b);
        Assert.Equal(24, (byte*)&o.UNCName - b);
        Assert.Equal(32, (byte*)&o.Timeout - b);
        Assert.Equal(36, (byte*)&o.AllocationUnitSize - b);
        Assert.Equal(40, (byte*)&o.SectorSize - b);
        Assert.Equal(44, (byte*)&o.VolumeSecurityDescriptorLength - b);
        Assert.Equal(48, o.VolumeSecurityDescriptor - b);
        Assert.Equal(48 + (1024 * 16), sizeof(DOKAN_OPTIONS));
    }

    [Fact]
    public void DOKAN_FILE_INFO_MatchesDokanH()
    {
        DOKAN_FILE_INFO f = default;
        var b = (byte*)&f;
        Assert.Equal(0, (byte*)&f.Context - b);
        Assert.Equal(8, (byte*)&f.DokanContext - b);
        Assert.Equal(16, (byte*)&f.DokanOptions - b);
        Assert.Equal(24, (byte*)&f.ProcessingContext - b);
        Assert.Equal(32, (byte*)&f.ProcessId - b);
        Assert.Equal(36, &f.IsDirectory - b);
        Assert.Equal(37, &f.DeletePending - b);
        Assert.Equal(38, &f.PagingIo - b);
        Assert.Equal(39, &f.SynchronousIo - b);
        Assert.Equal(40, &f.Nocache - b);
        Assert.Equal(41, &f.WriteToEndOfFile - b);
        Assert.Equal(48, sizeof(DOKAN_FILE_INFO)); // 42 bytes of fields, padded to the 8-byte alignment
    }

    [Fact]
    public void DOKAN_OPERATIONS_Has25CallbacksInHeaderOrder()
    {
        DOKAN_OPERATIONS t = default;
        var b = (byte*)&t;
        Assert.Equal(25 * 8, sizeof(DOKAN_OPERATIONS));
        Assert.Equal(0 * 8, (byte*)&t.ZwCreateFile - b);
        Assert.Equal(1 * 8, (byte*)&t.Cleanup - b);
        Assert.Equal(2 * 8, (byte*)&t.CloseFile - b);
        Assert.Equal(3 * 8, (byte*)&t.ReadFile - b);
        Assert.Equal(4 * 8, (byte*)&t.WriteFile - b);
        Assert.Equal(5 * 8, (byte*)&t.FlushFileBuffers - b);
        Assert.Equal(6 * 8, (byte*)&t.GetFileInformation - b);
        Assert.Equal(7 * 8, (byte*)&t.FindFiles - b);
        Assert.Equal(8 * 8, (byte*)&t.FindFilesWithPattern - b);
        Assert.Equal(9 * 8, (byte*)&t.SetFileAttributes - b);
        Assert.Equal(10 * 8, (byte*)&t.SetFileTime - b);
        Assert.Equal(11 * 8, (byte*)&t.DeleteFile - b);
        Assert.Equal(12 * 8, (byte*)&t.DeleteDirectory - b);
        Assert.Equal(13 * 8, (byte*)&t.MoveFile - b);
        Assert.Equal(14 * 8, (byte*)&t.SetEndOfFile - b);
        Assert.Equal(15 * 8, (byte*)&t.SetAllocationSize - b);
        Assert.Equal(16 * 8, (byte*)&t.LockFile - b);
        Assert.Equal(17 * 8, (byte*)&t.UnlockFile - b);
        Assert.Equal(18 * 8, (byte*)&t.GetDiskFreeSpace - b);
        Assert.Equal(19 * 8, (byte*)&t.GetVolumeInformation - b);
        Assert.Equal(20 * 8, (byte*)&t.Mounted - b);
        Assert.Equal(21 * 8, (byte*)&t.Unmounted - b);
        Assert.Equal(22 * 8, (byte*)&t.GetFileSecurity - b);
        Assert.Equal(23 * 8, (byte*)&t.SetFileSecurity - b);
        Assert.Equal(24 * 8, (byte*)&t.FindStreams - b);
    }

    [Fact]
    public void WIN32_FIND_DATAW_MatchesMinwinbaseH()
    {
        WIN32_FIND_DATAW d = default;
        var b = (byte*)&d;
        Assert.Equal(0, (byte*)&d.dwFileAttributes - b);
        Assert.Equal(4, (byte*)&d.ftCreationTime - b);
        Assert.Equal(12, (byte*)&d.ftLastAccessTime - b);
        Assert.Equal(20, (byte*)&d.ftLastWriteTime - b);
        Assert.Equal(28, (byte*)&d.nFileSizeHigh - b);
        Assert.Equal(32, (byte*)&d.nFileSizeLow - b);
        Assert.Equal(36, (byte*)&d.dwReserved0 - b);
        Assert.Equal(40, (byte*)&d.dwReserved1 - b);
        Assert.Equal(44, (byte*)d.cFileName - b);
        Assert.Equal(44 + (260 * 2), (byte*)d.cAlternateFileName - b);
        Assert.Equal(592, sizeof(WIN32_FIND_DATAW));
    }

    [Fact]
    public void BY_HANDLE_FILE_INFORMATION_MatchesFileapiH()
    {
        BY_HANDLE_FILE_INFORMATION i = default;
        var b = (byte*)&i;
        Assert.Equal(0, (byte*)&i.dwFileAttributes - b);
        Assert.Equal(4, (byte*)&i.ftCreationTime - b);
        Assert.Equal(12, (byte*)&i.ftLastAccessTime - b);
        Assert.Equal(20, (byte*)&i.ftLastWriteTime - b);
        Assert.Equal(28, (byte*)&i.dwVolumeSerialNumber - b);
        Assert.Equal(32, (byte*)&i.nFileSizeHigh - b);
        Assert.Equal(36, (byte*)&i.nFileSizeLow - b);
        Assert.Equal(40, (byte*)&i.nNumberOfLinks - b);
        Assert.Equal(44, (byte*)&i.nFileIndexHigh - b);
        Assert.Equal(48, (byte*)&i.nFileIndexLow - b);
        Assert.Equal(52, sizeof(BY_HANDLE_FILE_INFORMATION));
    }

    [Fact]
    public void FILETIME_IsTwoDwordsLowFirst()
    {
        Assert.Equal(8, sizeof(FILETIME));
        var t = FILETIME.From(0x0123_4567_89AB_CDEF);
        Assert.Equal(0x89AB_CDEFu, t.dwLowDateTime);
        Assert.Equal(0x0123_4567u, t.dwHighDateTime);
        Assert.Equal(0x0123_4567_89AB_CDEF, t.Value);
    }
}
