using S3Fs.Dokan.Interop;
using S3Fs.Dokan.Tests.Harness;
using static S3Fs.Dokan.Tests.Harness.DokanHarness;

namespace S3Fs.Dokan.Tests.Rgw;

/// <summary>Windows call sequences through the adapter against the real S3 server: what lands in the bucket.</summary>
[Trait("Category", "S3")]
public class DokanOperationsRgwTests : IAsyncLifetime
{
    private DokanHarness? _harness;

    private DokanHarness H => _harness!;

    public async Task InitializeAsync() => _harness = await RgwHarness.CreateAsync(nameof(DokanOperationsRgwTests));

    public async Task DisposeAsync()
    {
        if (_harness is not null)
        {
            Assert.Equal(0, _harness.Operations.OpenHandles);
            await _harness.DisposeAsync();
        }
    }

    [Fact]
    public async Task CreateWriteAtOffsetsRead_OnRgw_StoresTheBytes()
    {
        var data = new byte[300_000];
        new Random(11).NextBytes(data);
        H.WriteAll("\\data.bin", data);
        using (var h = H.Open("\\data.bin", ReadWriteAccess, WinNT.FILE_OPEN))
        {
            Assert.Equal(NtStatus.Success, h.Write(1000, StoreObjects.Bytes("PATCH")));
            Assert.Equal(NtStatus.Success, h.Write(400_000, StoreObjects.Bytes("TAIL")));
        }

        var expected = new byte[400_004];
        data.CopyTo(expected, 0);
        StoreObjects.Bytes("PATCH").CopyTo(expected, 1000);
        StoreObjects.Bytes("TAIL").CopyTo(expected, 400_000);
        Assert.Equal(expected, await StoreObjects.ReadAsync(H.Store, H.Prefix + "data.bin"));
        await H.RemountAsync();
        Assert.Equal(expected, H.ReadAll("\\data.bin"));
    }

    [Fact]
    public async Task CreateDispositions_OnRgw_BehaveAsOnWindows()
    {
        using (var created = H.Open("\\d.txt", ReadWriteAccess, WinNT.FILE_CREATE))
        {
            Assert.Equal(NtStatus.Success, created.Status);
            Assert.Equal(NtStatus.Success, created.Write(0, StoreObjects.Bytes("first")));
        }

        using (var again = H.Open("\\d.txt", ReadWriteAccess, WinNT.FILE_CREATE))
        {
            Assert.Equal(NtStatus.ObjectNameCollision, again.Status);
        }

        using (var openIf = H.Open("\\d.txt", ReadAccess, WinNT.FILE_OPEN_IF))
        {
            Assert.Equal(NtStatus.ObjectNameCollision, openIf.Status);
            Assert.Equal("first", StoreObjects.Text(openIf.Read(0, 100)));
        }

        using (var truncate = H.Open("\\d.txt", ReadWriteAccess, WinNT.FILE_OVERWRITE))
        {
            Assert.Equal(NtStatus.Success, truncate.Status);
        }

        Assert.Equal(string.Empty, await StoreObjects.ReadTextAsync(H.Store, H.Prefix + "d.txt"));
    }

    [Fact]
    public async Task MoveFile_OnRgw_WithAndWithoutReplace()
    {
        H.WriteAll("\\a.txt", StoreObjects.Bytes("A"));
        H.WriteAll("\\b.txt", StoreObjects.Bytes("B"));

        Assert.Equal(NtStatus.ObjectNameCollision, H.Move("\\a.txt", "\\b.txt", replace: false));
        Assert.Equal(NtStatus.Success, H.Move("\\a.txt", "\\b.txt", replace: true));
        Assert.Equal(NtStatus.Success, H.Move("\\b.txt", "\\c.txt", replace: false));

        Assert.Null(await StoreObjects.ReadAsync(H.Store, H.Prefix + "a.txt"));
        Assert.Null(await StoreObjects.ReadAsync(H.Store, H.Prefix + "b.txt"));
        Assert.Equal("A", await StoreObjects.ReadTextAsync(H.Store, H.Prefix + "c.txt"));
    }

    [Fact]
    public async Task DeleteOnCloseAndNonEmptyDirectory_OnRgw()
    {
        Assert.Equal(NtStatus.Success, H.MkDir("\\dir"));
        H.WriteAll("\\dir\\f.txt", StoreObjects.Bytes("f"));
        Assert.Equal(NtStatus.DirectoryNotEmpty, H.Delete("\\dir", directory: true));

        using (var h = H.Open("\\dir\\f.txt", DeleteAccess, WinNT.FILE_OPEN, WinNT.FILE_DELETE_ON_CLOSE))
        {
            Assert.Equal(NtStatus.Success, h.Status);
        }

        Assert.Null(await StoreObjects.ReadAsync(H.Store, H.Prefix + "dir/f.txt"));
        Assert.Equal(NtStatus.Success, H.Delete("\\dir", directory: true));
        Assert.Null(await StoreObjects.ReadAsync(H.Store, H.Prefix + "dir/"));
    }

    [Fact]
    public async Task EscapedAndCaseCollidingNames_OnRgw_MapToTheRealKeys()
    {
        await StoreObjects.PutTextAsync(H.Store, H.Prefix + "what?.txt", "question");
        await StoreObjects.PutTextAsync(H.Store, H.Prefix + "Notes.txt", "upper");
        await StoreObjects.PutTextAsync(H.Store, H.Prefix + "notes.txt", "lower");
        H.WriteAll("\\a\uF03Ab.txt", StoreObjects.Bytes("colon"));

        Assert.Equal(["Notes.txt", "a\uF03Ab.txt", "notes\uF0FF.txt", "what\uF03F.txt"], H.ListNames("\\"));
        Assert.Equal(["Notes.txt", "a\uF03Ab.txt", "notes\uF0FF.txt", "what\uF03F.txt"], H.ListNames("\\", "*.txt"));
        Assert.Equal(["what\uF03F.txt"], H.ListNames("\\", "w*"));
        Assert.Equal("question", StoreObjects.Text(H.ReadAll("\\what\uF03F.txt")));
        Assert.Equal("lower", StoreObjects.Text(H.ReadAll("\\notes\uF0FF.txt")));
        Assert.Equal("upper", StoreObjects.Text(H.ReadAll("\\Notes.txt")));
        Assert.Equal("colon", await StoreObjects.ReadTextAsync(H.Store, H.Prefix + "a:b.txt"));
    }

    [Fact]
    public async Task AttributesAndTimes_OnRgw_SurviveRemount()
    {
        H.WriteAll("\\t.txt", StoreObjects.Bytes("t"));
        var when = new DateTimeOffset(2003, 4, 5, 6, 7, 8, TimeSpan.Zero);
        using (var h = H.OpenExisting("\\t.txt", WinNT.FILE_WRITE_ATTRIBUTES | AttributesAccess))
        {
            Assert.Equal(NtStatus.Success, H.Operations.SetFileTime("\\t.txt", null, null, FileTimes.ToFileTime(when), h.Info));
            Assert.Equal(NtStatus.Success, H.Operations.SetFileAttributes("\\t.txt", WinNT.FILE_ATTRIBUTE_READONLY, h.Info));
        }

        await H.RemountAsync();

        var info = H.Stat("\\t.txt")!.Value;
        Assert.Equal(when, info.LastWriteTime);
        Assert.Equal(WinNT.FILE_ATTRIBUTE_READONLY, info.Attributes);
        Assert.Equal(NtStatus.CannotDelete, H.Delete("\\t.txt", directory: false));
    }
}
