using S3Fs.Core.FileSystem;

namespace S3Fs.Fuse.Tests.Binding;

[Trait("Category", "Fuse")]
public sealed class FuseNamespaceTests
{
    [Fact]
    public async Task MkdirP_NestedDirectories_CreatedInCore()
    {
        await using var mount = await TestMount.StartAsync();

        await Shell.CheckAsync("mkdir", "-p", mount.PathOf("a/b/c"));

        Assert.Equal(FileKind.Directory, mount.Fs.Attributes("a/b/c").Kind);
        Assert.True(Directory.Exists(mount.PathOf("a/b/c")));
    }

    [Fact]
    public async Task Rmdir_NonEmptyDirectory_FailsWithEnotempty()
    {
        var fs = new MemoryFileSystem();
        fs.AddDirectory("full");
        fs.AddFile("full/f.txt", [1]);
        await using var mount = await TestMount.StartAsync(fs);

        var rmdir = await Shell.RunAsync("rmdir", mount.PathOf("full"));

        Assert.NotEqual(0, rmdir.ExitCode);
        Assert.Contains("Directory not empty", rmdir.StdErr, StringComparison.Ordinal);
        Assert.True(fs.Exists("full/f.txt"));
    }

    [Fact]
    public async Task RmR_Tree_RemovesEverything()
    {
        var fs = new MemoryFileSystem();
        fs.AddDirectory("tree/x/y");
        for (int i = 0; i < 20; i++)
        {
            fs.AddFile($"tree/x/f{i}", [1, 2, 3]);
            fs.AddFile($"tree/x/y/g{i}", [4]);
        }

        await using var mount = await TestMount.StartAsync(fs);

        await Shell.CheckAsync("rm", "-r", mount.PathOf("tree"));

        Assert.False(fs.Exists("tree"));
        Assert.Empty(Directory.GetFileSystemEntries(mount.Root));
    }

    [Fact]
    public async Task Mv_AcrossDirectories_MovesEntryWithContent()
    {
        var fs = new MemoryFileSystem();
        fs.AddDirectory("from");
        fs.AddDirectory("to");
        fs.AddFile("from/f.txt", "moved"u8.ToArray());
        await using var mount = await TestMount.StartAsync(fs);

        await Shell.CheckAsync("mv", mount.PathOf("from/f.txt"), mount.PathOf("to/g.txt"));

        Assert.False(fs.Exists("from/f.txt"));
        Assert.Equal("moved"u8.ToArray(), fs.Content("to/g.txt"));
        Assert.Equal("moved", await Shell.CheckAsync("cat", mount.PathOf("to/g.txt")));
    }

    [Fact]
    public async Task Renameat2_NoReplace_FlagReachesCoreAndExistingTargetIsKept()
    {
        var fs = new MemoryFileSystem();
        fs.AddFile("src.txt", "src"u8.ToArray());
        fs.AddFile("dst.txt", "dst"u8.ToArray());
        await using var mount = await TestMount.StartAsync(fs);

        // The kernel refuses a target it knows exists by itself; the core sees NOREPLACE when it does not.
        Assert.Equal(17, await Shell.IoAsync(() => LibC.Rename2(mount.PathOf("src.txt"), mount.PathOf("dst.txt"), LibC.RenameNoReplace))); // EEXIST
        Assert.Equal(0, await Shell.IoAsync(() => LibC.Rename2(mount.PathOf("src.txt"), mount.PathOf("new.txt"), LibC.RenameNoReplace)));

        Assert.Equal([RenameFlags.NoReplace], fs.RenameFlagsSeen);
        Assert.Equal("dst"u8.ToArray(), fs.Content("dst.txt"));
        Assert.Equal("src"u8.ToArray(), fs.Content("new.txt"));
    }

    [Fact]
    public async Task Renameat2_ExchangeUnsupportedByCore_FailsWithEinval()
    {
        var fs = new MemoryFileSystem();
        fs.AddFile("a.txt", [1]);
        fs.AddFile("b.txt", [2]);
        await using var mount = await TestMount.StartAsync(fs);

        int errno = await Shell.IoAsync(() => LibC.Rename2(mount.PathOf("a.txt"), mount.PathOf("b.txt"), LibC.RenameExchange));

        Assert.Equal(22, errno); // EINVAL, as renameat2(2) specifies for an unsupported flag
        Assert.Contains(RenameFlags.Exchange, fs.RenameFlagsSeen);
    }

    [Fact]
    public async Task Symlink_CreateAndReadLink_RoundTrips()
    {
        await using var mount = await TestMount.StartAsync();

        await Shell.CheckAsync("ln", "-s", "some/target path", mount.PathOf("link"));

        Assert.Equal("some/target path", (await Shell.CheckAsync("readlink", mount.PathOf("link"))).TrimEnd('\n'));
        Assert.Equal(FileKind.Symlink, mount.Fs.Attributes("link").Kind);
        Assert.Contains("link -> some/target path", await Shell.CheckAsync("ls", "-l", mount.Root), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Link_HardLink_FailsWithTheCoresExdev()
    {
        var fs = new MemoryFileSystem();
        fs.AddFile("orig.txt", [1]);
        await using var mount = await TestMount.StartAsync(fs);

        var ln = await Shell.RunAsync("ln", mount.PathOf("orig.txt"), mount.PathOf("hard.txt"));

        Assert.NotEqual(0, ln.ExitCode);
        Assert.Contains("Invalid cross-device link", ln.StdErr, StringComparison.Ordinal);
        Assert.Equal(1, fs.CallCount("link"));
    }

    [Fact]
    public async Task Stat_MissingFile_FailsWithEnoent()
    {
        await using var mount = await TestMount.StartAsync();

        var stat = await Shell.RunAsync("stat", mount.PathOf("missing"));

        Assert.NotEqual(0, stat.ExitCode);
        Assert.Contains("No such file or directory", stat.StdErr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_NameLongerThanCoreAllows_FailsWithEnametoolong()
    {
        var fs = new MemoryFileSystem { MaxNameLength = 100 };
        await using var mount = await TestMount.StartAsync(fs);

        var touch = await Shell.RunAsync("touch", mount.PathOf(new string('n', 150)));

        Assert.Contains("File name too long", touch.StdErr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_NameNotUtf8_FailsWithEilseq()
    {
        await using var mount = await TestMount.StartAsync();

        var python = await Shell.RunAsync(
            "python3", "-c", "import os, sys; os.open(os.fsencode(sys.argv[1]) + b'/bad\\xff', os.O_CREAT | os.O_WRONLY)", mount.Root);

        Assert.Contains("[Errno 84]", python.StdErr, StringComparison.Ordinal);
        Assert.Equal(0, mount.Fs.CallCount("create"));
    }

    [Fact]
    public async Task ReadDir_ThousandsOfEntries_ListsAllAcrossOffsets()
    {
        const int Count = 3000;
        var fs = new MemoryFileSystem();
        fs.AddDirectory("big");
        for (int i = 0; i < Count; i++)
        {
            fs.AddFile($"big/file-{i:D5}.dat", []);
        }

        await using var mount = await TestMount.StartAsync(fs);

        string[] names = await Shell.IoAsync(() => Directory.GetFileSystemEntries(mount.PathOf("big")).Select(p => Path.GetFileName(p)).ToArray());
        string ls = await Shell.CheckAsync("ls", "-1", mount.PathOf("big"));

        var expected = Enumerable.Range(0, Count).Select(i => $"file-{i:D5}.dat").ToArray();
        Assert.Equal(expected, names.Order(StringComparer.Ordinal));
        Assert.Equal(expected, ls.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal));
        Assert.Contains(fs.ReadDirBatches, b => b.Full); // the reply buffer filled up and the kernel resumed by offset
    }

    [Fact]
    public async Task ReadDirPlus_LsLong_EntriesArriveWithAttributesWithoutLookups()
    {
        const int Count = 200;

        // Entries cached for 10 minutes: with the default second, a slow ls on a loaded machine would outlive the
        // readdirplus entries and look the names up again, which is not what this test is about.
        var fs = new MemoryFileSystem { CacheTimeout = TimeSpan.FromMinutes(10) };
        fs.AddDirectory("plus");
        for (int i = 0; i < Count; i++)
        {
            fs.AddFile($"plus/p{i}", new byte[i]);
        }

        await using var mount = await TestMount.StartAsync(fs);
        _ = await Shell.CheckAsync("stat", mount.PathOf("plus")); // the directory itself is looked up first
        int lookupsBefore = fs.CallCount("lookup");

        string ls = await Shell.CheckAsync("ls", "-l", mount.PathOf("plus"));

        Assert.Equal(Count, ls.Split('\n').Count(l => l.StartsWith("-rw-r--r--", StringComparison.Ordinal)));
        Assert.Contains(" 199 ", ls, StringComparison.Ordinal); // sizes came through
        Assert.True(fs.CallCount("readdirplus") > 0);
        Assert.True(fs.CallCount("lookup") - lookupsBefore < 5, $"{fs.CallCount("lookup") - lookupsBefore} lookups: readdirplus entries should have been used");
        Assert.True(fs.LookupCounts.GetValueOrDefault(fs.InodeOf("plus/p7")) >= 1, "a readdirplus entry counts as a lookup");
    }

    [Theory]
    [InlineData("cached-dir", true)]
    [InlineData("plain-dir", false)]
    public async Task OpenDir_KeepCache_RepeatedListingServedByKernelCache(string directory, bool cached)
    {
        var fs = new MemoryFileSystem();
        fs.AddDirectory(directory);
        for (int i = 0; i < 50; i++)
        {
            fs.AddFile($"{directory}/e{i}", []);
        }

        await using var mount = await TestMount.StartAsync(fs);
        string first = await Shell.CheckAsync("ls", mount.PathOf(directory));
        int listings = fs.ReadDirBatches.Count;

        string second = await Shell.CheckAsync("ls", mount.PathOf(directory));

        Assert.Equal(first, second);
        Assert.Equal(cached, fs.ReadDirBatches.Count == listings);
    }

    [Fact]
    public async Task Unlink_File_KernelForgetsTheInode()
    {
        await using var mount = await TestMount.StartAsync();
        await Shell.IoAsync(() => File.WriteAllText(mount.PathOf("gone.txt"), "bye"));
        long inode = mount.Fs.InodeOf("gone.txt");
        Assert.True(mount.Fs.LookupCounts[inode] > 0);

        await Shell.CheckAsync("rm", mount.PathOf("gone.txt"));

        Assert.False(mount.Fs.Exists("gone.txt"));
        await FuseFileIoTests.WaitForAsync(() => mount.Fs.LookupCounts[inode] == 0);
        Assert.Contains(mount.Fs.Forgets, f => f.Inode == inode);
    }
}
