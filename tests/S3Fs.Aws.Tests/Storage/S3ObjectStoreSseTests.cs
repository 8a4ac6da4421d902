using S3Fs.Aws.Storage;
using S3Fs.Aws.Tests.Http;
using S3Fs.Core.Storage;
using S3Fs.Testing;

namespace S3Fs.Aws.Tests.Storage;

/// <summary>Server-side encryption headers and behaviour (SSE-C, SSE-KMS, SSE-S3) against the local RGW.</summary>
[Trait("Category", "S3")]
public sealed class S3ObjectStoreSseTests : IAsyncLifetime
{
    private readonly string _prefix = RgwEnvironment.UniquePrefix(nameof(S3ObjectStoreSseTests));
    private readonly List<IDisposable> _disposables = [];
    private S3ObjectStore _plain = null!;

    public async Task InitializeAsync() => _plain = await Rgw.StoreAsync(_prefix, detect: false);

    public async Task DisposeAsync()
    {
        await Rgw.CleanAsync(_plain, _prefix);
        _plain.Dispose();
        foreach (var d in _disposables)
        {
            d.Dispose();
        }
    }

    private string Key(string name) => _prefix + name;

    private CustomerKey NewCustomerKey(int seed)
    {
        var key = new CustomerKey(Rgw.RandomBytes(32, seed));
        _disposables.Add(key);
        return key;
    }

    private async Task<S3ObjectStore> SseCStoreAsync(CustomerKey current, IReadOnlyList<CustomerKey>? old = null, Action<RecordingHandler>? recorder = null)
    {
        var store = await Rgw.StoreAsync(_prefix, o => o with
        {
            AllowHttpSseC = true, // the test RGW is plain HTTP on loopback
            ServerSideEncryption = new ServerSideEncryption { Mode = SseMode.CustomerKey, CustomerKey = current, OldCustomerKeys = old ?? [] },
            HttpHandlerDecorator = recorder is null ? null : inner =>
            {
                var r = new RecordingHandler(inner);
                recorder(r);
                return r;
            },
        }, detect: false);
        _disposables.Add(store);
        return store;
    }

    [Fact]
    public async Task SseC_PutThenGetAndHead_RoundTripsAndSendsKeyOnEveryRequest()
    {
        RecordingHandler? rec = null;
        var store = await SseCStoreAsync(NewCustomerKey(1), recorder: r => rec = r);
        var body = Rgw.RandomBytes(5000, 2);

        await store.PutAsync(new PutRequest(Key("c1"), body), CancellationToken.None);
        var head = await store.HeadAsync(new HeadRequest(Key("c1")), CancellationToken.None);
        var buffer = new byte[5000];
        await store.GetRangeAsync(new GetRangeRequest(Key("c1"), new ByteRange(0, 5000)), buffer, CancellationToken.None);

        Assert.Equal(body, buffer);
        Assert.Equal(5000, head.Size);
        Assert.All(rec!.Exchanges, e =>
        {
            Assert.Equal("AES256", e.RequestHeader("x-amz-server-side-encryption-customer-algorithm"));
            Assert.NotNull(e.RequestHeader("x-amz-server-side-encryption-customer-key-MD5"));
        });
    }

    [Fact]
    public async Task SseC_ReadWithoutKey_ThrowsAccessDeniedNamingTheKey()
    {
        var store = await SseCStoreAsync(NewCustomerKey(3));
        await store.PutAsync(new PutRequest(Key("c2"), new byte[100]), CancellationToken.None);

        var get = await Assert.ThrowsAsync<ObjectStoreException>(() => _plain.GetRangeAsync(new GetRangeRequest(Key("c2"), new ByteRange(0, 100)), new byte[100], CancellationToken.None).AsTask());
        var head = await Assert.ThrowsAsync<ObjectStoreException>(() => _plain.HeadAsync(new HeadRequest(Key("c2")), CancellationToken.None).AsTask());

        Assert.Equal(ObjectStoreErrorKind.AccessDenied, get.Kind);
        Assert.Equal(ObjectStoreErrorKind.AccessDenied, head.Kind);
        Assert.Contains(Key("c2"), get.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SseC_ReadWithWrongKey_ThrowsAccessDenied()
    {
        var writer = await SseCStoreAsync(NewCustomerKey(4));
        var reader = await SseCStoreAsync(NewCustomerKey(5));
        await writer.PutAsync(new PutRequest(Key("c3"), new byte[10]), CancellationToken.None);

        var ex = await Assert.ThrowsAsync<ObjectStoreException>(() => reader.GetRangeAsync(new GetRangeRequest(Key("c3"), new ByteRange(0, 10)), new byte[10], CancellationToken.None).AsTask());

        Assert.Equal(ObjectStoreErrorKind.AccessDenied, ex.Kind);
    }

    [Fact]
    public async Task SseC_ObjectWrittenWithOldKey_OpensWithFallbackAndRemembersTheKey()
    {
        var oldKey = NewCustomerKey(6);
        var writer = await SseCStoreAsync(oldKey);
        var body = Rgw.RandomBytes(300, 7);
        await writer.PutAsync(new PutRequest(Key("c4"), body), CancellationToken.None);
        RecordingHandler? rec = null;
        var reader = await SseCStoreAsync(NewCustomerKey(8), [NewCustomerKey(9), oldKey], r => rec = r);

        var buffer = new byte[300];
        await reader.GetRangeAsync(new GetRangeRequest(Key("c4"), new ByteRange(0, 300)), buffer, CancellationToken.None);
        var firstReadRequests = rec!.Exchanges.Count;
        rec.Clear();
        var head = await reader.HeadAsync(new HeadRequest(Key("c4")), CancellationToken.None);

        Assert.Equal(body, buffer);
        Assert.Equal(3, firstReadRequests); // current key, first old key, then the right one
        Assert.Same(oldKey, reader.CustomerKeyMemory.Get(Key("c4")));
        Assert.Single(rec.Exchanges); // remembered: straight to the right key
        Assert.Equal(oldKey.KeyMd5Base64, rec.Exchanges[0].RequestHeader("x-amz-server-side-encryption-customer-key-MD5"));
        Assert.Equal(300, head.Size);
    }

    [Fact]
    public async Task SseC_RequestCustomerKeyOverride_ReadsObjectOfAnotherKey()
    {
        var other = NewCustomerKey(10);
        var writer = await SseCStoreAsync(other);
        await writer.PutAsync(new PutRequest(Key("c5"), new byte[] { 1, 2, 3 }), CancellationToken.None);
        var reader = await SseCStoreAsync(NewCustomerKey(11));

        var buffer = new byte[3];
        await reader.GetRangeAsync(new GetRangeRequest(Key("c5"), new ByteRange(0, 3)) { CustomerKey = other }, buffer, CancellationToken.None);

        Assert.Equal(new byte[] { 1, 2, 3 }, buffer);
    }

    [Fact]
    public async Task SseC_MultipartUpload_RoundTrips()
    {
        var store = await SseCStoreAsync(NewCustomerKey(12));
        var p1 = Rgw.RandomBytes(5 * 1024 * 1024, 13);
        var p2 = Rgw.RandomBytes(1000, 14);

        var upload = await store.StartMultipartUploadAsync(new MultipartUploadRequest(Key("c6")), CancellationToken.None);
        var parts = await Task.WhenAll(upload.UploadPartAsync(1, p1, CancellationToken.None).AsTask(), upload.UploadPartAsync(2, p2, CancellationToken.None).AsTask());
        var done = await upload.CompleteAsync(parts, CancellationToken.None);

        var buffer = new byte[p1.Length + p2.Length];
        var got = await store.GetRangeAsync(new GetRangeRequest(Key("c6"), new ByteRange(0, buffer.Length)), buffer, CancellationToken.None);
        Assert.Equal(p1.Concat(p2).ToArray(), buffer);
        Assert.Equal(done.ETag, got.ETag);
    }

    [Fact]
    public async Task SseC_CopyOfSseCSourceOnRgw_FallsBackToUploadPartCopy()
    {
        // RGW 16 answers CopyObject of an SSE-C source with 501 (facts.md) but copies it with UploadPartCopy.
        RecordingHandler? rec = null;
        var store = await SseCStoreAsync(NewCustomerKey(24), recorder: r => rec = r);
        await store.DetectCapabilitiesAsync(_prefix, CancellationToken.None);
        var body = Rgw.RandomBytes(3000, 25);
        await store.PutAsync(new PutRequest(Key("c10"), body) { Metadata = new ObjectMetadata { UserMetadata = new Dictionary<string, string> { ["m"] = "1" } } }, CancellationToken.None);
        rec!.Clear();

        await store.CopyAsync(new CopyRequest(Key("c10"), Key("c10-copy")) { SourceSize = 3000 }, CancellationToken.None);

        Assert.Contains(rec.Exchanges, e => e.Method == HttpMethod.Put && e.StatusCode == 501 && e.RequestHeader("x-amz-copy-source-range") is null);
        Assert.Contains(rec.Exchanges, e => e.Method == HttpMethod.Put && e.StatusCode == 200 && e.RequestHeader("x-amz-copy-source-range") == "bytes=0-2999");
        var buffer = new byte[3000];
        await store.GetRangeAsync(new GetRangeRequest(Key("c10-copy"), new ByteRange(0, 3000)), buffer, CancellationToken.None);
        Assert.Equal(body, buffer);
        Assert.Equal("1", (await store.HeadAsync(new HeadRequest(Key("c10-copy")), CancellationToken.None)).Metadata.UserMetadata["m"]);
    }

    [Fact]
    public async Task SseC_CopyOfSseCSourceOnRgwWithoutUploadPartCopy_ThrowsNotSupportedSoCallersDegrade()
    {
        // UploadPartCopy is off until detected, so the 501 of CopyObject reaches the caller as NotSupported.
        var store = await SseCStoreAsync(NewCustomerKey(15));
        await store.PutAsync(new PutRequest(Key("c7"), new byte[10]), CancellationToken.None);

        var ex = await Assert.ThrowsAsync<ObjectStoreException>(() => store.CopyAsync(new CopyRequest(Key("c7"), Key("c7-copy")) { SourceSize = 10 }, CancellationToken.None).AsTask());

        Assert.Equal(ObjectStoreErrorKind.NotSupported, ex.Kind);
    }

    [Fact]
    public async Task SseC_CopyReKeying_SendsOldKeyAsCopySourceAndCurrentKeyForDestination()
    {
        var oldKey = NewCustomerKey(20);
        var writer = await SseCStoreAsync(oldKey);
        await writer.PutAsync(new PutRequest(Key("c8"), new byte[10]), CancellationToken.None);
        var current = NewCustomerKey(21);
        RecordingHandler? rec = null;
        var store = await SseCStoreAsync(current, recorder: r => rec = r);

        // RGW refuses to copy SSE-C sources (501), so only the request can be checked here; AWS performs it.
        var ex = await Record.ExceptionAsync(() => store.CopyAsync(new CopyRequest(Key("c8"), Key("c8-rekeyed")) { SourceCustomerKey = oldKey, SourceSize = 10 }, CancellationToken.None).AsTask());

        var copy = rec!.Exchanges.Single(e => e.Method == HttpMethod.Put);
        Assert.Equal(oldKey.KeyMd5Base64, copy.RequestHeader("x-amz-copy-source-server-side-encryption-customer-key-MD5"));
        Assert.Equal(current.KeyMd5Base64, copy.RequestHeader("x-amz-server-side-encryption-customer-key-MD5"));
        Assert.True(ex is null || ex is ObjectStoreException { Kind: ObjectStoreErrorKind.NotSupported }, ex?.Message);
    }

    [Fact]
    public async Task SseC_UploadPartCopyFromSseCSource_CopiesTheRange()
    {
        var key = NewCustomerKey(22);
        var store = await SseCStoreAsync(key);
        await store.DetectCapabilitiesAsync(_prefix, CancellationToken.None);
        var body = Rgw.RandomBytes(1000, 23);
        var src = await store.PutAsync(new PutRequest(Key("c9"), body), CancellationToken.None);
        var upload = await store.StartMultipartUploadAsync(new MultipartUploadRequest(Key("c9-dst")), CancellationToken.None);

        var part = await upload.UploadPartCopyAsync(1, Key("c9"), new ByteRange(100, 500), src.ETag, CancellationToken.None);
        await upload.CompleteAsync([part], CancellationToken.None);

        var buffer = new byte[500];
        await store.GetRangeAsync(new GetRangeRequest(Key("c9-dst"), new ByteRange(0, 500)), buffer, CancellationToken.None);
        Assert.Equal(body.AsSpan(100, 500).ToArray(), buffer);
    }

    [Fact]
    public async Task Constructor_SseCOverHttpWithoutAllowHttpSseC_ThrowsWithAdvice()
    {
        var options = await Rgw.OptionsAsync();
        var sse = new ServerSideEncryption { Mode = SseMode.CustomerKey, CustomerKey = NewCustomerKey(16) };

        var ex = Assert.Throws<ArgumentException>(() => new S3ObjectStore(options with { ServerSideEncryption = sse }));

        Assert.Contains("https://", ex.Message, StringComparison.Ordinal);
        Assert.Contains("AllowHttpSseC", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SseKms_WithRgwTestKey_RoundTripsAndServerReportsKms()
    {
        var env = await RgwEnvironment.GetAsync();
        var keyId = env.KmsKeyIds[0];
        RecordingHandler? rec = null;
        using var store = await Rgw.StoreAsync(_prefix, o => o with
        {
            ServerSideEncryption = new ServerSideEncryption { Mode = SseMode.Kms, KmsKeyId = keyId, KmsContext = new Dictionary<string, string> { ["purpose"] = "s3fs-test" } },
            HttpHandlerDecorator = inner => rec = new RecordingHandler(inner),
        }, detect: false);
        var body = Rgw.RandomBytes(4000, 17);

        await store.PutAsync(new PutRequest(Key("k1"), body), CancellationToken.None);
        var buffer = new byte[4000];
        await store.GetRangeAsync(new GetRangeRequest(Key("k1"), new ByteRange(0, 4000)), buffer, CancellationToken.None);
        await store.HeadAsync(new HeadRequest(Key("k1")), CancellationToken.None);

        Assert.Equal(body, buffer);
        var put = rec!.Exchanges.Single(e => e.Method == HttpMethod.Put);
        Assert.Equal("aws:kms", put.RequestHeader("x-amz-server-side-encryption"));
        Assert.Equal(keyId, put.RequestHeader("x-amz-server-side-encryption-aws-kms-key-id"));
        Assert.NotNull(put.RequestHeader("x-amz-server-side-encryption-context"));
        Assert.Equal("aws:kms", put.ResponseHeader("x-amz-server-side-encryption"));
        var head = rec.Exchanges.Single(e => e.Method == HttpMethod.Head);
        Assert.Equal("aws:kms", head.ResponseHeader("x-amz-server-side-encryption"));
        Assert.Equal(keyId, head.ResponseHeader("x-amz-server-side-encryption-aws-kms-key-id"));
    }

    [Fact]
    public async Task SseKms_CopyOnRgw_FallsBackToUploadPartCopyAndKeepsKms()
    {
        var env = await RgwEnvironment.GetAsync();
        RecordingHandler? rec = null;
        using var store = await Rgw.StoreAsync(_prefix, o => o with
        {
            ServerSideEncryption = new ServerSideEncryption { Mode = SseMode.Kms, KmsKeyId = env.KmsKeyIds[0] },
            HttpHandlerDecorator = inner => rec = new RecordingHandler(inner),
        });
        var body = Rgw.RandomBytes(2000, 26);
        await store.PutAsync(new PutRequest(Key("k3"), body), CancellationToken.None);

        await store.CopyAsync(new CopyRequest(Key("k3"), Key("k3-copy")) { SourceSize = 2000 }, CancellationToken.None);
        rec!.Clear();
        var buffer = new byte[2000];
        await store.GetRangeAsync(new GetRangeRequest(Key("k3-copy"), new ByteRange(0, 2000)), buffer, CancellationToken.None);

        Assert.Equal(body, buffer);
        Assert.Equal("aws:kms", rec.Exchanges.Single().ResponseHeader("x-amz-server-side-encryption"));
    }

    [Fact]
    public async Task SseKms_MultipartUpload_RoundTripsWithKmsOnInitiate()
    {
        var env = await RgwEnvironment.GetAsync();
        RecordingHandler? rec = null;
        using var store = await Rgw.StoreAsync(_prefix, o => o with
        {
            ServerSideEncryption = new ServerSideEncryption { Mode = SseMode.Kms, KmsKeyId = env.KmsKeyIds[1] },
            HttpHandlerDecorator = inner => rec = new RecordingHandler(inner),
        }, detect: false);
        var body = Rgw.RandomBytes(1000, 18);

        var upload = await store.StartMultipartUploadAsync(new MultipartUploadRequest(Key("k2")), CancellationToken.None);
        await upload.CompleteAsync([await upload.UploadPartAsync(1, body, CancellationToken.None)], CancellationToken.None);
        var buffer = new byte[1000];
        await store.GetRangeAsync(new GetRangeRequest(Key("k2"), new ByteRange(0, 1000)), buffer, CancellationToken.None);

        Assert.Equal(body, buffer);
        var initiate = rec!.Exchanges.First(e => e.Method == HttpMethod.Post && e.Query.Contains("uploads", StringComparison.Ordinal));
        Assert.Equal("aws:kms", initiate.RequestHeader("x-amz-server-side-encryption"));
        Assert.Equal(env.KmsKeyIds[1], initiate.RequestHeader("x-amz-server-side-encryption-aws-kms-key-id"));
    }

    [Fact]
    public async Task SseS3_SendsAes256OnCreatingRequestsOnly()
    {
        // RGW 16 accepts SSE-S3 but does not apply it (facts.md), so the response cannot prove anything: this test
        // asserts on the headers actually sent, recorded by an HttpMessageHandler between the SDK and the server.
        RecordingHandler? rec = null;
        using var store = await Rgw.StoreAsync(_prefix, o => o with
        {
            ServerSideEncryption = new ServerSideEncryption { Mode = SseMode.S3 },
            HttpHandlerDecorator = inner => rec = new RecordingHandler(inner),
        }, detect: false);

        await store.PutAsync(new PutRequest(Key("s1"), new byte[10]), CancellationToken.None);
        await store.CopyAsync(new CopyRequest(Key("s1"), Key("s1-copy")) { SourceSize = 10 }, CancellationToken.None);
        var upload = await store.StartMultipartUploadAsync(new MultipartUploadRequest(Key("s1-mpu")), CancellationToken.None);
        await upload.AbortAsync(CancellationToken.None);
        await store.GetRangeAsync(new GetRangeRequest(Key("s1"), new ByteRange(0, 10)), new byte[10], CancellationToken.None);

        var creating = rec!.Exchanges.Where(e => e.Method == HttpMethod.Put || (e.Method == HttpMethod.Post && e.Query.Contains("uploads", StringComparison.Ordinal))).ToList();
        Assert.Equal(3, creating.Count); // PUT, copy (PUT with x-amz-copy-source), initiate
        Assert.All(creating, e => Assert.Equal("AES256", e.RequestHeader("x-amz-server-side-encryption")));
        var get = rec.Exchanges.Single(e => e.Method == HttpMethod.Get);
        Assert.Null(get.RequestHeader("x-amz-server-side-encryption"));
    }
}
