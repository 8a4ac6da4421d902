using System.Diagnostics;
using System.Globalization;
using System.Text;
using Xunit.Abstractions;

namespace S3Fs.Fuse.Tests.Mount;

/// <summary>
/// Sizes a user meets and a small test never does, through the real <c>s3cfs mount</c>: a 1 GiB file's checksum
/// survives cp, unmount and remount; a directory of 10,000 encrypted files lists completely with the right
/// (plaintext) sizes after a remount. Each takes a minute or two on a 2-core machine; they run in CI all the same.
/// </summary>
[Trait("Category", "Fuse")]
[Trait("Category", "S3")]
[Trait("Category", "Slow")]
[Collection(SlowCollection.Name)]
public sealed class LargeDataTests(ITestOutputHelper output)
{
    private const int ManyFiles = 10_000;

    /// <summary>Bound for one step over a whole GiB (write, copy, checksum) on a slow, shared machine.</summary>
    private static readonly TimeSpan GiBStep = TimeSpan.FromMinutes(10);

    [Fact]
    public async Task OneGiBFile_CopiedInUnmountedAndRemounted_ChecksumMatches()
    {
        await using var s = await ShellScenario.StartAsync("one-gib");
        await Timed("write 1 GiB locally", () => s.InLocalAsync("dd if=/dev/urandom of=big bs=1M count=1024 status=none && sha256sum big > big.sha256", GiBStep));
        await Timed("cp into the mount", () => s.InMountAsync("cp \"$L/big\" big", GiBStep));
        await Timed("unmount", s.Mount.UnmountAsync);
        await Timed("mount", s.Mount.MountAsync);
        Assert.Equal("1073741824\n", await s.InMountAsync("stat -c %s big"));
        await Timed("sha256sum through the mount", () => s.InMountAsync("sha256sum -c --quiet \"$L/big.sha256\"", GiBStep));
        var objects = await s.Volume.ListAllAsync();
        var stored = Assert.Single(objects, o => o.Key == s.Volume.Prefix + "big");
        Assert.True(stored.Size > 1L << 30, $"the stored object has {stored.Size} bytes, no more than the plaintext: not encrypted?");
    }

    [Fact]
    public async Task TenThousandFiles_ListedAfterRemount_AllPresentWithRightSizes()
    {
        await using var s = await ShellScenario.StartAsync("ten-thousand");
        await Timed($"store {ManyFiles} encrypted files in the bucket", () => StoreManyFilesAsync(s.Volume, "many/"));
        await s.RemountAsync(); // a fresh mount: nothing of the directory is known before the listing

        var names = await Timed("ls", () => s.InMountAsync("ls many"));
        Assert.Equal(ManyFiles, names.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        var lsl = await Timed("ls -l", () => s.InMountAsync("ls -l many | tee \"$L/ls-l.txt\" | wc -l", GiBStep));
        Assert.Equal($"{ManyFiles + 1}\n", lsl); // plus the "total" line

        var sizes = File.ReadLines(Path.Combine(s.Local, "ls-l.txt")).Skip(1)
            .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .ToDictionary(f => f[^1], f => long.Parse(f[4], CultureInfo.InvariantCulture));
        Assert.Equal(ManyFiles, sizes.Count);
        for (var i = 0; i < ManyFiles; i++)
        {
            Assert.Equal(Content(i).Length, sizes[Name(i)]);
        }

        Assert.Equal(Encoding.UTF8.GetString(Content(4321)), await s.InMountAsync($"cat many/{Name(4321)}"));
        Assert.Equal($"{ManyFiles}\n", await Timed("find", () => s.InMountAsync("find many -type f | wc -l")));
    }

    private static string Name(int i) => $"file-{i:D5}.txt";

    /// <summary>Distinct sizes from 30 bytes to a little over one 64 KiB block, so plaintext sizes from listings are checked across block counts.</summary>
    private static byte[] Content(int i)
    {
        var line = Encoding.UTF8.GetBytes($"S3CFS-E2E-MARKER file {i}\n");
        var size = 30 + (i * 7919 % 70_000);
        var content = new byte[size];
        for (var o = 0; o < size; o += line.Length)
        {
            line.AsSpan(0, Math.Min(line.Length, size - o)).CopyTo(content.AsSpan(o));
        }

        return content;
    }

    /// <summary>Writes the files straight to the bucket in the volume's encrypted format (the content layer of an unmounted volume), 32 at a time.</summary>
    private static async Task StoreManyFilesAsync(MountVolume volume, string folder)
    {
        await using var fs = await InProcessMount.OpenFileSystemAsync(volume, new Binding.ListLogger());
        var attributes = new Dictionary<string, string>();
        await Parallel.ForEachAsync(Enumerable.Range(0, ManyFiles), new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (i, ct) =>
        {
            await using var content = fs.Content.CreateNew();
            await content.WriteAsync(0, Content(i), ct);
            await content.UploadAsync(volume.Prefix + folder + Name(i), attributes, ct);
        });
    }

    private async Task<T> Timed<T>(string step, Func<Task<T>> action)
    {
        var watch = Stopwatch.StartNew();
        var result = await action();
        output.WriteLine($"{step}: {watch.Elapsed.TotalSeconds:0.0} s");
        return result;
    }

    private async Task Timed(string step, Func<Task> action)
    {
        var watch = Stopwatch.StartNew();
        await action();
        output.WriteLine($"{step}: {watch.Elapsed.TotalSeconds:0.0} s");
    }
}

/// <summary>The slow tests run one at a time: each alone fills the machine's disk and network bandwidth.</summary>
[CollectionDefinition(Name)]
public sealed class SlowCollection
{
    public const string Name = "Slow mount tests";
}
