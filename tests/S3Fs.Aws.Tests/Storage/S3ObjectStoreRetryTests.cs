using S3Fs.Aws.Storage;
using S3Fs.Aws.Tests.Http;
using S3Fs.Core.Storage;
using S3Fs.Testing;

namespace S3Fs.Aws.Tests.Storage;

/// <summary>
/// The store's own retry, resume, timeout and cancellation behaviour, with faults injected at the HTTP layer in
/// front of the real RGW (<see cref="FaultInjectingHandler"/>), and every request recorded behind it.
/// </summary>
[Trait("Category", "S3")]
[System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001", Justification = "The handlers belong to the store's HttpClient and are disposed with the store.")]
public sealed class S3ObjectStoreRetryTests : IAsyncLifetime
{
    private readonly string _prefix = RgwEnvironment.UniquePrefix(nameof(S3ObjectStoreRetryTests));
    private FaultInjectingHandler _faults = null!;
    private RecordingHandler _wire = null!;
    private S3ObjectStore _store = null!;

    public async Task InitializeAsync()
    {
        // The default (generous) request timeout: a real request to a loaded RGW must never be cut and retried here,
        // or the exact attempt counts below would count it. The timeout test builds its own store with a short one.
        _store = await Rgw.StoreAsync(_prefix, o => o with
        {
            // Faults in front, recorder behind: the recorder sees only what reached the server.
            HttpHandlerDecorator = inner => _faults = new FaultInjectingHandler(_wire = new RecordingHandler(inner)),
        }, detect: false);
    }

    public async Task DisposeAsync()
    {
        await Rgw.CleanAsync(_store, _prefix);
        _store.Dispose();
    }

    private string Key(string name) => _prefix + name;

    [Fact]
    public async Task PutAsync_TwoSlowDownsThenSuccess_Succeeds()
    {
        _faults.Inject(FaultInjectingHandler.IsPut, HttpFault.SlowDown, times: 2);
        var before = _faults.RequestCount;

        await _store.PutAsync(new PutRequest(Key("slow"), new byte[] { 1, 2, 3 }), CancellationToken.None);

        Assert.Equal(3, _faults.RequestCount - before);
        Assert.Equal(3, (await _store.HeadAsync(new HeadRequest(Key("slow")), CancellationToken.None)).Size);
    }

    [Fact]
    public async Task HeadAsync_ConnectionReset_IsRetried()
    {
        await _store.PutAsync(new PutRequest(Key("reset"), new byte[5]), CancellationToken.None);
        _faults.Inject(FaultInjectingHandler.IsHead, HttpFault.ConnectionReset, times: 1);
        var before = _faults.RequestCount;

        var head = await _store.HeadAsync(new HeadRequest(Key("reset")), CancellationToken.None);

        Assert.Equal(5, head.Size);
        Assert.Equal(2, _faults.RequestCount - before);
    }

    [Fact]
    public async Task GetRangeAsync_BodyBrokenMidStream_ResumesRemainingBytesWithIfMatch()
    {
        var body = Rgw.RandomBytes(1_000_000, 1);
        var put = await _store.PutAsync(new PutRequest(Key("cut"), body), CancellationToken.None);
        _faults.Inject(FaultInjectingHandler.IsGet, HttpFault.BreakBody, times: 1, bodyBytes: 300_000);
        _wire.Clear();

        var buffer = new byte[900_000];
        var got = await _store.GetRangeAsync(new GetRangeRequest(Key("cut"), new ByteRange(50_000, 900_000)), buffer, CancellationToken.None);

        Assert.Equal(900_000, got.BytesRead);
        Assert.Equal(body.AsSpan(50_000, 900_000).ToArray(), buffer);
        var gets = _wire.Exchanges.Where(e => e.Method == HttpMethod.Get).ToList();
        Assert.Equal(2, gets.Count);
        Assert.Equal("bytes=50000-949999", gets[0].RequestHeader("Range"));
        Assert.Null(gets[0].RequestHeader("If-Match"));
        Assert.Equal("bytes=350000-949999", gets[1].RequestHeader("Range")); // only what is missing
        Assert.Equal(put.ETag.Value, gets[1].RequestHeader("If-Match")); // pinned to the version first read
    }

    [Fact]
    public async Task StreamRangeAsync_BodyBrokenMidStream_HandlerSeesEveryByteOnceInOrder()
    {
        var body = Rgw.RandomBytes(1_000_000, 5);
        var put = await _store.PutAsync(new PutRequest(Key("stream-cut"), body), CancellationToken.None);
        _faults.Inject(FaultInjectingHandler.IsGet, HttpFault.BreakBody, times: 1, bodyBytes: 300_000);
        _wire.Clear();
        var seen = new MemoryStream();
        var chunks = 0;

        var got = await _store.StreamRangeAsync(
            new GetRangeRequest(Key("stream-cut"), new ByteRange(50_000, 900_000)),
            chunk =>
            {
                chunks++;
                seen.Write(chunk);
            },
            CancellationToken.None);

        Assert.Equal(900_000, got.BytesRead);
        Assert.Equal(put.ETag, got.ETag);
        Assert.Equal(body.AsSpan(50_000, 900_000).ToArray(), seen.ToArray());
        Assert.True(chunks > 1, "a range of 900,000 bytes arrives in several pieces, not one buffer");
        var gets = _wire.Exchanges.Where(e => e.Method == HttpMethod.Get).ToList();
        Assert.Equal(2, gets.Count);
        Assert.Equal("bytes=350000-949999", gets[1].RequestHeader("Range"));
        Assert.Equal(put.ETag.Value, gets[1].RequestHeader("If-Match"));
    }

    [Fact]
    public async Task StreamRangeAsync_HandlerThrows_CallerGetsThatExceptionAndNothingIsRetried()
    {
        await _store.PutAsync(new PutRequest(Key("stream-throw"), Rgw.RandomBytes(300_000, 6)), CancellationToken.None);
        _wire.Clear();
        var calls = 0;

        var e = await Assert.ThrowsAsync<InvalidDataException>(async () => await _store.StreamRangeAsync(
            new GetRangeRequest(Key("stream-throw"), new ByteRange(0, 300_000)),
            _ =>
            {
                calls++;
                throw new InvalidDataException("block 0 did not authenticate");
            },
            CancellationToken.None));

        Assert.Equal("block 0 did not authenticate", e.Message);
        Assert.Equal(1, calls);
        Assert.Single(_wire.Exchanges, x => x.Method == HttpMethod.Get);
    }

    [Fact]
    public async Task GetRangeAsync_BodyEndsEarly_ResumesInsteadOfReturningShortRead()
    {
        var body = Rgw.RandomBytes(200_000, 2);
        await _store.PutAsync(new PutRequest(Key("short"), body), CancellationToken.None);
        _faults.Inject(FaultInjectingHandler.IsGet, HttpFault.EndBodyEarly, times: 2, bodyBytes: 70_000);

        var buffer = new byte[200_000];
        var got = await _store.GetRangeAsync(new GetRangeRequest(Key("short"), new ByteRange(0, 200_000)), buffer, CancellationToken.None);

        Assert.Equal(200_000, got.BytesRead);
        Assert.Equal(body, buffer);
    }

    [Fact]
    public async Task GetRangeAsync_ObjectReplacedBetweenBreakAndResume_ThrowsPreconditionFailed()
    {
        await _store.PutAsync(new PutRequest(Key("race"), Rgw.RandomBytes(100_000, 3)), CancellationToken.None);
        using var other = await Rgw.StoreAsync(_prefix, detect: false);
        // First GET: body breaks after 10 kB. Before the resume reaches the server, another writer replaces the object.
        _faults.Inject(FaultInjectingHandler.IsGet, HttpFault.BreakBody, times: 1, bodyBytes: 10_000);
        _faults.Inject(FaultInjectingHandler.IsGet, HttpFault.RunThenForward, times: 1,
            action: () => other.PutAsync(new PutRequest(Key("race"), Rgw.RandomBytes(100_000, 4)), CancellationToken.None).AsTask());
        _wire.Clear();

        var ex = await Assert.ThrowsAsync<ObjectStoreException>(() => _store.GetRangeAsync(new GetRangeRequest(Key("race"), new ByteRange(0, 100_000)), new byte[100_000], CancellationToken.None).AsTask());

        Assert.Equal(ObjectStoreErrorKind.PreconditionFailed, ex.Kind);
        Assert.Equal(412, _wire.Exchanges.Last(e => e.Method == HttpMethod.Get).StatusCode); // the server refused the resume
    }

    [Fact]
    public async Task PutAsync_SlowDownOnEveryAttempt_ThrowsThrottledAfterMaxAttempts()
    {
        _faults.Inject(FaultInjectingHandler.IsPut, HttpFault.SlowDown, times: 100);
        var before = _faults.RequestCount;

        var ex = await Assert.ThrowsAsync<ObjectStoreException>(() => _store.PutAsync(new PutRequest(Key("throttled"), new byte[1]), CancellationToken.None).AsTask());

        Assert.Equal(ObjectStoreErrorKind.Throttled, ex.Kind);
        Assert.Equal(Rgw.FastRetry.MaxAttempts, _faults.RequestCount - before);
        Assert.Equal($"PutObject s3://{_store.Bucket}/{Key("throttled")} failed (Throttled): HTTP 503 SlowDown: Please reduce your request rate., request id injected-fault", ex.Message);
    }

    [Fact]
    public async Task GetRangeAsync_InternalErrorOnEveryAttempt_ThrowsTransient()
    {
        await _store.PutAsync(new PutRequest(Key("500"), new byte[10]), CancellationToken.None);
        _faults.Inject(FaultInjectingHandler.IsGet, HttpFault.InternalError, times: 100);

        var ex = await Assert.ThrowsAsync<ObjectStoreException>(() => _store.GetRangeAsync(new GetRangeRequest(Key("500"), new ByteRange(0, 10)), new byte[10], CancellationToken.None).AsTask());

        Assert.Equal(ObjectStoreErrorKind.Transient, ex.Kind);
        Assert.Contains("HTTP 500 InternalError", ex.Message, StringComparison.Ordinal);
        Assert.Contains("GetObject", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HeadAsync_AttemptExceedsRequestTimeout_RetriedThenSucceeds()
    {
        await _store.PutAsync(new PutRequest(Key("timeout"), new byte[2]), CancellationToken.None);
        FaultInjectingHandler? faults = null;
        using var store = await Rgw.StoreAsync(_prefix, o => o with
        {
            RequestTimeout = TimeSpan.FromSeconds(5),
            HttpHandlerDecorator = inner => faults = new FaultInjectingHandler(inner),
        }, detect: false);
        // The first HEAD is held 12 times the request timeout: without the timeout it would succeed late, as 1 attempt.
        faults!.Inject(FaultInjectingHandler.IsHead, HttpFault.Delay, times: 1, delay: TimeSpan.FromSeconds(60));

        var head = await store.HeadAsync(new HeadRequest(Key("timeout")), CancellationToken.None);

        Assert.Equal(2, head.Size);
        // The held attempt was cut by the timeout and retried. The retry is a real request with the same 5 s timeout:
        // on a loaded RGW it may be cut too and retried again, so the count is at least 2, not exactly 2.
        Assert.True(faults.RequestCount >= 2, $"{faults.RequestCount} attempt(s)");
        Assert.Equal(0, faults.InFlight); // the held attempt was abandoned, not left running beside the retry
    }

    [Fact]
    public async Task HeadAsync_CancelledWhileInFlight_ThrowsOperationCanceledWithoutRetry()
    {
        await _store.PutAsync(new PutRequest(Key("cancel"), new byte[2]), CancellationToken.None);
        _faults.Inject(FaultInjectingHandler.IsHead, HttpFault.Delay, times: 5, delay: TimeSpan.FromSeconds(60));
        var before = _faults.RequestCount;
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _store.HeadAsync(new HeadRequest(Key("cancel")), cts.Token).AsTask());

        Assert.Equal(1, _faults.RequestCount - before);
    }

    [Fact]
    public async Task GetRangeAsync_AlreadyCancelled_ThrowsWithoutSendingAnything()
    {
        var before = _faults.RequestCount;
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _store.GetRangeAsync(new GetRangeRequest(Key("x"), new ByteRange(0, 1)), new byte[1], cts.Token).AsTask());

        Assert.Equal(before, _faults.RequestCount);
    }

    private static bool IsComplete(HttpRequestMessage r) => r.Method == HttpMethod.Post && r.RequestUri!.Query.Contains("uploadId", StringComparison.Ordinal);

    [Fact]
    public async Task CompleteAsync_ResponseLost_RetryCompletesAgainOnRgw()
    {
        var upload = await _store.StartMultipartUploadAsync(new MultipartUploadRequest(Key("lost-complete")), CancellationToken.None);
        var p1 = await upload.UploadPartAsync(1, Rgw.RandomBytes(5 * 1024 * 1024, 5), CancellationToken.None);
        var p2 = await upload.UploadPartAsync(2, Rgw.RandomBytes(100, 6), CancellationToken.None);
        _faults.Inject(IsComplete, HttpFault.ForwardThenReset, times: 1);
        _wire.Clear();

        var done = await upload.CompleteAsync([p1, p2], CancellationToken.None);

        var completes = _wire.Exchanges.Where(e => e.Method == HttpMethod.Post).ToList();
        Assert.Equal(2, completes.Count); // the lost one, and the retry
        Assert.Equal(200, completes[1].StatusCode); // RGW (like AWS for a while) answers a repeated Complete with success
        Assert.EndsWith("-2", done.ETag.Value, StringComparison.Ordinal);
        Assert.Equal(done.ETag, (await _store.HeadAsync(new HeadRequest(Key("lost-complete")), CancellationToken.None)).ETag);
    }

    [Fact]
    public async Task CompleteAsync_ResponseLostAndRetryFindsNoUpload_RecognisesItsOwnObject()
    {
        var upload = await _store.StartMultipartUploadAsync(new MultipartUploadRequest(Key("lost-complete-404")), CancellationToken.None);
        var p1 = await upload.UploadPartAsync(1, Rgw.RandomBytes(5 * 1024 * 1024, 7), CancellationToken.None);
        var p2 = await upload.UploadPartAsync(2, Rgw.RandomBytes(100, 8), CancellationToken.None);
        _faults.Inject(IsComplete, HttpFault.ForwardThenReset, times: 1);
        _faults.Inject(IsComplete, HttpFault.NoSuchUpload, times: 1);

        var done = await upload.CompleteAsync([p1, p2], CancellationToken.None);

        Assert.EndsWith("-2", done.ETag.Value, StringComparison.Ordinal);
        Assert.Equal(done.ETag, (await _store.HeadAsync(new HeadRequest(Key("lost-complete-404")), CancellationToken.None)).ETag);
    }

    [Fact]
    public async Task CompleteAsync_NoSuchUploadAndObjectIsNotOurs_ThrowsNotFound()
    {
        await _store.PutAsync(new PutRequest(Key("not-ours"), new byte[] { 1 }), CancellationToken.None);
        var upload = await _store.StartMultipartUploadAsync(new MultipartUploadRequest(Key("not-ours")), CancellationToken.None);
        var p1 = await upload.UploadPartAsync(1, new byte[] { 9, 9 }, CancellationToken.None);
        _faults.Inject(IsComplete, HttpFault.ConnectionReset, times: 1); // never reached the server
        _faults.Inject(IsComplete, HttpFault.NoSuchUpload, times: 1);

        var ex = await Assert.ThrowsAsync<ObjectStoreException>(() => upload.CompleteAsync([p1], CancellationToken.None).AsTask());
        await upload.AbortAsync(CancellationToken.None);

        Assert.Equal(ObjectStoreErrorKind.NotFound, ex.Kind);
        Assert.Equal(1, (await _store.HeadAsync(new HeadRequest(Key("not-ours")), CancellationToken.None)).Size);
    }

    [Fact]
    public async Task PutAsync_ConditionalCreateResponseLost_RecognisesItsOwnWriteOnRetry()
    {
        using var detected = await Rgw.StoreAsync(_prefix, o => o with
        {
            HttpHandlerDecorator = inner => _faults = new FaultInjectingHandler(_wire = new RecordingHandler(inner)),
        });
        _faults.Inject(FaultInjectingHandler.IsPut, HttpFault.ForwardThenReset, times: 1);
        _wire.Clear();

        var put = await detected.PutAsync(new PutRequest(Key("lost-put"), new byte[] { 4, 2 }) { Condition = WriteCondition.IfNoneExists }, CancellationToken.None);

        Assert.Equal(412, _wire.Exchanges.Last(e => e.Method == HttpMethod.Put).StatusCode); // the retry met our own object
        Assert.Equal(put.ETag, (await detected.HeadAsync(new HeadRequest(Key("lost-put")), CancellationToken.None)).ETag);
    }

    [Fact]
    public async Task HeadAsync_ManyConcurrentCalls_NeverExceedMaxConcurrentRequests()
    {
        FaultInjectingHandler? faults = null;
        using var store = await Rgw.StoreAsync(_prefix, o => o with
        {
            MaxConcurrentRequests = 3,
            HttpHandlerDecorator = inner => faults = new FaultInjectingHandler(inner),
        }, detect: false);
        await store.PutAsync(new PutRequest(Key("conc"), new byte[1]), CancellationToken.None);
        faults!.Inject(FaultInjectingHandler.IsHead, HttpFault.Delay, times: 12, delay: TimeSpan.FromMilliseconds(50));

        await Task.WhenAll(Enumerable.Range(0, 12).Select(_ => store.HeadAsync(new HeadRequest(Key("conc")), CancellationToken.None).AsTask()));

        Assert.Equal(3, faults.MaxInFlight);
    }
}
