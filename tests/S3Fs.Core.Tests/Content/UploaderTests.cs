using S3Fs.Core.FileSystem;
using S3Fs.Core.Storage;

namespace S3Fs.Core.Tests.Content;

/// <summary>Uploads: part planning at S3's real limits, the degraded path, failures and retries, concurrent writes.</summary>
public class UploaderTests
{
    private const int MiB = 1024 * 1024;
    private static readonly Dictionary<string, string> NoAttributes = [];

    /// <summary>S3's real limits (5 MiB minimum part) and the default 64 KiB blocks and 8 MiB parts.</summary>
    private static ContentHarness RealLimits(bool encrypted = true, bool uploadPartCopy = true) => new(
        encrypted,
        blockSize: 64 * 1024,
        capabilities: ObjectStoreCapabilities.AwsDefaults with { UploadPartCopy = uploadPartCopy },
        configure: o => o with { CacheSize = 64L * MiB, UploadPartSize = 8 * MiB, CopyPartSize = 512 * MiB, SinglePutThreshold = 8 * MiB, MaxReadRequest = 8 * MiB, MaxReadAhead = 16 * MiB, MinReadRequest = MiB, InitialReadAhead = 128 * 1024 });

    /// <summary>Waits until a part is being sent: the upload's snapshot is taken by then (later writes are not in it).</summary>
    private static async Task UploadStartedAsync(ContentHarness h)
    {
        for (var i = 0; i < 3000 && h.Counting.Count(ObjectStoreOperation.UploadPart) == 0; i++)
        {
            await Task.Delay(10);
        }

        Assert.True(h.Counting.Count(ObjectStoreOperation.UploadPart) > 0);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Upload_OneMiBOverwriteInLargeFile_CopiesTheRestAndSendsAtMostSixMiB(bool encrypted)
    {
        await using var h = RealLimits(encrypted);
        var data = ContentHarness.Random(128 * MiB, 1);
        await h.CreateAsync("big", data, chunk: MiB);
        h.Counting.Reset();

        var patch = ContentHarness.Random(MiB, 2);
        const int offset = (64 * MiB) + 12_345;
        await using (var content = await h.OpenAsync("big"))
        {
            await content.WriteAsync(offset, patch, CancellationToken.None);
            await content.UploadAsync("big", NoAttributes, CancellationToken.None);
        }

        Assert.True(h.Counting.Count(ObjectStoreOperation.UploadPartCopy) >= 2, h.Counting.ToString());
        Assert.True(h.Counting.BytesUploaded <= 6 * MiB, h.Counting.ToString());

        // The read-modify-write of the two partial blocks and the borrowed blocks are all that was read.
        Assert.True(h.Counting.BytesDownloaded <= 6 * MiB, h.Counting.ToString());
        patch.CopyTo(data, offset);
        Assert.Equal(data, await h.ReadStoredAsync("big"));
    }

    [Fact]
    public async Task Upload_WithoutUploadPartCopy_ReuploadsWithTheRightBytes()
    {
        await using var h = RealLimits(uploadPartCopy: false);
        var data = ContentHarness.Random(24 * MiB, 3);
        await h.CreateAsync("big", data, chunk: MiB);
        h.Counting.Reset();

        var patch = ContentHarness.Random(MiB, 4);
        await using (var content = await h.OpenAsync("big"))
        {
            await content.WriteAsync(10 * MiB, patch, CancellationToken.None);
            await content.UploadAsync("big", NoAttributes, CancellationToken.None);
        }

        Assert.Equal(0, h.Counting.Count(ObjectStoreOperation.UploadPartCopy));
        var stored = h.Memory.Peek("big")!.Body.Length;
        Assert.Equal(stored, h.Counting.BytesUploaded);

        // Unchanged blocks were fetched as stored (ciphertext, by ranged GET), about the whole object once.
        Assert.InRange(h.Counting.BytesDownloaded, stored - MiB - (128 * 1024), stored);
        patch.CopyTo(data, 10 * MiB);
        Assert.Equal(data, await h.ReadStoredAsync("big"));
    }

    [Fact]
    public async Task Upload_ServerRefusesUploadPartCopy_FallsBackToUploading()
    {
        await using var h = RealLimits();
        var data = ContentHarness.Random(24 * MiB, 5);
        await h.CreateAsync("big", data, chunk: MiB);
        h.Faults.FailNext(ObjectStoreOperation.UploadPartCopy, 1, ObjectStoreErrorKind.NotSupported, "501 Not Implemented");
        await using (var content = await h.OpenAsync("big"))
        {
            await content.WriteAsync(0, new byte[] { 42 }, CancellationToken.None);
            await content.UploadAsync("big", NoAttributes, CancellationToken.None);
        }

        data[0] = 42;
        Assert.Equal(data, await h.ReadStoredAsync("big"));
    }

    [Theory]
    [InlineData(ObjectStoreOperation.UploadPart)]
    [InlineData(ObjectStoreOperation.CompleteMultipartUpload)]
    [InlineData(ObjectStoreOperation.StartMultipartUpload)]
    [InlineData(ObjectStoreOperation.Put)]
    public async Task Upload_InjectedFailure_StaysDirtyAndRetrySucceeds(ObjectStoreOperation failing)
    {
        await using var h = new ContentHarness();
        var size = failing == ObjectStoreOperation.Put ? 50_000 : 600_000;
        var data = ContentHarness.Random(size, 6);
        await using var content = h.Content.CreateNew();
        await ContentHarness.WriteAsync(content, 0, data);
        h.Faults.FailNext(failing, 1, ObjectStoreErrorKind.Other, "injected");

        var e = await Assert.ThrowsAsync<ObjectStoreException>(async () => await content.UploadAsync("f", NoAttributes, CancellationToken.None));
        Assert.Contains("injected", e.Message, StringComparison.Ordinal);
        Assert.True(content.IsDirty);
        Assert.Null(content.Base);
        Assert.Null(h.Memory.Peek("f"));
        if (failing is ObjectStoreOperation.UploadPart or ObjectStoreOperation.CompleteMultipartUpload)
        {
            Assert.Equal(1, h.Counting.Count(ObjectStoreOperation.AbortMultipartUpload));
        }

        var stored = await content.UploadAsync("f", NoAttributes, CancellationToken.None);
        Assert.False(content.IsDirty);
        Assert.Equal(stored.Version, content.Base);
        Assert.Equal(data, await h.ReadStoredAsync("f"));
        Assert.Equal(data, await ContentHarness.ReadAllAsync(content));
    }

    [Fact]
    public async Task Upload_FailureOfARewrite_KeepsTheOldObjectAndTheChanges()
    {
        await using var h = new ContentHarness();
        var data = ContentHarness.Random(600_000, 7);
        await h.CreateAsync("f", data);
        await using var content = await h.OpenAsync("f");
        await content.WriteAsync(300_000, new byte[] { 1, 2, 3 }, CancellationToken.None);
        await content.SetSizeAsync(500_000, CancellationToken.None);
        h.Faults.FailNext(ObjectStoreOperation.UploadPart, 1, ObjectStoreErrorKind.Transient);

        await Assert.ThrowsAsync<ObjectStoreException>(async () => await content.UploadAsync("f", NoAttributes, CancellationToken.None));
        Assert.True(content.IsDirty);
        Assert.Equal(data, await h.ReadStoredAsync("f"));

        var expected = data[..500_000];
        expected[300_000] = 1;
        expected[300_001] = 2;
        expected[300_002] = 3;
        Assert.Equal(expected, await ContentHarness.ReadAllAsync(content));
        await content.UploadAsync("f", NoAttributes, CancellationToken.None);
        Assert.Equal(expected, await h.ReadStoredAsync("f"));
    }

    [Fact]
    public async Task Upload_WritesDuringUpload_AreKeptAndStayDirty()
    {
        await using var h = new ContentHarness();
        var data = ContentHarness.Random(600_000, 8);
        await using var content = h.Content.CreateNew();
        await ContentHarness.WriteAsync(content, 0, data);
        h.Faults.AddLatency(ObjectStoreOperation.UploadPart, TimeSpan.FromMilliseconds(100));

        var upload = content.UploadAsync("f", NoAttributes, CancellationToken.None).AsTask();
        await UploadStartedAsync(h);
        var late = ContentHarness.Random(10_000, 9);
        await content.WriteAsync(100, late, CancellationToken.None);
        await content.WriteAsync(600_000, new byte[] { 7 }, CancellationToken.None);
        await upload;
        h.Faults.AddLatency(ObjectStoreOperation.UploadPart, TimeSpan.Zero);

        // S3 holds the snapshot; the content still has the late writes and knows it is dirty.
        Assert.Equal(data, await h.ReadStoredAsync("f"));
        Assert.True(content.IsDirty);
        var expected = new byte[600_001];
        data.CopyTo(expected, 0);
        late.CopyTo(expected, 100);
        expected[600_000] = 7;
        Assert.Equal(expected, await ContentHarness.ReadAllAsync(content));

        await content.UploadAsync("f", NoAttributes, CancellationToken.None);
        Assert.False(content.IsDirty);
        Assert.Equal(expected, await h.ReadStoredAsync("f"));
    }

    [Fact]
    public async Task Upload_TruncationDuringUpload_DoesNotResurrectBytes()
    {
        await using var h = new ContentHarness();
        var data = ContentHarness.Random(600_000, 10);
        await using var content = h.Content.CreateNew();
        await ContentHarness.WriteAsync(content, 0, data);
        h.Faults.AddLatency(ObjectStoreOperation.UploadPart, TimeSpan.FromMilliseconds(100));

        var upload = content.UploadAsync("f", NoAttributes, CancellationToken.None).AsTask();
        await UploadStartedAsync(h);
        await content.SetSizeAsync(1000, CancellationToken.None);
        await content.SetSizeAsync(5000, CancellationToken.None);
        await upload;
        h.Faults.AddLatency(ObjectStoreOperation.UploadPart, TimeSpan.Zero);

        var expected = new byte[5000];
        data.AsSpan(0, 1000).CopyTo(expected);
        Assert.Equal(expected, await ContentHarness.ReadAllAsync(content));
        await content.UploadAsync("f", NoAttributes, CancellationToken.None);
        Assert.Equal(expected, await h.ReadStoredAsync("f"));
    }

    [Fact]
    public async Task Upload_MetadataOverBudget_FailsClearlyAndUploadsNothing()
    {
        await using var h = new ContentHarness();
        await using var content = h.Content.CreateNew();
        await content.WriteAsync(0, new byte[] { 1 }, CancellationToken.None);
        var attributes = new Dictionary<string, string> { ["xattr"] = new string('x', 1950) };

        var e = await Assert.ThrowsAsync<FsException>(async () => await content.UploadAsync("f", attributes, CancellationToken.None));
        Assert.Equal(FsErrorCode.NoSpace, e.Code);
        Assert.Contains("2048", e.Message, StringComparison.Ordinal);
        Assert.Contains("envelope", e.Message, StringComparison.Ordinal);
        Assert.Equal(0, h.Counting.TotalRequests);
        Assert.True(content.IsDirty);
    }

    [Fact]
    public async Task Upload_AttributesOnly_CopiesServerSide()
    {
        await using var h = new ContentHarness();
        var data = ContentHarness.Random(300_000, 11);
        await h.CreateAsync("f", data);
        h.Counting.Reset();
        await using (var content = await h.OpenAsync("f"))
        {
            var stored = await content.UploadAsync("f", new Dictionary<string, string> { ["mode"] = "33261" }, CancellationToken.None);
            Assert.Equal("33261", stored.Metadata.UserMetadata["mode"]);
        }

        Assert.Equal(1, h.Counting.Count(ObjectStoreOperation.Copy));
        Assert.Equal(0, h.Counting.BytesUploaded);
        Assert.Equal("33261", h.Memory.Peek("f")!.Metadata.UserMetadata["mode"]);
        Assert.Equal(data, await h.ReadStoredAsync("f"));
    }

    [Fact]
    public async Task Upload_Cancelled_StaysDirtyAndRetrySucceeds()
    {
        await using var h = new ContentHarness();
        var data = ContentHarness.Random(600_000, 12);
        await using var content = h.Content.CreateNew();
        await ContentHarness.WriteAsync(content, 0, data);
        h.Faults.AddLatency(ObjectStoreOperation.UploadPart, TimeSpan.FromMilliseconds(200));
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(50));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await content.UploadAsync("f", NoAttributes, cts.Token));
        Assert.True(content.IsDirty);
        h.Faults.AddLatency(ObjectStoreOperation.UploadPart, TimeSpan.Zero);
        await content.UploadAsync("f", NoAttributes, CancellationToken.None);
        Assert.Equal(data, await h.ReadStoredAsync("f"));
    }

    [Fact]
    public async Task Upload_ManyTimes_ReusesTheFileKeyAndKeepsUnchangedBlocks()
    {
        await using var h = new ContentHarness();
        var data = ContentHarness.Random(600_000, 13);
        var first = await h.CreateAsync("f", data);
        var firstBody = h.Memory.Peek("f")!.Body;
        await using var content = await h.OpenAsync("f");
        await content.WriteAsync(599_999, new byte[] { 9 }, CancellationToken.None);
        var second = await content.UploadAsync("f", NoAttributes, CancellationToken.None);

        Assert.Equal(first.Metadata.UserMetadata["s3cfs-fid"], second.Metadata.UserMetadata["s3cfs-fid"]);
        Assert.Equal(first.Metadata.UserMetadata["s3cfs-wk"], second.Metadata.UserMetadata["s3cfs-wk"]);
        var body = h.Memory.Peek("f")!.Body;
        Assert.Equal(firstBody.AsSpan(0, 500_000).ToArray(), body.AsSpan(0, 500_000).ToArray());
        data[599_999] = 9;
        Assert.Equal(data, await h.ReadStoredAsync("f"));
    }
}
