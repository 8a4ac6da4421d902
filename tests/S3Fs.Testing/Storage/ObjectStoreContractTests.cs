using System.Security.Cryptography;
using System.Text;
using S3Fs.Core.Storage;
using Xunit;

namespace S3Fs.Testing.Storage;

/// <summary>
/// One behaviour suite for every <see cref="IObjectStore"/>: subclassed for <see cref="InMemoryObjectStore"/> (in
/// S3Fs.Core.Tests) and for <c>S3ObjectStore</c> against the real RGW (in S3Fs.Aws.Tests). Passing on both is what
/// makes the in-memory store a faithful stand-in: same ETags, same ranges, same listing and error kinds.
/// </summary>
#pragma warning disable CA5351 // MD5 is how S3 defines ETags; the suite recomputes them.
public abstract class ObjectStoreContractTests : IAsyncLifetime
{
    private const int MiB = 1024 * 1024;

    protected ObjectStoreContractTests()
    {
        Prefix = $"contract/{GetType().Name}/{Guid.NewGuid():N}/";
    }

    /// <summary>Every key a test uses starts with this.</summary>
    protected string Prefix { get; }

    protected IObjectStore Store { get; private set; } = null!;

    /// <summary>A store whose capabilities are known (configured or detected).</summary>
    protected abstract Task<IObjectStore> CreateStoreAsync();

    /// <summary>Deletes what the test wrote and releases the store.</summary>
    protected abstract Task DestroyStoreAsync(IObjectStore store);

    public async Task InitializeAsync() => Store = await CreateStoreAsync().ConfigureAwait(false);

    public Task DisposeAsync() => DestroyStoreAsync(Store);

    private string Key(string name) => Prefix + name;

    private static byte[] Bytes(string s) => Encoding.UTF8.GetBytes(s);

    private static byte[] Random(int length, int seed)
    {
        var b = new byte[length];
        new Random(seed).NextBytes(b);
        return b;
    }

    private async Task<byte[]> ReadAllAsync(string key, int length)
    {
        var buffer = new byte[length];
        var got = await Store.GetRangeAsync(new GetRangeRequest(key, new ByteRange(0, length)), buffer, CancellationToken.None).ConfigureAwait(false);
        Assert.Equal(length, got.BytesRead);
        return buffer;
    }

    [Fact]
    public async Task PutAsync_ETag_IsMd5OfBodyAndHeadAgrees()
    {
        var body = Bytes("contract body");

        var put = await Store.PutAsync(new PutRequest(Key("etag"), body), CancellationToken.None);
        var head = await Store.HeadAsync(new HeadRequest(Key("etag")), CancellationToken.None);

        Assert.Equal(Convert.ToHexStringLower(MD5.HashData(body)), put.ETag.Value);
        Assert.Equal(put.ETag, head.ETag);
        Assert.Equal(body.Length, head.Size);
    }

    [Fact]
    public async Task PutAsync_Metadata_ComesBackLowerCased()
    {
        var metadata = new ObjectMetadata { ContentType = "application/octet-stream", UserMetadata = new Dictionary<string, string> { ["MTime"] = "1700000000.5", ["uid"] = "1000" } };

        await Store.PutAsync(new PutRequest(Key("meta"), Bytes("x")) { Metadata = metadata }, CancellationToken.None);
        var head = await Store.HeadAsync(new HeadRequest(Key("meta")), CancellationToken.None);

        Assert.Equal(new Dictionary<string, string> { ["mtime"] = "1700000000.5", ["uid"] = "1000" }, head.Metadata.UserMetadata);
        Assert.Equal("application/octet-stream", head.Metadata.ContentType);
    }

    [Fact]
    public async Task GetRangeAsync_Response_CarriesWhatAHeadReturns()
    {
        var metadata = new ObjectMetadata { ContentType = "text/plain", UserMetadata = new Dictionary<string, string> { ["mode"] = "33188", ["s3cfs-v"] = "1" } };
        await Store.PutAsync(new PutRequest(Key("gm"), Bytes("0123456789")) { Metadata = metadata }, CancellationToken.None);
        var head = await Store.HeadAsync(new HeadRequest(Key("gm")), CancellationToken.None);

        var got = await Store.GetRangeAsync(new GetRangeRequest(Key("gm"), new ByteRange(0, 64)), new byte[64], CancellationToken.None);

        Assert.Equal(10, got.BytesRead);
        Assert.Equal(head.ETag, got.ETag);
        Assert.Equal(head.Size, got.ObjectSize);
        Assert.Equal(head.LastModified, got.LastModified);
        Assert.NotNull(got.Metadata);
        Assert.Equal(head.Metadata.UserMetadata, got.Metadata.UserMetadata);
        Assert.Equal(head.Metadata.ContentType, got.Metadata.ContentType);
    }

    [Fact]
    public async Task StreamRangeAsync_DeliversTheSameBytesAsGetRange()
    {
        var body = Random(3 * MiB + 17, 7);
        await Store.PutAsync(new PutRequest(Key("stream"), body), CancellationToken.None);
        var seen = new MemoryStream();

        var got = await Store.StreamRangeAsync(new GetRangeRequest(Key("stream"), new ByteRange(1000, 2 * MiB)), chunk => seen.Write(chunk), CancellationToken.None);
        var tail = new MemoryStream();
        var past = await Store.StreamRangeAsync(new GetRangeRequest(Key("stream"), new ByteRange(3 * MiB, MiB)), chunk => tail.Write(chunk), CancellationToken.None);

        Assert.Equal(2 * MiB, got.BytesRead);
        Assert.Equal(body.AsSpan(1000, 2 * MiB).ToArray(), seen.ToArray());
        Assert.Equal(17, past.BytesRead); // a range past the end is cut short, as with GetRangeAsync
        Assert.Equal(body.AsSpan(3 * MiB).ToArray(), tail.ToArray());
    }

    [Fact]
    public async Task GetRangeAsync_PastEndIsShortAndAtEndIsInvalidRange()
    {
        await Store.PutAsync(new PutRequest(Key("r"), Bytes("0123456789")), CancellationToken.None);
        var buffer = new byte[16];

        var tail = await Store.GetRangeAsync(new GetRangeRequest(Key("r"), new ByteRange(6, 16)), buffer, CancellationToken.None);
        var atEnd = await Assert.ThrowsAsync<ObjectStoreException>(() => Store.GetRangeAsync(new GetRangeRequest(Key("r"), new ByteRange(10, 1)), buffer, CancellationToken.None).AsTask());

        Assert.Equal("6789", Encoding.UTF8.GetString(buffer, 0, tail.BytesRead));
        Assert.Equal(10, tail.ObjectSize);
        Assert.Equal(ObjectStoreErrorKind.InvalidRange, atEnd.Kind);
    }

    [Fact]
    public async Task GetRangeAsync_EmptyObject_IsInvalidRange()
    {
        await Store.PutAsync(new PutRequest(Key("empty"), ReadOnlyMemory<byte>.Empty), CancellationToken.None);

        var ex = await Assert.ThrowsAsync<ObjectStoreException>(() => Store.GetRangeAsync(new GetRangeRequest(Key("empty"), new ByteRange(0, 1)), new byte[1], CancellationToken.None).AsTask());

        Assert.Equal(ObjectStoreErrorKind.InvalidRange, ex.Kind);
        Assert.Equal(0, (await Store.HeadAsync(new HeadRequest(Key("empty")), CancellationToken.None)).Size);
    }

    [Fact]
    public async Task ErrorKinds_MissingKeyStaleETagAndConditions_AgreeAcrossStores()
    {
        var v1 = await Store.PutAsync(new PutRequest(Key("k"), Bytes("1")), CancellationToken.None);
        await Store.PutAsync(new PutRequest(Key("k"), Bytes("2")), CancellationToken.None);

        var missing = await Assert.ThrowsAsync<ObjectStoreException>(() => Store.HeadAsync(new HeadRequest(Key("missing")), CancellationToken.None).AsTask());
        var stale = await Assert.ThrowsAsync<ObjectStoreException>(() => Store.GetRangeAsync(new GetRangeRequest(Key("k"), new ByteRange(0, 1)) { IfMatch = v1.ETag }, new byte[1], CancellationToken.None).AsTask());
        var exists = await Assert.ThrowsAsync<ObjectStoreException>(() => Store.PutAsync(new PutRequest(Key("k"), Bytes("3")) { Condition = WriteCondition.IfNoneExists }, CancellationToken.None).AsTask());
        var staleWrite = await Assert.ThrowsAsync<ObjectStoreException>(() => Store.PutAsync(new PutRequest(Key("k"), Bytes("3")) { Condition = WriteCondition.IfMatches(v1.ETag) }, CancellationToken.None).AsTask());
        var gone = await Assert.ThrowsAsync<ObjectStoreException>(() => Store.PutAsync(new PutRequest(Key("gone"), Bytes("3")) { Condition = WriteCondition.IfMatches(v1.ETag) }, CancellationToken.None).AsTask());

        Assert.Equal(ObjectStoreErrorKind.NotFound, missing.Kind);
        Assert.Equal(ObjectStoreErrorKind.PreconditionFailed, stale.Kind);
        Assert.Equal(ObjectStoreErrorKind.PreconditionFailed, exists.Kind);
        Assert.Equal(ObjectStoreErrorKind.PreconditionFailed, staleWrite.Kind);
        Assert.Equal(ObjectStoreErrorKind.PreconditionFailed, gone.Kind);
    }

    [Fact]
    public async Task MultipartUpload_ETag_IsMd5OfPartMd5sWithCount()
    {
        var p1 = Random(5 * MiB, 1);
        var p2 = Random(1000, 2);
        var upload = await Store.StartMultipartUploadAsync(new MultipartUploadRequest(Key("mpu")), CancellationToken.None);

        var parts = await Task.WhenAll(upload.UploadPartAsync(2, p2, CancellationToken.None).AsTask(), upload.UploadPartAsync(1, p1, CancellationToken.None).AsTask());
        var done = await upload.CompleteAsync([.. parts.OrderBy(p => p.PartNumber)], CancellationToken.None);

        var expected = Convert.ToHexStringLower(MD5.HashData([.. MD5.HashData(p1), .. MD5.HashData(p2)])) + "-2";
        Assert.Equal(expected, done.ETag.Value);
        var read = await ReadAllAsync(Key("mpu"), p1.Length + p2.Length);
        Assert.Equal(p1.Concat(p2).ToArray(), read);
    }

    [Fact]
    public async Task UploadPartCopyAsync_RangesAndUploadedPart_ConcatenateExactly()
    {
        Assert.True(Store.Capabilities.UploadPartCopy, "the contract stores support UploadPartCopy");
        var source = Random(6 * MiB, 3);
        var src = await Store.PutAsync(new PutRequest(Key("src"), source), CancellationToken.None);
        var upload = await Store.StartMultipartUploadAsync(new MultipartUploadRequest(Key("dst")), CancellationToken.None);

        var a = await upload.UploadPartCopyAsync(1, Key("src"), new ByteRange(MiB, 5 * MiB), src.ETag, CancellationToken.None);
        var b = await upload.UploadPartAsync(2, Bytes("middle"), CancellationToken.None);
        await upload.CompleteAsync([a, b], CancellationToken.None);

        var read = await ReadAllAsync(Key("dst"), (5 * MiB) + 6);
        Assert.Equal(source.Skip(MiB).Take(5 * MiB).Concat(Bytes("middle")).ToArray(), read);
    }

    [Fact]
    public async Task CopyAsync_CopyAndReplaceDirectives()
    {
        await Store.PutAsync(new PutRequest(Key("s"), Bytes("body")) { Metadata = new ObjectMetadata { UserMetadata = new Dictionary<string, string> { ["a"] = "1" } } }, CancellationToken.None);

        var kept = await Store.CopyAsync(new CopyRequest(Key("s"), Key("kept")), CancellationToken.None);
        await Store.CopyAsync(new CopyRequest(Key("s"), Key("replaced")) { ReplaceMetadata = new ObjectMetadata { UserMetadata = new Dictionary<string, string> { ["b"] = "2" } } }, CancellationToken.None);

        Assert.Equal(Convert.ToHexStringLower(MD5.HashData(Bytes("body"))), kept.ETag.Value);
        Assert.Equal(new Dictionary<string, string> { ["a"] = "1" }, (await Store.HeadAsync(new HeadRequest(Key("kept")), CancellationToken.None)).Metadata.UserMetadata);
        Assert.Equal(new Dictionary<string, string> { ["b"] = "2" }, (await Store.HeadAsync(new HeadRequest(Key("replaced")), CancellationToken.None)).Metadata.UserMetadata);
        Assert.Equal(Bytes("body"), await ReadAllAsync(Key("replaced"), 4));
    }

    [Fact]
    public async Task ListAsync_DelimiterAndSmallPages_SameEntriesAndPageBreaks()
    {
        foreach (var k in new[] { "d/a", "d/b/1", "d/b/2", "d/c", "d/e/1", "d/f" })
        {
            await Store.PutAsync(new PutRequest(Key(k), Bytes("x")), CancellationToken.None);
        }

        var pages = new List<ListPage>();
        string? token = null;
        do
        {
            var page = await Store.ListAsync(new ListRequest(Key("d/")) { MaxKeys = 2, ContinuationToken = token }, CancellationToken.None);
            pages.Add(page);
            token = page.NextContinuationToken;
        }
        while (token is not null);

        Assert.Equal([2, 2, 1], pages.Select(p => p.Objects.Count + p.CommonPrefixes.Count));
        Assert.Equal([Key("d/a"), Key("d/c"), Key("d/f")], pages.SelectMany(p => p.Objects).Select(o => o.Key));
        Assert.Equal([Key("d/b/"), Key("d/e/")], pages.SelectMany(p => p.CommonPrefixes));
        var all = await Store.ListAsync(new ListRequest(Key("d/")) { Delimiter = null }, CancellationToken.None);
        Assert.Equal(6, all.Objects.Count);
        Assert.Empty(all.CommonPrefixes);
    }

    [Fact]
    public async Task ListAsync_DirectoryMarkerObject_DoesNotHideWhatFollowsIt()
    {
        // A zero-byte "d/" marker sorts first and ends with the delimiter; it is an object, not a common prefix.
        foreach (var k in new[] { "d/", "d/a", "d/b/", "d/b/1", "d/c" })
        {
            await Store.PutAsync(new PutRequest(Key(k), k.EndsWith('/') ? [] : Bytes("x")), CancellationToken.None);
        }

        var objects = new List<string>();
        var prefixes = new List<string>();
        string? token = null;
        do
        {
            var page = await Store.ListAsync(new ListRequest(Key("d/")) { MaxKeys = 1, ContinuationToken = token }, CancellationToken.None);
            objects.AddRange(page.Objects.Select(o => o.Key));
            prefixes.AddRange(page.CommonPrefixes);
            token = page.NextContinuationToken;
        }
        while (token is not null);

        Assert.Equal([Key("d/"), Key("d/a"), Key("d/c")], objects);
        Assert.Equal([Key("d/b/")], prefixes);
    }

    [Fact]
    public async Task DeleteManyAsync_RemovesListedKeysAndToleratesMissingOnes()
    {
        await Store.PutAsync(new PutRequest(Key("x1"), Bytes("1")), CancellationToken.None);
        await Store.PutAsync(new PutRequest(Key("x2"), Bytes("2")), CancellationToken.None);

        var result = await Store.DeleteManyAsync([Key("x1"), Key("x2"), Key("never")], CancellationToken.None);
        await Store.DeleteAsync(Key("never"), CancellationToken.None);

        Assert.Equal(3, result.Deleted.Count);
        Assert.Empty(result.Failed);
        Assert.Empty((await Store.ListAsync(new ListRequest(Key("x")), CancellationToken.None)).Objects);
    }
}
