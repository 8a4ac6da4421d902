using System.Security.Cryptography;
using System.Text;
using S3Fs.Core.Storage;
using S3Fs.Testing.Storage;

namespace S3Fs.Core.Tests.Storage;

#pragma warning disable CA5351 // MD5 is how S3 defines ETags; the tests recompute them.

/// <summary>The in-memory store must behave like S3 (and like S3ObjectStore's contract), or tests above it lie.</summary>
public sealed class InMemoryObjectStoreTests : IDisposable
{
    private readonly InMemoryObjectStore _store = new(capabilities: ObjectStoreCapabilities.AwsDefaults with { MinPartSize = 4 });
    private readonly List<IDisposable> _keys = [];

    public void Dispose()
    {
        foreach (var k in _keys)
        {
            k.Dispose();
        }
    }

    private static byte[] Bytes(string s) => Encoding.UTF8.GetBytes(s);

    private Task<PutResult> PutAsync(string key, string body, WriteCondition condition = default)
        => _store.PutAsync(new PutRequest(key, Bytes(body)) { Condition = condition }, CancellationToken.None).AsTask();

    private static async Task<string> ReadAsync(InMemoryObjectStore store, string key, CustomerKey? customerKey = null)
    {
        var info = await store.HeadAsync(new HeadRequest(key) { CustomerKey = customerKey }, CancellationToken.None);
        if (info.Size == 0)
        {
            return string.Empty;
        }

        var buffer = new byte[info.Size];
        var got = await store.GetRangeAsync(new GetRangeRequest(key, new ByteRange(0, info.Size)) { CustomerKey = customerKey }, buffer, CancellationToken.None);
        return Encoding.UTF8.GetString(buffer, 0, got.BytesRead);
    }

    [Fact]
    public async Task PutAsync_ETag_IsMd5HexOfBody()
    {
        var put = await PutAsync("a", "hello");

        Assert.Equal(Convert.ToHexStringLower(MD5.HashData(Bytes("hello"))), put.ETag.Value);
    }

    [Fact]
    public async Task PutAsync_Metadata_NamesLowerCasedAndContentTypeKept()
    {
        var metadata = new ObjectMetadata { ContentType = "text/plain", UserMetadata = new Dictionary<string, string> { ["Mode"] = "420" } };
        await _store.PutAsync(new PutRequest("m", Bytes("x")) { Metadata = metadata }, CancellationToken.None);

        var head = await _store.HeadAsync(new HeadRequest("m"), CancellationToken.None);

        Assert.Equal("420", head.Metadata.UserMetadata["mode"]);
        Assert.False(head.Metadata.UserMetadata.ContainsKey("Mode"));
        Assert.Equal("text/plain", head.Metadata.ContentType);
    }

    [Fact]
    public async Task PutAsync_MetadataOver2KB_ThrowsOther()
    {
        var metadata = new ObjectMetadata { UserMetadata = new Dictionary<string, string> { ["k"] = new string('v', 2048) } };

        var ex = await Assert.ThrowsAsync<ObjectStoreException>(() => _store.PutAsync(new PutRequest("big", Bytes("x")) { Metadata = metadata }, CancellationToken.None).AsTask());

        Assert.Equal(ObjectStoreErrorKind.Other, ex.Kind);
        Assert.Contains("2049 bytes", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetRangeAsync_Ranges_MiddleTailAndPastEnd()
    {
        await PutAsync("r", "0123456789");
        var buffer = new byte[8];

        var middle = await _store.GetRangeAsync(new GetRangeRequest("r", new ByteRange(2, 3)), buffer, CancellationToken.None);
        Assert.Equal("234", Encoding.UTF8.GetString(buffer, 0, middle.BytesRead));

        var tail = await _store.GetRangeAsync(new GetRangeRequest("r", new ByteRange(7, 8)), buffer, CancellationToken.None);
        Assert.Equal("789", Encoding.UTF8.GetString(buffer, 0, tail.BytesRead));
        Assert.Equal(10, tail.ObjectSize);

        var ex = await Assert.ThrowsAsync<ObjectStoreException>(() => _store.GetRangeAsync(new GetRangeRequest("r", new ByteRange(10, 1)), buffer, CancellationToken.None).AsTask());
        Assert.Equal(ObjectStoreErrorKind.InvalidRange, ex.Kind);
    }

    [Fact]
    public async Task GetRangeAsync_EmptyObject_ThrowsInvalidRange()
    {
        await PutAsync("empty", string.Empty);

        var ex = await Assert.ThrowsAsync<ObjectStoreException>(() => _store.GetRangeAsync(new GetRangeRequest("empty", new ByteRange(0, 1)), new byte[1], CancellationToken.None).AsTask());

        Assert.Equal(ObjectStoreErrorKind.InvalidRange, ex.Kind);
    }

    [Fact]
    public async Task GetRangeAsync_IfMatchStale_ThrowsPreconditionFailed()
    {
        var v1 = await PutAsync("v", "one");
        await PutAsync("v", "two");

        var ex = await Assert.ThrowsAsync<ObjectStoreException>(() => _store.GetRangeAsync(new GetRangeRequest("v", new ByteRange(0, 3)) { IfMatch = v1.ETag }, new byte[3], CancellationToken.None).AsTask());

        Assert.Equal(ObjectStoreErrorKind.PreconditionFailed, ex.Kind);
    }

    [Fact]
    public async Task HeadAsync_Missing_ThrowsNotFound()
    {
        var ex = await Assert.ThrowsAsync<ObjectStoreException>(() => _store.HeadAsync(new HeadRequest("nope"), CancellationToken.None).AsTask());

        Assert.Equal(ObjectStoreErrorKind.NotFound, ex.Kind);
        Assert.Contains("s3://in-memory/nope", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PutAsync_Conditions_CreateOnceAndReplaceOnlyTheSeenVersion()
    {
        var v1 = await PutAsync("c", "1", WriteCondition.IfNoneExists);
        var dup = await Assert.ThrowsAsync<ObjectStoreException>(() => PutAsync("c", "x", WriteCondition.IfNoneExists));
        var v2 = await PutAsync("c", "2", WriteCondition.IfMatches(v1.ETag));
        var stale = await Assert.ThrowsAsync<ObjectStoreException>(() => PutAsync("c", "3", WriteCondition.IfMatches(v1.ETag)));
        var missing = await Assert.ThrowsAsync<ObjectStoreException>(() => PutAsync("none", "3", WriteCondition.IfMatches(v1.ETag)));

        Assert.Equal(ObjectStoreErrorKind.PreconditionFailed, dup.Kind);
        Assert.Equal(ObjectStoreErrorKind.PreconditionFailed, stale.Kind);
        Assert.Equal(ObjectStoreErrorKind.PreconditionFailed, missing.Kind); // as S3ObjectStore reports it
        Assert.Equal("2", await ReadAsync(_store, "c"));
        Assert.NotEqual(v1.ETag, v2.ETag);
    }

    [Fact]
    public async Task PutAsync_ConcurrentCreates_ExactlyOneWins()
    {
        var results = await Task.WhenAll(Enumerable.Range(0, 32).Select(i => Record.ExceptionAsync(() => PutAsync("race", i.ToString(System.Globalization.CultureInfo.InvariantCulture), WriteCondition.IfNoneExists))));

        Assert.Single(results, r => r is null);
        Assert.All(results.Where(r => r is not null), r => Assert.Equal(ObjectStoreErrorKind.PreconditionFailed, Assert.IsType<ObjectStoreException>(r).Kind));
    }

    [Fact]
    public async Task PutAsync_ConditionWithCapabilityOff_ThrowsNotSupported()
    {
        _store.Capabilities = ObjectStoreCapabilities.Minimal;

        var create = await Assert.ThrowsAsync<ObjectStoreException>(() => PutAsync("n", "1", WriteCondition.IfNoneExists));
        var replace = await Assert.ThrowsAsync<ObjectStoreException>(() => PutAsync("n", "1", WriteCondition.IfMatches(new ETag("abc"))));

        Assert.Equal(ObjectStoreErrorKind.NotSupported, create.Kind);
        Assert.Equal(ObjectStoreErrorKind.NotSupported, replace.Kind);
    }

    [Fact]
    public async Task MultipartUpload_PartsInAnyOrder_AssembleWithMultipartETag()
    {
        var upload = await _store.StartMultipartUploadAsync(new MultipartUploadRequest("mpu"), CancellationToken.None);
        var parts = await Task.WhenAll(
            upload.UploadPartAsync(3, Bytes("ccc"), CancellationToken.None).AsTask(),
            upload.UploadPartAsync(1, Bytes("aaaa"), CancellationToken.None).AsTask(),
            upload.UploadPartAsync(2, Bytes("bbbb"), CancellationToken.None).AsTask());

        var done = await upload.CompleteAsync([.. parts.OrderBy(p => p.PartNumber)], CancellationToken.None);

        Assert.Equal("aaaabbbbccc", await ReadAsync(_store, "mpu"));
        var md5s = new[] { "aaaa", "bbbb", "ccc" }.SelectMany(s => MD5.HashData(Bytes(s))).ToArray();
        Assert.Equal(Convert.ToHexStringLower(MD5.HashData(md5s)) + "-3", done.ETag.Value);
    }

    [Fact]
    public async Task MultipartUpload_SmallPartNotLast_ThrowsEntityTooSmall()
    {
        var upload = await _store.StartMultipartUploadAsync(new MultipartUploadRequest("small"), CancellationToken.None);
        var p1 = await upload.UploadPartAsync(1, Bytes("ab"), CancellationToken.None);
        var p2 = await upload.UploadPartAsync(2, Bytes("cdef"), CancellationToken.None);

        var ex = await Assert.ThrowsAsync<ObjectStoreException>(() => upload.CompleteAsync([p1, p2], CancellationToken.None).AsTask());

        Assert.Contains("EntityTooSmall", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MultipartUpload_WrongPartETagOrAborted_Fails()
    {
        var upload = await _store.StartMultipartUploadAsync(new MultipartUploadRequest("bad"), CancellationToken.None);
        await upload.UploadPartAsync(1, Bytes("aaaa"), CancellationToken.None);

        var wrong = await Assert.ThrowsAsync<ObjectStoreException>(() => upload.CompleteAsync([new UploadedPart(1, new ETag("0"))], CancellationToken.None).AsTask());
        await upload.AbortAsync(CancellationToken.None);
        var aborted = await Assert.ThrowsAsync<ObjectStoreException>(() => upload.UploadPartAsync(2, Bytes("x"), CancellationToken.None).AsTask());

        Assert.Contains("InvalidPart", wrong.Message, StringComparison.Ordinal);
        Assert.Equal(ObjectStoreErrorKind.NotFound, aborted.Kind);
        Assert.Equal(0, _store.Count);
    }

    [Fact]
    public async Task MultipartUpload_ConditionalComplete_AppliesConditionOrRefusesWhenCapabilityOff()
    {
        await PutAsync("cond", "old");
        var upload = await _store.StartMultipartUploadAsync(new MultipartUploadRequest("cond") { Condition = WriteCondition.IfNoneExists }, CancellationToken.None);
        var part = await upload.UploadPartAsync(1, Bytes("new"), CancellationToken.None);

        var ex = await Assert.ThrowsAsync<ObjectStoreException>(() => upload.CompleteAsync([part], CancellationToken.None).AsTask());
        _store.Capabilities = _store.Capabilities with { ConditionalMultipartComplete = false };
        var off = await Assert.ThrowsAsync<ObjectStoreException>(() => _store.StartMultipartUploadAsync(new MultipartUploadRequest("cond") { Condition = WriteCondition.IfNoneExists }, CancellationToken.None).AsTask());

        Assert.Equal(ObjectStoreErrorKind.PreconditionFailed, ex.Kind);
        Assert.Equal(ObjectStoreErrorKind.NotSupported, off.Kind);
        Assert.Equal("old", await ReadAsync(_store, "cond"));
    }

    [Fact]
    public async Task UploadPartCopyAsync_Ranges_CopyExactBytesAndCheckSourceETag()
    {
        var src = await PutAsync("src", "0123456789");
        var upload = await _store.StartMultipartUploadAsync(new MultipartUploadRequest("dst"), CancellationToken.None);

        var p1 = await upload.UploadPartCopyAsync(1, "src", new ByteRange(2, 4), src.ETag, CancellationToken.None);
        var p2 = await upload.UploadPartAsync(2, Bytes("xy"), CancellationToken.None);
        var stale = await Assert.ThrowsAsync<ObjectStoreException>(() => upload.UploadPartCopyAsync(3, "src", new ByteRange(0, 1), new ETag("0"), CancellationToken.None).AsTask());
        var beyond = await Assert.ThrowsAsync<ObjectStoreException>(() => upload.UploadPartCopyAsync(3, "src", new ByteRange(8, 5), null, CancellationToken.None).AsTask());
        await upload.CompleteAsync([p1, p2], CancellationToken.None);

        Assert.Equal("2345xy", await ReadAsync(_store, "dst"));
        Assert.Equal(ObjectStoreErrorKind.PreconditionFailed, stale.Kind);
        Assert.Equal(ObjectStoreErrorKind.InvalidRange, beyond.Kind);
    }

    [Fact]
    public async Task UploadPartCopyAsync_CapabilityOff_ThrowsNotSupported()
    {
        await PutAsync("src", "0123456789");
        _store.Capabilities = _store.Capabilities with { UploadPartCopy = false };
        var upload = await _store.StartMultipartUploadAsync(new MultipartUploadRequest("dst"), CancellationToken.None);

        var ex = await Assert.ThrowsAsync<ObjectStoreException>(() => upload.UploadPartCopyAsync(1, "src", new ByteRange(0, 4), null, CancellationToken.None).AsTask());

        Assert.Equal(ObjectStoreErrorKind.NotSupported, ex.Kind);
    }

    [Fact]
    public async Task CopyAsync_ReplaceAndCopyDirectives_SetMetadataAccordingly()
    {
        await _store.PutAsync(new PutRequest("s", Bytes("body")) { Metadata = new ObjectMetadata { UserMetadata = new Dictionary<string, string> { ["a"] = "1" } } }, CancellationToken.None);

        await _store.CopyAsync(new CopyRequest("s", "keep"), CancellationToken.None);
        await _store.CopyAsync(new CopyRequest("s", "repl") { ReplaceMetadata = new ObjectMetadata { UserMetadata = new Dictionary<string, string> { ["B"] = "2" } } }, CancellationToken.None);

        Assert.Equal("1", (await _store.HeadAsync(new HeadRequest("keep"), CancellationToken.None)).Metadata.UserMetadata["a"]);
        var repl = (await _store.HeadAsync(new HeadRequest("repl"), CancellationToken.None)).Metadata.UserMetadata;
        Assert.Equal(new Dictionary<string, string> { ["b"] = "2" }, repl);
        Assert.Equal("body", await ReadAsync(_store, "repl"));
    }

    [Fact]
    public async Task CopyAsync_AboveSingleCopyLimitWithoutUploadPartCopy_ThrowsNotSupported()
    {
        await PutAsync("big", "0123456789");
        _store.Capabilities = _store.Capabilities with { MaxSingleCopySize = 5, UploadPartCopy = false };

        var ex = await Assert.ThrowsAsync<ObjectStoreException>(() => _store.CopyAsync(new CopyRequest("big", "dst"), CancellationToken.None).AsTask());

        Assert.Equal(ObjectStoreErrorKind.NotSupported, ex.Kind);
    }

    [Fact]
    public async Task CopyAsync_StaleSourceIfMatch_ThrowsPreconditionFailed()
    {
        var v1 = await PutAsync("s", "1");
        await PutAsync("s", "2");

        var ex = await Assert.ThrowsAsync<ObjectStoreException>(() => _store.CopyAsync(new CopyRequest("s", "d") { SourceIfMatch = v1.ETag }, CancellationToken.None).AsTask());

        Assert.Equal(ObjectStoreErrorKind.PreconditionFailed, ex.Kind);
        Assert.Null(_store.Peek("d"));
    }

    [Fact]
    public async Task CopyAsync_DestinationConditions_HonouredOrNotSupportedWhenCapabilityOff()
    {
        await PutAsync("s", "src");
        var dst = await PutAsync("d", "dst");

        var exists = await Assert.ThrowsAsync<ObjectStoreException>(() => _store.CopyAsync(new CopyRequest("s", "d") { DestinationCondition = WriteCondition.IfNoneExists }, CancellationToken.None).AsTask());
        await _store.CopyAsync(new CopyRequest("s", "d") { DestinationCondition = WriteCondition.IfMatches(dst.ETag) }, CancellationToken.None);
        _store.Capabilities = _store.Capabilities with { ConditionalCopy = false };
        var off = await Assert.ThrowsAsync<ObjectStoreException>(() => _store.CopyAsync(new CopyRequest("s", "new") { DestinationCondition = WriteCondition.IfNoneExists }, CancellationToken.None).AsTask());

        Assert.Equal(ObjectStoreErrorKind.PreconditionFailed, exists.Kind);
        Assert.Equal("src", await ReadAsync(_store, "d"));
        Assert.Equal(ObjectStoreErrorKind.NotSupported, off.Kind);
        Assert.Null(_store.Peek("new"));
    }

    [Fact]
    public async Task ListAsync_Delimiter_GroupsCommonPrefixesAndPagesWithTokens()
    {
        foreach (var k in new[] { "d/a", "d/b/1", "d/b/2", "d/c", "d/e/1", "d/f", "other" })
        {
            await PutAsync(k, "x");
        }

        var pages = new List<ListPage>();
        string? token = null;
        do
        {
            var page = await _store.ListAsync(new ListRequest("d/") { MaxKeys = 2, ContinuationToken = token }, CancellationToken.None);
            pages.Add(page);
            token = page.NextContinuationToken;
        }
        while (token is not null);

        Assert.Equal(3, pages.Count); // a, b/ | c, e/ | f
        Assert.All(pages.Take(2), p => Assert.True(p.IsTruncated));
        Assert.Equal(["d/a", "d/c", "d/f"], pages.SelectMany(p => p.Objects).Select(o => o.Key));
        Assert.Equal(["d/b/", "d/e/"], pages.SelectMany(p => p.CommonPrefixes));
    }

    [Fact]
    public async Task ListAsync_Recursive_ReturnsAllKeysInOrderWithSizes()
    {
        await PutAsync("p/b", "22");
        await PutAsync("p/a/x", "1");
        await PutAsync("q", "333");

        var page = await _store.ListAsync(new ListRequest("p/") { Delimiter = null }, CancellationToken.None);

        Assert.Equal(["p/a/x", "p/b"], page.Objects.Select(o => o.Key));
        Assert.Equal([1L, 2L], page.Objects.Select(o => o.Size));
        Assert.Empty(page.CommonPrefixes);
        Assert.False(page.IsTruncated);
    }

    [Fact]
    public async Task ListAsync_StartAfterAndInvalidToken_BehaveLikeS3()
    {
        await PutAsync("k1", "x");
        await PutAsync("k2", "x");

        var after = await _store.ListAsync(new ListRequest("k") { StartAfter = "k1" }, CancellationToken.None);
        var ex = await Assert.ThrowsAsync<ObjectStoreException>(() => _store.ListAsync(new ListRequest("k") { ContinuationToken = "garbage" }, CancellationToken.None).AsTask());

        Assert.Equal(["k2"], after.Objects.Select(o => o.Key));
        Assert.Equal(ObjectStoreErrorKind.Other, ex.Kind);
    }

    [Fact]
    public async Task DeleteAsync_AndDeleteMany_RemoveKeysAndToleratesMissing()
    {
        await PutAsync("x1", "1");
        await PutAsync("x2", "2");
        await PutAsync("x3", "3");

        await _store.DeleteAsync("x1", CancellationToken.None);
        await _store.DeleteAsync("x1", CancellationToken.None);
        var result = await _store.DeleteManyAsync(["x2", "x3", "missing"], CancellationToken.None);

        Assert.Equal(0, _store.Count);
        Assert.Equal(3, result.Deleted.Count);
        Assert.Empty(result.Failed);
    }

    [Fact]
    public async Task SseC_ObjectWithCustomerKey_UnreadableWithoutOrWithWrongKey()
    {
        var key = NewKey(1);
        var wrong = NewKey(2);
        var writer = new InMemoryObjectStore(customerKey: key);
        await writer.PutAsync(new PutRequest("enc", Bytes("secret")), CancellationToken.None);
        writer.CustomerKey = null;

        var none = await Assert.ThrowsAsync<ObjectStoreException>(() => writer.HeadAsync(new HeadRequest("enc"), CancellationToken.None).AsTask());
        var bad = await Assert.ThrowsAsync<ObjectStoreException>(() => writer.GetRangeAsync(new GetRangeRequest("enc", new ByteRange(0, 6)) { CustomerKey = wrong }, new byte[6], CancellationToken.None).AsTask());

        Assert.Equal(ObjectStoreErrorKind.AccessDenied, none.Kind);
        Assert.Equal(ObjectStoreErrorKind.AccessDenied, bad.Kind);
        Assert.Equal("secret", await ReadAsync(writer, "enc", key));
    }

    private CustomerKey NewKey(byte fill)
    {
        var k = new CustomerKey(Enumerable.Repeat(fill, 32).ToArray());
        _keys.Add(k);
        return k;
    }
}
