using S3Fs.Dokan.Interop;
using S3Fs.Dokan.Tests.Harness;
using static S3Fs.Dokan.Tests.Harness.DokanHarness;

namespace S3Fs.Dokan.Tests.Operations;

public class ReadWriteTests : DokanOperationsTestBase
{
    [Fact]
    public async Task WriteFile_AtOffsets_ReadsBackWithZeroFilledGap()
    {
        using (var h = H.Open("\\f.bin", ReadWriteAccess, WinNT.FILE_CREATE))
        {
            Assert.Equal(NtStatus.Success, h.Write(0, Bytes("0123456789")));
            Assert.Equal(NtStatus.Success, h.Write(4, Bytes("ab")));
            Assert.Equal(NtStatus.Success, h.Write(20, Bytes("end")));
            Assert.Equal("0123ab6789", Text(h.Read(0, 10)));
            Assert.Equal("ab67", Text(h.Read(4, 4)));
        }

        var expected = Bytes("0123ab6789").Concat(new byte[10]).Concat(Bytes("end")).ToArray();
        Assert.Equal(expected, H.ReadAll("\\f.bin"));
        Assert.Equal(expected, await StoreObjects.ReadAsync(H.Store, Key("f.bin")));
    }

    [Fact]
    public void WriteFile_LargeFileInPieces_RoundTripsAcrossRemount()
    {
        var data = new byte[(3 << 20) + 777];
        new Random(5).NextBytes(data);

        H.WriteAll("\\big.bin", data);

        Assert.Equal(data, H.ReadAll("\\big.bin"));
    }

    [Fact]
    public async Task ReadFile_AfterRemount_ReadsWhatWasStored()
    {
        H.WriteAll("\\persist.txt", Bytes("stored"));
        await H.RemountAsync();

        using var h = H.Open("\\persist.txt", ReadAccess, WinNT.FILE_OPEN);
        Assert.Equal("stored", Text(h.Read(0, 100)));
        Assert.Equal("ored", Text(h.Read(2, 100)));
    }

    [Fact]
    public void ReadFile_AtOrPastEnd_ReturnsNothingSuccessfully()
    {
        H.WriteAll("\\f.txt", Bytes("abc"));
        using var h = H.Open("\\f.txt", ReadAccess, WinNT.FILE_OPEN);

        Assert.Empty(h.Read(3, 10));
        Assert.Empty(h.Read(1000, 10));
    }

    [Fact]
    public void ReadFile_OnDirectoryOrUnknownContext_IsRefused()
    {
        Assert.Equal(NtStatus.Success, H.MkDir("\\d"));
        using var dir = H.Open("\\d", ListAccess, WinNT.FILE_OPEN, WinNT.FILE_DIRECTORY_FILE);
        var buffer = new byte[10];

        Assert.Equal(NtStatus.InvalidDeviceRequest, Ops.ReadFile("\\d", buffer, out _, 0, dir.Info));
        Assert.Equal(NtStatus.InvalidHandle, Ops.ReadFile("\\d", buffer, out _, 0, new DokanFileInfo { Context = 999_999 }));
        Assert.Equal(NtStatus.InvalidHandle, Ops.WriteFile("\\d", buffer, out _, 0, new DokanFileInfo()));
    }

    [Fact]
    public void WriteFile_WriteToEndOfFile_Appends()
    {
        H.WriteAll("\\log.txt", Bytes("one\n"));

        using (var h = H.Open("\\log.txt", AppendAccess, WinNT.FILE_OPEN))
        {
            Assert.Equal(NtStatus.Success, h.Write(-1, Bytes("two\n"), toEnd: true));
            Assert.Equal(NtStatus.Success, h.Write(0, Bytes("three\n"), toEnd: true));
        }

        Assert.Equal("one\ntwo\nthree\n", Text(H.ReadAll("\\log.txt")));
    }

    [Fact]
    public void WriteFile_PagingIo_NeverExtendsTheFile()
    {
        H.WriteAll("\\mapped.bin", Bytes("0123456789"));
        using var h = H.Open("\\mapped.bin", ReadWriteAccess, WinNT.FILE_OPEN);

        // The cache manager writes whole pages; only the part inside the file may land.
        var page = Enumerable.Repeat((byte)'x', 4096).ToArray();
        Assert.Equal(NtStatus.Success, Ops.WriteFile("\\mapped.bin", page, out var inside, 6, new DokanFileInfo { Context = h.Info.Context, PagingIo = true }));
        Assert.Equal(NtStatus.Success, Ops.WriteFile("\\mapped.bin", page, out var beyond, 4096, new DokanFileInfo { Context = h.Info.Context, PagingIo = true }));

        Assert.Equal(4, inside);
        Assert.Equal(0, beyond);
        Assert.Equal("012345xxxx", Text(h.Read(0, 100)));
    }

    [Fact]
    public async Task Cleanup_UploadsBeforeCloseFile()
    {
        var h = H.Open("\\c.txt", ReadWriteAccess, WinNT.FILE_CREATE);
        Assert.Equal(NtStatus.Success, h.Write(0, Bytes("uploaded at cleanup")));

        Ops.Cleanup("\\c.txt", h.Info);
        Assert.Equal("uploaded at cleanup", await StoreObjects.ReadTextAsync(H.Store, Key("c.txt")));

        Ops.CloseFile("\\c.txt", h.Info);
        Assert.Equal(0ul, h.Info.Context);
    }

    [Fact]
    public async Task CloseFile_PagingWriteAfterCleanup_IsUploaded()
    {
        H.WriteAll("\\late.txt", Bytes("aaaa"));
        var h = H.Open("\\late.txt", ReadWriteAccess, WinNT.FILE_OPEN);
        Ops.Cleanup("\\late.txt", h.Info);

        Assert.Equal(NtStatus.Success, Ops.WriteFile("\\late.txt", Bytes("bb"), out _, 1, new DokanFileInfo { Context = h.Info.Context, PagingIo = true }));
        Assert.Equal("aaaa", await StoreObjects.ReadTextAsync(H.Store, Key("late.txt")));

        Ops.CloseFile("\\late.txt", h.Info);
        Assert.Equal("abba", await StoreObjects.ReadTextAsync(H.Store, Key("late.txt")));
    }

    [Fact]
    public async Task FlushFileBuffers_UploadsWhileStillOpen()
    {
        using var h = H.Open("\\flushed.txt", ReadWriteAccess, WinNT.FILE_CREATE);
        Assert.Equal(NtStatus.Success, h.Write(0, Bytes("durable")));

        Assert.Equal(NtStatus.Success, Ops.FlushFileBuffers("\\flushed.txt", h.Info));

        Assert.Equal("durable", await StoreObjects.ReadTextAsync(H.Store, Key("flushed.txt")));
    }

    [Fact]
    public async Task SetEndOfFile_ShrinksAndGrowsWithZeros()
    {
        H.WriteAll("\\t.bin", Bytes("0123456789"));

        using (var h = H.Open("\\t.bin", ReadWriteAccess, WinNT.FILE_OPEN))
        {
            Assert.Equal(NtStatus.Success, Ops.SetEndOfFile("\\t.bin", 4, h.Info));
            Assert.Equal(4, h.Information().Length);
            Assert.Equal(NtStatus.Success, Ops.SetEndOfFile("\\t.bin", 6, h.Info));
            Assert.Equal(NtStatus.InvalidParameter, Ops.SetEndOfFile("\\t.bin", -1, h.Info));
        }

        Assert.Equal(Bytes("0123").Concat(new byte[2]).ToArray(), await StoreObjects.ReadAsync(H.Store, Key("t.bin")));
    }

    [Fact]
    public void SetAllocationSize_BelowSizeTruncates_AboveIsOnlyAHint()
    {
        H.WriteAll("\\a.bin", Bytes("0123456789"));
        using var h = H.Open("\\a.bin", ReadWriteAccess, WinNT.FILE_OPEN);

        Assert.Equal(NtStatus.Success, Ops.SetAllocationSize("\\a.bin", 1 << 20, h.Info));
        Assert.Equal(10, h.Information().Length);
        Assert.Equal(NtStatus.Success, Ops.SetAllocationSize("\\a.bin", 3, h.Info));
        Assert.Equal("012", Text(h.Read(0, 100)));
    }

    [Fact]
    public void WriteFile_TwoHandlesOnOneFile_SeeEachOthersWrites()
    {
        H.WriteAll("\\shared.txt", Bytes("......"));
        using var a = H.Open("\\shared.txt", ReadWriteAccess, WinNT.FILE_OPEN);
        using var b = H.Open("\\shared.txt", ReadWriteAccess, WinNT.FILE_OPEN);

        Assert.Equal(NtStatus.Success, a.Write(0, Bytes("AA")));
        Assert.Equal(NtStatus.Success, b.Write(4, Bytes("BB")));

        Assert.Equal("AA..BB", Text(a.Read(0, 10)));
        Assert.Equal("AA..BB", Text(b.Read(0, 10)));
    }
}

public class ConcurrencyTests : DokanOperationsTestBase
{
    [Fact]
    public void Operations_ManyDokanThreadsAtOnce_AllLandIntact()
    {
        Assert.Equal(NtStatus.Success, H.MkDir("\\p"));

        // Dokan calls from several native threads at once: dedicated threads here, each writing and reading its files.
        var failures = new System.Collections.Concurrent.ConcurrentQueue<Exception>();
        var threads = Enumerable.Range(0, 8).Select(t => new Thread(() =>
        {
            try
            {
                for (var i = 0; i < 15; i++)
                {
                    var path = $"\\p\\t{t}-{i}.bin";
                    var data = Enumerable.Range(0, 5000 + i).Select(x => (byte)(x * (t + 1))).ToArray();
                    H.WriteAll(path, data);
                    Assert.Equal(data, H.ReadAll(path));
                }
            }
            catch (Exception e)
            {
                failures.Enqueue(e);
            }
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());

        Assert.Empty(failures);
        Assert.Equal(120, H.ListNames("\\p").Count);
        Assert.Equal(0, Ops.OpenHandles);
    }
}
