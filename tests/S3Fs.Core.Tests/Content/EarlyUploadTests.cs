using S3Fs.Core.Content;
using S3Fs.Core.Storage;

namespace S3Fs.Core.Tests.Content;

/// <summary>The multipart upload of a large new file started while it is written sequentially.</summary>
public class EarlyUploadTests
{
    private const int Size = 2 * 1024 * 1024;
    private static readonly Dictionary<string, string> StartAttributes = new() { ["mode"] = "33188", ["mtime"] = "1" };

    private static async Task<(IFileContent Content, byte[] Data)> WriteLargeAsync(ContentHarness h, string key = "big", int seed = 1)
    {
        var content = h.Content.CreateNew();
        content.UploadTargetProvider = () => new UploadTarget(key, StartAttributes);
        var data = ContentHarness.Random(Size, seed);
        await ContentHarness.WriteAsync(content, 0, data, chunk: 64 * 1024);
        return (content, data);
    }

    /// <summary>Parts go out in the background: wait until at least <paramref name="parts"/> were sent.</summary>
    private static async Task WaitForPartsAsync(ContentHarness h, int parts)
    {
        for (var i = 0; i < 3000 && h.Counting.Count(ObjectStoreOperation.UploadPart) < parts; i++)
        {
            await Task.Delay(10);
        }

        Assert.True(h.Counting.Count(ObjectStoreOperation.UploadPart) >= parts, h.Counting.ToString());
    }

    [Fact]
    public async Task WriteAsync_SequentialLargeNewFile_SendsPartsBeforeCloseAndEachByteOnce()
    {
        await using var h = new ContentHarness();
        var (content, data) = await WriteLargeAsync(h);
        await using (content)
        {
            await WaitForPartsAsync(h, 10);
            Assert.Null(h.Memory.Peek("big"));
            var stored = await content.UploadAsync("big", StartAttributes, CancellationToken.None);
            Assert.False(content.IsDirty);
            Assert.Equal(stored.Size, h.Counting.BytesUploaded);
            Assert.Equal(stored.Version, content.Base);
        }

        Assert.Equal(1, h.Counting.Count(ObjectStoreOperation.StartMultipartUpload));
        Assert.Equal(0, h.Counting.Count(ObjectStoreOperation.AbortMultipartUpload));
        Assert.Equal(0, h.Counting.Count(ObjectStoreOperation.Copy));
        Assert.Equal(data, await h.ReadStoredAsync("big"));
        Assert.Equal("33188", h.Memory.Peek("big")!.Metadata.UserMetadata["mode"]);
    }

    [Fact]
    public async Task UploadAsync_OnlyTimesChanged_KeepsTheStartMetadataWithoutACopy()
    {
        await using var h = new ContentHarness();
        var (content, _) = await WriteLargeAsync(h);
        await using (content)
        {
            await WaitForPartsAsync(h, 5);
            var stored = await content.UploadAsync("big", new Dictionary<string, string> { ["mode"] = "33188", ["mtime"] = "2" }, CancellationToken.None);
            Assert.Equal("1", stored.Metadata.UserMetadata["mtime"]);
        }

        Assert.Equal(0, h.Counting.Count(ObjectStoreOperation.Copy));
        Assert.Equal("1", h.Memory.Peek("big")!.Metadata.UserMetadata["mtime"]);
    }

    [Fact]
    public async Task UploadAsync_ModeChangedWhileWriting_IsAppliedWithACopy()
    {
        await using var h = new ContentHarness();
        var (content, data) = await WriteLargeAsync(h);
        await using (content)
        {
            await WaitForPartsAsync(h, 5);
            var stored = await content.UploadAsync("big", new Dictionary<string, string> { ["mode"] = "33261", ["mtime"] = "2" }, CancellationToken.None);
            Assert.Equal("33261", stored.Metadata.UserMetadata["mode"]);
            Assert.Equal(stored.ETag, h.Memory.Peek("big")!.ETag);
        }

        Assert.Equal(1, h.Counting.Count(ObjectStoreOperation.Copy));
        Assert.Equal("33261", h.Memory.Peek("big")!.Metadata.UserMetadata["mode"]);
        Assert.Equal(data, await h.ReadStoredAsync("big"));
    }

    [Fact]
    public async Task WriteAsync_RewriteOfASentBlock_AbortsTheEarlyUploadAndUploadsNormally()
    {
        await using var h = new ContentHarness();
        var (content, data) = await WriteLargeAsync(h);
        await using (content)
        {
            await WaitForPartsAsync(h, 5);
            await content.WriteAsync(10, new byte[] { 1, 2, 3 }, CancellationToken.None);
            await content.UploadAsync("big", StartAttributes, CancellationToken.None);
        }

        Assert.Equal(1, h.Counting.Count(ObjectStoreOperation.AbortMultipartUpload));
        data[10] = 1;
        data[11] = 2;
        data[12] = 3;
        Assert.Equal(data, await h.ReadStoredAsync("big"));
    }

    [Fact]
    public async Task SetSizeAsync_TruncationIntoSentParts_AbortsTheEarlyUpload()
    {
        await using var h = new ContentHarness();
        var (content, data) = await WriteLargeAsync(h);
        await using (content)
        {
            await WaitForPartsAsync(h, 5);
            await content.SetSizeAsync(100_000, CancellationToken.None);
            await content.UploadAsync("big", StartAttributes, CancellationToken.None);
        }

        Assert.Equal(1, h.Counting.Count(ObjectStoreOperation.AbortMultipartUpload));
        Assert.Equal(data[..100_000], await h.ReadStoredAsync("big"));
    }

    [Fact]
    public async Task UploadAsync_KeyChangedBeforeClose_DiscardsTheEarlyUpload()
    {
        await using var h = new ContentHarness();
        var (content, data) = await WriteLargeAsync(h, key: "a");
        await using (content)
        {
            await WaitForPartsAsync(h, 5);
            await content.UploadAsync("b", StartAttributes, CancellationToken.None);
        }

        Assert.Equal(1, h.Counting.Count(ObjectStoreOperation.AbortMultipartUpload));
        Assert.Null(h.Memory.Peek("a"));
        Assert.Equal(data, await h.ReadStoredAsync("b"));
    }

    [Fact]
    public async Task UploadAsync_EarlyPartFailed_FallsBackToANormalUpload()
    {
        await using var h = new ContentHarness();
        h.Faults.FailNext(ObjectStoreOperation.UploadPart, 1, Core.Storage.ObjectStoreErrorKind.Other, "injected");
        var (content, data) = await WriteLargeAsync(h);
        await using (content)
        {
            await WaitForPartsAsync(h, 5);
            await content.UploadAsync("big", StartAttributes, CancellationToken.None);
            Assert.False(content.IsDirty);
        }

        Assert.Equal(1, h.Counting.Count(ObjectStoreOperation.AbortMultipartUpload));
        Assert.Equal(data, await h.ReadStoredAsync("big"));
    }

    [Fact]
    public async Task DisposeAsync_WithoutUpload_AbortsAndStoresNothing()
    {
        await using var h = new ContentHarness();
        var (content, _) = await WriteLargeAsync(h);
        await WaitForPartsAsync(h, 5);
        await content.DisposeAsync();
        Assert.Equal(1, h.Counting.Count(ObjectStoreOperation.AbortMultipartUpload));
        Assert.Empty(h.Memory.Keys);
    }

    [Fact]
    public async Task WriteAsync_ExistingFileAppendedTo_DoesNotStartEarly()
    {
        await using var h = new ContentHarness();
        await h.CreateAsync("f", ContentHarness.Random(1000, 2));
        h.Counting.Reset();
        await using var content = await h.OpenAsync("f");
        content.UploadTargetProvider = () => new UploadTarget("f", StartAttributes);
        await ContentHarness.WriteAsync(content, 1000, ContentHarness.Random(Size, 3), chunk: 64 * 1024);
        await Task.Delay(50);
        Assert.Equal(0, h.Counting.Count(ObjectStoreOperation.StartMultipartUpload));
        Assert.Equal(0, h.Counting.Count(ObjectStoreOperation.UploadPart));
    }

    [Fact]
    public async Task WriteAsync_NoTargetProvider_DoesNotStartEarly()
    {
        await using var h = new ContentHarness();
        await using var content = h.Content.CreateNew();
        await ContentHarness.WriteAsync(content, 0, ContentHarness.Random(Size, 4), chunk: 64 * 1024);
        await Task.Delay(50);
        Assert.Equal(0, h.Counting.TotalRequests);
    }
}
