using S3Fs.Testing.Storage;
using System.Security.Cryptography;
using S3Fs.Core.Maintenance;
using S3Fs.Core.Storage;
using S3Fs.Crypto.Format;

namespace S3Fs.Aws.Tests.Maintenance;

/// <summary>Key rotation against the local Ceph RGW: local master keys, the multipart-copy path, and SSE-C rotation (RGW's 501 on CopyObject of SSE-C sources).</summary>
[Trait("Category", "S3")]
public sealed class RekeyerRgwTests : IAsyncLifetime
{
    private const int MiB = MaintenanceRgwHarness.MiB;
    private readonly byte[] _a = RandomNumberGenerator.GetBytes(32);
    private readonly byte[] _b = RandomNumberGenerator.GetBytes(32);
    private MaintenanceRgwHarness _h = null!;

    public async Task InitializeAsync() => _h = await MaintenanceRgwHarness.CreateAsync(nameof(RekeyerRgwTests));

    public async Task DisposeAsync() => await _h.DisposeAsync();

    private static Dictionary<string, string> NonEnvelope(ObjectInfo info) =>
        info.Metadata.UserMetadata.Where(p => !p.Key.StartsWith("s3cfs-", StringComparison.Ordinal)).ToDictionary(p => p.Key, p => p.Value);

    [Fact]
    public async Task Rekey_LocalKeys_RewrapsEveryObjectAndOnlyTheNewKeyIsNeeded()
    {
        var files = new Dictionary<string, byte[]>();
        foreach (var (path, size) in new[] { ("empty", 0), ("one", 1), ("dir/block", 65536), ("dir/sub/several", (3 * 65536) + 9) })
        {
            files[path] = await _h.PutEncryptedAsync(_h.Store, MaintenanceRgwHarness.Ciphers(_a), path, size, size);
        }

        var before = new Dictionary<string, ObjectInfo>();
        foreach (var path in files.Keys)
        {
            before[path] = await _h.Store.HeadAsync(new HeadRequest(_h.Prefix + path), CancellationToken.None);
        }

        var observer = new RecordingObserver();
        var summary = await _h.RunAsync(_h.Store, new Rekeyer(_h.Store, new RekeyOptions { Ciphers = MaintenanceRgwHarness.Ciphers(_b, _a) }), observer);

        Assert.Equal(files.Count, summary.Progress.Changed);
        foreach (var (path, plain) in files)
        {
            var after = await _h.Store.HeadAsync(new HeadRequest(_h.Prefix + path), CancellationToken.None);
            Assert.Equal(NonEnvelope(before[path]), NonEnvelope(after));
            Assert.Equal("application/x-test", after.Metadata.ContentType);
            Assert.Equal(before[path].Size, after.Size);
            Assert.Equal(before[path].Metadata.UserMetadata[MetadataKeys.FileId], after.Metadata.UserMetadata[MetadataKeys.FileId]);
            Assert.Equal(plain, await _h.ReadAsync(_h.Store, MaintenanceRgwHarness.Ciphers(_b), path));
        }

        var again = await _h.RunAsync(_h.Store, new Rekeyer(_h.Store, new RekeyOptions { Ciphers = MaintenanceRgwHarness.Ciphers(_b, _a) }), new RecordingObserver());
        Assert.Equal(files.Count, again.Progress.Unchanged);
    }

    [Fact]
    public async Task Rekey_AboveTheSingleCopyLimit_CopiesInPartsWithUploadPartCopy()
    {
        var small = await _h.StoreAsync(o => o with { MaxSingleCopySize = 5 * MiB, CopyPartSize = 5 * MiB });
        Assert.True(small.Capabilities.UploadPartCopy, "RGW has UploadPartCopy");
        var plain = await _h.PutEncryptedAsync(small, MaintenanceRgwHarness.Ciphers(_a), "large", (12 * MiB) + 17, 3);
        var before = await small.HeadAsync(new HeadRequest(_h.Prefix + "large"), CancellationToken.None);

        var observer = new RecordingObserver();
        var summary = await _h.RunAsync(small, new Rekeyer(small, new RekeyOptions { Ciphers = MaintenanceRgwHarness.Ciphers(_b, _a) }), observer);

        Assert.True(summary.Progress.Changed == 1, string.Join("; ", observer.Outcomes.Select(o => o.Detail)));
        var after = await small.HeadAsync(new HeadRequest(_h.Prefix + "large"), CancellationToken.None);
        Assert.EndsWith("-3", after.ETag.Value, StringComparison.Ordinal); // three UploadPartCopy parts of 5, 5 and 2 MiB
        Assert.Equal(NonEnvelope(before), NonEnvelope(after));
        Assert.Equal(plain, await _h.ReadAsync(small, MaintenanceRgwHarness.Ciphers(_b), "large"));
    }

    [Fact]
    public async Task Rekey_SseCRotationAndMasterKeyRotation_InOneRun()
    {
        var oldSse = _h.NewCustomerKey();
        var newSse = _h.NewCustomerKey();
        var writer = await _h.StoreAsync(MaintenanceRgwHarness.SseC(oldSse));
        var both = await _h.PutEncryptedAsync(writer, MaintenanceRgwHarness.Ciphers(_a), "both", 200_000, 1);
        var sseOnly = await _h.PutEncryptedAsync(writer, MaintenanceRgwHarness.Ciphers(_b), "sse-only", 70_000, 2);
        var rotating = await _h.StoreAsync(MaintenanceRgwHarness.SseC(newSse, oldSse));
        var current = await _h.PutEncryptedAsync(rotating, MaintenanceRgwHarness.Ciphers(_b), "current", 10, 3);

        var observer = new RecordingObserver();
        var counting = new CountingObjectStore(rotating);
        using var task = new Rekeyer(counting, new RekeyOptions { Ciphers = MaintenanceRgwHarness.Ciphers(_b, _a), CustomerKeys = new CustomerKeyRotation(newSse, [oldSse]) });
        var summary = await _h.RunAsync(counting, task, observer);

        Assert.True(summary.Progress.Changed == 2, string.Join("; ", observer.Outcomes.Select(o => $"{o.Path}: {o.Detail}")));
        // RGW refuses CopyObject of an SSE-C source (501) and cannot re-key with UploadPartCopy: both objects were streamed.
        Assert.Equal(2, counting.Count(ObjectStoreOperation.Copy));
        Assert.Equal(2, counting.Count(ObjectStoreOperation.Put));
        Assert.Equal(2, counting.Count(ObjectStoreOperation.GetRange));
        Assert.Contains("SSE-C key", observer.For("both").Detail, StringComparison.Ordinal);
        Assert.Contains("file:", observer.For("both").Detail, StringComparison.Ordinal);
        Assert.Equal(OutcomeKind.Unchanged, observer.For("current").Kind);
        var onlyNew = await _h.StoreAsync(MaintenanceRgwHarness.SseC(newSse));
        foreach (var path in new[] { "both", "sse-only", "current" })
        {
            var refused = await Assert.ThrowsAsync<ObjectStoreException>(() => onlyNew.HeadAsync(new HeadRequest(_h.Prefix + path) { CustomerKey = oldSse }, CancellationToken.None).AsTask());
            Assert.Equal(ObjectStoreErrorKind.AccessDenied, refused.Kind);
            var head = await onlyNew.HeadAsync(new HeadRequest(_h.Prefix + path), CancellationToken.None);
            Assert.Equal("33188", head.Metadata.UserMetadata["mode"]);
        }

        Assert.Equal(both, await _h.ReadAsync(onlyNew, MaintenanceRgwHarness.Ciphers(_b), "both"));
        Assert.Equal(sseOnly, await _h.ReadAsync(onlyNew, MaintenanceRgwHarness.Ciphers(_b), "sse-only"));
        Assert.Equal(current, await _h.ReadAsync(onlyNew, MaintenanceRgwHarness.Ciphers(_b), "current"));
        var again = await _h.RunAsync(rotating, task, new RecordingObserver());
        Assert.Equal(3, again.Progress.Unchanged);
    }

    [Fact]
    public async Task Rekey_ObjectRewrittenBetweenReadAndCopy_IsNotOverwritten()
    {
        await _h.PutEncryptedAsync(_h.Store, MaintenanceRgwHarness.Ciphers(_a), "busy", 1000, 1);
        var raced = 0;
        var racing = new InterceptingObjectStore(_h.Store)
        {
            // Once, right after the first HEAD: between the task's read and its copy.
            AfterHead = async _ =>
            {
                if (Interlocked.Exchange(ref raced, 1) == 0)
                {
                    await _h.PutEncryptedAsync(_h.Store, MaintenanceRgwHarness.Ciphers(_a), "busy", 2000, 2);
                }
            },
        };
        var observer = new RecordingObserver();

        await _h.RunAsync(racing, new Rekeyer(racing, new RekeyOptions { Ciphers = MaintenanceRgwHarness.Ciphers(_b, _a) }), observer);

        Assert.Equal(OutcomeKind.Error, observer.For("busy").Kind);
        Assert.Equal(Storage.Rgw.RandomBytes(2000, 2), await _h.ReadAsync(_h.Store, MaintenanceRgwHarness.Ciphers(_a), "busy"));
    }
}
