using S3Fs.Core.Content;
using S3Fs.Core.Content.Reading;
using S3Fs.Core.FileSystem;
using S3Fs.Core.Storage;

namespace S3Fs.Core.Tests.Content;

/// <summary>What reads fetch (bytes and requests), read-ahead, version pinning, integrity, budgets, cancellation.</summary>
public class FileReaderTests
{
    private const int MiB = 1024 * 1024;
    private const int Block = 64 * 1024;
    private const int StoredBlock = Block + 28;

    private static ContentHarness Harness(Func<ContentOptions, ContentOptions>? more = null) => new(
        encrypted: true,
        blockSize: Block,
        configure: o =>
        {
            var options = o with { CacheSize = 32L * MiB, InitialReadAhead = 128 * 1024, MaxReadAhead = 8 * MiB, MinReadRequest = MiB, MaxReadRequest = 2 * MiB, ReadAheadParallelism = 4 };
            return more is null ? options : more(options);
        });

    [Fact]
    public async Task ReadAsync_RandomSmallReads_FetchOnlyTheCoveringBlocks()
    {
        await using var h = Harness();
        await h.CreateAsync("f", ContentHarness.Random(16 * MiB, 1), chunk: MiB);
        h.Remount();
        await using var content = await h.OpenAsync("f");
        using var reader = content.CreateReader();
        h.Counting.Reset();

        var random = new Random(2);
        var blocks = new HashSet<long>();
        var buffer = new byte[4096];
        long previous = -1;
        for (var i = 0; i < 50; i++)
        {
            // 4 KiB reads far apart (never sequential: more than 2 MiB from the last), never at offset 0 (a stream's start).
            long offset;
            do
            {
                offset = (random.NextInt64(1, 255) * Block) + random.Next(0, Block - 4096);
            }
            while (previous >= 0 && Math.Abs(offset - previous) < 2 * MiB);

            previous = offset;
            Assert.Equal(4096, await reader.ReadAsync(offset, buffer, CancellationToken.None));
            blocks.Add(offset / Block);
        }

        Assert.Equal(blocks.Count, h.Counting.Count(ObjectStoreOperation.GetRange));
        Assert.Equal(blocks.Count * (long)StoredBlock, h.Counting.BytesDownloaded);
        Assert.Equal(0, ((FileReader)reader).Reserved);
    }

    [Fact]
    public async Task ReadAsync_Sequential_TriggersReadAheadWithFewLargeRequests()
    {
        await using var h = Harness();
        var data = ContentHarness.Random(32 * MiB, 3);
        await h.CreateAsync("f", data, chunk: MiB);
        h.Remount();
        await using var content = await h.OpenAsync("f");
        h.Counting.Reset();

        var read = await ContentHarness.ReadAllAsync(content, chunk: 128 * 1024);

        Assert.Equal(data, read);
        var stored = h.Memory.Peek("f")!.Body.Length;

        // Without read-ahead this would be 256 GETs of 128 KiB; with it, requests grow to 2 MiB of plaintext: 16 of
        // them, plus the first smaller ones while the window grows (21 in all). When requests were capped at 2 MiB of
        // stored bytes, each 2 MiB read-ahead request of this sealed file became a GET of 31 blocks and one of a single
        // block (34 in all). Every byte once.
        var gets = h.Counting.Count(ObjectStoreOperation.GetRange);
        Assert.InRange(gets, 16, 24);
        Assert.Equal(stored, h.Counting.BytesDownloaded);
    }

    [Fact]
    public async Task ReadAsync_Sequential_WindowGrowsGeometricallyAndResetsOnSeek()
    {
        await using var h = Harness();
        await h.CreateAsync("f", ContentHarness.Random(16 * MiB, 4), chunk: MiB);
        await using var content = await h.OpenAsync("f");
        var reader = (FileReader)content.CreateReader();
        var buffer = new byte[128 * 1024];
        var windows = new List<long>();
        for (var i = 0; i < 8; i++)
        {
            await reader.ReadAsync(i * buffer.Length, buffer, CancellationToken.None);
            windows.Add(reader.Window);
        }

        Assert.Equal([128 * 1024, 256 * 1024, 512 * 1024, MiB, 2 * MiB, 4 * MiB, 8 * MiB, 8 * MiB], windows);
        await reader.ReadAsync(12 * MiB, buffer, CancellationToken.None);
        Assert.Equal(0, reader.Window);
        Assert.Equal(0, reader.Reserved);
        reader.Dispose();
        Assert.Equal(0, h.Content.Services.ReadAhead.Reserved);
    }

    [Fact]
    public async Task ReadAsync_TwoSequentialReaders_ReadAheadNeverExceedsItsBudget()
    {
        await using var h = Harness(o => o with { ReadAheadBudget = 3 * MiB });
        await h.CreateAsync("a", ContentHarness.Random(16 * MiB, 5), chunk: MiB);
        await h.CreateAsync("b", ContentHarness.Random(16 * MiB, 6), chunk: MiB);
        h.Remount();
        await using var a = await h.OpenAsync("a");
        await using var b = await h.OpenAsync("b");
        using var ra = a.CreateReader();
        using var rb = b.CreateReader();
        var budget = h.Content.Services.ReadAhead;
        var buffer = new byte[128 * 1024];
        for (long offset = 0; offset < 16 * MiB; offset += buffer.Length)
        {
            await ra.ReadAsync(offset, buffer, CancellationToken.None);
            await rb.ReadAsync(offset, buffer, CancellationToken.None);
            Assert.InRange(budget.Reserved, 0, 3 * MiB);
        }
    }

    [Fact]
    public async Task ReadAsync_LargeFile_KeepsTheBlockCacheWithinItsBudget()
    {
        await using var h = Harness(o => o with { CacheSize = 2 * MiB, ReadAheadBudget = MiB });
        var data = ContentHarness.Random(24 * MiB, 7);
        await h.CreateAsync("f", data, chunk: MiB);
        h.Remount();
        await using var content = await h.OpenAsync("f");
        using var reader = content.CreateReader();
        var buffer = new byte[256 * 1024];
        for (var offset = 0; offset < data.Length; offset += buffer.Length)
        {
            Assert.Equal(buffer.Length, await reader.ReadAsync(offset, buffer, CancellationToken.None));
            Assert.True(buffer.AsSpan().SequenceEqual(data.AsSpan(offset, buffer.Length)));
            Assert.InRange(h.Content.Cache.UsedBytes, 0, 2 * MiB);
        }

        Assert.True(h.Content.Cache.Evictions > 0);
    }

    [Fact]
    public async Task ReadAsync_ObjectChangedBetweenReads_FailsInsteadOfMixingVersions()
    {
        await using var h = Harness();
        var oldData = ContentHarness.Random(4 * MiB, 8);
        await h.CreateAsync("f", oldData, chunk: MiB);
        h.Remount();
        await using var content = await h.OpenAsync("f");
        using var reader = content.CreateReader();
        var first = new byte[Block];
        await reader.ReadAsync(MiB, first, CancellationToken.None);

        // Another client replaces the object.
        await h.Memory.PutAsync(new PutRequest("f", ContentHarness.Random(4 * MiB, 9)), CancellationToken.None);

        var second = new byte[Block];
        var e = await Assert.ThrowsAsync<ObjectStoreException>(async () => await reader.ReadAsync(3 * MiB, second, CancellationToken.None));
        Assert.Equal(ObjectStoreErrorKind.PreconditionFailed, e.Kind);
        Assert.All(second, b => Assert.Equal(0, b));

        // What was read before is still the old version's (cached blocks are keyed by version).
        var again = new byte[Block];
        await reader.ReadAsync(MiB, again, CancellationToken.None);
        Assert.Equal(oldData.AsSpan(MiB, Block).ToArray(), again);
    }

    [Fact]
    public async Task ReadAsync_TamperedCiphertext_FailsWithIntegrityErrorAndNoData()
    {
        await using var h = Harness();
        await h.CreateAsync("f", ContentHarness.Random(MiB, 10), chunk: MiB);
        h.Memory.Peek("f")!.Body[(5 * StoredBlock) + 100] ^= 1;
        h.Remount();
        await using var content = await h.OpenAsync("f");
        using var reader = content.CreateReader();

        var good = new byte[Block];
        Assert.Equal(Block, await reader.ReadAsync(4L * Block, good, CancellationToken.None));
        var buffer = new byte[3 * Block];
        var e = await Assert.ThrowsAsync<FsException>(async () => await reader.ReadAsync(4L * Block, buffer, CancellationToken.None));
        Assert.Equal(FsErrorCode.IntegrityError, e.Code);
        Assert.Contains("'f'", e.Message, StringComparison.Ordinal);
        Assert.Contains("block 5", e.Message, StringComparison.Ordinal);
        Assert.False(h.Content.Cache.Contains(new Core.Content.Caching.BlockKey(content.Base!, 5)));
    }

    [Fact]
    public async Task ReadAsync_SwappedBlocks_FailWithIntegrityError()
    {
        await using var h = Harness();
        await h.CreateAsync("f", ContentHarness.Random(MiB, 11), chunk: MiB);
        var body = h.Memory.Peek("f")!.Body;
        var block2 = body.AsSpan(2 * StoredBlock, StoredBlock).ToArray();
        body.AsSpan(3 * StoredBlock, StoredBlock).CopyTo(body.AsSpan(2 * StoredBlock));
        block2.CopyTo(body.AsSpan(3 * StoredBlock));
        h.Remount();
        await using var content = await h.OpenAsync("f");
        var e = await Assert.ThrowsAsync<FsException>(async () => await ContentHarness.ReadAllAsync(content));
        Assert.Equal(FsErrorCode.IntegrityError, e.Code);
    }

    [Fact]
    public async Task OpenAsync_TruncatedObject_FailsWithIntegrityError()
    {
        await using var h = Harness();
        await h.CreateAsync("f", ContentHarness.Random(MiB, 12), chunk: MiB);
        var stored = h.Memory.Peek("f")!;

        // Drop the last two blocks (a valid ciphertext size), and cut one mid-block (an invalid one).
        foreach (var size in new[] { 14 * StoredBlock, (14 * StoredBlock) + 10 })
        {
            await h.Memory.PutAsync(new PutRequest("g", stored.Body.AsMemory(0, size)) { Metadata = stored.Metadata }, CancellationToken.None);
            var e = await Assert.ThrowsAsync<FsException>(async () =>
            {
                await using var content = await h.OpenAsync("g");
                await ContentHarness.ReadAllAsync(content);
            });
            Assert.Equal(FsErrorCode.IntegrityError, e.Code);
        }
    }

    [Fact]
    public async Task OpenAsync_AlteredEnvelope_FailsWithIntegrityError()
    {
        await using var h = Harness();
        await h.CreateAsync("f", ContentHarness.Random(1000, 13));
        var stored = h.Memory.Peek("f")!;
        var md = new Dictionary<string, string>(stored.Metadata.UserMetadata) { ["s3cfs-bs"] = "4096" };
        await h.Memory.PutAsync(new PutRequest("g", stored.Body) { Metadata = new ObjectMetadata { UserMetadata = md } }, CancellationToken.None);
        var e = await Assert.ThrowsAsync<FsException>(async () => await h.OpenAsync("g"));
        Assert.Equal(FsErrorCode.IntegrityError, e.Code);
        Assert.Contains("'g'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OpenAsync_UnknownMasterKey_FailsWithKeyUnavailableNamingTheKey()
    {
        await using var h = Harness();
        await h.CreateAsync("f", ContentHarness.Random(1000, 14));
        await using var other = new ContentHarness(encrypted: true, blockSize: Block);
        var keyId = h.Memory.Peek("f")!.Metadata.UserMetadata["s3cfs-kid"];
        var e = await Assert.ThrowsAsync<FsException>(async () => await other.Content.OpenAsync(await h.HeadAsync("f"), CancellationToken.None));
        Assert.Equal(FsErrorCode.KeyUnavailable, e.Code);
        Assert.Contains(keyId, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Read_Cancelled_ThrowsAndALaterReadWorks()
    {
        await using var h = Harness();
        var data = ContentHarness.Random(MiB, 15);
        await h.CreateAsync("f", data, chunk: MiB);
        h.Remount();
        await using var content = await h.OpenAsync("f");
        using var reader = content.CreateReader();
        h.Faults.AddLatency(ObjectStoreOperation.GetRange, TimeSpan.FromSeconds(5));
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(50));
        var buffer = new byte[Block];
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await reader.ReadAsync(Block, buffer, cts.Token));

        h.Faults.AddLatency(ObjectStoreOperation.GetRange, TimeSpan.Zero);
        Assert.Equal(Block, await reader.ReadAsync(Block, buffer, CancellationToken.None));
        Assert.Equal(data.AsSpan(Block, Block).ToArray(), buffer);
    }

    [Fact]
    public async Task ReadAsync_ConcurrentReadersOfOneBlock_FetchItOnce()
    {
        await using var h = Harness();
        await h.CreateAsync("f", ContentHarness.Random(MiB, 16), chunk: MiB);
        h.Remount();
        await using var content = await h.OpenAsync("f");
        h.Faults.AddLatency(ObjectStoreOperation.GetRange, TimeSpan.FromMilliseconds(100));
        h.Counting.Reset();
        var reads = Enumerable.Range(0, 8).Select(async _ =>
        {
            using var reader = content.CreateReader();
            var buffer = new byte[100];
            await reader.ReadAsync((7 * Block) + 5, buffer, CancellationToken.None);
            return buffer;
        }).ToList();
        var results = await Task.WhenAll(reads);
        Assert.Equal(1, h.Counting.Count(ObjectStoreOperation.GetRange));
        Assert.All(results, r => Assert.Equal(results[0], r));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task ReadAsync_TwoFilesThroughATinyCache_RecycledBuffersNeverMixTheirBytes(bool encrypted)
    {
        // Six cached blocks for two files read in turns: nearly every fetch reuses a response buffer and evicted
        // block buffers of the other file (including its short last block), so stale bytes would show.
        await using var h = new ContentHarness(encrypted, Block, configure: o => o with
        {
            CacheSize = 6 * Block,
            ReadAheadBudget = 3 * Block,
            MinReadRequest = 2 * Block,
            MaxReadRequest = 3 * Block,
            MaxReadAhead = 3 * Block,
        });
        var a = ContentHarness.Random(MiB + 1000, 21);
        var b = ContentHarness.Random((10 * Block) + 7, 22);
        await h.CreateAsync("a", a, chunk: MiB);
        await h.CreateAsync("b", b, chunk: MiB);
        h.Remount();
        await using var fa = await h.OpenAsync("a");
        await using var fb = await h.OpenAsync("b");
        using var ra = fa.CreateReader();
        using var rb = fb.CreateReader();
        var random = new Random(23);
        for (var i = 0; i < 200; i++)
        {
            var (reader, data) = i % 2 == 0 ? (ra, a) : (rb, b);
            var offset = i % 10 == 9 ? data.Length - 3000 : random.Next(data.Length - 1);
            var buffer = new byte[Math.Min(random.Next(1, 3 * Block), data.Length - offset)];
            Assert.Equal(buffer.Length, await reader.ReadAsync(offset, buffer, CancellationToken.None));
            Assert.True(buffer.AsSpan().SequenceEqual(data.AsSpan(offset, buffer.Length)), $"read {i} at {offset}");
        }

        Assert.True(h.Content.Cache.Evictions > 100);
    }
}
