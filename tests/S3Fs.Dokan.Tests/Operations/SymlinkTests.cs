using S3Fs.Core.FileSystem;
using S3Fs.Dokan.Interop;
using S3Fs.Dokan.Tests.Harness;
using static S3Fs.Dokan.Tests.Harness.DokanHarness;

namespace S3Fs.Dokan.Tests.Operations;

/// <summary>Symlinks made by a Linux client of the same bucket, as Windows sees them through the adapter.</summary>
public class SymlinkTests : DokanOperationsTestBase
{
    private async Task SymlinkAsync(string target, string name, string directory = "")
    {
        var parent = IFileSystem.RootInode;
        if (directory.Length > 0)
        {
            var dir = await H.FileSystem.LookupAsync(IFileSystem.RootInode, directory, CancellationToken.None);
            parent = dir.Inode;
        }

        var entry = await H.FileSystem.SymlinkAsync(target, parent, name, RequestContext.Root, CancellationToken.None);
        H.FileSystem.Forget(entry.Inode, 1);
    }

    [Fact]
    public async Task Symlink_RelativeInsideTheMount_IsFollowedForDataAndListing()
    {
        Assert.Equal(NtStatus.Success, H.MkDir("\\data"));
        H.WriteAll("\\data\\real.txt", Bytes("real content"));
        await SymlinkAsync("data/real.txt", "link.txt");
        await SymlinkAsync("data", "dirlink");

        Assert.Equal("real content", Text(H.ReadAll("\\link.txt")));
        Assert.Equal("real content", Text(H.ReadAll("\\dirlink\\real.txt")));
        var entries = H.List("\\").ToDictionary(e => e.FileName);
        Assert.Equal(12, entries["link.txt"].Length);
        Assert.Equal(WinNT.FILE_ATTRIBUTE_DIRECTORY, entries["dirlink"].Attributes);
        Assert.Equal(["real.txt"], H.ListNames("\\dirlink"));
    }

    [Fact]
    public async Task Symlink_WithDotDot_IsResolvedFromItsDirectory()
    {
        Assert.Equal(NtStatus.Success, H.MkDir("\\a"));
        H.WriteAll("\\top.txt", Bytes("top"));
        await SymlinkAsync("../top.txt", "up", "a");

        Assert.Equal("top", Text(H.ReadAll("\\a\\up")));
    }

    [Theory]
    [InlineData("/etc/passwd")]
    [InlineData("../../outside")]
    [InlineData("missing-target")]
    public async Task Symlink_ThatCannotBeFollowed_IsAReadOnlyFileHoldingItsTarget(string target)
    {
        await SymlinkAsync(target, "odd");

        var info = H.Stat("\\odd")!.Value;
        Assert.Equal(WinNT.FILE_ATTRIBUTE_READONLY, info.Attributes);
        Assert.Equal(target, Text(H.ReadAll("\\odd")));
        using var write = H.Open("\\odd", WriteAccess, WinNT.FILE_OPEN);
        Assert.Equal(NtStatus.AccessDenied, write.Status);
    }

    [Fact]
    public async Task Symlink_Loop_IsAPlaceholderNotAHang()
    {
        await SymlinkAsync("b", "a");
        await SymlinkAsync("a", "b");

        Assert.Equal("b", Text(H.ReadAll("\\a")));
        using var through = H.Open("\\a\\x", ReadAccess, WinNT.FILE_OPEN);
        Assert.Equal(NtStatus.ObjectPathNotFound, through.Status);
    }

    [Fact]
    public async Task DeleteFile_OnASymlink_RemovesTheLinkNotTheTarget()
    {
        H.WriteAll("\\target.txt", Bytes("keep"));
        await SymlinkAsync("target.txt", "link");

        Assert.Equal(NtStatus.Success, H.Delete("\\link", directory: false));

        Assert.Null(await StoreObjects.ReadAsync(H.Store, Key("link")));
        Assert.Equal("keep", await StoreObjects.ReadTextAsync(H.Store, Key("target.txt")));
    }

    [Fact]
    public async Task MoveFile_OnASymlink_RenamesTheLink()
    {
        H.WriteAll("\\target.txt", Bytes("keep"));
        await SymlinkAsync("target.txt", "link");

        Assert.Equal(NtStatus.Success, H.Move("\\link", "\\renamed", replace: false));

        Assert.Equal("target.txt", await StoreObjects.ReadTextAsync(H.Store, Key("renamed")));
        Assert.Equal("keep", Text(H.ReadAll("\\renamed")));
    }
}
