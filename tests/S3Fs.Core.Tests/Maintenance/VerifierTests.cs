using S3Fs.Testing.Storage;
using S3Fs.Core.Maintenance;
using S3Fs.Core.Storage;
using S3Fs.Crypto;
using S3Fs.Crypto.Format;

namespace S3Fs.Core.Tests.Maintenance;

public sealed class VerifierTests : IDisposable
{
    private const int B = MaintenanceHarness.BlockSize;
    private const int CipherBlock = B + 28;
    private readonly MaintenanceHarness _h = new();
    private readonly byte[] _key = MaintenanceHarness.Key();

    public void Dispose() => _h.Dispose();

    private FileCipherFactory Ciphers => MaintenanceHarness.Ciphers(_key);

    private async Task<(MaintenanceSummary Summary, RecordingObserver Observer)> VerifyAsync(VerifyOptions? options = null, IObjectStore? store = null)
    {
        var observer = new RecordingObserver();
        var summary = await _h.RunAsync(new Verifier(store ?? _h.Store, Ciphers, options), observer, store: store);
        return (summary, observer);
    }

    [Fact]
    public async Task Process_AuthenticObjects_AreAllOk()
    {
        foreach (var size in new[] { 0, 1, B, (5 * B) + 3 })
        {
            await _h.PutEncryptedAsync(Ciphers, $"f{size}", size, size);
        }

        var (summary, observer) = await VerifyAsync();

        Assert.Equal(4, summary.Progress.Unchanged);
        Assert.False(summary.HasInvalid || summary.HasErrors);
        Assert.Contains("authentic (6 blocks", observer.For($"f{(5 * B) + 3}").Detail, StringComparison.Ordinal);
        Assert.Contains("authentic (1 blocks, 0 bytes)", observer.For("f0").Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Process_OneFlippedBit_NamesTheTamperedBlock()
    {
        await _h.PutEncryptedAsync(Ciphers, "t", 4 * B);
        await _h.RewriteBodyAsync("t", body =>
        {
            body[(2 * CipherBlock) + 100] ^= 1;
            return body;
        });

        var (summary, observer) = await VerifyAsync();

        Assert.True(summary.HasInvalid);
        Assert.Equal(OutcomeKind.Invalid, observer.For("t").Kind);
        Assert.StartsWith("tampered block 2 of 4", observer.For("t").Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Process_TwoBadBlocks_CountsThem()
    {
        await _h.PutEncryptedAsync(Ciphers, "t", 4 * B);
        await _h.RewriteBodyAsync("t", body =>
        {
            body[5] ^= 1;
            body[(3 * CipherBlock) + 5] ^= 1;
            return body;
        });

        var (_, observer) = await VerifyAsync();

        Assert.Contains("tampered block 0 of 4", observer.For("t").Detail, StringComparison.Ordinal);
        Assert.Contains("2 bad blocks in all", observer.For("t").Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Process_LastBlockCutOffAtABlockBoundary_IsReportedAsTruncated()
    {
        await _h.PutEncryptedAsync(Ciphers, "cut", 3 * B);
        await _h.RewriteBodyAsync("cut", body => body[..(2 * CipherBlock)]);

        var (_, observer) = await VerifyAsync();

        Assert.Equal(OutcomeKind.Invalid, observer.For("cut").Kind);
        Assert.StartsWith("truncated: the last block (1)", observer.For("cut").Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Process_CutMidBlock_IsReportedAsAnImpossibleSize()
    {
        await _h.PutEncryptedAsync(Ciphers, "cut", 3 * B);
        await _h.RewriteBodyAsync("cut", body => body[..((2 * CipherBlock) + 10)]);

        var (_, observer) = await VerifyAsync();

        Assert.StartsWith("truncated or extended", observer.For("cut").Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Process_BlockAppendedAfterTheFinalOne_IsReportedAsExtended()
    {
        // Built with the file's own cipher, as only a key holder could: blocks 0, 1 (sealed final) and an extra block 2.
        using var cipher = await Ciphers.CreateAsync(null, CancellationToken.None);
        var plain = MaintenanceHarness.Pattern(3 * B, 4);
        var body = new byte[3 * CipherBlock];
        cipher.SealBlock(0, false, plain.AsSpan(0, B), body);
        cipher.SealBlock(1, true, plain.AsSpan(B, B), body.AsSpan(CipherBlock));
        cipher.SealBlock(2, true, plain.AsSpan(2 * B, B), body.AsSpan(2 * CipherBlock));
        await _h.Store.PutAsync(new PutRequest(MaintenanceHarness.Prefix + "ext", body) { Metadata = new ObjectMetadata { UserMetadata = cipher.Metadata } }, CancellationToken.None);

        var (_, observer) = await VerifyAsync();

        Assert.StartsWith("extended: block 1 was sealed as the final block, but 1 more block(s) follow it", observer.For("ext").Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Process_EnvelopeProblems_AreNamed()
    {
        var other = MaintenanceHarness.Key();
        await _h.PutEncryptedAsync(MaintenanceHarness.Ciphers(other), "unknown-key", 10);
        await _h.PutEncryptedAsync(Ciphers, "malformed", 10);
        await _h.PutEncryptedAsync(Ciphers, "commitment", 10);
        await _h.ChangeMetadataAsync("malformed", m => m[MetadataKeys.FileId] = "not-hex");
        await _h.ChangeMetadataAsync("commitment", m => m[MetadataKeys.KeyCommitment] = Convert.ToBase64String(new byte[32]));

        var (summary, observer) = await VerifyAsync();

        Assert.Equal(3, summary.Progress.Invalid);
        Assert.Equal($"unknown key id {MaintenanceHarness.KeyIdOf(other)} (provider file): no configured key has it; add that key to old_keys", observer.For("unknown-key").Detail);
        Assert.StartsWith("malformed envelope field 's3cfs-fid'", observer.For("malformed").Detail, StringComparison.Ordinal);
        Assert.StartsWith("the envelope does not authenticate", observer.For("commitment").Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Process_PlainObject_IsAWarningNotAFailure()
    {
        await _h.PutPlainAsync("plain.txt", 100);

        var (summary, observer) = await VerifyAsync();

        Assert.Equal(OutcomeKind.Warning, observer.For("plain.txt").Kind);
        Assert.Contains("plain object", observer.For("plain.txt").Detail, StringComparison.Ordinal);
        Assert.False(summary.HasInvalid || summary.HasErrors);
    }

    [Fact]
    public async Task Process_LargeObject_IsReadOnceInRangedGetsOfWholeBlocks()
    {
        await _h.PutEncryptedAsync(Ciphers, "big", (10 * B) + 1); // 11 blocks
        var counting = new CountingObjectStore(_h.Store);

        var (summary, _) = await VerifyAsync(new VerifyOptions { ReadSize = (3 * CipherBlock) + 7 }, counting);

        Assert.Equal(1, summary.Progress.Unchanged);
        Assert.Equal(4, counting.Count(ObjectStoreOperation.GetRange)); // 3 + 3 + 3 + 2 blocks
        Assert.Equal(_h.Store.Peek(MaintenanceHarness.Prefix + "big")!.Body.Length, counting.BytesDownloaded);
        Assert.Equal(counting.BytesDownloaded, summary.Progress.Bytes);
    }

    [Fact]
    public async Task Process_ReplacedWhileBeingRead_IsVerifiedAgainFromTheNewVersion()
    {
        await _h.PutEncryptedAsync(Ciphers, "moving", 5 * B);
        var store = new InterceptingObjectStore(_h.Store);
        var replaced = false;
        store.AfterGet = async _ =>
        {
            if (!replaced)
            {
                replaced = true;
                await _h.PutEncryptedAsync(Ciphers, "moving", 2 * B, seed: 7);
            }
        };

        var (summary, observer) = await VerifyAsync(new VerifyOptions { ReadSize = CipherBlock }, store);

        Assert.Equal(OutcomeKind.Unchanged, observer.For("moving").Kind);
        Assert.Contains("2 blocks", observer.For("moving").Detail, StringComparison.Ordinal);
        Assert.False(summary.HasErrors);
    }

    [Fact]
    public async Task Process_BlockSizeOtherThanTheVolumes_IsAWarning()
    {
        await _h.PutEncryptedAsync(Ciphers, "odd", 10);

        var (_, observer) = await VerifyAsync(new VerifyOptions { VolumeBlockSize = 65536 });

        Assert.Equal(OutcomeKind.Warning, observer.For("odd").Kind);
        Assert.Contains("4096-byte blocks where the volume uses 65536", observer.For("odd").Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Process_Always_WritesNothing()
    {
        await _h.PutEncryptedAsync(Ciphers, "a", 3 * B);
        await _h.PutPlainAsync("b", 10);
        var counting = new CountingObjectStore(_h.Store);

        await VerifyAsync(store: counting);

        Assert.Equal(0, counting.Count(ObjectStoreOperation.Put) + counting.Count(ObjectStoreOperation.Copy) + counting.Count(ObjectStoreOperation.StartMultipartUpload) + counting.Count(ObjectStoreOperation.Delete));
    }
}
