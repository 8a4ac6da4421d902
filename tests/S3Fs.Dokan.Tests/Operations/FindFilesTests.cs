using S3Fs.Dokan.Interop;
using S3Fs.Dokan.Tests.Harness;
using static S3Fs.Dokan.Tests.Harness.DokanHarness;

namespace S3Fs.Dokan.Tests.Operations;

public class FindFilesTests : DokanOperationsTestBase
{
    private void CreateFiles(params string[] names)
    {
        foreach (var name in names)
        {
            H.WriteAll("\\" + name, Bytes(name));
        }
    }

    [Theory]
    [InlineData("*", new[] { "a.txt", "aXc", "abc", "abc.doc", "b.TXT", "readme", "x.tar.gz" })]
    [InlineData("*.txt", new[] { "a.txt", "b.TXT" })]
    [InlineData("a?c", new[] { "aXc", "abc" })]
    [InlineData("<", new[] { "aXc", "abc", "readme" })]
    [InlineData("<.gz", new[] { "x.tar.gz" })]
    [InlineData(">.txt", new[] { "a.txt", "b.TXT" })]
    [InlineData("abc\"*", new[] { "abc", "abc.doc" })]
    [InlineData("nothing*", new string[0])]
    public void FindFilesWithPattern_Pattern_ListsMatchingNames(string pattern, string[] expected)
    {
        CreateFiles("a.txt", "b.TXT", "abc", "aXc", "abc.doc", "readme", "x.tar.gz");

        Assert.Equal(expected, H.ListNames("\\", pattern));
    }

    [Fact]
    public void FindFiles_Entries_CarryKindSizeAndAttributes()
    {
        CreateFiles("file.txt");
        Assert.Equal(NtStatus.Success, H.MkDir("\\dir"));
        H.WriteAll("\\.hidden", Bytes("h"));
        using (H.Open("\\ro.txt", ReadWriteAccess, WinNT.FILE_CREATE, 0, WinNT.FILE_ATTRIBUTE_READONLY))
        {
        }

        var entries = H.List("\\").ToDictionary(e => e.FileName);

        Assert.Equal(4, entries.Count);
        Assert.Equal(WinNT.FILE_ATTRIBUTE_DIRECTORY, entries["dir"].Attributes);
        Assert.Equal(0, entries["dir"].Length);
        Assert.Equal(WinNT.FILE_ATTRIBUTE_NORMAL, entries["file.txt"].Attributes);
        Assert.Equal(8, entries["file.txt"].Length);
        Assert.Equal(WinNT.FILE_ATTRIBUTE_HIDDEN, entries[".hidden"].Attributes);
        // A listing carries no mode; the read-only bit shows here because the adapter still references the file it
        // just created (it keeps recently used inodes), and always in GetFileInformation.
        Assert.Equal(WinNT.FILE_ATTRIBUTE_READONLY, entries["ro.txt"].Attributes);
        Assert.Equal(WinNT.FILE_ATTRIBUTE_READONLY, H.Stat("\\ro.txt")!.Value.Attributes);
        Assert.True(entries["file.txt"].LastWriteTime > DateTimeOffset.UtcNow.AddMinutes(-5));
    }

    [Fact]
    public void FindFiles_Subdirectory_ListsItsChildrenOnly()
    {
        Assert.Equal(NtStatus.Success, H.MkDir("\\a"));
        Assert.Equal(NtStatus.Success, H.MkDir("\\a\\b"));
        H.WriteAll("\\a\\b\\c.txt", Bytes("c"));
        H.WriteAll("\\a\\x.txt", Bytes("x"));

        Assert.Equal(["b", "x.txt"], H.ListNames("\\a"));
        Assert.Equal(["c.txt"], H.ListNames("\\a\\b"));
    }

    [Fact]
    public void FindFiles_OnAFileHandle_IsNotADirectory()
    {
        CreateFiles("f");
        using var h = H.Open("\\f", ReadAccess, WinNT.FILE_OPEN);
        Assert.Equal(NtStatus.NotADirectory, Ops.FindFiles("\\f", out _, h.Info));
    }

    [Fact]
    public async Task FindFiles_NamesWindowsCannotHold_AreShownEscapedAndReachable()
    {
        await StoreObjects.PutTextAsync(H.Store, Key("a:b?.txt"), "colon");
        await StoreObjects.PutTextAsync(H.Store, Key("con.log"), "device");
        await StoreObjects.PutTextAsync(H.Store, Key("trailing."), "dot");
        await StoreObjects.PutTextAsync(H.Store, Key("back\\slash"), "backslash");

        var names = H.ListNames("\\");

        Assert.Equal(["a\uF03Ab\uF03F.txt", "back\uF05Cslash", "trailing\uF02E", "\uF063on.log"], names);
        Assert.Equal("colon", Text(H.ReadAll("\\a\uF03Ab\uF03F.txt")));
        Assert.Equal("device", Text(H.ReadAll("\\\uF063on.log")));
        Assert.Equal("dot", Text(H.ReadAll("\\trailing\uF02E")));
        Assert.Equal("backslash", Text(H.ReadAll("\\back\uF05Cslash")));
        Assert.Equal(["a\uF03Ab\uF03F.txt"], H.ListNames("\\", "*.txt"));
    }

    [Fact]
    public async Task CreateFile_EscapedName_StoresTheOriginalName()
    {
        H.WriteAll("\\why\uF03F.txt", Bytes("q"));
        Assert.Equal(NtStatus.Success, H.MkDir("\\dir\uF03Aone"));
        H.WriteAll("\\dir\uF03Aone\\in\uF02A.txt", Bytes("star"));

        Assert.Equal("q", await StoreObjects.ReadTextAsync(H.Store, Key("why?.txt")));
        Assert.NotNull(await StoreObjects.ReadAsync(H.Store, Key("dir:one/")));
        Assert.Equal("star", await StoreObjects.ReadTextAsync(H.Store, Key("dir:one/in*.txt")));
        Assert.Equal(["dir\uF03Aone", "why\uF03F.txt"], H.ListNames("\\"));
    }

    [Fact]
    public async Task FindFiles_NamesDifferingOnlyInCase_AreAllShownAndEachReachesItsObject()
    {
        await StoreObjects.PutTextAsync(H.Store, Key("Photo.JPG"), "first");
        await StoreObjects.PutTextAsync(H.Store, Key("photo.jpg"), "second");

        var names = H.ListNames("\\");

        Assert.Equal(["Photo.JPG", "photo\uF0FF.jpg"], names);
        Assert.Equal("first", Text(H.ReadAll("\\Photo.JPG")));
        Assert.Equal("second", Text(H.ReadAll("\\photo\uF0FF.jpg")));

        // Typed in another case, the name reaches the one shown plainly: the first in ordinal order.
        Assert.Equal("first", Text(H.ReadAll("\\PHOTO.jpg")));
    }

    [Fact]
    public async Task ResolvePath_S3NameContainingEscapeCharacters_IsStillReachable()
    {
        await StoreObjects.PutTextAsync(H.Store, Key("odd\uF03Aname"), "literal");

        Assert.Equal(["odd\uF03Aname"], H.ListNames("\\"));
        Assert.Equal("literal", Text(H.ReadAll("\\odd\uF03Aname")));
    }

    [Fact]
    public async Task FindFiles_ObjectsFromOtherClients_AreListedWithImplicitDirectories()
    {
        await StoreObjects.PutTextAsync(H.Store, Key("docs/readme.md"), "# hi");
        await StoreObjects.PutTextAsync(H.Store, Key("top.txt"), "top");

        var entries = H.List("\\").ToDictionary(e => e.FileName);

        Assert.Equal(WinNT.FILE_ATTRIBUTE_DIRECTORY, entries["docs"].Attributes);
        Assert.Equal(3, entries["top.txt"].Length);
        Assert.Equal("# hi", Text(H.ReadAll("\\docs\\readme.md")));
    }
}
