using System.Security.Cryptography;
using S3Fs.Core.Content;
using S3Fs.Core.Content.Writing;
using S3Fs.Core.FileSystem;
using S3Fs.Crypto;
using S3Fs.Crypto.Keys;

namespace S3Fs.Core.Tests.Content;

/// <summary>
/// Blocks of an encrypting volume's files are staged sealed by the file's own cipher, exactly as the object stores a
/// non-final block, so the upload sends them as staged; a digest kept in memory binds each slot to its write.
/// </summary>
public class StagedForObjectTests
{
    private const int B = ContentHarness.SmallBlock;
    private static readonly Dictionary<string, string> NoAttributes = [];

    [Theory]
    [InlineData(10 * B)] // the last block is full: staged as non-final, resealed as the final block at upload
    [InlineData((10 * B) + 100)]
    public async Task Upload_NewEncryptedFile_SendsNonFinalBlocksAsStaged(int size)
    {
        await using var h = new ContentHarness(encrypted: true);
        var data = ContentHarness.Random(size, 1);
        await using var content = h.Content.CreateNew();
        await ContentHarness.WriteAsync(content, 0, data, chunk: 2 * B);
        var file = (FileContent)content;
        var staging = file.StagingFile!;
        var slots = new Dictionary<long, int>();
        for (var i = 0; i < size / B; i++)
        {
            var staged = file.StagedAt(i) ?? throw new InvalidOperationException($"block {i} is not staged");
            Assert.NotNull(staged.Format);
            slots[i] = staged.Slot;
        }

        var raw = staging.ReadRaw();
        await content.UploadAsync("f", NoAttributes, CancellationToken.None);

        var body = h.Memory.Peek("f")!.Body;
        var stored = B + 28;
        var blocks = (size + B - 1) / B;
        for (var i = 0; i < blocks - 1; i++)
        {
            // Byte for byte the staged slot: same nonce, same ciphertext, same tag.
            Assert.True(raw.AsSpan(slots[i] * staging.SlotSize, stored).SequenceEqual(body.AsSpan(i * stored, stored)), $"block {i} was resealed");
        }

        var last = blocks - 1;
        if (slots.TryGetValue(last, out var lastSlot))
        {
            // The final block carries the final flag: it cannot be the staged (non-final) seal.
            Assert.False(raw.AsSpan(lastSlot * staging.SlotSize, 12).SequenceEqual(body.AsSpan(last * stored, 12)));
        }

        Assert.Equal(data, await h.ReadStoredAsync("f"));
    }

    [Fact]
    public async Task Write_PlainVolume_StagesUnderTheStagingKey()
    {
        await using var h = new ContentHarness(encrypted: false);
        await using var content = h.Content.CreateNew();
        await ContentHarness.WriteAsync(content, 0, ContentHarness.Random(3 * B, 2));
        var staged = ((FileContent)content).StagedAt(1) ?? throw new InvalidOperationException("not staged");
        Assert.Null(staged.Format);
    }

    [Fact]
    public async Task Write_ExistingEncryptedFile_StagesInItsOwnFormatAndKeepsTheRestServerSide()
    {
        await using var h = new ContentHarness(encrypted: true);
        var data = ContentHarness.Random(100 * B, 3);
        await h.CreateAsync("f", data);
        await using var content = await h.OpenAsync("f");
        var patch = ContentHarness.Random(B, 4);
        await content.WriteAsync(50 * B, patch, CancellationToken.None);
        Assert.NotNull(((FileContent)content).StagedAt(50)!.Value.Format);

        await content.UploadAsync("f", NoAttributes, CancellationToken.None);

        patch.CopyTo(data, 50 * B);
        Assert.Equal(data, await h.ReadStoredAsync("f"));
    }

    [Fact]
    public async Task Upload_StagedSlotDamagedOnDisk_FailsWithIntegrityErrorAndStoresNothing()
    {
        await using var h = new ContentHarness(encrypted: true);
        await using var content = h.Content.CreateNew();
        await ContentHarness.WriteAsync(content, 0, ContentHarness.Random(5 * B, 5));
        var file = (FileContent)content;
        var staged = file.StagedAt(1)!.Value;
        Assert.NotNull(staged.Format);
        var staging = file.StagingFile!;

        // One bit of the ciphertext, not the nonce or the tag: only the digest can notice without an AES pass.
        var offset = ((long)staged.Slot * staging.SlotSize) + 100;
        var raw = staging.ReadRaw();
        staging.WriteRaw(offset, [(byte)(raw[offset] ^ 1)]);

        var e = await Assert.ThrowsAsync<FsException>(async () => await content.UploadAsync("f", NoAttributes, CancellationToken.None));
        Assert.Equal(FsErrorCode.IntegrityError, e.Code);
        Assert.Null(h.Memory.Peek("f"));
        Assert.True(content.IsDirty);
    }

    [Fact]
    public async Task Read_StagedSlotReplacedByAnEarlierWriteOfTheSameBlock_IsAnIntegrityError()
    {
        await using var h = new ContentHarness(encrypted: true);
        await using var content = h.Content.CreateNew();
        await ContentHarness.WriteAsync(content, 0, ContentHarness.Random(4 * B, 6));
        var file = (FileContent)content;
        var staging = file.StagingFile!;
        var first = file.StagedAt(2)!.Value;
        var earlier = staging.ReadRaw().AsSpan(first.Slot * staging.SlotSize, staging.SlotSize).ToArray();

        await content.WriteAsync(2 * B, ContentHarness.Random(B, 7), CancellationToken.None);
        var second = file.StagedAt(2)!.Value;
        Assert.NotEqual(first.Slot, second.Slot);

        // The earlier seal authenticates under the file's key as block 2: only the digest tells it from the current one.
        staging.WriteRaw((long)second.Slot * staging.SlotSize, earlier);
        var e = await Assert.ThrowsAsync<FsException>(async () => await ContentHarness.ReadAllAsync(content));
        Assert.Equal(FsErrorCode.IntegrityError, e.Code);
    }

    [Fact]
    public async Task StagingFile_StagedForObject_ReadsBackAndRefusesAnotherIndex()
    {
        var root = Path.Combine(Path.GetTempPath(), "s3cfs-staging-test", Guid.NewGuid().ToString("N"));
        try
        {
            using var key = FileMasterKey.FromKey(RandomNumberGenerator.GetBytes(32));
            var factory = new FileCipherFactory(new MasterKeyRing(key), blockSize: B);
            using var format = new SealedBlockFormat(await factory.CreateAsync("f", CancellationToken.None));
            using var area = new StagingArea(root);
            using var file = area.CreateFile(B);
            var block = ContentHarness.Random(B, 8);
            var staged = await file.WriteAsync(file.Allocate(), 7, 1, block, format, CancellationToken.None);

            var back = new byte[B];
            await file.ReadAsync(staged, 7, back, CancellationToken.None);
            Assert.Equal(block, back);

            // Exactly what the object stores as non-final block 7.
            var stored = new byte[B + 28];
            await file.ReadStoredAsync(staged, 7, stored, CancellationToken.None);
            Assert.Equal(B, format.Open(7, isFinal: false, stored, back, "f"));
            Assert.Equal(block, back);

            var e = await Assert.ThrowsAsync<FsException>(async () => await file.ReadAsync(staged, 8, back, CancellationToken.None));
            Assert.Equal(FsErrorCode.IntegrityError, e.Code);
            Assert.All(back, x => Assert.Equal(0, x));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public async Task Upload_BlocksStagedBeforeAndAfterTheCipherExists_StoresTheRightBytes()
    {
        using var gated = new GatedMasterKey(FileMasterKey.FromKey(RandomNumberGenerator.GetBytes(32)));
        await using var h = new ContentHarness(encrypted: true, configure: o => o with { Ciphers = new FileCipherFactory(new MasterKeyRing(gated), blockSize: B) });
        var data = ContentHarness.Random(8 * B, 9);
        await using var content = h.Content.CreateNew();
        var file = (FileContent)content;

        // The cipher is being created (its wrap waits): the first blocks are staged under the staging key.
        await content.WriteAsync(0, data.AsMemory(0, 3 * B), CancellationToken.None);
        Assert.Null(file.StagedAt(0)!.Value.Format);
        Assert.Null(file.StagedAt(2)!.Value.Format);
        Assert.Equal(1, gated.Wraps);

        gated.Open();
        await file.TargetTask!;
        await content.WriteAsync(3 * B, data.AsMemory(3 * B), CancellationToken.None);
        await content.WriteAsync(B, data.AsMemory(B, B), CancellationToken.None); // a rewrite now goes to the file's format
        Assert.Null(file.StagedAt(0)!.Value.Format);
        Assert.NotNull(file.StagedAt(1)!.Value.Format);
        Assert.NotNull(file.StagedAt(5)!.Value.Format);

        await content.UploadAsync("f", NoAttributes, CancellationToken.None);
        Assert.Equal(1, gated.Wraps);
        Assert.Equal(data, await h.ReadStoredAsync("f"));
    }

    /// <summary>A master key whose first wrap waits until <see cref="Open"/>.</summary>
    private sealed class GatedMasterKey(IMasterKey inner) : IMasterKey
    {
        private readonly TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _wraps;

        public int Wraps => Volatile.Read(ref _wraps);

        public string Provider => inner.Provider;

        public string KeyId => inner.KeyId;

        public bool CanUnwrap => inner.CanUnwrap;

        public bool CanWrap => inner.CanWrap;

        public void Open() => _gate.TrySetResult();

        public async ValueTask<byte[]> WrapAsync(DataKey dataKey, ReadOnlyMemory<byte> context, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _wraps);
            await _gate.Task.WaitAsync(cancellationToken);
            return await inner.WrapAsync(dataKey, context, cancellationToken);
        }

        public ValueTask<DataKey> UnwrapAsync(ReadOnlyMemory<byte> wrapped, ReadOnlyMemory<byte> context, CancellationToken cancellationToken) =>
            inner.UnwrapAsync(wrapped, context, cancellationToken);

        public void Dispose() => inner.Dispose();
    }
}
