using System.Text;

namespace S3Fs.Fuse.Tests.Binding;

[Trait("Category", "Fuse")]
public sealed class FuseAttributeTests
{
    [Fact]
    public async Task Chmod_SetsPermissionBitsInCore()
    {
        var fs = new MemoryFileSystem();
        fs.AddFile("m.txt", [1]);
        await using var mount = await TestMount.StartAsync(fs);

        await Shell.CheckAsync("chmod", "4640", mount.PathOf("m.txt"));

        Assert.Equal(0x9A0u /* 04640 */, fs.Attributes("m.txt").Mode);
        Assert.Equal("4640", (await Shell.CheckAsync("stat", "-c", "%a", mount.PathOf("m.txt"))).Trim());
    }

    [Fact]
    public async Task Chown_SetsOwnerInCore()
    {
        var fs = new MemoryFileSystem();
        fs.AddFile("o.txt", [1]);
        await using var mount = await TestMount.StartAsync(fs);

        await Shell.CheckAsync("chown", "1234:5678", mount.PathOf("o.txt"));

        Assert.Equal((1234u, 5678u), (fs.Attributes("o.txt").Uid, fs.Attributes("o.txt").Gid));
        Assert.Equal("1234:5678", (await Shell.CheckAsync("stat", "-c", "%u:%g", mount.PathOf("o.txt"))).Trim());
    }

    [Fact]
    public async Task TouchD_SetsExactTimesThroughUtimens()
    {
        var fs = new MemoryFileSystem();
        fs.AddFile("t.txt", [1]);
        await using var mount = await TestMount.StartAsync(fs);

        await Shell.CheckAsync("touch", "-d", "2021-02-03 04:05:06.123456789 UTC", mount.PathOf("t.txt"));

        var expected = new DateTimeOffset(2021, 2, 3, 4, 5, 6, TimeSpan.Zero).AddTicks(1234567);
        Assert.Equal(expected, fs.Attributes("t.txt").MTime);
        Assert.Equal(expected, fs.Attributes("t.txt").ATime);
        Assert.False(fs.LastSetAttr!.MTimeNow);
        Assert.Equal("2021-02-03 04:05:06.123456700 +0000", (await Shell.CheckAsync("stat", "-c", "%y", mount.PathOf("t.txt"))).Trim());
    }

    [Fact]
    public async Task Touch_WithoutTime_SendsUtimeNow()
    {
        var fs = new MemoryFileSystem();
        fs.AddFile("now.txt", [1]);
        await using var mount = await TestMount.StartAsync(fs);
        await Shell.CheckAsync("touch", "-d", "2001-01-01 UTC", mount.PathOf("now.txt"));

        await Shell.CheckAsync("touch", mount.PathOf("now.txt"));

        Assert.True(fs.LastSetAttr!.ATimeNow);
        Assert.True(fs.LastSetAttr.MTimeNow);
        Assert.Null(fs.LastSetAttr.MTime);
        Assert.True(fs.Attributes("now.txt").MTime > DateTimeOffset.UtcNow.AddMinutes(-5));
    }

    [Fact]
    public async Task Stat_ReportsTypeSizeAndBlocks()
    {
        var fs = new MemoryFileSystem();
        fs.AddFile("f.bin", new byte[1000]);
        fs.AddDirectory("d");
        await using var mount = await TestMount.StartAsync(fs);
        await Shell.CheckAsync("ln", "-s", "f.bin", mount.PathOf("l"));

        Assert.Equal("regular file:1000:2", (await Shell.CheckAsync("stat", "-c", "%F:%s:%b", mount.PathOf("f.bin"))).Trim());
        Assert.Equal("directory", (await Shell.CheckAsync("stat", "-c", "%F", mount.PathOf("d"))).Trim());
        Assert.Equal("symbolic link:5", (await Shell.CheckAsync("stat", "-c", "%F:%s", mount.PathOf("l"))).Trim());
        Assert.Equal(fs.InodeOf("f.bin").ToString(System.Globalization.CultureInfo.InvariantCulture), (await Shell.CheckAsync("stat", "-c", "%i", mount.PathOf("f.bin"))).Trim());
    }

    [Fact]
    public async Task XAttr_SetGetListRemove_RoundTripsThroughAttrTools()
    {
        var fs = new MemoryFileSystem();
        fs.AddFile("x.txt", [1]);
        await using var mount = await TestMount.StartAsync(fs);
        string path = mount.PathOf("x.txt");

        await Shell.CheckAsync("setfattr", "-n", "user.color", "-v", "blue", path);
        Assert.Equal("blue", await Shell.CheckAsync("getfattr", "-n", "user.color", "--only-values", path));
        Assert.Contains("user.color=\"blue\"", await Shell.CheckAsync("getfattr", "-d", path), StringComparison.Ordinal);

        await Shell.CheckAsync("setfattr", "-x", "user.color", path);
        var missing = await Shell.RunAsync("getfattr", "-n", "user.color", path);
        Assert.Contains("No such attribute", missing.StdErr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetXAttr_SizeProbeAndSmallBuffer_FollowTheProtocol()
    {
        var fs = new MemoryFileSystem();
        fs.AddFile("p.txt", [1]);
        await using var mount = await TestMount.StartAsync(fs);
        string path = mount.PathOf("p.txt");
        byte[] value = Encoding.UTF8.GetBytes("0123456789");
        Assert.Equal(0, await Shell.IoAsync(() => LibC.SetXAttr(path, "user.k", value, 0)));

        Assert.Equal((10L, 0), await Shell.IoAsync(() => LibC.GetXAttr(path, "user.k", null)));
        Assert.Equal((-1L, 34), await Shell.IoAsync(() => LibC.GetXAttr(path, "user.k", new byte[4]))); // ERANGE
        byte[] buffer = new byte[64];
        Assert.Equal((10L, 0), await Shell.IoAsync(() => LibC.GetXAttr(path, "user.k", buffer)));
        Assert.Equal(value, buffer[..10]);

        Assert.Equal(("user.k\0".Length, 0), await Shell.IoAsync(() => ((int)LibC.ListXAttr(path, null).Result, LibC.ListXAttr(path, null).Errno)));
        Assert.Equal(17, await Shell.IoAsync(() => LibC.SetXAttr(path, "user.k", value, LibC.XattrCreate))); // EEXIST
    }

    [Fact]
    public async Task GetXAttr_OutsideUserNamespace_NotSupportedWithoutReachingTheCore()
    {
        var fs = new MemoryFileSystem();
        fs.AddFile("q.txt", [1]);
        await using var mount = await TestMount.StartAsync(fs);
        string path = mount.PathOf("q.txt");

        // What ls -l asks of every name; the shim answers without a trip into managed code, with the same
        // "not supported" that setxattr gives for these namespaces.
        Assert.Equal((-1L, 95), await Shell.IoAsync(() => LibC.GetXAttr(path, "security.selinux", new byte[256]))); // EOPNOTSUPP
        Assert.Equal((-1L, 95), await Shell.IoAsync(() => LibC.GetXAttr(path, "system.posix_acl_access", new byte[256])));
        Assert.Equal((-1L, 95), await Shell.IoAsync(() => LibC.GetXAttr(path, "trusted.x", null)));
        Assert.Equal(0, fs.CallCount("getxattr"));

        // user.* still reaches the core, and is not disabled for the mount (ENOSYS would have done that).
        Assert.Equal((-1L, 61), await Shell.IoAsync(() => LibC.GetXAttr(path, "user.missing", null))); // ENODATA
        Assert.Equal(1, fs.CallCount("getxattr"));
    }

    [Fact]
    public async Task LsLong_AsksForSecurityContextAndAclOnlyUntilTheMountSaysNotSupported()
    {
        var fs = new MemoryFileSystem();
        fs.AddDirectory("d");
        for (int i = 0; i < 200; i++)
        {
            fs.AddFile($"d/f{i:D3}", [1]);
        }

        await using var mount = await TestMount.StartAsync(fs);

        // ls caches "not supported" per device: 200 names must not cost 400 getxattr requests.
        var run = await Shell.RunAsync("strace", "-f", "-c", "-U", "name,calls", "-e", "trace=getxattr,lgetxattr",
            "ls", "-l", mount.PathOf("d"));
        Assert.True(run.ExitCode == 0, run.StdErr);
        Assert.Equal(201, run.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length); // "total" and 200 names
        int calls = run.StdErr.Split('\n')
            .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(cols => cols.Length == 2 && cols[0] is "getxattr" or "lgetxattr")
            .Sum(cols => int.Parse(cols[1], System.Globalization.CultureInfo.InvariantCulture));
        // At least one: the answer to the first request is what makes ls stop (and a summary that parsed to nothing
        // would otherwise pass).
        Assert.True(calls is >= 1 and <= 6, $"ls -l of 200 names made {calls} getxattr requests\n{run.StdErr}");
    }

    [Fact]
    public async Task StatFs_ReportsTheCoresLimits()
    {
        var fs = new MemoryFileSystem { MaxNameLength = 143 };
        await using var mount = await TestMount.StartAsync(fs);

        string stat = await Shell.CheckAsync("stat", "-f", "-c", "%l %b %f %a %S", mount.Root);

        Assert.Equal("143 1048576 524288 262144 4096", stat.Trim());
    }
}
