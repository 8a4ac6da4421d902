using System.Text;
using S3Fs.Core.FileSystem;
using S3Fs.Core.Storage;

namespace S3Fs.Conformance;

/// <summary>
/// The behaviour every host must show, written once: files, directories, renames, links, attributes, persistence
/// across a remount. Subclasses provide the host (in-process core, FUSE mount, Dokan adapter).
/// Each test gets a fresh, empty mount.
/// </summary>
public abstract class FileSystemConformanceTests : IAsyncLifetime
{
    private IFsDriver? _fs;

    protected IFsDriver Fs => _fs ?? throw new InvalidOperationException("driver not created");

    /// <summary>A mount over a fresh, empty bucket prefix.</summary>
    protected abstract Task<IFsDriver> CreateDriverAsync();

    public async Task InitializeAsync() => _fs = await CreateDriverAsync();

    public async Task DisposeAsync()
    {
        if (_fs is not null)
        {
            await _fs.DisposeAsync();
        }
    }

    protected static byte[] Bytes(string s) => Encoding.UTF8.GetBytes(s);

    protected static byte[] Random(int size, int seed)
    {
        var data = new byte[size];
        new Random(seed).NextBytes(data);
        return data;
    }

    protected static async Task<FsErrorCode> FailsWith(Func<Task> action)
    {
        var e = await Assert.ThrowsAsync<FsDriverException>(action);
        return e.Code;
    }

    [Fact]
    public async Task WriteThenRead_SmallFile_RoundTrips()
    {
        await Fs.WriteAllAsync("hello.txt", Bytes("hello, world\n"));
        Assert.Equal("hello, world\n", Encoding.UTF8.GetString(await Fs.ReadAllAsync("hello.txt")));
        var st = await Fs.StatAsync("hello.txt");
        Assert.NotNull(st);
        Assert.Equal(FileKind.RegularFile, st.Kind);
        Assert.Equal(13, st.Size);
    }

    [Fact]
    public async Task WriteThenRead_EmptyFile_Exists()
    {
        await Fs.WriteAllAsync("empty", []);
        Assert.Empty(await Fs.ReadAllAsync("empty"));
        Assert.Equal(0, (await Fs.StatAsync("empty"))!.Size);
        await Fs.RemountAsync();
        Assert.Equal(0, (await Fs.StatAsync("empty"))!.Size);
    }

    [Fact]
    public async Task WriteThenRead_MultiMegabyteFile_RoundTripsAcrossRemount()
    {
        var data = Random((3 << 20) + 12345, 1);
        await Fs.WriteAllAsync("big.bin", data);
        await Fs.RemountAsync();
        Assert.Equal(data.Length, (await Fs.StatAsync("big.bin"))!.Size);
        Assert.Equal(data, await Fs.ReadAllAsync("big.bin"));
        Assert.Equal(data.AsSpan(1_000_000, 70_000).ToArray(), await Fs.ReadAtAsync("big.bin", 1_000_000, 70_000));
    }

    [Fact]
    public async Task Overwrite_ShorterContent_Truncates()
    {
        await Fs.WriteAllAsync("f", Bytes("a long first version"));
        await Fs.WriteAllAsync("f", Bytes("short"));
        Assert.Equal("short", Encoding.UTF8.GetString(await Fs.ReadAllAsync("f")));
    }

    [Fact]
    public async Task WriteAt_InsideAndPastEnd_KeepsRestAndZeroFillsGap()
    {
        var original = Random(200_000, 2);
        await Fs.WriteAllAsync("f", original);
        await Fs.WriteAtAsync("f", 100_000, Bytes("PATCH"));
        await Fs.WriteAtAsync("f", 300_000, Bytes("TAIL"));
        await Fs.RemountAsync();
        var read = await Fs.ReadAllAsync("f");
        Assert.Equal(300_004, read.Length);
        var expected = new byte[300_004];
        original.CopyTo(expected, 0);
        Bytes("PATCH").CopyTo(expected, 100_000);
        Bytes("TAIL").CopyTo(expected, 300_000);
        Assert.Equal(expected, read);
    }

    [Fact]
    public async Task Append_AddsToEnd()
    {
        await Fs.WriteAllAsync("log", Bytes("one\n"));
        await Fs.AppendAsync("log", Bytes("two\n"));
        await Fs.AppendAsync("log", Bytes("three\n"));
        Assert.Equal("one\ntwo\nthree\n", Encoding.UTF8.GetString(await Fs.ReadAllAsync("log")));
    }

    [Fact]
    public async Task Truncate_ShrinkAndGrow_AreDurable()
    {
        var data = Random(150_000, 3);
        await Fs.WriteAllAsync("t", data);
        await Fs.TruncateAsync("t", 70_000);
        await Fs.RemountAsync();
        Assert.Equal(data.AsSpan(0, 70_000).ToArray(), await Fs.ReadAllAsync("t"));
        await Fs.TruncateAsync("t", 80_000);
        var grown = await Fs.ReadAllAsync("t");
        Assert.Equal(80_000, grown.Length);
        Assert.True(grown.AsSpan(70_000).IndexOfAnyExcept((byte)0) < 0, "grown region must read as zeros");
    }

    [Fact]
    public async Task Stat_Missing_IsNull()
    {
        Assert.Null(await Fs.StatAsync("nope"));
        Assert.Equal(FsErrorCode.NotFound, await FailsWith(() => Fs.ReadAllAsync("nope")));
    }

    [Fact]
    public async Task MkDir_Nested_ListsChildren()
    {
        await Fs.MkDirAsync("a");
        await Fs.MkDirAsync("a/b");
        await Fs.WriteAllAsync("a/b/c.txt", Bytes("c"));
        await Fs.WriteAllAsync("a/x.txt", Bytes("x"));
        Assert.Equal(["b", "x.txt"], await Fs.ListAsync("a"));
        Assert.Equal(["c.txt"], await Fs.ListAsync("a/b"));
        Assert.Equal(FileKind.Directory, (await Fs.StatAsync("a/b"))!.Kind);
        await Fs.RemountAsync();
        Assert.Equal(["b", "x.txt"], await Fs.ListAsync("a"));
    }

    [Fact]
    public async Task MkDir_Existing_FailsWithAlreadyExists()
    {
        await Fs.MkDirAsync("d");
        Assert.Equal(FsErrorCode.AlreadyExists, await FailsWith(() => Fs.MkDirAsync("d")));
    }

    [Fact]
    public async Task MkDir_EmptyDirectory_SurvivesRemount()
    {
        await Fs.MkDirAsync("empty-dir");
        await Fs.RemountAsync();
        Assert.Equal(FileKind.Directory, (await Fs.StatAsync("empty-dir"))!.Kind);
        Assert.Empty(await Fs.ListAsync("empty-dir"));
    }

    [Fact]
    public async Task RmDir_NonEmpty_FailsWithNotEmpty_ThenSucceedsWhenEmptied()
    {
        await Fs.MkDirAsync("d");
        await Fs.WriteAllAsync("d/f", Bytes("x"));
        Assert.Equal(FsErrorCode.NotEmpty, await FailsWith(() => Fs.RmDirAsync("d")));
        await Fs.UnlinkAsync("d/f");
        await Fs.RmDirAsync("d");
        Assert.Null(await Fs.StatAsync("d"));
        await Fs.RemountAsync();
        Assert.Null(await Fs.StatAsync("d"));
    }

    [Fact]
    public async Task Unlink_RemovesFileFromListingAndBucket()
    {
        await Fs.WriteAllAsync("gone", Bytes("bye"));
        await Fs.UnlinkAsync("gone");
        Assert.Null(await Fs.StatAsync("gone"));
        Assert.Empty(await Fs.ListAsync(""));
        await Fs.RemountAsync();
        Assert.Null(await Fs.StatAsync("gone"));
    }

    [Fact]
    public async Task Rename_File_MovesContentAndReplacesTarget()
    {
        await Fs.WriteAllAsync("src", Bytes("new content"));
        await Fs.WriteAllAsync("dst", Bytes("old content"));
        await Fs.RenameAsync("src", "dst");
        Assert.Null(await Fs.StatAsync("src"));
        Assert.Equal("new content", Encoding.UTF8.GetString(await Fs.ReadAllAsync("dst")));
        await Fs.RemountAsync();
        Assert.Equal(["dst"], await Fs.ListAsync(""));
        Assert.Equal("new content", Encoding.UTF8.GetString(await Fs.ReadAllAsync("dst")));
    }

    [Fact]
    public async Task Rename_EditorStyleSave_ReplacesAtomicallyFromReadersView()
    {
        await Fs.WriteAllAsync("doc.txt", Bytes("version 1"));
        await Fs.WriteAllAsync(".doc.txt.swp", Bytes("version 2"));
        await Fs.RenameAsync(".doc.txt.swp", "doc.txt");
        Assert.Equal("version 2", Encoding.UTF8.GetString(await Fs.ReadAllAsync("doc.txt")));
        Assert.Equal(["doc.txt"], await Fs.ListAsync(""));
    }

    [Fact]
    public async Task Rename_Directory_MovesWholeTree()
    {
        await Fs.MkDirAsync("old");
        await Fs.MkDirAsync("old/sub");
        await Fs.WriteAllAsync("old/a", Bytes("A"));
        await Fs.WriteAllAsync("old/sub/b", Bytes("B"));
        await Fs.RenameAsync("old", "new");
        Assert.Null(await Fs.StatAsync("old"));
        Assert.Equal("B", Encoding.UTF8.GetString(await Fs.ReadAllAsync("new/sub/b")));
        await Fs.RemountAsync();
        Assert.Equal(["new"], await Fs.ListAsync(""));
        Assert.Equal(["a", "sub"], await Fs.ListAsync("new"));
        Assert.Equal("A", Encoding.UTF8.GetString(await Fs.ReadAllAsync("new/a")));
        Assert.Equal("B", Encoding.UTF8.GetString(await Fs.ReadAllAsync("new/sub/b")));
    }

    [Fact]
    public async Task Rename_DirectoryOntoNonEmptyDirectory_FailsWithNotEmpty()
    {
        await Fs.MkDirAsync("x");
        await Fs.MkDirAsync("y");
        await Fs.WriteAllAsync("y/keep", Bytes("k"));
        Assert.Equal(FsErrorCode.NotEmpty, await FailsWith(() => Fs.RenameAsync("x", "y")));
        Assert.Equal("k", Encoding.UTF8.GetString(await Fs.ReadAllAsync("y/keep")));
    }

    [Fact]
    public async Task Symlink_ReadLinkAndStat_AcrossRemount()
    {
        await Fs.WriteAllAsync("target.txt", Bytes("t"));
        await Fs.SymlinkAsync("target.txt", "link");
        Assert.Equal("target.txt", await Fs.ReadLinkAsync("link"));
        Assert.Equal(FileKind.Symlink, (await Fs.StatAsync("link"))!.Kind);
        await Fs.RemountAsync();
        Assert.Equal("target.txt", await Fs.ReadLinkAsync("link"));
        Assert.Equal(FileKind.Symlink, (await Fs.StatAsync("link"))!.Kind);
    }

    [Fact]
    public async Task Chmod_IsPersisted()
    {
        await Fs.WriteAllAsync("secret", Bytes("s"));
        await Fs.ChmodAsync("secret", Convert.ToUInt32("600", 8));
        await Fs.RemountAsync();
        Assert.Equal(Convert.ToUInt32("600", 8), (await Fs.StatAsync("secret"))!.Mode & 0xFFF);
        Assert.Equal("s", Encoding.UTF8.GetString(await Fs.ReadAllAsync("secret")));
    }

    [Fact]
    public async Task SetMTime_IsPersisted()
    {
        await Fs.WriteAllAsync("old-file", Bytes("o"));
        var when = new DateTimeOffset(2001, 2, 3, 4, 5, 6, TimeSpan.Zero);
        await Fs.SetMTimeAsync("old-file", when);
        await Fs.RemountAsync();
        Assert.Equal(when, (await Fs.StatAsync("old-file"))!.MTime);
    }

    [Fact]
    public async Task XAttrs_SetGetListRemove_ArePersisted()
    {
        await Fs.WriteAllAsync("x", Bytes("x"));
        await Fs.SetXAttrAsync("x", "user.color", Bytes("blue"));
        await Fs.SetXAttrAsync("x", "user.bin", [0, 1, 2, 255]);
        await Fs.RemountAsync();
        Assert.Equal("blue", Encoding.UTF8.GetString((await Fs.GetXAttrAsync("x", "user.color"))!));
        Assert.Equal([0, 1, 2, 255], await Fs.GetXAttrAsync("x", "user.bin"));
        Assert.Equal(["user.bin", "user.color"], await Fs.ListXAttrAsync("x"));
        await Fs.RemoveXAttrAsync("x", "user.color");
        Assert.Null(await Fs.GetXAttrAsync("x", "user.color"));
        Assert.Equal("x", Encoding.UTF8.GetString(await Fs.ReadAllAsync("x")));
    }

    [Fact]
    public async Task XAttrs_OutsideTheUserNamespace_AreNotSupported_AndNothingIsStored()
    {
        await Fs.WriteAllAsync("x", Bytes("x"));
        Assert.Equal(FsErrorCode.NotSupported, await FailsWith(() => Fs.SetXAttrAsync("x", "trusted.a", Bytes("1"))));
        Assert.Equal(FsErrorCode.NotSupported, await FailsWith(() => Fs.GetXAttrAsync("x", "security.selinux")));
        Assert.Equal(FsErrorCode.NotSupported, await FailsWith(() => Fs.RemoveXAttrAsync("x", "trusted.a")));
        await Fs.RemountAsync();
        Assert.Empty(await Fs.ListXAttrAsync("x"));
    }

    [Fact]
    public async Task Names_WithSpacesAndUnicode_RoundTrip()
    {
        var names = new[] { "with space.txt", "ünïcødé-ファイル.txt", "semi;colon&amp", "#hash?q=1" };
        foreach (var n in names)
        {
            await Fs.WriteAllAsync(n, Bytes(n));
        }

        await Fs.RemountAsync();
        Assert.Equal(names.Order(StringComparer.Ordinal).ToArray(), await Fs.ListAsync(""));
        foreach (var n in names)
        {
            Assert.Equal(n, Encoding.UTF8.GetString(await Fs.ReadAllAsync(n)));
        }
    }

    [Fact]
    public async Task ObjectsCreatedByOtherTools_AreVisible()
    {
        // A plain object and an implicit directory (no marker), as another S3 client would leave them.
        await Fs.Store.PutAsync(new PutRequest(Fs.Prefix + "docs/readme.md", Bytes("# hi")), CancellationToken.None);
        await Fs.Store.PutAsync(new PutRequest(Fs.Prefix + "top.txt", Bytes("top")), CancellationToken.None);
        await Fs.RemountAsync();
        Assert.Equal(["docs", "top.txt"], await Fs.ListAsync(""));
        Assert.Equal(FileKind.Directory, (await Fs.StatAsync("docs"))!.Kind);
        Assert.Equal("# hi", Encoding.UTF8.GetString(await Fs.ReadAllAsync("docs/readme.md")));
    }
}
