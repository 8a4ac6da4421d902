using System.Text.RegularExpressions;
using S3Fs.Core.FileSystem;

namespace S3Fs.Fuse.Tests.Binding;

[Trait("Category", "Fuse")]
public sealed class FuseSessionTests
{
    [Fact]
    public async Task MountAsync_Mounted_ProcMountsShowsFuseS3cfsTypeAndFsName()
    {
        await using var mount = await TestMount.StartAsync();

        string[] fields = TestMount.MountFields(mount.Root);
        Assert.Equal("s3cfs:test-bucket", fields[0]);
        Assert.Equal("fuse.s3cfs", fields[2]);
        Assert.Contains("default_permissions", fields[3].Split(','));
        Assert.Contains("rw", fields[3].Split(','));
    }

    [Fact]
    public async Task MountAsync_Mounted_LogsLibFuseVersionOfThisMachine()
    {
        await using var mount = await TestMount.StartAsync();

        string installed = (await Shell.CheckAsync("pkg-config", "--modversion", "fuse3")).Trim();
        Assert.Equal(installed, FuseSession.LibFuseVersion);
        Assert.Matches(new Regex(@"^3\.\d+"), FuseSession.LibFuseVersion);
        Assert.Contains(mount.Logger.Entries, e => e.Id.Id == 3000 && e.Message.Contains($"libfuse {installed}", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Connection_AfterMount_NegotiatesLargeRequestsAndNoWritebackCache()
    {
        await using var mount = await TestMount.StartAsync();

        var connection = mount.Session.Connection;
        Assert.Equal(7u, connection.ProtocolMajor);
        Assert.Equal((uint)FuseMountOptions.MaxIoSize, connection.MaxWrite);
        Assert.Equal((uint)FuseMountOptions.MaxIoSize, connection.MaxRead);
        Assert.True(connection.AsyncRead);
        Assert.True(connection.ReaddirPlus);
        Assert.False(connection.WritebackCache);
        Assert.False(connection.SpliceRead);
    }

    [Fact]
    public async Task MountAsync_ReadOnly_RefusesWritesWithErofs()
    {
        var fs = new MemoryFileSystem();
        fs.AddFile("existing.txt", "data"u8.ToArray());
        await using var mount = await TestMount.StartAsync(fs, o => o with { ReadOnly = true });

        Assert.Contains("ro", TestMount.MountFields(mount.Root)[3].Split(','));
        var touch = await Shell.RunAsync("touch", mount.PathOf("new.txt"));
        Assert.NotEqual(0, touch.ExitCode);
        Assert.Contains("Read-only file system", touch.StdErr, StringComparison.Ordinal);
        Assert.Equal("data", await Shell.CheckAsync("cat", mount.PathOf("existing.txt")));
        Assert.Equal(0, fs.CallCount("create"));
    }

    [Fact]
    public async Task Unmount_ByFusermount_EndsSessionAndFlushesAll()
    {
        await using var mount = await TestMount.StartAsync();
        await Shell.IoAsync(() => File.WriteAllText(mount.PathOf("a.txt"), "x"));

        await mount.UnmountExternallyAsync();

        Assert.False(TestMount.IsMounted(mount.Root));
        Assert.Equal(1, mount.Fs.FlushAllCalls);
        Assert.Contains(mount.Logger.Entries, e => e.Id.Id == 3002);
    }

    [Fact]
    public async Task Unmount_BySession_EndsSessionAndFlushesAll()
    {
        await using var mount = await TestMount.StartAsync();

        mount.Session.Unmount();
        await mount.Session.WaitAsync().WaitAsync(TestMount.HangTimeout);

        Assert.False(TestMount.IsMounted(mount.Root));
        Assert.Equal(1, mount.Fs.FlushAllCalls);
        mount.Session.Unmount(); // a second request after teardown is harmless
    }

    [Fact]
    public async Task DisposeAsync_WhileMounted_UnmountsAndFlushes()
    {
        var mount = await TestMount.StartAsync();
        try
        {
            await mount.Session.DisposeAsync();

            Assert.False(TestMount.IsMounted(mount.Root));
            Assert.Equal(1, mount.Fs.FlushAllCalls);
        }
        finally
        {
            await mount.DisposeAsync();
        }
    }

    [Fact]
    public async Task WaitAsync_FlushAllFails_ReportsTheFailure()
    {
        var fs = new MemoryFileSystem { FlushAllFailure = new FsException(FsErrorCode.IoError, "upload not confirmed") };
        await using var mount = await TestMount.StartAsync(fs);

        mount.Session.Unmount();
        var failure = await Assert.ThrowsAsync<FsException>(() => mount.Session.WaitAsync().WaitAsync(TestMount.HangTimeout));

        Assert.Equal(FsErrorCode.IoError, failure.Code);
        Assert.Contains(mount.Logger.Entries, e => e.Id.Id == 3004 && e.Exception == failure);
        Assert.False(TestMount.IsMounted(mount.Root));
    }

    [Fact]
    public async Task MountAsync_MissingMountPoint_ThrowsActionableArgumentException()
    {
        string missing = $"/tmp/s3cfs-fusetest-missing-{Guid.NewGuid():N}";

        var error = await Assert.ThrowsAsync<ArgumentException>(() =>
            FuseSession.MountAsync(new MemoryFileSystem(), new FuseMountOptions { MountPoint = missing }));

        Assert.Contains(missing, error.Message, StringComparison.Ordinal);
        Assert.Contains("mkdir -p", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MountAsync_CloneFdAndFewThreads_ServesRequests()
    {
        await using var mount = await TestMount.StartAsync(configure: o => o with { CloneFd = true, MaxThreads = 2, MaxIdleThreads = 1 });
        byte[] data = FuseFileIoTests.RandomBytes(3 * 1024 * 1024, seed: 7);

        await Shell.IoAsync(() => File.WriteAllBytes(mount.PathOf("c.bin"), data));

        Assert.Equal(data, await Shell.IoAsync(() => File.ReadAllBytes(mount.PathOf("c.bin"))));
    }

    [Fact]
    public async Task MountAsync_StaleMountPointOfADeadSession_SaysHowToUnmountIt()
    {
        await using var dead = await TestMount.StartAsync();
        await dead.AbortConnectionAsync(); // the mount stays, its connection is gone: what a crashed daemon leaves
        await dead.Session.WaitAsync().WaitAsync(TestMount.HangTimeout);
        Assert.True(TestMount.IsMounted(dead.Root));

        ArgumentException? error = null;
        try
        {
            await using var unexpected = await FuseSession.MountAsync(new MemoryFileSystem(), new FuseMountOptions { MountPoint = dead.Root });
        }
        catch (ArgumentException ex)
        {
            error = ex;
        }

        Assert.NotNull(error);
        Assert.Contains("Transport endpoint is not connected", error.Message, StringComparison.Ordinal);
        Assert.Contains($"fusermount3 -u -z {dead.Root}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MountAsync_TwoSessions_EachServesItsOwnFileSystem()
    {
        var first = new MemoryFileSystem();
        first.AddFile("which.txt", "first"u8.ToArray());
        var second = new MemoryFileSystem();
        second.AddFile("which.txt", "second"u8.ToArray());

        await using var a = await TestMount.StartAsync(first);
        await using var b = await TestMount.StartAsync(second);

        Assert.Equal("first", await Shell.CheckAsync("cat", a.PathOf("which.txt")));
        Assert.Equal("second", await Shell.CheckAsync("cat", b.PathOf("which.txt")));
    }
}
