using S3Fs.Core.Content;
using S3Fs.Core.Content.Caching;
using S3Fs.Core.FileSystem;
using S3Fs.Core.Storage;

namespace S3Fs.Core.Tests.Content;

/// <summary>
/// <see cref="ContentStore.HeadAsync"/>: a small object is read whole by one GET that stands in for the HEAD, and its
/// blocks serve the open and read that follow; anything else is HEADed; errors stay for the open or read to report.
/// </summary>
public class ContentStoreHeadTests
{
    [Theory]
    [InlineData(true, ContentHarness.SmallBlock, 1)]
    [InlineData(true, ContentHarness.SmallBlock, 9000)]
    [InlineData(true, 64 * 1024, 64 * 1024)] // one default block: the largest sealed object read whole
    [InlineData(false, ContentHarness.SmallBlock, 9000)]
    [InlineData(false, ContentHarness.SmallBlock, ContentStore.WholeReadLimit)]
    public async Task HeadAsync_SmallObject_OneGetAndTheReadNeedsNoFurtherRequest(bool encrypted, int blockSize, int size)
    {
        await using var h = new ContentHarness(encrypted, blockSize);
        var data = ContentHarness.Random(size, size);
        var stored = await h.CreateAsync("f", data, attributes: new Dictionary<string, string> { ["mode"] = "33188" });
        var head = await h.HeadAsync("f");
        h.Remount();
        h.Counting.Reset();

        var info = await h.Content.HeadAsync("f", stored.Size, CancellationToken.None);

        Assert.NotNull(info);
        Assert.Equal(head.Size, info.Size);
        Assert.Equal(head.ETag, info.ETag);
        Assert.Equal(head.LastModified, info.LastModified);
        Assert.Equal(head.Metadata.UserMetadata, info.Metadata.UserMetadata);
        Assert.Equal(1, h.Counting.Count(ObjectStoreOperation.GetRange));
        Assert.Equal(0, h.Counting.Count(ObjectStoreOperation.Head));

        await using var content = await h.Content.OpenAsync(info, CancellationToken.None);
        Assert.Equal(data, await ContentHarness.ReadAllAsync(content));
        Assert.Equal(1, h.Counting.Count(ObjectStoreOperation.GetRange));
        Assert.Equal(0, h.Counting.Count(ObjectStoreOperation.Head));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(ContentStore.WholeReadLimit + 1)]
    [InlineData(1024 * 1024)]
    public async Task HeadAsync_EmptyOrLargerObject_IsAHead(long listedSize)
    {
        await using var h = new ContentHarness(encrypted: false);
        await h.CreateAsync("f", ContentHarness.Random((int)listedSize, 2), chunk: 1024 * 1024);
        h.Counting.Reset();

        var info = await h.Content.HeadAsync("f", listedSize, CancellationToken.None);

        Assert.Equal(listedSize, info!.Size);
        Assert.Equal(1, h.Counting.Count(ObjectStoreOperation.Head));
        Assert.Equal(0, h.Counting.Count(ObjectStoreOperation.GetRange));
    }

    [Fact]
    public async Task HeadAsync_EmptySealedFile_IsAHead()
    {
        await using var h = new ContentHarness(encrypted: true);
        var stored = await h.CreateAsync("empty", []);
        h.Counting.Reset();

        var info = await h.Content.HeadAsync("empty", stored.Size, CancellationToken.None);

        Assert.Equal(28, stored.Size); // the seal of the (empty) final block: nothing worth caching
        Assert.Equal(stored.ETag, info!.ETag);
        Assert.Equal(1, h.Counting.Count(ObjectStoreOperation.Head));
        Assert.Equal(0, h.Counting.Count(ObjectStoreOperation.GetRange));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(100)]
    public async Task HeadAsync_MissingObject_IsNull(long listedSize)
    {
        await using var h = new ContentHarness();

        Assert.Null(await h.Content.HeadAsync("gone", listedSize, CancellationToken.None));
    }

    [Fact]
    public async Task HeadAsync_ListedSmallButNowEmpty_FallsBackToAHead()
    {
        await using var h = new ContentHarness(encrypted: false);
        await h.Memory.PutAsync(new PutRequest("f", ReadOnlyMemory<byte>.Empty), CancellationToken.None);

        var info = await h.Content.HeadAsync("f", listedSize: 100, CancellationToken.None);

        Assert.Equal(0, info!.Size);
        Assert.Equal(1, h.Counting.Count(ObjectStoreOperation.Head));
    }

    [Fact]
    public async Task HeadAsync_ListedSmallButNowLarge_ReportsTheRealSizeAndReadsIt()
    {
        await using var h = new ContentHarness();
        var data = ContentHarness.Random(300_000, 3);
        await h.CreateAsync("f", data);
        h.Remount();

        var info = await h.Content.HeadAsync("f", listedSize: 100, CancellationToken.None);

        Assert.Equal(h.Memory.Peek("f")!.Body.Length, info!.Size);
        await using var content = await h.Content.OpenAsync(info, CancellationToken.None);
        Assert.Equal(data, await ContentHarness.ReadAllAsync(content));
    }

    [Fact]
    public async Task HeadAsync_TamperedSmallObject_AnswersButTheReadFailsAndNothingIsCached()
    {
        await using var h = new ContentHarness();
        var stored = await h.CreateAsync("f", ContentHarness.Random(9000, 4));
        h.Memory.Peek("f")!.Body[ContentHarness.SmallBlock + 40] ^= 1; // inside block 1 of 3
        h.Remount();

        var info = await h.Content.HeadAsync("f", stored.Size, CancellationToken.None);

        // Block 0 authenticated and may serve reads; the bad block 1, and block 2 after it, never reach the cache.
        Assert.Equal(stored.ETag, info!.ETag);
        Assert.False(h.Content.Cache.Contains(new BlockKey(info.Version, 1)));
        Assert.False(h.Content.Cache.Contains(new BlockKey(info.Version, 2)));
        await using var content = await h.Content.OpenAsync(info, CancellationToken.None);
        var e = await Assert.ThrowsAsync<FsException>(async () => await ContentHarness.ReadAllAsync(content));
        Assert.Equal(FsErrorCode.IntegrityError, e.Code);
    }

    [Fact]
    public async Task HeadAsync_EncryptedObjectInAPlainVolume_AnswersAndTheOpenReportsTheMissingKey()
    {
        await using var h = new ContentHarness(encrypted: true);
        var stored = await h.CreateAsync("f", ContentHarness.Random(100, 5));
        await using var plain = new ContentHarness(encrypted: false);

        // The same bucket, mounted as a plain volume: it has no key for the object.
        var withoutKey = new ContentStore(h.Counting, plain.Options() with { StagingDirectory = Path.Combine(h.Directory, "other") });
        await using var _ = withoutKey;
        var info = await withoutKey.HeadAsync("f", stored.Size, CancellationToken.None);
        Assert.Equal(stored.ETag, info!.ETag);
        Assert.Equal(0, withoutKey.Cache.Count);
        var e = await Assert.ThrowsAsync<FsException>(async () => await withoutKey.OpenAsync(info, CancellationToken.None));
        Assert.Equal(FsErrorCode.KeyUnavailable, e.Code);
    }
}
