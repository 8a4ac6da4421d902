using S3Fs.Core.Namespace;
using S3Fs.Core.Storage;
using S3Fs.Fuse.Tests.Binding;

namespace S3Fs.Fuse.Tests.Mount;

/// <summary>
/// The directory attribute index through a real mount on the RGW: the first <c>ls -l</c> of a directory nothing
/// has read pays a HEAD per file and leaves an index behind; after a remount the same <c>ls -l</c>, identical to the
/// byte, reads the index instead of the files, and the index holds no part of any file's envelope.
/// </summary>
public sealed class AttributeIndexMountTests
{
    private const int Files = 40;

    [Fact]
    public async Task LsL_AfterRemount_SameListingFromTheIndexWithoutAHeadPerFile()
    {
        await using var volume = await MountVolume.CreateAsync("attr-index");
        CountingObjectStore? counts = null;
        await using var mount = await InProcessMount.StartAsync(volume, s => counts = new CountingObjectStore(s));
        Directory.CreateDirectory(mount.PathOf("d"));
        for (var i = 0; i < Files; i++)
        {
            var path = mount.PathOf($"d/f{i:D2}");
            await File.WriteAllBytesAsync(path, new byte[100 + i]);
            if (i % 3 == 0)
            {
                File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }
        }

        await mount.UnmountAsync();
        await mount.MountAsync();
        var (headsBefore, getsBefore) = (counts!.Count(ObjectStoreOperation.Head), counts.Count(ObjectStoreOperation.GetRange));
        await Task.Delay(TimeSpan.FromSeconds(3)); // the files' Last-Modified must be 2 s behind the server's clock

        var first = await LsAsync(mount);
        // One read of each file's metadata: a HEAD, or for a small sealed file a GET of its first block.
        Assert.InRange(counts!.Count(ObjectStoreOperation.Head) + counts.Count(ObjectStoreOperation.GetRange) - headsBefore - getsBefore, Files, Files * 2);
        await mount.UnmountAsync(); // waits for the index write
        var indexKey = AttributeIndex.KeyFor(volume.Prefix, "d/");
        var indexSize = (await volume.Store.HeadAsync(new HeadRequest(indexKey), CancellationToken.None)).Size;
        var index = System.Text.Encoding.UTF8.GetString(await volume.GetObjectAsync(indexKey, indexSize));
        var envelope = (await volume.Store.HeadAsync(new HeadRequest(volume.Prefix + "d/f07"), CancellationToken.None)).Metadata.UserMetadata
            .Where(p => p.Key.StartsWith("s3cfs-", StringComparison.Ordinal) && p.Value.Length >= 16).ToList();
        Assert.NotEmpty(envelope);
        Assert.All(envelope, p => Assert.DoesNotContain(p.Value, index, StringComparison.Ordinal));

        await mount.MountAsync();
        var (heads, gets) = (counts!.Count(ObjectStoreOperation.Head), counts.Count(ObjectStoreOperation.GetRange)); // opening the volume's
        var second = await LsAsync(mount);

        Assert.Equal(first, second);
        Assert.Contains("-rw------- 1 0 0 100 ", first, StringComparison.Ordinal);
        Assert.Contains("-rw-r--r-- 1 0 0 101 ", first, StringComparison.Ordinal);
        Assert.InRange(counts.Count(ObjectStoreOperation.Head) - heads, 0, 1); // the directory's marker at most, no file
        Assert.Equal(1, counts.Count(ObjectStoreOperation.GetRange) - gets); // the index
    }

    private static async Task<string> LsAsync(InProcessMount mount)
    {
        var ls = await Shell.RunAsync("ls", "-ln", "--time-style=+%s", mount.PathOf("d"));
        Assert.True(ls.ExitCode == 0, ls.StdErr);
        Assert.Equal(Files + 1, ls.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length); // "total" and the files
        return ls.StdOut;
    }
}
