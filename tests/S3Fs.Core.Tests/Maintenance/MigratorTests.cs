using S3Fs.Core.Maintenance;
using S3Fs.Core.Storage;
using S3Fs.Crypto;
using S3Fs.Crypto.Format;
using S3Fs.Testing.Storage;

namespace S3Fs.Core.Tests.Maintenance;

public sealed class MigratorTests : IDisposable
{
    private const int MiB = 1024 * 1024;
    private readonly MaintenanceHarness _h = new();
    private readonly byte[] _key = MaintenanceHarness.Key();

    public void Dispose() => _h.Dispose();

    private FileCipherFactory Ciphers => MaintenanceHarness.Ciphers(_key);

    private async Task<(MaintenanceSummary Summary, RecordingObserver Observer)> MigrateAsync(IObjectStore? store = null, bool dryRun = false, int concurrency = 4, CancellationToken cancellationToken = default)
    {
        var observer = new RecordingObserver();
        using var migrator = new Migrator(store ?? _h.Store, Ciphers, new MigrateOptions { DryRun = dryRun });
        var summary = await _h.RunAsync(migrator, observer, store: store, concurrency: concurrency, cancellationToken: cancellationToken);
        return (summary, observer);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(MaintenanceHarness.BlockSize)]
    [InlineData((3 * MaintenanceHarness.BlockSize) + 5)]
    [InlineData((8 * MiB) + 1)]
    [InlineData((21 * MiB) + 333)]
    public async Task Process_PlainObject_IsEncryptedInPlaceKeepingMetadataAndContentType(int size)
    {
        var plain = await _h.PutPlainAsync("dir/file", size, size);
        var before = await _h.HeadAsync("dir/file");

        var (summary, observer) = await MigrateAsync();

        Assert.Equal(1, summary.Progress.Changed);
        var after = await _h.HeadAsync("dir/file");
        Assert.True(EnvelopeCodec.HasEnvelope(after.Metadata.UserMetadata));
        Assert.Equal(MaintenanceHarness.KeyIdOf(_key), after.Metadata.UserMetadata[MetadataKeys.KeyId]);
        Assert.Equal(BlockLayout.ForBlockSize(MaintenanceHarness.BlockSize).CipherSizeFromPlainSize(size), after.Size);
        foreach (var (name, value) in before.Metadata.UserMetadata)
        {
            Assert.Equal(value, after.Metadata.UserMetadata[name]);
        }

        Assert.Equal(before.Metadata.UserMetadata.Count + MetadataKeys.All.Count, after.Metadata.UserMetadata.Count);
        Assert.Equal("text/x-test", after.Metadata.ContentType);
        Assert.Equal(plain, await _h.ReadAsync(Ciphers, "dir/file"));
        Assert.Equal(size, summary.Progress.Bytes);
        Assert.StartsWith($"encrypted: {size} bytes", observer.For("dir/file").Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Process_ObjectWithoutAttributes_GetsOnlyTheEnvelope()
    {
        await _h.PutPlainAsync("bare", 10, withAttributes: false);

        await MigrateAsync();

        var names = (await _h.HeadAsync("bare")).Metadata.UserMetadata.Keys.Order(StringComparer.Ordinal);
        Assert.Equal(MetadataKeys.All.Order(StringComparer.Ordinal), names);
    }

    [Fact]
    public async Task Process_LargeObject_IsStreamedInPartsNeverWhole()
    {
        var plain = await _h.PutPlainAsync("big", (20 * MiB) + 7);
        var counting = new CountingObjectStore(_h.Store);

        await MigrateAsync(counting);

        Assert.Equal(3, counting.Count(ObjectStoreOperation.GetRange)); // 8 + 8 + 4 MiB, one GET per part
        Assert.Equal(3, counting.Count(ObjectStoreOperation.UploadPart));
        Assert.Equal(1, counting.Count(ObjectStoreOperation.CompleteMultipartUpload));
        Assert.Equal(0, counting.Count(ObjectStoreOperation.Put));
        Assert.Equal(plain, await _h.ReadAsync(Ciphers, "big"));
    }

    [Fact]
    public async Task Process_SecondRun_FindsEverythingEncryptedAndWritesNothing()
    {
        await _h.PutPlainAsync("a", 100);
        await _h.PutEncryptedAsync(Ciphers, "b", 100);
        var first = await MigrateAsync();
        Assert.Equal(1, first.Summary.Progress.Changed);
        Assert.Equal(OutcomeKind.Unchanged, first.Observer.For("b").Kind);

        var counting = new CountingObjectStore(_h.Store);
        var (second, _) = await MigrateAsync(counting);

        Assert.Equal(2, second.Progress.Unchanged);
        Assert.Equal(0, counting.Count(ObjectStoreOperation.Put) + counting.Count(ObjectStoreOperation.StartMultipartUpload) + counting.Count(ObjectStoreOperation.GetRange));
    }

    [Fact]
    public async Task Process_MarkersAndVolumeMetadata_AreLeftAlone()
    {
        await _h.Store.PutAsync(new PutRequest(MaintenanceHarness.Prefix + "dir/", ReadOnlyMemory<byte>.Empty), CancellationToken.None);
        await _h.Store.PutAsync(new PutRequest(MaintenanceHarness.Prefix + "old_$folder$", ReadOnlyMemory<byte>.Empty), CancellationToken.None);
        await _h.Store.PutAsync(new PutRequest(MaintenanceHarness.Prefix + ".s3cfs/volume.json", "{}"u8.ToArray()), CancellationToken.None);
        await _h.PutPlainAsync("dir/file", 10);
        var etags = _h.Store.Keys.ToDictionary(k => k, k => _h.Store.Peek(k)!.ETag);

        var (summary, observer) = await MigrateAsync();

        Assert.Equal(1, summary.Progress.Changed);
        Assert.Equal(3, summary.SkippedMarkers);
        Assert.Equal("dir/file", Assert.Single(observer.Outcomes).Path);
        foreach (var key in new[] { "dir/", "old_$folder$", ".s3cfs/volume.json" })
        {
            Assert.Equal(etags[MaintenanceHarness.Prefix + key], _h.Store.Peek(MaintenanceHarness.Prefix + key)!.ETag);
        }
    }

    [Fact]
    public async Task Process_DryRun_WritesNothing()
    {
        await _h.PutPlainAsync("a", 100);
        var counting = new CountingObjectStore(_h.Store);

        var (summary, observer) = await MigrateAsync(counting, dryRun: true);

        Assert.Equal(1, summary.Progress.Changed);
        Assert.Equal("would encrypt: 100 bytes", observer.For("a").Detail);
        Assert.Equal(0, counting.Count(ObjectStoreOperation.Put) + counting.Count(ObjectStoreOperation.StartMultipartUpload));
        Assert.False(EnvelopeCodec.HasEnvelope((await _h.HeadAsync("a")).Metadata.UserMetadata));
    }

    [Theory]
    [InlineData(100, true)]
    [InlineData(100, false)]
    [InlineData((9 * MiB) + 1, true)]
    [InlineData((9 * MiB) + 1, false)]
    public async Task Process_ObjectChangedWhileBeingRead_IsNotOverwritten(int size, bool conditionalWrites)
    {
        _h.Store.Capabilities = _h.Store.Capabilities with { ConditionalReplace = conditionalWrites, ConditionalMultipartComplete = conditionalWrites };
        await _h.PutPlainAsync("busy", size);
        var store = new InterceptingObjectStore(_h.Store);
        var gets = 0;
        var lastGet = size > 8 * MiB ? 2 : 1; // after the last read, so only the write's condition (or the HEAD before it) can notice
        store.AfterGet = async _ =>
        {
            if (++gets == lastGet)
            {
                await _h.PutPlainAsync("busy", 50, seed: 5); // another writer's new version
            }
        };
        var counting = new CountingObjectStore(store);

        var (summary, observer) = await MigrateAsync(counting);

        Assert.Equal(OutcomeKind.Error, observer.For("busy").Kind);
        Assert.Contains("changed while it was being encrypted", observer.For("busy").Detail, StringComparison.Ordinal);
        Assert.True(summary.HasErrors);
        Assert.Equal(MaintenanceHarness.Pattern(50, 5), _h.Store.Peek(MaintenanceHarness.Prefix + "busy")!.Body);
        Assert.Equal(conditionalWrites ? 1 : 2, counting.Count(ObjectStoreOperation.Head)); // without conditions: a HEAD just before the write
    }

    [Fact]
    public async Task Process_PartUploadFails_ReportsItAbortsLeavesThePlainObjectAndARerunFixesIt()
    {
        var plain = await _h.PutPlainAsync("big", (17 * MiB) + 1);
        var before = await _h.HeadAsync("big");
        var faulty = new FaultInjectingObjectStore(_h.Store).FailPart(2, ObjectStoreErrorKind.Other);
        var counting = new CountingObjectStore(faulty);

        var (summary, observer) = await MigrateAsync(counting);

        Assert.Equal(OutcomeKind.Error, observer.For("big").Kind);
        Assert.Contains("part 2", observer.For("big").Detail, StringComparison.Ordinal);
        Assert.Equal(1, counting.Count(ObjectStoreOperation.AbortMultipartUpload));
        Assert.Equal(before.ETag, (await _h.HeadAsync("big")).ETag);
        Assert.Equal(1, summary.Progress.Errors);

        Assert.Equal(1, (await MigrateAsync()).Summary.Progress.Changed);
        Assert.Equal(plain, await _h.ReadAsync(Ciphers, "big"));
    }

    [Fact]
    public async Task Process_MetadataWouldExceedTheBudget_IsAnErrorAndLeftPlain()
    {
        await _h.Store.PutAsync(new PutRequest(MaintenanceHarness.Prefix + "fat", new byte[10]) { Metadata = new ObjectMetadata { UserMetadata = new Dictionary<string, string> { ["xattr"] = new string('x', 1900) } } }, CancellationToken.None);

        var (_, observer) = await MigrateAsync();

        Assert.Equal(OutcomeKind.Error, observer.For("fat").Kind);
        Assert.Contains("left as plaintext", observer.For("fat").Detail, StringComparison.Ordinal);
        Assert.False(EnvelopeCodec.HasEnvelope((await _h.HeadAsync("fat")).Metadata.UserMetadata));
    }

    [Fact]
    public async Task Process_CancelledAfterSomeObjects_LeavesEachPlainOrEncryptedAndARerunFinishes()
    {
        var plain = new Dictionary<string, byte[]>();
        for (var i = 0; i < 24; i++)
        {
            plain[$"f{i:D2}"] = await _h.PutPlainAsync($"f{i:D2}", i == 5 ? (9 * MiB) + 3 : 5000 + i, i);
        }

        using var cts = new CancellationTokenSource();
        var store = new InterceptingObjectStore(_h.Store).CancelAfterWrites(8, cts);

        var (first, _) = await MigrateAsync(store, cancellationToken: cts.Token);

        Assert.True(first.Interrupted);
        var encrypted = 0;
        foreach (var (path, bytes) in plain)
        {
            var head = await _h.HeadAsync(path);
            if (EnvelopeCodec.HasEnvelope(head.Metadata.UserMetadata))
            {
                encrypted++;
                Assert.Equal(bytes, await _h.ReadAsync(Ciphers, path));
            }
            else
            {
                Assert.Equal(bytes, _h.Store.Peek(head.Key)!.Body);
            }
        }

        Assert.InRange(encrypted, 8, 23);
        var (second, _) = await MigrateAsync();
        Assert.Equal(24 - encrypted, second.Progress.Changed);
        foreach (var (path, bytes) in plain)
        {
            Assert.Equal(bytes, await _h.ReadAsync(Ciphers, path));
        }
    }
}
