using System.Buffers.Binary;
using S3Fs.Core.Content.Caching;
using S3Fs.Core.Storage;

namespace S3Fs.Core.Tests.Content;

/// <summary>The disk tier: ciphertext only, survives a restart, never trusts a bad file, keeps its budget.</summary>
public class DiskBlockCacheTests
{
    private const int MiB = 1024 * 1024;
    private const int Block = 16 * 1024;
    private const int StoredBlock = Block + 28;

    private static readonly byte[] Marker = "the plaintext marker that must never reach the disk"u8.ToArray();

    private static ContentHarness Harness(bool encrypted = true, long diskBudget = 64L * MiB) => new(
        encrypted,
        blockSize: Block,
        configure: o => o with { DiskCacheDirectory = Path.Combine(o.StagingDirectory!, "..", "cache"), DiskCacheSize = diskBudget });

    private static byte[] MarkedData(int size)
    {
        var data = new byte[size];
        for (var i = 0; i + Marker.Length <= size; i += Marker.Length)
        {
            Marker.CopyTo(data, i);
        }

        return data;
    }

    private static async Task ReadThroughAsync(ContentHarness h, string key)
    {
        await using var content = await h.OpenAsync(key);
        await ContentHarness.ReadAllAsync(content);
        await h.Content.DiskCache!.DrainAsync();
    }

    private static List<string> CacheFiles(ContentHarness h) =>
        Directory.EnumerateFiles(h.Content.DiskCache!.RootDirectory, "*", SearchOption.AllDirectories).ToList();

    [Fact]
    public async Task Read_Encrypted_CachesCiphertextOnlyNeverPlaintext()
    {
        // A key long enough that finding it in random ciphertext by chance is impossible (the key "f", searched for
        // as the 3 bytes '"f"', turned up in about one run in fifteen).
        const string key = "photos/2026/a-distinctive-object-key.jpg";
        await using var h = Harness();
        await h.CreateAsync(key, MarkedData(MiB));
        h.Remount();
        await ReadThroughAsync(h, key);

        var files = CacheFiles(h);
        Assert.Equal(MiB / Block, files.Count);
        foreach (var file in files)
        {
            var bytes = await File.ReadAllBytesAsync(file);
            Assert.Equal(DiskBlockHeader.Size + StoredBlock, bytes.Length);
            Assert.Equal(-1, bytes.AsSpan().IndexOf(Marker.AsSpan(0, 16)));
            Assert.Equal(-1, bytes.AsSpan().IndexOf(System.Text.Encoding.UTF8.GetBytes(key)));
            Assert.Equal(-1, bytes.AsSpan().IndexOf(System.Text.Encoding.UTF8.GetBytes("a-distinctive-object-key")));
        }

        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(h.Content.DiskCache!.RootDirectory));
        }
    }

    [Fact]
    public async Task Read_PlainObject_SkipsTheDiskTier()
    {
        await using var h = Harness(encrypted: false);
        await h.CreateAsync("f", MarkedData(MiB));
        h.Remount();
        await ReadThroughAsync(h, "f");
        Assert.Empty(CacheFiles(h));
    }

    [Fact]
    public async Task TryReadAsync_AfterRestart_ServesBlocksWithoutGets()
    {
        await using var h = Harness();
        var data = ContentHarness.Random(MiB, 1);
        await h.CreateAsync("f", data);
        h.Remount();
        await ReadThroughAsync(h, "f");

        h.Remount();
        h.Counting.Reset();
        await using var content = await h.OpenAsync("f");
        Assert.Equal(data, await ContentHarness.ReadAllAsync(content));
        Assert.Equal(0, h.Counting.Count(ObjectStoreOperation.GetRange));
    }

    [Fact]
    public async Task TryReadAsync_CorruptedFile_IsDiscardedAndTheBlockRefetched()
    {
        await using var h = Harness();
        var data = ContentHarness.Random(MiB, 2);
        await h.CreateAsync("f", data);
        h.Remount();
        await ReadThroughAsync(h, "f");
        var victim = CacheFiles(h).OrderBy(f => f, StringComparer.Ordinal).First();
        var bytes = await File.ReadAllBytesAsync(victim);
        bytes[DiskBlockHeader.Size + 50] ^= 0xFF;
        await File.WriteAllBytesAsync(victim, bytes);

        h.Remount();
        h.Counting.Reset();
        await using var content = await h.OpenAsync("f");
        Assert.Equal(data, await ContentHarness.ReadAllAsync(content));
        Assert.Equal(1, h.Counting.Count(ObjectStoreOperation.GetRange));
        Assert.Equal(1, h.Content.DiskCache!.Rejected);
    }

    [Fact]
    public async Task TryReadAsync_PlantedFileWithValidHeader_FailsAuthenticationAndIsNeverServed()
    {
        await using var h = Harness();
        var data = ContentHarness.Random(MiB, 3);
        await h.CreateAsync("f", data);
        h.Remount();
        await ReadThroughAsync(h, "f");

        // Rewrite a block's ciphertext and fix up its checksum: only AES-GCM can tell now.
        var victim = CacheFiles(h).First(f => Path.GetFileName(f) == "3");
        var bytes = await File.ReadAllBytesAsync(victim);
        bytes[DiskBlockHeader.Size + 100] ^= 0x01;
        BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(84), Crc32C.Compute(bytes.AsSpan(DiskBlockHeader.Size)));
        await File.WriteAllBytesAsync(victim, bytes);

        h.Remount();
        h.Counting.Reset();
        await using var content = await h.OpenAsync("f");
        Assert.Equal(data, await ContentHarness.ReadAllAsync(content));
        Assert.Equal(1, h.Counting.Count(ObjectStoreOperation.GetRange));
        Assert.Equal(1, h.Content.DiskCache!.Rejected);
    }

    [Fact]
    public async Task TryReadAsync_FileOfAnotherBlock_IsRejected()
    {
        await using var h = Harness();
        var data = ContentHarness.Random(MiB, 4);
        await h.CreateAsync("f", data);
        h.Remount();
        await ReadThroughAsync(h, "f");
        var files = CacheFiles(h);
        var dir = Path.GetDirectoryName(files[0])!;
        File.Copy(Path.Combine(dir, "5"), Path.Combine(dir, "6"), overwrite: true);

        h.Remount();
        await using var content = await h.OpenAsync("f");
        Assert.Equal(data, await ContentHarness.ReadAllAsync(content));
        Assert.Equal(1, h.Content.DiskCache!.Rejected);
    }

    [Fact]
    public async Task TryReadAsync_ChangedObject_IsNotServedFromTheOldVersionsFiles()
    {
        await using var h = Harness();
        await h.CreateAsync("f", ContentHarness.Random(MiB, 5));
        h.Remount();
        await ReadThroughAsync(h, "f");

        var newer = ContentHarness.Random(MiB, 6);
        await h.CreateAsync("f", newer);
        h.Remount();
        h.Counting.Reset();
        await using var content = await h.OpenAsync("f");
        Assert.Equal(newer, await ContentHarness.ReadAllAsync(content));
        Assert.True(h.Counting.BytesDownloaded >= MiB);
    }

    [Fact]
    public async Task Enqueue_BeyondBudget_EvictsOldFiles()
    {
        const long budget = 40L * StoredBlock;
        await using var h = Harness(diskBudget: budget);
        await h.CreateAsync("a", ContentHarness.Random(MiB, 7));
        await h.CreateAsync("b", ContentHarness.Random(MiB, 8));
        h.Remount();
        await ReadThroughAsync(h, "a");
        await ReadThroughAsync(h, "b");

        var disk = h.Content.DiskCache!;
        Assert.InRange(disk.UsedBytes, 1, budget);
        Assert.InRange(CacheFiles(h).Sum(f => new FileInfo(f).Length), 1, budget);

        // After a restart the index is rebuilt from the files: same total.
        var used = disk.UsedBytes;
        h.Remount();
        await h.Content.DiskCache!.DrainAsync();
        Assert.Equal(used, h.Content.DiskCache!.UsedBytes);
    }

    [Fact]
    public void Crc32CCompute_KnownVectorsAndRandomData_MatchTheTable()
    {
        // RFC 3720 appendix B.4: 32 bytes of zeros.
        Assert.Equal(0x8A9136AAu, Crc32C.Compute(new byte[32]));
        Assert.Equal(0xE3069283u, Crc32C.Compute("123456789"u8));
        var data = ContentHarness.Random(100_003, 9);
        Assert.Equal(Crc32C.ComputeWithTable(data), Crc32C.Compute(data));
    }
}
