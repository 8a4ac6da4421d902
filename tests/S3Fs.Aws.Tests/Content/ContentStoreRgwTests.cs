using System.Security.Cryptography;
using S3Fs.Aws.Storage;
using S3Fs.Aws.Tests.Storage;
using S3Fs.Core.Content;
using S3Fs.Core.FileSystem;
using S3Fs.Core.Storage;
using S3Fs.Crypto;
using S3Fs.Crypto.Keys;
using S3Fs.Testing;

namespace S3Fs.Aws.Tests.Content;

/// <summary>
/// The content layer over the real S3 client against the local Ceph RGW: multipart uploads with UploadPartCopy for
/// unchanged ranges, ranged reads that fetch only what is needed, version pinning, integrity. Default block (64 KiB)
/// and part (8 MiB) sizes and S3's real 5 MiB minimum part.
/// </summary>
[Trait("Category", "S3")]
public sealed class ContentStoreRgwTests : IAsyncLifetime
{
    private const int MiB = 1024 * 1024;
    private static readonly Dictionary<string, string> Attributes = new() { ["mode"] = "33188" };
    private readonly string _prefix = RgwEnvironment.UniquePrefix(nameof(ContentStoreRgwTests));
    private readonly string _staging = Path.Combine(Path.GetTempPath(), "s3cfs-rgw-content", Guid.NewGuid().ToString("N"));
    private readonly byte[] _masterKey = RandomNumberGenerator.GetBytes(32);
    private readonly List<ContentStore> _contentStores = [];
    private S3ObjectStore _s3 = null!;
    private CountingObjectStore _store = null!;

    public async Task InitializeAsync()
    {
        _s3 = await Rgw.StoreAsync(_prefix);
        _store = new CountingObjectStore(_s3);
    }

    public async Task DisposeAsync()
    {
        foreach (var c in _contentStores)
        {
            await c.DisposeAsync();
        }

        await Rgw.CleanAsync(_s3, _prefix);
        _s3.Dispose();
        Directory.Delete(_staging, recursive: true);
    }

    private string Key(string name) => _prefix + name;

    private ContentStore NewContentStore(bool encrypted = true)
    {
        var store = new ContentStore(_store, new ContentOptions
        {
            Ciphers = encrypted ? new FileCipherFactory(new MasterKeyRing(FileMasterKey.FromKey(_masterKey))) : null,
            StagingDirectory = _staging,
            CacheSize = 64L * MiB,
        });
        _contentStores.Add(store);
        return store;
    }

    private async Task<IFileContent> OpenAsync(ContentStore content, string key) =>
        await content.OpenAsync(await _store.HeadAsync(new HeadRequest(Key(key)), CancellationToken.None), CancellationToken.None);

    private static async Task<byte[]> ReadAllAsync(IFileContent content)
    {
        using var reader = content.CreateReader();
        var data = new byte[content.Size];
        for (var offset = 0; offset < data.Length;)
        {
            var n = await reader.ReadAsync(offset, data.AsMemory(offset, Math.Min(MiB, data.Length - offset)), CancellationToken.None);
            Assert.True(n > 0);
            offset += n;
        }

        return data;
    }

    private async Task<byte[]> CreateAsync(ContentStore content, string key, int size, int seed)
    {
        var data = Rgw.RandomBytes(size, seed);
        await using var file = content.CreateNew();
        for (var i = 0; i < size; i += MiB)
        {
            await file.WriteAsync(i, data.AsMemory(i, Math.Min(MiB, size - i)), CancellationToken.None);
        }

        await file.UploadAsync(Key(key), Attributes, CancellationToken.None);
        return data;
    }

    [Fact]
    public async Task UploadAsync_LargeFile_MultipartUploadAndReadBackRoundTrip()
    {
        var data = await CreateAsync(NewContentStore(), "large", (20 * MiB) + 12_345, 1);
        Assert.Equal(2, _store.Count(ObjectStoreOperation.UploadPart)); // 8 MiB, then 12 MiB (a 4 MiB tail joins the last part)

        await using var file = await OpenAsync(NewContentStore(), "large");
        Assert.Equal(data, await ReadAllAsync(file));
        var head = await _store.HeadAsync(new HeadRequest(Key("large")), CancellationToken.None);
        Assert.Equal("33188", head.Metadata.UserMetadata["mode"]);
        Assert.Equal(data.Length, NewContentStore().SizeOf(head.Size, null));
    }

    [Fact]
    public async Task UploadAsync_OneMiBOverwrite_UsesUploadPartCopyAndSendsAtMostSixMiB()
    {
        Assert.True(_s3.Capabilities.UploadPartCopy, "the RGW probe should find UploadPartCopy");
        var data = await CreateAsync(NewContentStore(), "patch", 48 * MiB, 2);
        _store.Reset();
        var patch = Rgw.RandomBytes(MiB, 3);
        await using (var file = await OpenAsync(NewContentStore(), "patch"))
        {
            await file.WriteAsync(20 * MiB, patch, CancellationToken.None);
            await file.UploadAsync(Key("patch"), Attributes, CancellationToken.None);
        }

        Assert.True(_store.Count(ObjectStoreOperation.UploadPartCopy) >= 2, _store.ToString());
        Assert.True(_store.BytesUploaded <= 6 * MiB, _store.ToString());
        patch.CopyTo(data, 20 * MiB);
        await using var reread = await OpenAsync(NewContentStore(), "patch");
        Assert.Equal(data, await ReadAllAsync(reread));
    }

    [Fact]
    public async Task ReadAsync_RandomSmallReads_FetchOnlyTheCoveringBlocks()
    {
        var data = await CreateAsync(NewContentStore(), "random", 8 * MiB, 4);
        await using var file = await OpenAsync(NewContentStore(), "random");
        _store.Reset();
        using var reader = file.CreateReader();
        var buffer = new byte[4096];
        var offsets = new long[] { 7 * MiB, (3 * MiB) + 100, 5 * MiB, 123_456 + MiB };
        foreach (var offset in offsets)
        {
            Assert.Equal(4096, await reader.ReadAsync(offset, buffer, CancellationToken.None));
            Assert.Equal(data.AsSpan((int)offset, 4096).ToArray(), buffer);
        }

        Assert.Equal(offsets.Length, _store.Count(ObjectStoreOperation.GetRange));
        Assert.Equal(offsets.Length * (65536L + 28), _store.BytesDownloaded);
    }

    [Fact]
    public async Task WriteAsync_LargeNewFile_EarlyUploadSendsPartsWhileWriting()
    {
        var content = NewContentStore();
        var data = Rgw.RandomBytes(40 * MiB, 5);
        await using (var file = content.CreateNew())
        {
            file.UploadTargetProvider = () => new UploadTarget(Key("early"), Attributes);
            for (var i = 0; i < data.Length; i += MiB)
            {
                await file.WriteAsync(i, data.AsMemory(i, MiB), CancellationToken.None);
            }

            // Parts go out in the background; on a loaded RGW two 8 MiB parts can take a while: poll up to a minute.
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (_store.Count(ObjectStoreOperation.UploadPart) < 2 && DateTime.UtcNow < deadline)
            {
                await Task.Delay(20);
            }

            Assert.True(_store.Count(ObjectStoreOperation.UploadPart) >= 2, _store.ToString());
            await file.UploadAsync(Key("early"), Attributes, CancellationToken.None);
        }

        Assert.Equal(1, _store.Count(ObjectStoreOperation.StartMultipartUpload));
        Assert.Equal(0, _store.Count(ObjectStoreOperation.AbortMultipartUpload));
        await using var reread = await OpenAsync(NewContentStore(), "early");
        Assert.Equal(data, await ReadAllAsync(reread));
    }

    [Fact]
    public async Task ReadAsync_ObjectReplacedWhileOpen_FailsInsteadOfMixingVersions()
    {
        await CreateAsync(NewContentStore(), "changing", 4 * MiB, 6);
        await using var file = await OpenAsync(NewContentStore(), "changing");
        using var reader = file.CreateReader();
        await reader.ReadAsync(100, new byte[4096], CancellationToken.None);
        await CreateAsync(NewContentStore(), "changing", 4 * MiB, 7);

        var e = await Assert.ThrowsAsync<ObjectStoreException>(async () => await reader.ReadAsync(3 * MiB, new byte[4096], CancellationToken.None));
        Assert.Equal(ObjectStoreErrorKind.PreconditionFailed, e.Kind);
    }

    [Fact]
    public async Task ReadAsync_TamperedObject_FailsWithIntegrityError()
    {
        await CreateAsync(NewContentStore(), "tamper", MiB, 8);
        var head = await _store.HeadAsync(new HeadRequest(Key("tamper")), CancellationToken.None);
        var body = new byte[head.Size];
        await _store.GetRangeAsync(new GetRangeRequest(Key("tamper"), new ByteRange(0, head.Size)), body, CancellationToken.None);
        body[(3 * 65564) + 40] ^= 0x80;
        await _store.PutAsync(new PutRequest(Key("tamper"), body) { Metadata = head.Metadata }, CancellationToken.None);

        await using var file = await OpenAsync(NewContentStore(), "tamper");
        var e = await Assert.ThrowsAsync<FsException>(async () => await ReadAllAsync(file));
        Assert.Equal(FsErrorCode.IntegrityError, e.Code);
        Assert.Contains("block 3", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UploadAsync_PlainVolume_StoresBytesAsIs()
    {
        var data = await CreateAsync(NewContentStore(encrypted: false), "plain", 9 * MiB, 9);
        var body = new byte[data.Length];
        await _store.GetRangeAsync(new GetRangeRequest(Key("plain"), new ByteRange(0, data.Length)), body, CancellationToken.None);
        Assert.Equal(data, body);
    }
}
