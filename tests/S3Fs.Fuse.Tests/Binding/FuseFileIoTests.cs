namespace S3Fs.Fuse.Tests.Binding;

[Trait("Category", "Fuse")]
public sealed class FuseFileIoTests
{
    private const int MiB = 1024 * 1024;

    [Fact]
    public async Task Write_OneLargeWrite_ArrivesAsOneMiBRequests()
    {
        await using var mount = await TestMount.StartAsync();
        byte[] data = RandomBytes(4 * MiB, seed: 1);

        await Shell.IoAsync(() =>
        {
            using var stream = new FileStream(mount.PathOf("big.bin"), FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 0);
            stream.Write(data); // one write(2) of 4 MiB
        });

        Assert.Equal(MiB, mount.Fs.MaxWriteRequest);
        Assert.Equal(data, mount.Fs.Content("big.bin"));
    }

    [Fact]
    public async Task Read_DirectIoFile_ArrivesAsOneMiBRequests()
    {
        var fs = new MemoryFileSystem();
        byte[] data = RandomBytes((3 * MiB) + 12345, seed: 2);
        fs.AddFile("direct-big.bin", data);
        await using var mount = await TestMount.StartAsync(fs);

        byte[] read = await Shell.IoAsync(() =>
        {
            using var stream = new FileStream(mount.PathOf("direct-big.bin"), FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0);
            byte[] buffer = new byte[data.Length + MiB];
            int total = 0, n;
            while ((n = stream.Read(buffer, total, buffer.Length - total)) > 0)
            {
                total += n;
            }

            return buffer[..total];
        });

        Assert.Equal(MiB, mount.Fs.MaxReadRequest);
        Assert.Equal(data, read);
    }

    [Fact]
    public async Task Read_BufferedFile_ReturnsExactContent()
    {
        var fs = new MemoryFileSystem();
        byte[] data = RandomBytes((5 * MiB) + 123, seed: 3);
        fs.AddFile("buffered.bin", data);
        await using var mount = await TestMount.StartAsync(fs);

        Assert.Equal(data, await Shell.IoAsync(() => File.ReadAllBytes(mount.PathOf("buffered.bin"))));
    }

    [Fact]
    public async Task Write_CoreCompletesLater_PayloadWasCopiedBeforeCallbackReturned()
    {
        // Every write is held in the core after the FUSE callback returned; libfuse meanwhile reuses its receive
        // buffer for the next requests. Only a copy taken inside the callback keeps each payload intact.
        var fs = new MemoryFileSystem
        {
            Hook = async (op, _, _, ct) =>
            {
                if (op == "write")
                {
                    await Task.Delay(15, ct);
                }
            },
        };
        await using var mount = await TestMount.StartAsync(fs);
        byte[][] contents = [.. Enumerable.Range(0, 4).Select(i => RandomBytes(2 * MiB, seed: 10 + i))];

        await Task.WhenAll(contents.Select((content, i) => Shell.IoAsync(() =>
        {
            using var stream = new FileStream(mount.PathOf($"w{i}.bin"), FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 0);
            for (int at = 0; at < content.Length; at += 128 * 1024)
            {
                stream.Write(content, at, 128 * 1024);
            }
        })));

        for (int i = 0; i < contents.Length; i++)
        {
            Assert.Equal(contents[i], mount.Fs.Content($"w{i}.bin"));
        }
    }

    [Fact]
    public async Task Dd_WritesAtOffsets_PatchInPlaceAndExtendWithZeros()
    {
        var fs = new MemoryFileSystem();
        fs.AddFile("patch.bin", new byte[64 * 1024]);
        await using var mount = await TestMount.StartAsync(fs);
        string source = Path.Combine(Path.GetTempPath(), $"s3cfs-fusetest-src-{Guid.NewGuid():N}");
        await File.WriteAllBytesAsync(source, Enumerable.Repeat((byte)0xAB, 4096).ToArray());
        try
        {
            await Shell.CheckAsync("dd", $"if={source}", $"of={mount.PathOf("patch.bin")}", "bs=4096", "seek=3", "count=1", "conv=notrunc", "status=none");
            await Shell.CheckAsync("dd", $"if={source}", $"of={mount.PathOf("patch.bin")}", "bs=4096", "seek=20", "count=1", "conv=notrunc", "status=none");
        }
        finally
        {
            File.Delete(source);
        }

        byte[] content = mount.Fs.Content("patch.bin");
        Assert.Equal(21 * 4096, content.Length);
        for (int i = 0; i < content.Length; i++)
        {
            bool patched = i is >= 3 * 4096 and < 4 * 4096 or >= 20 * 4096;
            Assert.True(content[i] == (patched ? 0xAB : 0), $"byte {i} is {content[i]:x2}");
        }
    }

    [Fact]
    public async Task Truncate_ShrinkAndGrow_ReachCoreAsSetAttrSize()
    {
        var fs = new MemoryFileSystem();
        fs.AddFile("t.bin", RandomBytes(5000, seed: 4));
        await using var mount = await TestMount.StartAsync(fs);

        await Shell.CheckAsync("truncate", "-s", "100", mount.PathOf("t.bin"));
        Assert.Equal(100, fs.LastSetAttr?.Size);
        Assert.Equal(100, fs.Content("t.bin").Length);

        await Shell.CheckAsync("truncate", "-s", "10000", mount.PathOf("t.bin"));
        byte[] content = fs.Content("t.bin");
        Assert.Equal(10000, content.Length);
        Assert.All(content[100..], b => Assert.Equal(0, b));
        Assert.Equal("10000", (await Shell.CheckAsync("stat", "-c", "%s", mount.PathOf("t.bin"))).Trim());
    }

    [Fact]
    public async Task Cp_IntoAndOutOfMount_CopiesBytes()
    {
        await using var mount = await TestMount.StartAsync();
        byte[] data = RandomBytes(300 * 1024, seed: 5);
        string local = Path.Combine(Path.GetTempPath(), $"s3cfs-fusetest-cp-{Guid.NewGuid():N}");
        await File.WriteAllBytesAsync(local, data);
        try
        {
            await Shell.CheckAsync("cp", local, mount.PathOf("copy.bin"));
            await Shell.CheckAsync("cp", mount.PathOf("copy.bin"), local + ".back");

            Assert.Equal(data, mount.Fs.Content("copy.bin"));
            Assert.Equal(data, await File.ReadAllBytesAsync(local + ".back"));
        }
        finally
        {
            File.Delete(local);
            File.Delete(local + ".back");
        }
    }

    [Fact]
    public async Task Fsync_FileAndDataOnly_ReachCoreWithFlag()
    {
        var fs = new MemoryFileSystem();
        long inode = fs.AddFile("synced.txt", "x"u8.ToArray());
        await using var mount = await TestMount.StartAsync(fs);

        await Shell.CheckAsync("sync", mount.PathOf("synced.txt"));
        await Shell.CheckAsync("sync", "--data", mount.PathOf("synced.txt"));

        Assert.Contains((inode, false), fs.Fsyncs);
        Assert.Contains((inode, true), fs.Fsyncs);
    }

    [Fact]
    public async Task Close_AfterWrite_FlushAndReleaseReachCore()
    {
        await using var mount = await TestMount.StartAsync();

        await Shell.IoAsync(() => File.WriteAllText(mount.PathOf("closed.txt"), "content"));

        Assert.True(mount.Fs.CallCount("flush") >= 1);
        await WaitForAsync(() => mount.Fs.CallCount("release") >= 1); // release follows close asynchronously
    }

    [Fact]
    public async Task Append_TwoAppends_WriteAtEnd()
    {
        await using var mount = await TestMount.StartAsync();

        await Shell.IoAsync(() => File.AppendAllText(mount.PathOf("log.txt"), "one\n"));
        await Shell.IoAsync(() => File.AppendAllText(mount.PathOf("log.txt"), "two\n"));

        Assert.Equal("one\ntwo\n"u8.ToArray(), mount.Fs.Content("log.txt"));
    }

    [Fact]
    public async Task Open_WithTruncate_TruncatesThroughOpenFlags()
    {
        var fs = new MemoryFileSystem();
        fs.AddFile("trunc.txt", "a much longer original content"u8.ToArray());
        await using var mount = await TestMount.StartAsync(fs);

        // The shell's ">" opens with O_TRUNC (.NET's FileMode.Create would ftruncate separately after locking).
        await Shell.CheckAsync("sh", "-c", "printf short > \"$0\"", mount.PathOf("trunc.txt"));

        Assert.Equal("short"u8.ToArray(), fs.Content("trunc.txt"));
        Assert.Equal(0, fs.CallCount("setattr")); // atomic O_TRUNC: no separate truncate request
    }

    internal static byte[] RandomBytes(int length, int seed)
    {
        byte[] data = new byte[length];
        new Random(seed).NextBytes(data);
        return data;
    }

    internal static async Task WaitForAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + TestMount.HangTimeout;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not reached before the hang timeout");
            await Task.Delay(10);
        }
    }
}
