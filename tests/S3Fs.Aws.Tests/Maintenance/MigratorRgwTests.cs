using S3Fs.Testing.Storage;
using System.Security.Cryptography;
using S3Fs.Core.Maintenance;
using S3Fs.Core.Storage;
using S3Fs.Crypto.Format;

namespace S3Fs.Aws.Tests.Maintenance;

/// <summary>migrate against the local Ceph RGW: multi-MiB plaintext encrypted in place by a streamed multipart upload, guarded against concurrent writers.</summary>
[Trait("Category", "S3")]
public sealed class MigratorRgwTests : IAsyncLifetime
{
    private const int MiB = MaintenanceRgwHarness.MiB;
    private readonly byte[] _key = RandomNumberGenerator.GetBytes(32);
    private MaintenanceRgwHarness _h = null!;

    public async Task InitializeAsync() => _h = await MaintenanceRgwHarness.CreateAsync(nameof(MigratorRgwTests));

    public async Task DisposeAsync() => await _h.DisposeAsync();

    private async Task<byte[]> PutPlainAsync(string path, int size, int seed)
    {
        var data = Storage.Rgw.RandomBytes(size, seed);
        await _h.Store.PutAsync(new PutRequest(_h.Prefix + path, data) { Metadata = new ObjectMetadata { UserMetadata = MaintenanceRgwHarness.Attributes(path), ContentType = "video/mp4" } }, CancellationToken.None);
        return data;
    }

    [Fact]
    public async Task Migrate_MultiMiBPlaintext_IsEncryptedInPlaceAndReadsBackByteExact()
    {
        var large = await PutPlainAsync("media/clip.mp4", (21 * MiB) + 333, 1);
        var small = await PutPlainAsync("media/note.txt", 1000, 2);
        await _h.Store.PutAsync(new PutRequest(_h.Prefix + "media/", ReadOnlyMemory<byte>.Empty), CancellationToken.None);
        var counting = new CountingObjectStore(_h.Store);
        var ciphers = MaintenanceRgwHarness.Ciphers(_key);
        using var migrator = new Migrator(counting, ciphers);

        var observer = new RecordingObserver();
        var summary = await _h.RunAsync(counting, migrator, observer);

        Assert.True(summary.Progress.Changed == 2, string.Join("; ", observer.Outcomes.Select(o => o.Detail)));
        Assert.Equal(1, summary.SkippedMarkers);
        Assert.Equal(3, counting.Count(ObjectStoreOperation.UploadPart)); // 8 + 8 + 5 MiB, streamed
        foreach (var (path, data) in new[] { ("media/clip.mp4", large), ("media/note.txt", small) })
        {
            var head = await _h.Store.HeadAsync(new HeadRequest(_h.Prefix + path), CancellationToken.None);
            Assert.Equal(BlockLayout.Default.CipherSizeFromPlainSize(data.Length), head.Size);
            Assert.Equal("video/mp4", head.Metadata.ContentType);
            foreach (var (name, value) in MaintenanceRgwHarness.Attributes(path))
            {
                Assert.Equal(value, head.Metadata.UserMetadata[name]);
            }

            Assert.Equal(data, await _h.ReadAsync(_h.Store, ciphers, path));
        }

        using var second = new Migrator(_h.Store, ciphers);
        var again = await _h.RunAsync(_h.Store, second, new RecordingObserver());
        Assert.Equal(2, again.Progress.Unchanged);
    }

    [Theory]
    [InlineData(1000)]
    [InlineData((9 * MiB) + 1)]
    public async Task Migrate_ObjectRewrittenAfterItWasRead_IsNotOverwritten(int size)
    {
        // Small objects: a conditional PUT (RGW honours If-Match on PUT). Large ones: RGW ignores conditions on
        // CompleteMultipartUpload, so the HEAD just before completing must catch it.
        await PutPlainAsync("busy", size, 3);
        var gets = 0;
        var lastGet = size > 8 * MiB ? 2 : 1;
        var racing = new InterceptingObjectStore(_h.Store)
        {
            AfterGet = async _ =>
            {
                if (Interlocked.Increment(ref gets) == lastGet)
                {
                    await PutPlainAsync("busy", 50, 4);
                }
            },
        };
        using var migrator = new Migrator(racing, MaintenanceRgwHarness.Ciphers(_key));
        var observer = new RecordingObserver();

        await _h.RunAsync(racing, migrator, observer);

        Assert.Equal(OutcomeKind.Error, observer.For("busy").Kind);
        var head = await _h.Store.HeadAsync(new HeadRequest(_h.Prefix + "busy"), CancellationToken.None);
        Assert.Equal(50, head.Size);
        Assert.False(EnvelopeCodec.HasEnvelope(head.Metadata.UserMetadata));
    }
}
