using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using S3Fs.Dokan.Interop;
using S3Fs.Dokan.Security;
using S3Fs.Dokan.Tests.Harness;
using static S3Fs.Dokan.Tests.Harness.DokanHarness;

namespace S3Fs.Dokan.Tests.Interop;

/// <summary>
/// The native trampolines, called exactly as dokan2.dll calls them: through the function pointers of the
/// DOKAN_OPERATIONS table, with native strings, native buffers, a DOKAN_FILE_INFO whose DokanOptions carries the
/// GCHandle of the mount's operations, and a native FillFindData callback. Everything but the driver itself.
/// </summary>
public class DokanCallbacksTests : IAsyncLifetime
{
    private static readonly List<(string Name, uint Attributes, long Size)> Filled = [];

    private DokanHarness? _harness;
    private GCHandle _self;
    private unsafe DOKAN_OPTIONS* _options;
    private DOKAN_OPERATIONS _table;

    private DokanHarness H => _harness!;

    public unsafe Task InitializeAsync()
    {
        _harness = DokanHarness.InMemory(new DokanMountOptions { VolumeName = "photos", OwnerSid = "S-1-5-21-1-2-3-500" });
        _self = GCHandle.Alloc(H.Operations);
        _options = (DOKAN_OPTIONS*)NativeMemory.AllocZeroed((nuint)sizeof(DOKAN_OPTIONS));
        DokanMount.FillOptions(_options, H.Options, GCHandle.ToIntPtr(_self), null, null);
        _table = DokanCallbacks.CreateTable();
        return Task.CompletedTask;
    }

    public unsafe Task DisposeAsync()
    {
        NativeMemory.Free(_options);
        _self.Free();
        return H.DisposeAsync().AsTask();
    }

    [Fact]
    public unsafe void CreateTable_ImplementsEverythingButDriverHandledLocksAndStreams()
    {
        var table = DokanCallbacks.CreateTable();
        var slots = (nint*)&table;
        var nulls = Enumerable.Range(0, sizeof(DOKAN_OPERATIONS) / sizeof(nint)).Where(i => slots[i] == 0).ToList();

        // Slots 16 and 17 are LockFile/UnlockFile, 24 is FindStreams (see DOKAN_OPERATIONS_Has25CallbacksInHeaderOrder).
        Assert.Equal([16, 17, 24], nulls);
    }

    [Fact]
    public async Task Callbacks_CreateWriteInfoReadClose_WorkThroughNativePointers()
    {
        CreateWriteInfoReadCloseNatively();

        Assert.Equal("written through dokan's pointers", await StoreObjects.ReadTextAsync(H.Store, H.Prefix + "native.txt"));
        Assert.Equal(0, H.Operations.OpenHandles);
    }

    private unsafe void CreateWriteInfoReadCloseNatively()
    {
        var info = NewInfo();
        var data = StoreObjects.Bytes("written through dokan's pointers");
        fixed (char* name = "\\native.txt")
        {
            Assert.Equal(0, _table.ZwCreateFile(name, null, ReadWriteAccess, 0, ShareAll, WinNT.FILE_CREATE, WinNT.FILE_NON_DIRECTORY_FILE, &info));
            Assert.NotEqual(0ul, info.Context);
            Assert.Equal(0, info.IsDirectory);

            uint written;
            fixed (byte* p = data)
            {
                Assert.Equal(0, _table.WriteFile(name, p, (uint)data.Length, &written, 0, &info));
            }

            Assert.Equal((uint)data.Length, written);

            BY_HANDLE_FILE_INFORMATION byHandle;
            Assert.Equal(0, _table.GetFileInformation(name, &byHandle, &info));
            Assert.Equal((uint)data.Length, byHandle.nFileSizeLow);
            Assert.Equal(0u, byHandle.nFileSizeHigh);
            Assert.Equal(WinNT.FILE_ATTRIBUTE_NORMAL, byHandle.dwFileAttributes);
            Assert.Equal(H.Options.EffectiveSerialNumber, byHandle.dwVolumeSerialNumber);
            Assert.NotEqual(0u, byHandle.nFileIndexLow);
            Assert.True(byHandle.ftLastWriteTime.Value > FileTimes.ToFileTime(DateTimeOffset.UtcNow.AddMinutes(-5)));

            var buffer = new byte[100];
            uint read;
            fixed (byte* p = buffer)
            {
                Assert.Equal(0, _table.ReadFile(name, p + 10, 7, &read, 8, &info));
            }

            Assert.Equal(7u, read);
            Assert.Equal("through", StoreObjects.Text(buffer.AsSpan(10, 7).ToArray()));

            _table.Cleanup(name, &info);
            _table.CloseFile(name, &info);
            Assert.Equal(0ul, info.Context);
        }
    }

    [Fact]
    public unsafe void FindFilesWithPattern_CallsFillFindDataForEachMatch()
    {
        H.WriteAll("\\one.txt", StoreObjects.Bytes("1"));
        H.WriteAll("\\two.txt", StoreObjects.Bytes("22"));
        H.WriteAll("\\skip.doc", StoreObjects.Bytes("333"));
        Assert.Equal(NtStatus.Success, H.MkDir("\\sub"));
        H.WriteAll("\\sub\\x", StoreObjects.Bytes("x"));
        var info = NewInfo();
        Filled.Clear();
        fixed (char* root = "\\")
        fixed (char* pattern = "*.txt")
        fixed (char* all = "*")
        {
            Assert.Equal(0, _table.ZwCreateFile(root, null, ListAccess, 0, ShareAll, WinNT.FILE_OPEN, WinNT.FILE_DIRECTORY_FILE, &info));
            Assert.Equal(1, info.IsDirectory);
            delegate* unmanaged[Stdcall]<WIN32_FIND_DATAW*, DOKAN_FILE_INFO*, int> fill = &Collect;

            Assert.Equal(0, _table.FindFilesWithPattern(root, pattern, (void*)fill, &info));
            Assert.Equal(new[] { ("one.txt", WinNT.FILE_ATTRIBUTE_NORMAL, 1L), ("two.txt", WinNT.FILE_ATTRIBUTE_NORMAL, 2L) }, Filled.OrderBy(f => f.Name, StringComparer.Ordinal));

            Filled.Clear();
            Assert.Equal(0, _table.FindFiles(root, (void*)fill, &info));
            Assert.Equal(["one.txt", "skip.doc", "sub", "two.txt"], Filled.Select(f => f.Name).Order(StringComparer.Ordinal));
            Assert.Equal(WinNT.FILE_ATTRIBUTE_DIRECTORY, Filled.Single(f => f.Name == "sub").Attributes);

            _table.Cleanup(root, &info);
            _table.CloseFile(root, &info);
        }
    }

    [Fact]
    public unsafe void GetVolumeInformation_FillsAndTruncatesTheBuffers()
    {
        var info = NewInfo();
        var volumeName = stackalloc char[4];
        var fsName = stackalloc char[16];
        uint serial, maxLength, flags;

        Assert.Equal(0, _table.GetVolumeInformation(volumeName, 4, &serial, &maxLength, &flags, fsName, 16, &info));

        Assert.Equal("pho", new string(volumeName)); // 3 characters and the terminating NUL
        Assert.Equal("S3Fs", new string(fsName));
        Assert.Equal(H.Options.EffectiveSerialNumber, serial);
        Assert.Equal(WinNT.FILE_CASE_PRESERVED_NAMES, flags & WinNT.FILE_CASE_PRESERVED_NAMES);
        Assert.True(maxLength > 0);
    }

    [Fact]
    public unsafe void GetFileSecurity_TooSmallBuffer_ReportsLengthNeededThenFills()
    {
        H.WriteAll("\\s", StoreObjects.Bytes("s"));
        var info = NewInfo();
        fixed (char* name = "\\s")
        {
            Assert.Equal(0, _table.ZwCreateFile(name, null, AttributesAccess, 0, ShareAll, WinNT.FILE_OPEN, 0, &info));
            var requested = WinNT.OWNER_SECURITY_INFORMATION | WinNT.DACL_SECURITY_INFORMATION;
            uint needed;
            var small = stackalloc byte[4];
            Assert.Equal(unchecked((int)NtStatus.BufferOverflow), _table.GetFileSecurity(name, &requested, small, 4, &needed, &info));
            Assert.True(needed > 4);

            var buffer = new byte[needed];
            fixed (byte* p = buffer)
            {
                Assert.Equal(0, _table.GetFileSecurity(name, &requested, p, needed, &needed, &info));
            }

            Assert.StartsWith("O:S-1-5-21-1-2-3-500D:P(A;;0x1f01df;;;S-1-5-21-1-2-3-500)", PosixSecurity.ToSddl(buffer), StringComparison.Ordinal);
            _table.Cleanup(name, &info);
            _table.CloseFile(name, &info);
        }
    }

    [Fact]
    public unsafe void SetFileTime_NullPointersAndValues_AreForwarded()
    {
        H.WriteAll("\\t", StoreObjects.Bytes("t"));
        var info = NewInfo();
        var when = new DateTimeOffset(2010, 1, 2, 3, 4, 5, TimeSpan.Zero);
        fixed (char* name = "\\t")
        {
            Assert.Equal(0, _table.ZwCreateFile(name, null, AttributesAccess | WinNT.FILE_WRITE_ATTRIBUTES, 0, ShareAll, WinNT.FILE_OPEN, 0, &info));
            var write = FILETIME.From(FileTimes.ToFileTime(when));
            Assert.Equal(0, _table.SetFileTime(name, null, null, &write, &info));
            _table.Cleanup(name, &info);
            _table.CloseFile(name, &info);
        }

        Assert.Equal(when, H.Stat("\\t")!.Value.LastWriteTime);
    }

    [Fact]
    public unsafe void MoveFileAndDiskFreeSpace_PassBoolAndOutPointers()
    {
        H.WriteAll("\\from", StoreObjects.Bytes("m"));
        H.WriteAll("\\to", StoreObjects.Bytes("old"));
        var info = NewInfo();
        fixed (char* from = "\\from")
        fixed (char* to = "\\to")
        {
            Assert.Equal(0, _table.ZwCreateFile(from, null, DeleteAccess, 0, ShareAll, WinNT.FILE_OPEN, 0, &info));
            Assert.Equal(unchecked((int)NtStatus.ObjectNameCollision), _table.MoveFile(from, to, 0, &info));
            Assert.Equal(0, _table.MoveFile(from, to, 1, &info));
            _table.Cleanup(to, &info);
            _table.CloseFile(to, &info);
        }

        ulong available, total, free;
        Assert.Equal(0, _table.GetDiskFreeSpace(&available, &total, &free, &info));
        Assert.True(total > 0 && available == total && free == total);
        Assert.Equal(0, _table.GetDiskFreeSpace(null, &total, null, &info));
        Assert.Equal("m", StoreObjects.Text(H.ReadAll("\\to")));
    }

    [Fact]
    public unsafe void MountedAndUnmounted_RecordTheMountPoint()
    {
        var info = NewInfo();
        fixed (char* mountPoint = "S:\\")
        {
            Assert.Equal(0, _table.Mounted(mountPoint, &info));
            Assert.Equal(0, _table.Unmounted(&info));
        }

        Assert.Equal("S:\\", H.Operations.MountedAt);
    }

    [Fact]
    public unsafe void Callbacks_WithoutOurGlobalContext_AnswerInternalErrorInsteadOfThrowing()
    {
        var orphan = new DOKAN_FILE_INFO();
        var foreign = GCHandle.Alloc(new object());
        var foreignOptions = new DOKAN_OPTIONS { GlobalContext = (ulong)GCHandle.ToIntPtr(foreign) };
        var wrongTarget = new DOKAN_FILE_INFO { DokanOptions = &foreignOptions };
        try
        {
            fixed (char* name = "\\x")
            {
                var internalError = unchecked((int)NtStatus.InternalError);
                Assert.Equal(internalError, _table.ZwCreateFile(name, null, ReadAccess, 0, ShareAll, WinNT.FILE_OPEN, 0, &orphan));
                Assert.Equal(internalError, _table.ZwCreateFile(name, null, ReadAccess, 0, ShareAll, WinNT.FILE_OPEN, 0, &wrongTarget));
                Assert.Equal(internalError, _table.FlushFileBuffers(name, &orphan));
                _table.Cleanup(name, &orphan); // void callbacks must return quietly too
                _table.CloseFile(name, &wrongTarget);
            }
        }
        finally
        {
            foreign.Free();
        }
    }

    [Fact]
    public unsafe void Callbacks_UnknownContext_AnswerInvalidHandle()
    {
        var info = NewInfo();
        info.Context = 123_456;
        var buffer = stackalloc byte[8];
        uint read;
        fixed (char* name = "\\x")
        {
            Assert.Equal(unchecked((int)NtStatus.InvalidHandle), _table.ReadFile(name, buffer, 8, &read, 0, &info));
            Assert.Equal(0u, read);
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvStdcall)])]
    private static unsafe int Collect(WIN32_FIND_DATAW* data, DOKAN_FILE_INFO* info)
    {
        Filled.Add((new string(data->cFileName), data->dwFileAttributes, ((long)data->nFileSizeHigh << 32) | data->nFileSizeLow));
        return 0;
    }

    private unsafe DOKAN_FILE_INFO NewInfo() => new() { DokanOptions = _options, ProcessId = 77 };
}
