using System.Security.Cryptography;
using S3Fs.Core.Maintenance;
using S3Fs.Core.Storage;
using S3Fs.Crypto;
using S3Fs.Crypto.Format;
using S3Fs.Crypto.Keys;
using S3Fs.Testing.Storage;

namespace S3Fs.Core.Tests.Maintenance;

public sealed class RekeyerTests : IDisposable
{
    private readonly MaintenanceHarness _h = new();
    private readonly byte[] _a = MaintenanceHarness.Key();
    private readonly byte[] _b = MaintenanceHarness.Key();

    public void Dispose() => _h.Dispose();

    private Rekeyer Rekeyer(bool dryRun = false, IObjectStore? store = null, CustomerKeyRotation? sse = null) =>
        new(store ?? _h.Store, new RekeyOptions { Ciphers = MaintenanceHarness.Ciphers(_b, _a), DryRun = dryRun, CustomerKeys = sse });

    private static Dictionary<string, string> NonEnvelope(ObjectInfo info) =>
        info.Metadata.UserMetadata.Where(p => !p.Key.StartsWith("s3cfs-", StringComparison.Ordinal)).ToDictionary(p => p.Key, p => p.Value);

    [Fact]
    public async Task Process_ObjectsUnderOldKey_RewrapsEnvelopeKeepingBodyAttributesAndContentType()
    {
        var sizes = new[] { 0, 1, MaintenanceHarness.BlockSize, (3 * MaintenanceHarness.BlockSize) + 5 };
        var plain = new Dictionary<string, byte[]>();
        var before = new Dictionary<string, ObjectInfo>();
        foreach (var size in sizes)
        {
            plain[$"d/f{size}"] = await _h.PutEncryptedAsync(MaintenanceHarness.Ciphers(_a), $"d/f{size}", size, size);
            before[$"d/f{size}"] = await _h.HeadAsync($"d/f{size}");
        }

        var observer = new RecordingObserver();
        var summary = await _h.RunAsync(Rekeyer(), observer);

        Assert.Equal(sizes.Length, summary.Progress.Changed);
        Assert.False(summary.Interrupted);
        var onlyB = MaintenanceHarness.Ciphers(_b);
        foreach (var (path, bytes) in plain)
        {
            var after = await _h.HeadAsync(path);
            Assert.Equal(MaintenanceHarness.KeyIdOf(_b), after.Metadata.UserMetadata[MetadataKeys.KeyId]);
            Assert.Equal(before[path].Metadata.UserMetadata[MetadataKeys.FileId], after.Metadata.UserMetadata[MetadataKeys.FileId]);
            Assert.Equal(NonEnvelope(before[path]), NonEnvelope(after));
            Assert.Equal("text/x-test", after.Metadata.ContentType);
            Assert.Equal(_h.Store.Peek(before[path].Key)!.Body, _h.Store.Peek(after.Key)!.Body);
            Assert.Equal(bytes, await _h.ReadAsync(onlyB, path));
            Assert.Contains($"file:{MaintenanceHarness.KeyIdOf(_a)} -> file:{MaintenanceHarness.KeyIdOf(_b)}", observer.For(path).Detail, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Process_SecondRun_FindsNothingToDoAndWritesNothing()
    {
        await _h.PutEncryptedAsync(MaintenanceHarness.Ciphers(_a), "x", 100);
        await _h.PutEncryptedAsync(MaintenanceHarness.Ciphers(_b), "y", 100);
        await _h.PutPlainAsync("plain.txt", 10);
        Assert.Equal(1, (await _h.RunAsync(Rekeyer())).Progress.Changed);

        var counting = new CountingObjectStore(_h.Store);
        var observer = new RecordingObserver();
        var second = await _h.RunAsync(Rekeyer(store: counting), observer, store: counting);

        Assert.Equal(0, second.Progress.Changed);
        Assert.Equal(3, second.Progress.Unchanged);
        Assert.Equal(0, counting.Count(ObjectStoreOperation.Copy) + counting.Count(ObjectStoreOperation.Put));
        Assert.Contains("migrate", observer.For("plain.txt").Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Process_KeyNotConfigured_ReportsItsKeyIdAsInvalidAndGoesOn()
    {
        var c = MaintenanceHarness.Key();
        await _h.PutEncryptedAsync(MaintenanceHarness.Ciphers(c), "lost", 10);
        await _h.PutEncryptedAsync(MaintenanceHarness.Ciphers(_a), "fine", 10);
        var observer = new RecordingObserver();

        var summary = await _h.RunAsync(Rekeyer(), observer);

        Assert.Equal(OutcomeKind.Invalid, observer.For("lost").Kind);
        Assert.Contains(MaintenanceHarness.KeyIdOf(c), observer.For("lost").Detail, StringComparison.Ordinal);
        Assert.Contains("old_keys", observer.For("lost").Detail, StringComparison.Ordinal);
        Assert.Equal(OutcomeKind.Changed, observer.For("fine").Kind);
        Assert.True(summary.HasInvalid);
    }

    [Fact]
    public async Task Process_DryRun_ReportsWhatWouldChangeAndWritesNothing()
    {
        await _h.PutEncryptedAsync(MaintenanceHarness.Ciphers(_a), "x", 100);
        var before = await _h.HeadAsync("x");
        var counting = new CountingObjectStore(_h.Store);
        var observer = new RecordingObserver();

        var summary = await _h.RunAsync(Rekeyer(dryRun: true, store: counting), observer, store: counting);

        Assert.Equal(1, summary.Progress.Changed);
        Assert.StartsWith("would re-key", observer.For("x").Detail, StringComparison.Ordinal);
        Assert.Equal(0, counting.Count(ObjectStoreOperation.Copy) + counting.Count(ObjectStoreOperation.Put) + counting.Count(ObjectStoreOperation.StartMultipartUpload));
        Assert.Equal(before.Metadata.UserMetadata, (await _h.HeadAsync("x")).Metadata.UserMetadata);
    }

    [Fact]
    public async Task Process_ObjectChangedAfterItWasRead_IsReportedAndNotOverwritten()
    {
        await _h.PutEncryptedAsync(MaintenanceHarness.Ciphers(_a), "busy", 100);
        var store = new InterceptingObjectStore(_h.Store);
        var replaced = false;
        store.AfterHead = async key =>
        {
            if (!replaced)
            {
                replaced = true;
                await _h.PutEncryptedAsync(MaintenanceHarness.Ciphers(_a), "busy", 200, seed: 9); // someone else's new version
            }
        };
        var concurrent = MaintenanceHarness.Pattern(200, 9);
        var observer = new RecordingObserver();

        var summary = await _h.RunAsync(Rekeyer(store: store), observer, store: store);

        Assert.Equal(OutcomeKind.Error, observer.For("busy").Kind);
        Assert.Contains("changed since it was read", observer.For("busy").Detail, StringComparison.Ordinal);
        Assert.True(summary.HasErrors);
        Assert.Equal(concurrent, await _h.ReadAsync(MaintenanceHarness.Ciphers(_a), "busy"));
    }

    [Fact]
    public async Task Process_CopyFailsMidRun_ReportsItLeavesTheObjectUntouchedAndARerunFixesIt()
    {
        var plain = new Dictionary<string, byte[]>();
        for (var i = 0; i < 5; i++)
        {
            plain[$"f{i}"] = await _h.PutEncryptedAsync(MaintenanceHarness.Ciphers(_a), $"f{i}", 1000, i);
        }

        var faulty = new FaultInjectingObjectStore(_h.Store).FailNext(ObjectStoreOperation.Copy, 1, ObjectStoreErrorKind.Other, "injected copy failure");
        var observer = new RecordingObserver();
        var first = await _h.RunAsync(Rekeyer(store: faulty), observer, store: faulty, concurrency: 1);

        var failed = Assert.Single(observer.Outcomes, o => o.Kind == OutcomeKind.Error);
        Assert.Contains("injected copy failure", failed.Detail, StringComparison.Ordinal);
        Assert.Equal(4, first.Progress.Changed);
        Assert.Equal(MaintenanceHarness.KeyIdOf(_a), (await _h.HeadAsync(failed.Path)).Metadata.UserMetadata[MetadataKeys.KeyId]);
        Assert.Equal(plain[failed.Path], await _h.ReadAsync(MaintenanceHarness.Ciphers(_a), failed.Path));

        var second = await _h.RunAsync(Rekeyer());
        Assert.Equal(1, second.Progress.Changed);
        foreach (var (path, bytes) in plain)
        {
            Assert.Equal(bytes, await _h.ReadAsync(MaintenanceHarness.Ciphers(_b), path));
        }
    }

    [Fact]
    public async Task Process_AboveSingleCopyLimit_CopiesInPartsAndStaysReadable()
    {
        _h.Store.Capabilities = _h.Store.Capabilities with { MaxSingleCopySize = 1000 };
        var plain = await _h.PutEncryptedAsync(MaintenanceHarness.Ciphers(_a), "big", 5000);

        Assert.Equal(1, (await _h.RunAsync(Rekeyer())).Progress.Changed);

        Assert.EndsWith("-1", (await _h.HeadAsync("big")).ETag.Value, StringComparison.Ordinal); // a multipart copy's ETag
        Assert.Equal(plain, await _h.ReadAsync(MaintenanceHarness.Ciphers(_b), "big"));
    }

    [Theory]
    [InlineData(5000)]
    [InlineData((9 * 1024 * 1024) + 7)]
    public async Task Process_ServerCannotCopy_StreamsTheBytesWithTheOldCustomerKey(int size)
    {
        // Without UploadPartCopy the store refuses a copy above its single-copy limit (NotSupported), as Ceph RGW
        // refuses an SSE-C re-key: the object is then streamed through, read with the old customer key.
        using var oldSse = new CustomerKey(RandomNumberGenerator.GetBytes(32));
        using var newSse = new CustomerKey(RandomNumberGenerator.GetBytes(32));
        _h.Store.CustomerKey = oldSse;
        var plain = await _h.PutEncryptedAsync(MaintenanceHarness.Ciphers(_a), "streamed", size);
        var before = await _h.Store.HeadAsync(new HeadRequest(MaintenanceHarness.Prefix + "streamed"), CancellationToken.None);
        _h.Store.CustomerKey = newSse;
        _h.Store.Capabilities = _h.Store.Capabilities with { UploadPartCopy = false, MaxSingleCopySize = 1000 };
        var counting = new CountingObjectStore(_h.Store);
        var observer = new RecordingObserver();

        var summary = await _h.RunAsync(Rekeyer(store: counting, sse: new CustomerKeyRotation(newSse, [oldSse])), observer, store: counting);

        Assert.True(summary.Progress.Changed == 1, string.Join("; ", observer.Outcomes.Select(o => o.Detail)));
        Assert.True(counting.Count(ObjectStoreOperation.GetRange) >= 1);
        var stored = _h.Store.Peek(MaintenanceHarness.Prefix + "streamed")!;
        Assert.Equal(newSse.KeyMd5Base64, stored.CustomerKeyMd5);
        Assert.Equal(before.Size, stored.Body.Length);
        Assert.Equal(NonEnvelope(before), NonEnvelope(await _h.HeadAsync("streamed")));
        Assert.Equal(plain, await _h.ReadAsync(MaintenanceHarness.Ciphers(_b), "streamed"));
    }

    [Fact]
    public async Task Process_MalformedOrTamperedEnvelope_IsInvalidAndLeftAlone()
    {
        await _h.PutEncryptedAsync(MaintenanceHarness.Ciphers(_a), "malformed", 10);
        await _h.PutEncryptedAsync(MaintenanceHarness.Ciphers(_a), "tampered", 10);
        await _h.ChangeMetadataAsync("malformed", m => m[MetadataKeys.BlockSize] = "4097");
        await _h.ChangeMetadataAsync("tampered", m => m[MetadataKeys.KeyCommitment] = Convert.ToBase64String(new byte[32]));
        var before = (await _h.HeadAsync("tampered")).Metadata.UserMetadata;
        var observer = new RecordingObserver();

        await _h.RunAsync(Rekeyer(), observer);

        Assert.Equal(OutcomeKind.Invalid, observer.For("malformed").Kind);
        Assert.Contains("s3cfs-bs", observer.For("malformed").Detail, StringComparison.Ordinal);
        Assert.Equal(OutcomeKind.Invalid, observer.For("tampered").Kind);
        Assert.Contains("commitment", observer.For("tampered").Detail, StringComparison.Ordinal);
        Assert.Equal(before, (await _h.HeadAsync("tampered")).Metadata.UserMetadata);
    }

    [Fact]
    public async Task Process_NewEnvelopeOverMetadataBudget_IsAnErrorAndLeftAlone()
    {
        using var rsa = RSA.Create(4096);
        var pem = rsa.ExportPkcs8PrivateKeyPem();
        await _h.PutEncryptedAsync(MaintenanceHarness.Ciphers(_a), "xattrs", 10);
        await _h.ChangeMetadataAsync("xattrs", m => m["xattr"] = new string('x', 1200)); // fits with a 60-byte wrapped key, not a 512-byte one
        var toRsa = new Rekeyer(_h.Store, new RekeyOptions { Ciphers = new FileCipherFactory(new MasterKeyRing(RsaMasterKey.FromPem(pem, "test"), [FileMasterKey.FromKey(_a)]), null, MaintenanceHarness.BlockSize) });
        var observer = new RecordingObserver();

        await _h.RunAsync(toRsa, observer);

        Assert.Equal(OutcomeKind.Error, observer.For("xattrs").Kind);
        Assert.Contains("2048", observer.For("xattrs").Detail, StringComparison.Ordinal);
        Assert.Equal(MaintenanceHarness.KeyIdOf(_a), (await _h.HeadAsync("xattrs")).Metadata.UserMetadata[MetadataKeys.KeyId]);
    }

    [Fact]
    public async Task Process_SseCAndMasterKeyRotationTogether_OneCopyPerObject()
    {
        using var oldSse = new CustomerKey(RandomNumberGenerator.GetBytes(32));
        using var newSse = new CustomerKey(RandomNumberGenerator.GetBytes(32));
        _h.Store.CustomerKey = oldSse;
        var both = await _h.PutEncryptedAsync(MaintenanceHarness.Ciphers(_a), "both", 5000, 1);
        var sseOnly = await _h.PutEncryptedAsync(MaintenanceHarness.Ciphers(_b), "sse-only", 5000, 2);
        _h.Store.CustomerKey = newSse;
        var current = await _h.PutEncryptedAsync(MaintenanceHarness.Ciphers(_b), "current", 5000, 3);
        var counting = new CountingObjectStore(_h.Store);
        var observer = new RecordingObserver();

        var summary = await _h.RunAsync(Rekeyer(store: counting, sse: new CustomerKeyRotation(newSse, [oldSse])), observer, store: counting);

        Assert.Equal(2, summary.Progress.Changed);
        Assert.Equal(2, counting.Count(ObjectStoreOperation.Copy));
        Assert.Contains("SSE-C key", observer.For("both").Detail, StringComparison.Ordinal);
        Assert.Contains("file:", observer.For("both").Detail, StringComparison.Ordinal);
        Assert.DoesNotContain("file:", observer.For("sse-only").Detail, StringComparison.Ordinal);
        Assert.Equal(OutcomeKind.Unchanged, observer.For("current").Kind);
        foreach (var path in new[] { "both", "sse-only", "current" })
        {
            Assert.Equal(newSse.KeyMd5Base64, _h.Store.Peek(MaintenanceHarness.Prefix + path)!.CustomerKeyMd5);
        }

        Assert.Equal(both, await _h.ReadAsync(MaintenanceHarness.Ciphers(_b), "both"));
        Assert.Equal(sseOnly, await _h.ReadAsync(MaintenanceHarness.Ciphers(_b), "sse-only"));
        Assert.Equal(current, await _h.ReadAsync(MaintenanceHarness.Ciphers(_b), "current"));
    }

    [Fact]
    public async Task Process_SseCObjectUnderAnUnknownCustomerKey_IsInvalid()
    {
        using var unknown = new CustomerKey(RandomNumberGenerator.GetBytes(32));
        using var current = new CustomerKey(RandomNumberGenerator.GetBytes(32));
        _h.Store.CustomerKey = unknown;
        await _h.PutEncryptedAsync(MaintenanceHarness.Ciphers(_b), "x", 10);
        _h.Store.CustomerKey = current;
        var observer = new RecordingObserver();

        await _h.RunAsync(Rekeyer(sse: new CustomerKeyRotation(current, [])), observer);

        Assert.Equal(OutcomeKind.Invalid, observer.For("x").Kind);
        Assert.Contains("sse_c_old_keys", observer.For("x").Detail, StringComparison.Ordinal);
        Assert.Contains(current.KeyMd5Base64, observer.For("x").Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Process_CancelledAfterSomeObjects_LeavesEachDoneOrUntouchedAndARerunFinishes()
    {
        var plain = new Dictionary<string, byte[]>();
        for (var i = 0; i < 30; i++)
        {
            plain[$"f{i:D2}"] = await _h.PutEncryptedAsync(MaintenanceHarness.Ciphers(_a), $"f{i:D2}", 3000, i);
        }

        using var cts = new CancellationTokenSource();
        var store = new InterceptingObjectStore(_h.Store).CancelAfterWrites(10, cts);

        var first = await _h.RunAsync(Rekeyer(store: store), store: store, cancellationToken: cts.Token);

        Assert.True(first.Interrupted);
        Assert.InRange(first.Progress.Changed, 9, 29);
        var rekeyed = 0;
        foreach (var (path, bytes) in plain)
        {
            var kid = (await _h.HeadAsync(path)).Metadata.UserMetadata[MetadataKeys.KeyId];
            var underB = kid == MaintenanceHarness.KeyIdOf(_b);
            Assert.True(underB || kid == MaintenanceHarness.KeyIdOf(_a), $"{path} is under neither key");
            Assert.Equal(bytes, await _h.ReadAsync(MaintenanceHarness.Ciphers(underB ? _b : _a), path));
            rekeyed += underB ? 1 : 0;
        }

        Assert.InRange(rekeyed, 10, 29);
        var second = await _h.RunAsync(Rekeyer());
        Assert.Equal(30 - rekeyed, second.Progress.Changed);
        Assert.Equal(rekeyed, second.Progress.Unchanged);
        foreach (var (path, bytes) in plain)
        {
            Assert.Equal(bytes, await _h.ReadAsync(MaintenanceHarness.Ciphers(_b), path));
        }
    }
}
