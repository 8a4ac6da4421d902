using S3Fs.Core.FileSystem;
using S3Fs.Dokan.Interop;
using S3Fs.Dokan.Tests.Harness;
using static S3Fs.Dokan.Tests.Harness.DokanHarness;

namespace S3Fs.Dokan.Tests.Operations;

public class CreateFileTests : DokanOperationsTestBase
{
    [Theory]
    [InlineData(WinNT.FILE_CREATE)]
    [InlineData(WinNT.FILE_OPEN_IF)]
    [InlineData(WinNT.FILE_OVERWRITE_IF)]
    [InlineData(WinNT.FILE_SUPERSEDE)]
    public async Task CreateFile_MissingFileWithCreatingDisposition_CreatesAndUploadsOnClose(uint disposition)
    {
        using (var h = H.Open("\\new.txt", ReadWriteAccess, disposition, WinNT.FILE_NON_DIRECTORY_FILE))
        {
            Assert.Equal(NtStatus.Success, h.Status);
            Assert.False(h.Info.IsDirectory);
            Assert.NotEqual(0ul, h.Info.Context);
            Assert.Equal(NtStatus.Success, h.Write(0, Bytes("hello")));
        }

        Assert.Equal("hello", await StoreObjects.ReadTextAsync(H.Store, Key("new.txt")));
    }

    [Theory]
    [InlineData(WinNT.FILE_OPEN)]
    [InlineData(WinNT.FILE_OVERWRITE)]
    public void CreateFile_MissingFileWithOpeningDisposition_IsObjectNameNotFound(uint disposition)
    {
        using var h = H.Open("\\nope.txt", ReadWriteAccess, disposition);
        Assert.Equal(NtStatus.ObjectNameNotFound, h.Status);
        Assert.Equal(0ul, h.Info.Context);
    }

    [Theory]
    [InlineData(WinNT.FILE_OPEN, NtStatus.Success, "original content")]
    [InlineData(WinNT.FILE_OPEN_IF, NtStatus.ObjectNameCollision, "original content")]
    [InlineData(WinNT.FILE_OVERWRITE, NtStatus.Success, "")]
    [InlineData(WinNT.FILE_OVERWRITE_IF, NtStatus.ObjectNameCollision, "")]
    [InlineData(WinNT.FILE_SUPERSEDE, NtStatus.ObjectNameCollision, "")]
    public async Task CreateFile_ExistingFile_OpensOrTruncatesPerDisposition(uint disposition, NtStatus expected, string content)
    {
        H.WriteAll("\\f.txt", Bytes("original content"));

        using (var h = H.Open("\\f.txt", ReadWriteAccess, disposition, WinNT.FILE_NON_DIRECTORY_FILE))
        {
            Assert.Equal(expected, h.Status);
            Assert.True(h.IsOpen);
            Assert.Equal(content.Length, h.Information().Length);
        }

        Assert.Equal(content, await StoreObjects.ReadTextAsync(H.Store, Key("f.txt")));
    }

    [Fact]
    public async Task CreateFile_ExistingFileWithCreateNew_IsCollisionAndLeavesItAlone()
    {
        H.WriteAll("\\f.txt", Bytes("keep me"));

        using var h = H.Open("\\f.txt", ReadWriteAccess, WinNT.FILE_CREATE);

        Assert.Equal(NtStatus.ObjectNameCollision, h.Status);
        Assert.False(h.IsOpen);
        Assert.Equal("keep me", await StoreObjects.ReadTextAsync(H.Store, Key("f.txt")));
    }

    [Fact]
    public async Task CreateFile_NewDirectory_CreatesMarkerAndReportsDirectory()
    {
        using (var h = H.Open("\\photos", ListAccess, WinNT.FILE_CREATE, WinNT.FILE_DIRECTORY_FILE))
        {
            Assert.Equal(NtStatus.Success, h.Status);
            Assert.True(h.Info.IsDirectory);
        }

        Assert.NotNull(await StoreObjects.ReadAsync(H.Store, Key("photos/")));
        Assert.Equal(WinNT.FILE_ATTRIBUTE_DIRECTORY, H.Stat("\\photos")!.Value.Attributes & WinNT.FILE_ATTRIBUTE_DIRECTORY);
    }

    [Fact]
    public void CreateFile_ExistingDirectory_OpensWithAndWithoutDirectoryOption()
    {
        Assert.Equal(NtStatus.Success, H.MkDir("\\d"));

        using (var plain = H.Open("\\d", AttributesAccess, WinNT.FILE_OPEN))
        {
            Assert.Equal(NtStatus.Success, plain.Status);
            Assert.True(plain.Info.IsDirectory);
        }

        using var openIf = H.Open("\\d", ListAccess, WinNT.FILE_OPEN_IF, WinNT.FILE_DIRECTORY_FILE);
        Assert.Equal(NtStatus.ObjectNameCollision, openIf.Status);
        Assert.True(openIf.IsOpen);
    }

    [Fact]
    public void CreateFile_KindMismatch_IsRefusedWithTheRightStatus()
    {
        H.WriteAll("\\file", Bytes("x"));
        Assert.Equal(NtStatus.Success, H.MkDir("\\dir"));

        using var fileAsDir = H.Open("\\file", ListAccess, WinNT.FILE_OPEN, WinNT.FILE_DIRECTORY_FILE);
        using var dirAsFile = H.Open("\\dir", ReadAccess, WinNT.FILE_OPEN, WinNT.FILE_NON_DIRECTORY_FILE);
        using var dirOverwrite = H.Open("\\dir", ReadWriteAccess, WinNT.FILE_OVERWRITE_IF);
        using var createDirOverFile = H.Open("\\file", ListAccess, WinNT.FILE_CREATE, WinNT.FILE_DIRECTORY_FILE);

        Assert.Equal(NtStatus.NotADirectory, fileAsDir.Status);
        Assert.Equal(NtStatus.FileIsADirectory, dirAsFile.Status);
        Assert.Equal(NtStatus.FileIsADirectory, dirOverwrite.Status);
        Assert.Equal(NtStatus.ObjectNameCollision, createDirOverFile.Status);
    }

    [Theory]
    [InlineData(WinNT.FILE_OVERWRITE)]
    [InlineData(WinNT.FILE_OVERWRITE_IF)]
    [InlineData(WinNT.FILE_SUPERSEDE)]
    [InlineData(6u)]
    public void CreateFile_DirectoryWithImpossibleDisposition_IsInvalidParameter(uint disposition)
    {
        using var h = H.Open("\\d", ListAccess, disposition, WinNT.FILE_DIRECTORY_FILE);
        Assert.Equal(NtStatus.InvalidParameter, h.Status);
    }

    [Fact]
    public void CreateFile_BothDirectoryAndNonDirectoryOptions_IsInvalidParameter()
    {
        using var h = H.Open("\\x", ReadAccess, WinNT.FILE_OPEN_IF, WinNT.FILE_DIRECTORY_FILE | WinNT.FILE_NON_DIRECTORY_FILE);
        Assert.Equal(NtStatus.InvalidParameter, h.Status);
    }

    [Fact]
    public void CreateFile_MissingOrFileParent_IsObjectPathNotFound()
    {
        H.WriteAll("\\file", Bytes("x"));

        using var missing = H.Open("\\no\\such\\x.txt", ReadWriteAccess, WinNT.FILE_OVERWRITE_IF);
        using var underFile = H.Open("\\file\\x.txt", ReadWriteAccess, WinNT.FILE_OVERWRITE_IF);

        Assert.Equal(NtStatus.ObjectPathNotFound, missing.Status);
        Assert.Equal(NtStatus.ObjectPathNotFound, underFile.Status);
    }

    [Fact]
    public void CreateFile_Root_IsADirectory()
    {
        using var h = H.Open("\\", ListAccess, WinNT.FILE_OPEN, WinNT.FILE_DIRECTORY_FILE);
        Assert.Equal(NtStatus.Success, h.Status);
        Assert.True(h.Info.IsDirectory);
        Assert.Equal(IFileSystem.RootInode, h.Information().FileIndex);
    }

    [Fact]
    public async Task CreateFile_ReadOnlyAttributeRequested_CreatesFileWithoutWriteBits()
    {
        using (var h = H.Open("\\ro.txt", ReadWriteAccess, WinNT.FILE_CREATE, 0, WinNT.FILE_ATTRIBUTE_READONLY))
        {
            Assert.Equal(NtStatus.Success, h.Status);
            Assert.Equal(NtStatus.Success, h.Write(0, Bytes("written through the creating handle")));
        }

        Assert.Equal(WinNT.FILE_ATTRIBUTE_READONLY, H.Stat("\\ro.txt")!.Value.Attributes);
        var entry = await H.FileSystem.LookupAsync(IFileSystem.RootInode, "ro.txt", CancellationToken.None);
        var attrs = await H.FileSystem.GetAttrAsync(entry.Inode, CancellationToken.None);
        H.FileSystem.Forget(entry.Inode, 1);
        Assert.Equal(Convert.ToUInt32("444", 8), attrs.Mode);
    }

    [Fact]
    public void CreateFile_ReadOnlyFileForWriting_IsAccessDeniedButReadingWorks()
    {
        using (H.Open("\\ro.txt", ReadWriteAccess, WinNT.FILE_CREATE, 0, WinNT.FILE_ATTRIBUTE_READONLY))
        {
        }

        using var write = H.Open("\\ro.txt", WriteAccess, WinNT.FILE_OPEN);
        using var truncate = H.Open("\\ro.txt", ReadAccess, WinNT.FILE_OVERWRITE);
        using var read = H.Open("\\ro.txt", ReadAccess, WinNT.FILE_OPEN);

        Assert.Equal(NtStatus.AccessDenied, write.Status);
        Assert.Equal(NtStatus.AccessDenied, truncate.Status);
        Assert.Equal(NtStatus.Success, read.Status);
    }

    [Theory]
    [InlineData(0u)]
    [InlineData(WinNT.FILE_SHARE_READ)]
    [InlineData(WinNT.FILE_SHARE_READ | WinNT.FILE_SHARE_WRITE | WinNT.FILE_SHARE_DELETE)]
    public void CreateFile_AnyShareMode_IsAccepted(uint share)
    {
        // Share access is enforced by the Dokan driver on its FCBs; the adapter never refuses because of it.
        H.WriteAll("\\shared.txt", Bytes("s"));
        var first = new DokanFileInfo();
        var second = new DokanFileInfo();

        Assert.Equal(NtStatus.Success, Ops.CreateFile("\\shared.txt", ReadWriteAccess, 0, share, WinNT.FILE_OPEN, 0, first));
        Assert.Equal(NtStatus.Success, Ops.CreateFile("\\shared.txt", ReadAccess, 0, share, WinNT.FILE_OPEN, 0, second));
        Assert.NotEqual(first.Context, second.Context);

        foreach (var info in new[] { first, second })
        {
            Ops.Cleanup("\\shared.txt", info);
            Ops.CloseFile("\\shared.txt", info);
        }
    }

    [Fact]
    public async Task CreateFile_AttributesOnlyOpen_DownloadsNothing()
    {
        var counting = new S3Fs.Core.Storage.CountingObjectStore(new S3Fs.Testing.Storage.InMemoryObjectStore());
        await using var h = new DokanHarness(counting, "mnt/");
        h.WriteAll("\\big.bin", new byte[100_000]);
        await h.RemountAsync();
        counting.Reset();

        using (var open = h.OpenExisting("\\big.bin"))
        {
            Assert.Equal(100_000, open.Information().Length);
        }

        Assert.Equal(0, counting.Count(S3Fs.Core.Storage.ObjectStoreOperation.GetRange));
        Assert.Equal(0, counting.Count(S3Fs.Core.Storage.ObjectStoreOperation.Put));
    }

    [Fact]
    public void CreateFile_CaseInsensitiveMount_FindsTheExistingName()
    {
        H.WriteAll("\\Report.TXT", Bytes("r"));

        using var h = H.Open("\\report.txt", ReadAccess, WinNT.FILE_OPEN);
        using var create = H.Open("\\REPORT.txt", ReadWriteAccess, WinNT.FILE_CREATE);

        Assert.Equal(NtStatus.Success, h.Status);
        Assert.Equal("r", Text(h.Read(0, 10)));
        Assert.Equal(NtStatus.ObjectNameCollision, create.Status);
        Assert.Equal(["Report.TXT"], H.ListNames("\\"));
    }
}

public class CaseSensitiveCreateFileTests : DokanOperationsTestBase
{
    protected override DokanMountOptions MountOptions => new() { CaseInsensitive = false };

    [Fact]
    public void CreateFile_CaseSensitiveMount_TreatsCaseVariantsAsOtherNames()
    {
        H.WriteAll("\\Report.txt", Bytes("upper"));

        using (var missing = H.Open("\\report.txt", ReadAccess, WinNT.FILE_OPEN))
        {
            Assert.Equal(NtStatus.ObjectNameNotFound, missing.Status);
        }

        H.WriteAll("\\report.txt", Bytes("lower"));
        Assert.Equal(["Report.txt", "report.txt"], H.ListNames("\\"));
        Assert.Equal("upper", Text(H.ReadAll("\\Report.txt")));
        Assert.Equal("lower", Text(H.ReadAll("\\report.txt")));
    }
}

public class ReadOnlyMountCreateFileTests : DokanOperationsTestBase
{
    protected override DokanMountOptions MountOptions => new() { ReadOnly = true };

    [Fact]
    public async Task CreateFile_ReadOnlyMount_RefusesChangesButReads()
    {
        await StoreObjects.PutTextAsync(H.Store, Key("existing.txt"), "data");

        using var create = H.Open("\\new.txt", ReadWriteAccess, WinNT.FILE_CREATE);
        using var write = H.Open("\\existing.txt", WriteAccess, WinNT.FILE_OPEN);
        using var deleteOnClose = H.Open("\\existing.txt", DeleteAccess, WinNT.FILE_OPEN, WinNT.FILE_DELETE_ON_CLOSE);
        using var read = H.Open("\\existing.txt", ReadAccess, WinNT.FILE_OPEN);

        Assert.Equal(NtStatus.MediaWriteProtected, create.Status);
        Assert.Equal(NtStatus.MediaWriteProtected, write.Status);
        Assert.Equal(NtStatus.MediaWriteProtected, deleteOnClose.Status);
        Assert.Equal("data", Text(read.Read(0, 100)));
        Assert.Equal(NtStatus.MediaWriteProtected, Ops.SetFileAttributes("\\existing.txt", WinNT.FILE_ATTRIBUTE_READONLY, read.Info));
    }
}
