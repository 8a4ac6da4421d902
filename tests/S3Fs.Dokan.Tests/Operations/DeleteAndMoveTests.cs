using S3Fs.Dokan.Interop;
using S3Fs.Dokan.Tests.Harness;
using static S3Fs.Dokan.Tests.Harness.DokanHarness;

namespace S3Fs.Dokan.Tests.Operations;

public class DeleteAndMoveTests : DokanOperationsTestBase
{
    [Fact]
    public async Task DeleteFile_Disposition_DeletesOnlyAtCleanup()
    {
        H.WriteAll("\\gone.txt", Bytes("bye"));
        var h = H.Open("\\gone.txt", DeleteAccess, WinNT.FILE_OPEN);

        Assert.Equal(NtStatus.Success, h.MarkForDeletion(true));
        Assert.NotNull(await StoreObjects.ReadAsync(H.Store, Key("gone.txt")));

        h.Close();
        Assert.Null(await StoreObjects.ReadAsync(H.Store, Key("gone.txt")));
        Assert.Null(H.Stat("\\gone.txt"));
    }

    [Fact]
    public async Task DeleteFile_DispositionCancelled_KeepsTheFile()
    {
        H.WriteAll("\\stay.txt", Bytes("here"));
        using (var h = H.Open("\\stay.txt", DeleteAccess, WinNT.FILE_OPEN))
        {
            Assert.Equal(NtStatus.Success, h.MarkForDeletion(true));
            Assert.Equal(NtStatus.Success, h.MarkForDeletion(false));
        }

        Assert.Equal("here", await StoreObjects.ReadTextAsync(H.Store, Key("stay.txt")));
    }

    [Fact]
    public async Task CreateFile_DeleteOnClose_RemovesTheFileWhenClosed()
    {
        H.WriteAll("\\doc.txt", Bytes("x"));

        using (var h = H.Open("\\doc.txt", DeleteAccess, WinNT.FILE_OPEN, WinNT.FILE_DELETE_ON_CLOSE))
        {
            Assert.Equal(NtStatus.Success, h.Status);
        }

        Assert.Null(await StoreObjects.ReadAsync(H.Store, Key("doc.txt")));
    }

    [Fact]
    public async Task CreateFile_TemporaryDeleteOnCloseFile_NeverReachesTheBucket()
    {
        using (var h = H.Open("\\~tmp123.tmp", ReadWriteAccess, WinNT.FILE_CREATE, WinNT.FILE_DELETE_ON_CLOSE))
        {
            Assert.Equal(NtStatus.Success, h.Write(0, Bytes("scratch")));
        }

        Assert.Null(await StoreObjects.ReadAsync(H.Store, Key("~tmp123.tmp")));
        Assert.Empty(H.ListNames("\\"));
    }

    [Fact]
    public void DeleteDirectory_NotEmpty_IsRefusedThenSucceedsWhenEmptied()
    {
        Assert.Equal(NtStatus.Success, H.MkDir("\\d"));
        H.WriteAll("\\d\\f.txt", Bytes("x"));

        Assert.Equal(NtStatus.DirectoryNotEmpty, H.Delete("\\d", directory: true));
        using (var onClose = H.Open("\\d", DeleteAccess, WinNT.FILE_OPEN, WinNT.FILE_DIRECTORY_FILE | WinNT.FILE_DELETE_ON_CLOSE))
        {
            Assert.Equal(NtStatus.DirectoryNotEmpty, onClose.Status);
        }

        Assert.Equal(NtStatus.Success, H.Delete("\\d\\f.txt", directory: false));
        Assert.Equal(NtStatus.Success, H.Delete("\\d", directory: true));
        Assert.Null(H.Stat("\\d"));
    }

    [Fact]
    public void DeleteFile_ReadOnlyFile_IsCannotDelete()
    {
        using (H.Open("\\ro.txt", ReadWriteAccess, WinNT.FILE_CREATE, 0, WinNT.FILE_ATTRIBUTE_READONLY))
        {
        }

        Assert.Equal(NtStatus.CannotDelete, H.Delete("\\ro.txt", directory: false));
        using var onClose = H.Open("\\ro.txt", DeleteAccess, WinNT.FILE_OPEN, WinNT.FILE_DELETE_ON_CLOSE);
        Assert.Equal(NtStatus.CannotDelete, onClose.Status);
        Assert.NotNull(H.Stat("\\ro.txt"));
    }

    [Fact]
    public void DeleteDirectory_Root_IsAccessDenied()
    {
        using var root = H.Open("\\", DeleteAccess, WinNT.FILE_OPEN, WinNT.FILE_DIRECTORY_FILE);
        Assert.Equal(NtStatus.AccessDenied, root.MarkForDeletion(true));
    }

    [Fact]
    public async Task MoveFile_ToNewName_MovesContent()
    {
        H.WriteAll("\\a.txt", Bytes("content"));

        Assert.Equal(NtStatus.Success, H.Move("\\a.txt", "\\b.txt", replace: false));

        Assert.Null(await StoreObjects.ReadAsync(H.Store, Key("a.txt")));
        Assert.Equal("content", await StoreObjects.ReadTextAsync(H.Store, Key("b.txt")));
    }

    [Fact]
    public async Task MoveFile_OntoExistingWithoutReplace_IsCollisionAndChangesNothing()
    {
        H.WriteAll("\\src.txt", Bytes("new"));
        H.WriteAll("\\dst.txt", Bytes("old"));

        Assert.Equal(NtStatus.ObjectNameCollision, H.Move("\\src.txt", "\\dst.txt", replace: false));
        Assert.Equal(NtStatus.ObjectNameCollision, H.Move("\\src.txt", "\\DST.TXT", replace: false));

        Assert.Equal("new", await StoreObjects.ReadTextAsync(H.Store, Key("src.txt")));
        Assert.Equal("old", await StoreObjects.ReadTextAsync(H.Store, Key("dst.txt")));
    }

    [Fact]
    public async Task MoveFile_OntoExistingWithReplace_ReplacesIt()
    {
        H.WriteAll("\\src.txt", Bytes("new"));
        H.WriteAll("\\dst.txt", Bytes("old"));

        Assert.Equal(NtStatus.Success, H.Move("\\src.txt", "\\dst.txt", replace: true));

        Assert.Null(await StoreObjects.ReadAsync(H.Store, Key("src.txt")));
        Assert.Equal("new", await StoreObjects.ReadTextAsync(H.Store, Key("dst.txt")));
        Assert.Equal(["dst.txt"], H.ListNames("\\"));
    }

    [Fact]
    public void MoveFile_CaseOnlyChange_RenamesOnACaseInsensitiveMount()
    {
        H.WriteAll("\\readme.md", Bytes("r"));

        Assert.Equal(NtStatus.Success, H.Move("\\readme.md", "\\README.md", replace: false));

        Assert.Equal(["README.md"], H.ListNames("\\"));
        Assert.Equal("r", Text(H.ReadAll("\\README.md")));
    }

    [Fact]
    public async Task MoveFile_Directory_MovesTheWholeTree()
    {
        Assert.Equal(NtStatus.Success, H.MkDir("\\old"));
        Assert.Equal(NtStatus.Success, H.MkDir("\\old\\sub"));
        H.WriteAll("\\old\\sub\\f.txt", Bytes("deep"));

        Assert.Equal(NtStatus.Success, H.Move("\\old", "\\new", replace: false));

        Assert.Null(H.Stat("\\old"));
        Assert.Equal("deep", Text(H.ReadAll("\\new\\sub\\f.txt")));
        Assert.Equal("deep", await StoreObjects.ReadTextAsync(H.Store, Key("new/sub/f.txt")));
    }

    [Fact]
    public void MoveFile_DirectoryOntoNonEmptyDirectory_IsDirectoryNotEmpty()
    {
        Assert.Equal(NtStatus.Success, H.MkDir("\\x"));
        Assert.Equal(NtStatus.Success, H.MkDir("\\y"));
        H.WriteAll("\\y\\keep", Bytes("k"));

        Assert.Equal(NtStatus.DirectoryNotEmpty, H.Move("\\x", "\\y", replace: true));
        Assert.Equal("k", Text(H.ReadAll("\\y\\keep")));
    }

    [Fact]
    public void MoveFile_MissingSourceOrTargetParent_IsReported()
    {
        H.WriteAll("\\a.txt", Bytes("a"));
        using var h = H.Open("\\a.txt", DeleteAccess, WinNT.FILE_OPEN);

        Assert.Equal(NtStatus.ObjectPathNotFound, Ops.MoveFile("\\a.txt", "\\no\\b.txt", false, h.Info));
        Assert.Equal(NtStatus.ObjectNameNotFound, Ops.MoveFile("\\missing.txt", "\\b.txt", false, h.Info));
        Assert.Equal(NtStatus.AccessDenied, Ops.MoveFile("\\", "\\b", false, h.Info));
    }

    [Fact]
    public async Task MoveFile_OpenFileWithUnsavedWrites_CarriesThemToTheNewName()
    {
        using (var h = H.Open("\\draft.txt", ReadWriteAccess, WinNT.FILE_CREATE))
        {
            Assert.Equal(NtStatus.Success, h.Write(0, Bytes("draft")));
            Assert.Equal(NtStatus.Success, Ops.MoveFile("\\draft.txt", "\\final.txt", false, h.Info));
            Assert.Equal(NtStatus.Success, Ops.WriteFile("\\final.txt", Bytes("FINAL"), out _, 0, h.Info));
        }

        Assert.Null(await StoreObjects.ReadAsync(H.Store, Key("draft.txt")));
        Assert.Equal("FINAL", await StoreObjects.ReadTextAsync(H.Store, Key("final.txt")));
    }
}
