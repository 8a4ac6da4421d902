using System.Security.Cryptography;
using S3Fs.Core.Maintenance;
using S3Fs.Core.Storage;

namespace S3Fs.Aws.Tests.Maintenance;

/// <summary>verify against the local Ceph RGW: a tampered object is found by name, large objects are read in ranged GETs.</summary>
[Trait("Category", "S3")]
public sealed class VerifierRgwTests : IAsyncLifetime
{
    private const int MiB = MaintenanceRgwHarness.MiB;
    private const int CipherBlock = 65536 + 28;
    private readonly byte[] _key = RandomNumberGenerator.GetBytes(32);
    private MaintenanceRgwHarness _h = null!;

    public async Task InitializeAsync() => _h = await MaintenanceRgwHarness.CreateAsync(nameof(VerifierRgwTests));

    public async Task DisposeAsync() => await _h.DisposeAsync();

    [Fact]
    public async Task Verify_TamperedObject_IsFoundByNameWithItsBlock()
    {
        var ciphers = MaintenanceRgwHarness.Ciphers(_key);
        await _h.PutEncryptedAsync(_h.Store, ciphers, "good/a", 100, 1);
        await _h.PutEncryptedAsync(_h.Store, ciphers, "good/b", 3 * MiB, 2);
        await _h.PutEncryptedAsync(_h.Store, ciphers, "evil/c", MiB, 3);
        await _h.Store.PutAsync(new PutRequest(_h.Prefix + "plain.txt", "not encrypted"u8.ToArray()), CancellationToken.None);
        var key = _h.Prefix + "evil/c";
        var head = await _h.Store.HeadAsync(new HeadRequest(key), CancellationToken.None);
        var body = new byte[head.Size];
        await _h.Store.GetRangeAsync(new GetRangeRequest(key, new ByteRange(0, head.Size)), body, CancellationToken.None);
        body[(5 * CipherBlock) + 1000] ^= 0x01;
        await _h.Store.PutAsync(new PutRequest(key, body) { Metadata = head.Metadata }, CancellationToken.None);

        var observer = new RecordingObserver();
        var summary = await _h.RunAsync(_h.Store, new Verifier(_h.Store, ciphers), observer);

        Assert.Equal(OutcomeKind.Invalid, observer.For("evil/c").Kind);
        Assert.StartsWith("tampered block 5 of 16", observer.For("evil/c").Detail, StringComparison.Ordinal);
        Assert.Equal(OutcomeKind.Unchanged, observer.For("good/a").Kind);
        Assert.Equal(OutcomeKind.Unchanged, observer.For("good/b").Kind);
        Assert.Equal(OutcomeKind.Warning, observer.For("plain.txt").Kind);
        Assert.Equal(1, summary.Progress.Invalid);
    }

    [Fact]
    public async Task Verify_LargeObject_IsReadOnceInEightMiBRangedGets()
    {
        var ciphers = MaintenanceRgwHarness.Ciphers(_key);
        await _h.PutEncryptedAsync(_h.Store, ciphers, "large", 20 * MiB, 4);
        var counting = new CountingObjectStore(_h.Store);

        var summary = await _h.RunAsync(counting, new Verifier(counting, ciphers), new RecordingObserver());

        Assert.Equal(1, summary.Progress.Unchanged);
        Assert.Equal(3, counting.Count(ObjectStoreOperation.GetRange)); // 127 + 127 + 66 blocks
        Assert.Equal((20L * MiB) + (320 * 28), counting.BytesDownloaded);
    }
}
