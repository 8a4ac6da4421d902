using System.Text;
using S3Fs.Aws.Storage;
using S3Fs.Aws.Tests.Http;
using S3Fs.Core.Storage;
using S3Fs.Testing;

namespace S3Fs.Aws.Tests.Storage;

/// <summary>Every <see cref="S3ObjectStore"/> operation against the local Ceph RGW.</summary>
[Trait("Category", "S3")]
[System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001", Justification = "The recording handler belongs to the store's HttpClient and is disposed with the store.")]
public sealed class S3ObjectStoreTests : IAsyncLifetime
{
    private const int MiB = 1024 * 1024;
    private readonly string _prefix = RgwEnvironment.UniquePrefix(nameof(S3ObjectStoreTests));
    private RecordingHandler? _recorder;
    private S3ObjectStore _store = null!;

    public async Task InitializeAsync()
    {
        _store = await Rgw.StoreAsync(_prefix, o => o with
        {
            // Small enough that a 11 MiB source takes the multipart-copy path.
            MaxSingleCopySize = 8 * MiB,
            CopyPartSize = 5 * MiB,
            HttpHandlerDecorator = inner => _recorder = new RecordingHandler(inner),
        });
    }

    public async Task DisposeAsync()
    {
        await Rgw.CleanAsync(_store, _prefix);
        _store.Dispose();
    }

    private string Key(string name) => _prefix + name;

    [Fact]
    public async Task PutAsync_WithMetadata_HeadAndGetRoundTripBodyMetadataAndContentType()
    {
        var body = Rgw.RandomBytes(1000, 1);
        var metadata = new ObjectMetadata
        {
            ContentType = "application/x-s3fs-test",
            UserMetadata = new Dictionary<string, string> { ["Mode"] = "33188", ["s3fs-file-id"] = "abc123" },
        };

        var put = await _store.PutAsync(new PutRequest(Key("meta"), body) { Metadata = metadata }, CancellationToken.None);
        var head = await _store.HeadAsync(new HeadRequest(Key("meta")), CancellationToken.None);
        var buffer = new byte[1000];
        var got = await _store.GetRangeAsync(new GetRangeRequest(Key("meta"), new ByteRange(0, 1000)), buffer, CancellationToken.None);

        Assert.Equal(put.ETag, head.ETag);
        Assert.Equal(1000, head.Size);
        Assert.InRange(head.LastModified, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddMinutes(5));
        Assert.Equal("application/x-s3fs-test", head.Metadata.ContentType);
        Assert.Equal("33188", head.Metadata.UserMetadata["mode"]); // names come back lower-cased
        Assert.Equal("abc123", head.Metadata.UserMetadata["s3fs-file-id"]);
        Assert.Equal(2, head.Metadata.UserMetadata.Count);
        Assert.Equal(1000, got.BytesRead);
        Assert.Equal(1000, got.ObjectSize);
        Assert.Equal(body, buffer);
    }

    [Fact]
    public async Task PutAsync_MetadataOver2KB_ThrowsWithSizes()
    {
        var metadata = new ObjectMetadata { UserMetadata = new Dictionary<string, string> { ["big"] = new string('x', 2100) } };

        var ex = await Assert.ThrowsAsync<ObjectStoreException>(() => _store.PutAsync(new PutRequest(Key("big"), new byte[1]) { Metadata = metadata }, CancellationToken.None).AsTask());

        Assert.Contains("2103 bytes", ex.Message, StringComparison.Ordinal);
        Assert.Contains("2048", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetRangeAsync_MiddleAndPastEnd_ReturnsExactBytesAndShortCount()
    {
        var body = Rgw.RandomBytes(10_000, 2);
        await _store.PutAsync(new PutRequest(Key("range"), body), CancellationToken.None);
        var buffer = new byte[5000];

        var middle = await _store.GetRangeAsync(new GetRangeRequest(Key("range"), new ByteRange(1234, 4000)), buffer, CancellationToken.None);
        Assert.Equal(4000, middle.BytesRead);
        Assert.Equal(body.AsSpan(1234, 4000).ToArray(), buffer.AsSpan(0, 4000).ToArray());

        var tail = await _store.GetRangeAsync(new GetRangeRequest(Key("range"), new ByteRange(8000, 5000)), buffer, CancellationToken.None);
        Assert.Equal(2000, tail.BytesRead);
        Assert.Equal(10_000, tail.ObjectSize);
        Assert.Equal(body.AsSpan(8000).ToArray(), buffer.AsSpan(0, 2000).ToArray());
    }

    [Fact]
    public async Task GetRangeAsync_StartPastEnd_ThrowsInvalidRange()
    {
        await _store.PutAsync(new PutRequest(Key("short"), new byte[10]), CancellationToken.None);

        var ex = await Assert.ThrowsAsync<ObjectStoreException>(() => _store.GetRangeAsync(new GetRangeRequest(Key("short"), new ByteRange(10, 5)), new byte[5], CancellationToken.None).AsTask());

        Assert.Equal(ObjectStoreErrorKind.InvalidRange, ex.Kind);
    }

    [Fact]
    public async Task GetRangeAsync_IfMatchMismatch_ThrowsPreconditionFailed()
    {
        var first = await _store.PutAsync(new PutRequest(Key("v"), Encoding.ASCII.GetBytes("version one")), CancellationToken.None);
        var second = await _store.PutAsync(new PutRequest(Key("v"), Encoding.ASCII.GetBytes("version two")), CancellationToken.None);
        _recorder!.Clear();

        var ex = await Assert.ThrowsAsync<ObjectStoreException>(() => _store.GetRangeAsync(new GetRangeRequest(Key("v"), new ByteRange(0, 5)) { IfMatch = first.ETag }, new byte[5], CancellationToken.None).AsTask());
        var ok = await _store.GetRangeAsync(new GetRangeRequest(Key("v"), new ByteRange(0, 5)) { IfMatch = second.ETag }, new byte[5], CancellationToken.None);

        Assert.Equal(ObjectStoreErrorKind.PreconditionFailed, ex.Kind);
        Assert.Equal(412, _recorder.Exchanges[0].StatusCode); // refused by the server itself, not by our check
        Assert.Equal(first.ETag.Value, _recorder.Exchanges[0].RequestHeader("If-Match")); // RGW's unquoted form
        Assert.Equal(second.ETag, ok.ETag);
        Assert.Contains(Key("v"), ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LatestServerDate_FollowsTheResponsesDateHeaderAndNeverGoesBack()
    {
        using var fresh = await Rgw.StoreAsync(_prefix, detect: false);
        Assert.Null(fresh.LatestServerDate); // nothing answered yet

        var put = await fresh.PutAsync(new PutRequest(Key("dated"), new byte[1]), CancellationToken.None);
        var first = fresh.LatestServerDate;
        var head = await fresh.HeadAsync(new HeadRequest(Key("dated")), CancellationToken.None);

        Assert.NotNull(first);
        Assert.Equal(0, first.Value.Millisecond); // an HTTP date: whole seconds
        Assert.InRange(first.Value, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddMinutes(5));
        Assert.InRange(head.LastModified.ToUnixTimeSeconds(), first.Value.ToUnixTimeSeconds() - 1, first.Value.ToUnixTimeSeconds()); // the PUT's own time
        Assert.True(fresh.LatestServerDate >= first);
        Assert.NotNull(put.ETag.Value);
    }

    [Fact]
    public async Task EndpointRules_ResolvedOncePerBucket_RequestsOfOtherKeysStillSigned()
    {
        using var fresh = await Rgw.StoreAsync(_prefix, detect: false);
        var provider = Assert.IsType<CachingS3EndpointProvider>(fresh.Client.Config.EndpointProvider);

        // Each request is signed for its own URL: one shared endpoint object would carry the previous request's path
        // (the server answers SignatureDoesNotMatch).
        for (var i = 0; i < 5; i++)
        {
            var put = await fresh.PutAsync(new PutRequest(Key($"ep-{i}"), new byte[] { (byte)i }), CancellationToken.None);
            Assert.Equal(put.ETag, (await fresh.HeadAsync(new HeadRequest(Key($"ep-{i}")), CancellationToken.None)).ETag);
        }

        var listed = await fresh.ListAsync(new ListRequest(Key("ep-")) { Delimiter = null }, CancellationToken.None);
        Assert.Equal(5, listed.Objects.Count);
        Assert.True(provider.Hits >= 10, $"{provider.Hits} resolutions from the cache"); // two per request after the first
    }

    [Fact]
    public async Task HeadAsync_MissingKey_ThrowsNotFoundNamingBucketAndKey()
    {
        var ex = await Assert.ThrowsAsync<ObjectStoreException>(() => _store.HeadAsync(new HeadRequest(Key("missing")), CancellationToken.None).AsTask());

        Assert.Equal(ObjectStoreErrorKind.NotFound, ex.Kind);
        Assert.Contains($"s3://{_store.Bucket}/{Key("missing")}", ex.Message, StringComparison.Ordinal);
        Assert.Contains("HeadObject", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PutAsync_IfNoneExists_CreatesOnceThenRefuses()
    {
        var created = await _store.PutAsync(new PutRequest(Key("create"), new byte[] { 1 }) { Condition = WriteCondition.IfNoneExists }, CancellationToken.None);

        var ex = await Assert.ThrowsAsync<ObjectStoreException>(() => _store.PutAsync(new PutRequest(Key("create"), new byte[] { 2 }) { Condition = WriteCondition.IfNoneExists }, CancellationToken.None).AsTask());

        Assert.Equal(ObjectStoreErrorKind.PreconditionFailed, ex.Kind);
        Assert.Equal(created.ETag, (await _store.HeadAsync(new HeadRequest(Key("create")), CancellationToken.None)).ETag);
    }

    [Fact]
    public async Task PutAsync_IfMatch_ReplacesCurrentVersionAndRefusesStaleOne()
    {
        var v1 = await _store.PutAsync(new PutRequest(Key("replace"), new byte[] { 1 }), CancellationToken.None);
        var v2 = await _store.PutAsync(new PutRequest(Key("replace"), new byte[] { 2 }) { Condition = WriteCondition.IfMatches(v1.ETag) }, CancellationToken.None);

        var ex = await Assert.ThrowsAsync<ObjectStoreException>(() => _store.PutAsync(new PutRequest(Key("replace"), new byte[] { 3 }) { Condition = WriteCondition.IfMatches(v1.ETag) }, CancellationToken.None).AsTask());

        Assert.Equal(ObjectStoreErrorKind.PreconditionFailed, ex.Kind);
        Assert.Equal(v2.ETag, (await _store.HeadAsync(new HeadRequest(Key("replace")), CancellationToken.None)).ETag);
    }

    [Fact]
    public async Task PutAsync_IfMatchOnMissingKey_ThrowsPreconditionFailed()
    {
        var ex = await Assert.ThrowsAsync<ObjectStoreException>(() => _store.PutAsync(new PutRequest(Key("gone"), new byte[] { 1 }) { Condition = WriteCondition.IfMatches(new ETag("0123456789abcdef0123456789abcdef")) }, CancellationToken.None).AsTask());

        Assert.Equal(ObjectStoreErrorKind.PreconditionFailed, ex.Kind);
        var head = await Assert.ThrowsAsync<ObjectStoreException>(() => _store.HeadAsync(new HeadRequest(Key("gone")), CancellationToken.None).AsTask());
        Assert.Equal(ObjectStoreErrorKind.NotFound, head.Kind);
    }

    [Fact]
    public async Task MultipartUpload_PartsUploadedConcurrently_AssemblesInPartOrder()
    {
        var parts = new[] { Rgw.RandomBytes(5 * MiB, 10), Rgw.RandomBytes(5 * MiB, 11), Rgw.RandomBytes(MiB + 7, 12) };
        var upload = await _store.StartMultipartUploadAsync(new MultipartUploadRequest(Key("mpu")) { Metadata = new ObjectMetadata { UserMetadata = new Dictionary<string, string> { ["k"] = "v" } } }, CancellationToken.None);

        // All parts in flight at once, started last-first.
        var uploaded = await Task.WhenAll(Enumerable.Range(0, 3).Reverse().Select(i => upload.UploadPartAsync(i + 1, parts[i], CancellationToken.None).AsTask()));
        var result = await upload.CompleteAsync(uploaded, CancellationToken.None);

        var expected = parts.SelectMany(p => p).ToArray();
        var buffer = new byte[expected.Length];
        var got = await _store.GetRangeAsync(new GetRangeRequest(Key("mpu"), new ByteRange(0, expected.Length)), buffer, CancellationToken.None);
        Assert.False(result.ETag.IsEmpty); // RGW's Complete returns no ETag: the store learned it with a HEAD
        Assert.EndsWith("-3", result.ETag.Value, StringComparison.Ordinal);
        Assert.Equal(result.ETag, got.ETag);
        Assert.Equal(expected, buffer);
        Assert.Equal("v", (await _store.HeadAsync(new HeadRequest(Key("mpu")), CancellationToken.None)).Metadata.UserMetadata["k"]);
    }

    [Fact]
    public async Task MultipartUpload_Abort_LeavesNoObject()
    {
        var upload = await _store.StartMultipartUploadAsync(new MultipartUploadRequest(Key("aborted")), CancellationToken.None);
        await upload.UploadPartAsync(1, new byte[100], CancellationToken.None);

        await upload.AbortAsync(CancellationToken.None);
        await upload.AbortAsync(CancellationToken.None); // idempotent

        var ex = await Assert.ThrowsAsync<ObjectStoreException>(() => _store.HeadAsync(new HeadRequest(Key("aborted")), CancellationToken.None).AsTask());
        Assert.Equal(ObjectStoreErrorKind.NotFound, ex.Kind);
    }

    [Fact]
    public async Task StartMultipartUploadAsync_ConditionalOnRgw_ThrowsNotSupportedBeforeUploading()
    {
        Assert.False(_store.Capabilities.ConditionalMultipartComplete);

        var ex = await Assert.ThrowsAsync<ObjectStoreException>(() => _store.StartMultipartUploadAsync(new MultipartUploadRequest(Key("cond-mpu")) { Condition = WriteCondition.IfNoneExists }, CancellationToken.None).AsTask());

        Assert.Equal(ObjectStoreErrorKind.NotSupported, ex.Kind);
    }

    [Fact]
    public async Task CopyAsync_ReplaceDirective_KeepsBodyAndReplacesMetadata()
    {
        var body = Rgw.RandomBytes(3000, 3);
        await _store.PutAsync(new PutRequest(Key("src"), body) { Metadata = new ObjectMetadata { ContentType = "text/a", UserMetadata = new Dictionary<string, string> { ["old"] = "1" } } }, CancellationToken.None);

        var copy = await _store.CopyAsync(new CopyRequest(Key("src"), Key("dst")) { ReplaceMetadata = new ObjectMetadata { ContentType = "text/b", UserMetadata = new Dictionary<string, string> { ["new"] = "2" } } }, CancellationToken.None);

        var head = await _store.HeadAsync(new HeadRequest(Key("dst")), CancellationToken.None);
        Assert.Equal(copy.ETag, head.ETag);
        Assert.Equal("text/b", head.Metadata.ContentType);
        Assert.Equal(new Dictionary<string, string> { ["new"] = "2" }, head.Metadata.UserMetadata);
        Assert.Equal(body, await ReadAllAsync(Key("dst"), body.Length));
    }

    [Fact]
    public async Task CopyAsync_CopyDirective_KeepsSourceMetadata()
    {
        await _store.PutAsync(new PutRequest(Key("src2"), new byte[] { 9 }) { Metadata = new ObjectMetadata { UserMetadata = new Dictionary<string, string> { ["mode"] = "420" } } }, CancellationToken.None);

        await _store.CopyAsync(new CopyRequest(Key("src2"), Key("dst2")) { SourceSize = 1 }, CancellationToken.None);

        Assert.Equal("420", (await _store.HeadAsync(new HeadRequest(Key("dst2")), CancellationToken.None)).Metadata.UserMetadata["mode"]);
    }

    [Fact]
    public async Task CopyAsync_AboveSingleCopyLimit_CopiesWithUploadPartCopyAndKeepsMetadata()
    {
        var body = Rgw.RandomBytes((11 * MiB) + 3, 4);
        await _store.PutAsync(new PutRequest(Key("large"), body) { Metadata = new ObjectMetadata { ContentType = "x/y", UserMetadata = new Dictionary<string, string> { ["m"] = "kept" } } }, CancellationToken.None);
        _recorder!.Clear();

        var copy = await _store.CopyAsync(new CopyRequest(Key("large"), Key("large-copy")), CancellationToken.None);

        var partCopies = _recorder.Exchanges.Where(e => e.Method == HttpMethod.Put && e.RequestHeader("x-amz-copy-source-range") is not null).ToList();
        Assert.Equal(3, partCopies.Count); // 5 + 5 + 1 MiB
        Assert.Contains(partCopies, e => e.RequestHeader("x-amz-copy-source-range") == $"bytes=0-{(5 * MiB) - 1}");
        var head = await _store.HeadAsync(new HeadRequest(Key("large-copy")), CancellationToken.None);
        Assert.Equal(copy.ETag, head.ETag);
        Assert.Equal("kept", head.Metadata.UserMetadata["m"]);
        Assert.Equal("x/y", head.Metadata.ContentType);
        Assert.Equal(body, await ReadAllAsync(Key("large-copy"), body.Length));
    }

    [Fact]
    public async Task UploadPartCopyAsync_WithRanges_ProducesExactlyThoseBytes()
    {
        var source = Rgw.RandomBytes(12 * MiB, 5);
        var src = await _store.PutAsync(new PutRequest(Key("upc-src"), source), CancellationToken.None);
        var fresh = Rgw.RandomBytes(5 * MiB, 6);
        var upload = await _store.StartMultipartUploadAsync(new MultipartUploadRequest(Key("upc-dst")), CancellationToken.None);

        var p1 = await upload.UploadPartCopyAsync(1, Key("upc-src"), new ByteRange(2 * MiB, 5 * MiB), src.ETag, CancellationToken.None);
        var p2 = await upload.UploadPartAsync(2, fresh, CancellationToken.None);
        var p3 = await upload.UploadPartCopyAsync(3, Key("upc-src"), new ByteRange(100, 1024), src.ETag, CancellationToken.None);
        await upload.CompleteAsync([p1, p2, p3], CancellationToken.None);

        var expected = source.AsSpan(2 * MiB, 5 * MiB).ToArray().Concat(fresh).Concat(source.AsSpan(100, 1024).ToArray()).ToArray();
        Assert.Equal(expected, await ReadAllAsync(Key("upc-dst"), expected.Length));
    }

    [Fact]
    public async Task UploadPartCopyAsync_StaleSourceETag_ThrowsPreconditionFailedAlthoughRgwIgnoresTheHeader()
    {
        var old = await _store.PutAsync(new PutRequest(Key("upc-stale"), new byte[100]), CancellationToken.None);
        await _store.PutAsync(new PutRequest(Key("upc-stale"), new byte[200]), CancellationToken.None);
        var upload = await _store.StartMultipartUploadAsync(new MultipartUploadRequest(Key("upc-stale-dst")), CancellationToken.None);

        var ex = await Assert.ThrowsAsync<ObjectStoreException>(() => upload.UploadPartCopyAsync(1, Key("upc-stale"), new ByteRange(0, 50), old.ETag, CancellationToken.None).AsTask());
        await upload.AbortAsync(CancellationToken.None);

        Assert.Equal(ObjectStoreErrorKind.PreconditionFailed, ex.Kind);
    }

    [Fact]
    public async Task CopyAsync_StaleSourceIfMatch_ThrowsPreconditionFailedAndWritesNothing()
    {
        var old = await _store.PutAsync(new PutRequest(Key("cs"), new byte[] { 1 }), CancellationToken.None);
        await _store.PutAsync(new PutRequest(Key("cs"), new byte[] { 2 }), CancellationToken.None);

        var ex = await Assert.ThrowsAsync<ObjectStoreException>(() => _store.CopyAsync(new CopyRequest(Key("cs"), Key("cs-dst")) { SourceIfMatch = old.ETag, SourceSize = 1 }, CancellationToken.None).AsTask());

        Assert.Equal(ObjectStoreErrorKind.PreconditionFailed, ex.Kind);
        var missing = await Assert.ThrowsAsync<ObjectStoreException>(() => _store.HeadAsync(new HeadRequest(Key("cs-dst")), CancellationToken.None).AsTask());
        Assert.Equal(ObjectStoreErrorKind.NotFound, missing.Kind);
    }

    [Fact]
    public async Task CopyAsync_DestinationConditionOnRgw_ThrowsNotSupportedAndWritesNothing()
    {
        // RGW 16 ignores If-None-Match / If-Match on the copy destination; the probe found that out, so the store
        // refuses instead of silently overwriting.
        Assert.False(_store.Capabilities.ConditionalCopy);
        await _store.PutAsync(new PutRequest(Key("cd-src"), new byte[] { 1 }), CancellationToken.None);
        await _store.PutAsync(new PutRequest(Key("cd-dst"), new byte[] { 2, 2 }), CancellationToken.None);
        _recorder!.Clear();

        var ex = await Assert.ThrowsAsync<ObjectStoreException>(() => _store.CopyAsync(new CopyRequest(Key("cd-src"), Key("cd-dst")) { SourceSize = 1, DestinationCondition = WriteCondition.IfNoneExists }, CancellationToken.None).AsTask());

        Assert.Equal(ObjectStoreErrorKind.NotSupported, ex.Kind);
        Assert.Empty(_recorder.Exchanges);
        Assert.Equal(2, (await _store.HeadAsync(new HeadRequest(Key("cd-dst")), CancellationToken.None)).Size);
    }

    [Fact]
    public async Task ListAsync_MoreThan1000Objects_PaginatesGroupsAndBatchDeletes()
    {
        const int Files = 1040;
        const int Dirs = 10;
        var root = Key("many/");
        var keys = Enumerable.Range(0, Files).Select(i => $"{root}f{i:D5}")
            .Concat(Enumerable.Range(0, Dirs).Select(i => $"{root}d{i}/inner")).ToList();
        using (var gate = new SemaphoreSlim(32))
        {
            await Task.WhenAll(keys.Select(async k =>
            {
                await gate.WaitAsync();
                try
                {
                    await _store.PutAsync(new PutRequest(k, new byte[] { 7 }), CancellationToken.None);
                }
                finally
                {
                    gate.Release();
                }
            }));
        }

        // Grouped by "/": 1040 objects and 10 common prefixes over two pages of at most 1000 entries.
        var first = await _store.ListAsync(new ListRequest(root), CancellationToken.None);
        Assert.True(first.IsTruncated);
        Assert.Equal(1000, first.Objects.Count + first.CommonPrefixes.Count);
        var second = await _store.ListAsync(new ListRequest(root) { ContinuationToken = first.NextContinuationToken }, CancellationToken.None);
        Assert.False(second.IsTruncated);
        var objects = first.Objects.Concat(second.Objects).Select(o => o.Key).ToList();
        var prefixes = first.CommonPrefixes.Concat(second.CommonPrefixes).ToList();
        Assert.Equal(Files, objects.Count);
        Assert.Equal(Files, objects.Distinct().Count());
        Assert.Equal(Enumerable.Range(0, Dirs).Select(i => $"{root}d{i}/").Order(StringComparer.Ordinal), prefixes.Order(StringComparer.Ordinal));
        Assert.All(first.Objects, o => Assert.Equal(1, o.Size));
        Assert.All(first.Objects, o => Assert.InRange(o.LastModified, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddMinutes(5)));

        // Recursive, small pages.
        var all = new List<string>();
        string? token = null;
        var pages = 0;
        do
        {
            var page = await _store.ListAsync(new ListRequest(root) { Delimiter = null, MaxKeys = 400, ContinuationToken = token }, CancellationToken.None);
            all.AddRange(page.Objects.Select(o => o.Key));
            Assert.Empty(page.CommonPrefixes);
            token = page.NextContinuationToken;
            pages++;
        }
        while (token is not null);
        Assert.Equal(3, pages);
        Assert.Equal(keys.Order(StringComparer.Ordinal), all);

        _recorder!.Clear();
        var deleted = await _store.DeleteManyAsync(keys, CancellationToken.None);

        Assert.Equal(keys.Count, deleted.Deleted.Count);
        Assert.Empty(deleted.Failed);
        Assert.Equal(2, _recorder.Exchanges.Count(e => e.Method == HttpMethod.Post && e.Query.Contains("delete", StringComparison.Ordinal)));
        Assert.Empty((await _store.ListAsync(new ListRequest(root) { Delimiter = null }, CancellationToken.None)).Objects);
    }

    [Fact]
    public async Task DeleteAsync_ExistingThenMissingKey_BothSucceed()
    {
        await _store.PutAsync(new PutRequest(Key("del"), new byte[] { 1 }), CancellationToken.None);

        await _store.DeleteAsync(Key("del"), CancellationToken.None);
        await _store.DeleteAsync(Key("del"), CancellationToken.None);

        var ex = await Assert.ThrowsAsync<ObjectStoreException>(() => _store.HeadAsync(new HeadRequest(Key("del")), CancellationToken.None).AsTask());
        Assert.Equal(ObjectStoreErrorKind.NotFound, ex.Kind);
    }

    [Fact]
    public async Task PutAsync_BodyFromMemorySlice_SendsOnlyThatSlice()
    {
        var backing = Rgw.RandomBytes(4096, 7);
        var slice = backing.AsMemory(1000, 2000);

        await _store.PutAsync(new PutRequest(Key("slice"), slice), CancellationToken.None);

        Assert.Equal(slice.ToArray(), await ReadAllAsync(Key("slice"), 2000));
    }

    private async Task<byte[]> ReadAllAsync(string key, int length)
    {
        var buffer = new byte[length];
        var got = await _store.GetRangeAsync(new GetRangeRequest(key, new ByteRange(0, length)), buffer, CancellationToken.None);
        Assert.Equal(length, got.BytesRead);
        return buffer;
    }
}
