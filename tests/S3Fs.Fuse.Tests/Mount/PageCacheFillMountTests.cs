using S3Fs.Core.Storage;

namespace S3Fs.Fuse.Tests.Mount;

/// <summary>
/// A file read at random through a real mount is copied into the kernel's page cache (FUSE notify_store): once that
/// is done its reads reach neither the filesystem nor S3, even when the file is four times the mount's block cache,
/// and a writer still sees and makes current bytes.
/// </summary>
public sealed class PageCacheFillMountTests
{
    private const int Size = 64 << 20;
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(120);

    [Fact]
    public async Task RandomReads_FileFourTimesTheCache_AreServedByTheKernelOnceFilledAndFetchedOnce()
    {
        await using var volume = await MountVolume.CreateAsync("page-fill", extraOptions: "cache_size = 16MiB");
        CountingObjectStore? counts = null;
        await using var mount = await InProcessMount.StartAsync(volume, s => counts = new CountingObjectStore(s));
        var data = new byte[Size];
        new Random(3).NextBytes(data);
        await File.WriteAllBytesAsync(mount.PathOf("image.bin"), data);
        var stored = (await volume.Store.HeadAsync(new HeadRequest(volume.Prefix + "image.bin"), CancellationToken.None)).Size;
        await mount.RemountAsync(); // empty caches, the kernel's included (a new mount)

        using var file = File.OpenHandle(mount.PathOf("image.bin"));
        var random = new Random(5);
        CheckRandomReads(file, data, random, 64);
        await FillCompletedAsync(mount, "image.bin");

        var gets = counts!.Count(ObjectStoreOperation.GetRange);
        var downloaded = counts.BytesDownloaded;
        CheckRandomReads(file, data, random, 5000);

        // No GET for 5,000 reads of a file four times the block cache: the kernel served them.
        Assert.Equal(gets, counts.Count(ObjectStoreOperation.GetRange));
        Assert.Equal(downloaded, counts.BytesDownloaded);
        Assert.InRange(downloaded, stored, stored + (stored / 10)); // the file fetched about once

        // The kernel drops the file's pages (as fio's invalidate does, or memory pressure): the reads that now reach the
        // mount are served from its local sealed copy and stored again, still without a GET.
        Assert.Equal(0, Posix.DropPageCache(file));
        CheckRandomReads(file, data, random, 5000);
        Assert.Equal(gets, counts.Count(ObjectStoreOperation.GetRange));
    }

    [Fact]
    public async Task Filled_ThenWrittenAndTruncated_ReadersSeeTheNewBytes()
    {
        await using var volume = await MountVolume.CreateAsync("page-fill-write");
        CountingObjectStore? counts = null;
        await using var mount = await InProcessMount.StartAsync(volume, s => counts = new CountingObjectStore(s));
        var data = new byte[8 << 20];
        new Random(7).NextBytes(data);
        var path = mount.PathOf("db.bin");
        await File.WriteAllBytesAsync(path, data);
        var stored = (await volume.Store.HeadAsync(new HeadRequest(volume.Prefix + "db.bin"), CancellationToken.None)).Size;
        await mount.RemountAsync();

        using (var reader = File.OpenHandle(path))
        {
            CheckRandomReads(reader, data, new Random(9), 32);
            await FillCompletedAsync(mount, "db.bin");
            Assert.InRange(counts!.BytesDownloaded, stored, stored + (stored / 10));

            // A writer while the reader stays open: the kernel's cached pages must show its bytes, not the fill's.
            var patch = new byte[10_000];
            new Random(10).NextBytes(patch);
            using (var writer = File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite))
            {
                RandomAccess.Write(writer, patch, 3_000_000);
            }

            patch.CopyTo(data, 3_000_000);
            CheckRandomReads(reader, data, new Random(11), 2000);
            var back = new byte[patch.Length];
            Assert.Equal(back.Length, RandomAccess.Read(reader, back, 3_000_000));
            Assert.Equal(patch, back);

            // Truncated and extended again: what lay past the cut reads as zeros, not as the filled bytes.
            using (var writer = File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite))
            {
                RandomAccess.SetLength(writer, 1_000_000);
                RandomAccess.SetLength(writer, data.Length);
            }

            Array.Clear(data, 1_000_000, data.Length - 1_000_000);
            CheckRandomReads(reader, data, new Random(12), 2000);
        }

        await mount.RemountAsync();
        Assert.Equal(data, await File.ReadAllBytesAsync(path));
    }

    private static void CheckRandomReads(Microsoft.Win32.SafeHandles.SafeFileHandle file, byte[] data, Random random, int count)
    {
        var buffer = new byte[4096];
        for (var i = 0; i < count; i++)
        {
            var offset = random.NextInt64(0, (data.Length / 4096) - 1) * 4096;
            Assert.Equal(buffer.Length, RandomAccess.Read(file, buffer, offset));
            if (!buffer.AsSpan().SequenceEqual(data.AsSpan((int)offset, buffer.Length)))
            {
                Assert.Fail($"read {i} at {offset}: not the file's bytes");
            }
        }
    }

    /// <summary>Waits until the fill of a root-level file, if one runs, has offered every block to the kernel.</summary>
    private static async Task FillCompletedAsync(InProcessMount mount, string name)
    {
        var fs = mount.FileSystem;
        var ino = (await fs.LookupAsync(Core.FileSystem.IFileSystem.RootInode, name, CancellationToken.None)).Inode;
        fs.Forget(ino, 1);
        await fs.WaitForPageCacheFillAsync(ino).WaitAsync(Wait); // at once if none started: the callers' byte counts tell
    }
}
