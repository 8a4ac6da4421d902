using S3Fs.Crypto.Format;
using S3Fs.Crypto.Keys;

namespace S3Fs.Crypto.Tests;

/// <summary>Round trips and every tamper case of FILE-FORMAT.md through the public FileCipher API.</summary>
public class FileCipherTests
{
    private const int B = 4096;

    public static TheoryData<int> Sizes => [0, 1, 27, 28, 29, B - 1, B, B + 1, 2 * B - 1, 2 * B, 2 * B + 1, 3 * B + 17, 10 * B];

    [Theory]
    [MemberData(nameof(Sizes))]
    public async Task SealAllOpenAll_ManySizes_RoundTrip(int size)
    {
        using var key = TestKeys.NewFileKey();
        var factory = TestKeys.Factory(key);
        var plain = TestKeys.Pattern(size, size);
        byte[] body;
        IReadOnlyDictionary<string, string> metadata;
        using (var writer = await factory.CreateAsync("dir/file", CancellationToken.None))
        {
            body = writer.SealAll(plain);
            metadata = writer.Metadata;
        }

        Assert.Equal(BlockLayout.ForBlockSize(B).CipherSizeFromPlainSize(size), body.Length);
        using var reader = await factory.OpenAsync(metadata, "dir/file", CancellationToken.None);
        Assert.Equal(plain, reader.OpenAll(body));
    }

    [Theory]
    [InlineData(65536, 0)]
    [InlineData(65536, 65535)]
    [InlineData(65536, 65536)]
    [InlineData(65536, 65537)]
    [InlineData(65536, 4 * 65536)]
    [InlineData(1024 * 1024, 1024 * 1024 + 3)]
    public async Task SealAllOpenAll_OtherBlockSizes_RoundTrip(int blockSize, int size)
    {
        using var key = TestKeys.NewFileKey();
        var factory = TestKeys.Factory(key, blockSize);
        var plain = TestKeys.Pattern(size);
        using var writer = await factory.CreateAsync(null, CancellationToken.None);
        var body = writer.SealAll(plain);
        using var reader = await factory.OpenAsync(writer.Metadata, null, CancellationToken.None);
        Assert.Equal(blockSize.ToString(System.Globalization.CultureInfo.InvariantCulture), writer.Metadata[MetadataKeys.BlockSize]);
        Assert.Equal(plain, reader.OpenAll(body));
    }

    [Fact]
    public async Task CreateAsync_TwoFiles_GetDifferentFileIdsAndKeys()
    {
        using var key = TestKeys.NewFileKey();
        var factory = TestKeys.Factory(key);
        using var a = await factory.CreateAsync(null, CancellationToken.None);
        using var b = await factory.CreateAsync(null, CancellationToken.None);
        Assert.NotEqual(a.FileId, b.FileId);
        Assert.NotEqual(a.Metadata[MetadataKeys.WrappedKey], b.Metadata[MetadataKeys.WrappedKey]);
        Assert.NotEqual(a.SealAll(new byte[10]).AsSpan(12).ToArray(), b.SealAll(new byte[10]).AsSpan(12).ToArray());
    }

    [Fact]
    public async Task OpenAll_EveryBitFlipped_FailsNamingObjectAndBlock()
    {
        var (factory, key, metadata, body, _) = await SealedAsync(2 * B + 100);
        using var _k = key;
        using var reader = await factory.OpenAsync(metadata, "photos/cat.jpg", CancellationToken.None);

        // Every byte of a small file, and a stride of bytes of a larger one, covering nonce, ciphertext and tag.
        for (var i = 0; i < body.Length; i += i < 64 || i > body.Length - 64 ? 1 : 97)
        {
            var tampered = (byte[])body.Clone();
            tampered[i] ^= (byte)(1 << (i % 8));
            var ex = Assert.Throws<IntegrityException>(() => reader.OpenAll(tampered));
            Assert.Equal("photos/cat.jpg", ex.ObjectKey);
            Assert.Equal(i / (B + 28), ex.BlockIndex);
            Assert.Contains("photos/cat.jpg", ex.Message, StringComparison.Ordinal);
            Assert.Contains($"block {i / (B + 28)}", ex.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task OpenAll_BlocksSwapped_Fails()
    {
        var (factory, key, metadata, body, _) = await SealedAsync(3 * B);
        using var _k = key;
        using var reader = await factory.OpenAsync(metadata, null, CancellationToken.None);
        var swapped = (byte[])body.Clone();
        body.AsSpan(0, B + 28).CopyTo(swapped.AsSpan(B + 28));
        body.AsSpan(B + 28, B + 28).CopyTo(swapped);
        var ex = Assert.Throws<IntegrityException>(() => reader.OpenAll(swapped));
        Assert.Equal(0, ex.BlockIndex);
    }

    [Fact]
    public async Task OpenBlock_BlockDuplicatedAtAnotherIndex_Fails()
    {
        var (factory, key, metadata, body, _) = await SealedAsync(3 * B);
        using var _k = key;
        using var reader = await factory.OpenAsync(metadata, null, CancellationToken.None);
        var block0 = body.AsSpan(0, B + 28).ToArray();
        Assert.False(reader.TryOpenBlock(1, false, block0, new byte[B], out _));
        Assert.True(reader.TryOpenBlock(0, false, block0, new byte[B], out _));
    }

    [Fact]
    public async Task OpenBlock_BlockFromAnotherFileSameMasterKey_Fails()
    {
        using var key = TestKeys.NewFileKey();
        var factory = TestKeys.Factory(key);
        var plain = TestKeys.Pattern(2 * B + 5);
        using var a = await factory.CreateAsync(null, CancellationToken.None);
        using var b = await factory.CreateAsync(null, CancellationToken.None);
        var bodyA = a.SealAll(plain);
        var bodyB = b.SealAll(plain);
        var spliced = (byte[])bodyA.Clone();
        bodyB.AsSpan(B + 28, B + 28).CopyTo(spliced.AsSpan(B + 28));
        using var readerA = await factory.OpenAsync(a.Metadata, "a", CancellationToken.None);
        var ex = Assert.Throws<IntegrityException>(() => readerA.OpenAll(spliced));
        Assert.Equal(1, ex.BlockIndex);
    }

    [Theory]
    [InlineData(3 * B, 2)]
    [InlineData(3 * B, 1)]
    [InlineData(3 * B + 10, 1)]
    [InlineData(B, 1)]
    public async Task OpenAll_TruncatedAtBlockBoundary_FailsOnNewLastBlock(int size, int blocksDropped)
    {
        var (factory, key, metadata, body, _) = await SealedAsync(size);
        using var _k = key;
        using var reader = await factory.OpenAsync(metadata, null, CancellationToken.None);
        var layout = reader.Layout;
        var count = layout.BlockCount(size);
        var keptBlocks = count - blocksDropped;
        var truncated = keptBlocks == 0 ? [] : body.AsSpan(0, (int)(keptBlocks * layout.CipherBlockSize)).ToArray();
        var ex = Assert.Throws<IntegrityException>(() => reader.OpenAll(truncated));
        Assert.True(keptBlocks == 0 ? ex.BlockIndex is null : ex.BlockIndex == keptBlocks - 1);
    }

    [Fact]
    public async Task OpenAll_TruncatedToZero_FailsBecauseEmptyFileIsASealedBlock()
    {
        var (factory, key, metadata, body, _) = await SealedAsync(0);
        using var _k = key;
        Assert.Equal(28, body.Length);
        using var reader = await factory.OpenAsync(metadata, null, CancellationToken.None);
        Assert.Empty(reader.OpenAll(body));
        Assert.Throws<IntegrityException>(() => reader.OpenAll([]));
    }

    [Fact]
    public async Task OpenAll_TruncatedMidBlock_Fails()
    {
        var (factory, key, metadata, body, _) = await SealedAsync(2 * B + 500);
        using var _k = key;
        using var reader = await factory.OpenAsync(metadata, null, CancellationToken.None);
        for (var cut = 1; cut < 600; cut += 7)
        {
            Assert.Throws<IntegrityException>(() => reader.OpenAll(body.AsSpan(0, body.Length - cut)));
        }
    }

    [Fact]
    public async Task OpenAll_ExtendedWithBlockOrGarbage_Fails()
    {
        var (factory, key, metadata, body, _) = await SealedAsync(B);
        using var _k = key;
        using var reader = await factory.OpenAsync(metadata, null, CancellationToken.None);
        Assert.Throws<IntegrityException>(() => reader.OpenAll([.. body, .. body]));
        Assert.Throws<IntegrityException>(() => reader.OpenAll([.. body, .. new byte[29]]));
        Assert.Throws<IntegrityException>(() => reader.OpenAll([.. body, .. new byte[1]]));
    }

    [Fact]
    public async Task OpenBlock_FinalBlockOpenedAsNonFinal_Fails()
    {
        var (factory, key, metadata, body, _) = await SealedAsync(2 * B);
        using var _k = key;
        using var reader = await factory.OpenAsync(metadata, null, CancellationToken.None);
        var last = body.AsSpan(B + 28).ToArray();
        Assert.False(reader.TryOpenBlock(1, false, last, new byte[B], out _));
        Assert.True(reader.TryOpenBlock(1, true, last, new byte[B], out var n));
        Assert.Equal(B, n);
    }

    [Fact]
    public async Task TryOpenBlock_Failure_LeavesDestinationZeroed()
    {
        var (factory, key, metadata, body, _) = await SealedAsync(B);
        using var _k = key;
        using var reader = await factory.OpenAsync(metadata, null, CancellationToken.None);
        body[40] ^= 1;
        var dest = new byte[B];
        Array.Fill(dest, (byte)0xAA);
        Assert.False(reader.TryOpenBlock(0, true, body, dest, out var written));
        Assert.Equal(0, written);
        Assert.All(dest, b => Assert.Equal(0, b));
    }

    [Fact]
    public async Task SealBlock_WrongLengths_ThrowArgumentException()
    {
        using var key = TestKeys.NewFileKey();
        using var writer = await TestKeys.Factory(key).CreateAsync(null, CancellationToken.None);
        var dest = new byte[2 * B];
        Assert.Throws<ArgumentException>(() => writer.SealBlock(0, false, new byte[B - 1], dest));
        Assert.Throws<ArgumentException>(() => writer.SealBlock(0, true, new byte[B + 1], dest));
        Assert.Throws<ArgumentException>(() => writer.SealBlock(1, true, [], dest));
        Assert.Equal(28, writer.SealBlock(0, true, [], dest));
        Assert.Throws<ArgumentException>(() => writer.SealBlock(0, true, new byte[10], new byte[37]));
    }

    [Fact]
    public async Task OpenAsync_WrappedKeyFromAnotherFile_FailsIntegrity()
    {
        using var key = TestKeys.NewFileKey();
        var factory = TestKeys.Factory(key);
        using var a = await factory.CreateAsync(null, CancellationToken.None);
        using var b = await factory.CreateAsync(null, CancellationToken.None);
        var mixed = new Dictionary<string, string>(a.Metadata) { [MetadataKeys.WrappedKey] = b.Metadata[MetadataKeys.WrappedKey] };
        var ex = await Assert.ThrowsAsync<IntegrityException>(() => factory.OpenAsync(mixed, "k", CancellationToken.None).AsTask());
        Assert.Null(ex.BlockIndex);
        Assert.Contains("'k'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OpenAsync_WholeEnvelopeOfAnotherFile_BodyFailsOnFirstBlock()
    {
        using var key = TestKeys.NewFileKey();
        var factory = TestKeys.Factory(key);
        using var a = await factory.CreateAsync(null, CancellationToken.None);
        using var b = await factory.CreateAsync(null, CancellationToken.None);
        var bodyA = a.SealAll(TestKeys.Pattern(100));
        using var wrongReader = await factory.OpenAsync(b.Metadata, null, CancellationToken.None);
        var ex = Assert.Throws<IntegrityException>(() => wrongReader.OpenAll(bodyA));
        Assert.Equal(0, ex.BlockIndex);
    }

    [Theory]
    [InlineData(MetadataKeys.FileId, "00000000000000000000000000000001")]
    [InlineData(MetadataKeys.BlockSize, "8192")]
    [InlineData(MetadataKeys.KeyCommitment, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")]
    public async Task OpenAsync_EnvelopeFieldChanged_FailsIntegrity(string field, string value)
    {
        var (factory, key, metadata, _, _) = await SealedAsync(10);
        using var _k = key;
        var changed = new Dictionary<string, string>(metadata) { [field] = value };
        await Assert.ThrowsAsync<IntegrityException>(() => factory.OpenAsync(changed, null, CancellationToken.None).AsTask());
    }

    [Fact]
    public async Task OpenAsync_WrongMasterKey_KeyUnavailableNamingProviderAndKeyId()
    {
        var (_, key, metadata, _, _) = await SealedAsync(10);
        using var _k = key;
        using var other = TestKeys.NewFileKey();
        var ex = await Assert.ThrowsAsync<KeyUnavailableException>(
            () => TestKeys.Factory(other).OpenAsync(metadata, "docs/a.txt", CancellationToken.None).AsTask());
        Assert.Equal("file", ex.Provider);
        Assert.Equal(key.KeyId, ex.KeyId);
        Assert.Contains(key.KeyId, ex.Message, StringComparison.Ordinal);
        Assert.Contains("old_keys", ex.Message, StringComparison.Ordinal);
        Assert.Contains("docs/a.txt", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(MetadataKeys.Version, "2")]
    [InlineData(MetadataKeys.Algorithm, "chacha20-poly1305")]
    [InlineData(MetadataKeys.Flags, "sparse")]
    public async Task OpenAsync_UnknownVersionAlgorithmOrFlags_EnvelopeFormatException(string field, string value)
    {
        var (factory, key, metadata, _, _) = await SealedAsync(10);
        using var _k = key;
        var changed = new Dictionary<string, string>(metadata) { [field] = value };
        var ex = await Assert.ThrowsAsync<EnvelopeFormatException>(() => factory.OpenAsync(changed, null, CancellationToken.None).AsTask());
        Assert.Equal(field, ex.Field);
        Assert.Contains(value, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OpenAsync_KeyRotation_OldKeyStillOpensAndNewFilesUseNewKey()
    {
        var oldKey = TestKeys.NewFileKey();
        var (oldFactory, _, metadata, body, plain) = await SealedWithAsync(oldKey, 5000);
        var newKey = TestKeys.NewFileKey();
        var rotated = TestKeys.Factory(newKey, B, null, oldKey);
        using (var reader = await rotated.OpenAsync(metadata, null, CancellationToken.None))
        {
            Assert.Equal(plain, reader.OpenAll(body));
        }

        using var created = await rotated.CreateAsync(null, CancellationToken.None);
        Assert.Equal(newKey.KeyId, created.Metadata[MetadataKeys.KeyId]);
        await Assert.ThrowsAsync<KeyUnavailableException>(() => oldFactory.OpenAsync(created.Metadata, null, CancellationToken.None).AsTask());
        newKey.Dispose();
        oldKey.Dispose();
    }

    [Fact]
    public async Task OpenBlock_ConcurrentReaders_AllSucceed()
    {
        var (factory, key, metadata, body, plain) = await SealedAsync(64 * B);
        using var _k = key;
        using var reader = await factory.OpenAsync(metadata, null, CancellationToken.None);
        var count = (int)reader.Layout.BlockCount(plain.Length);
        await Parallel.ForAsync(0, 2000, (i, _) =>
        {
            var index = i % count;
            var range = reader.Layout.CipherRangeOf(index, plain.Length);
            var dest = new byte[B];
            var n = reader.OpenBlock(index, index == count - 1, body.AsSpan((int)range.Offset, range.Length), dest);
            Assert.Equal(plain.AsSpan(index * B, n).ToArray(), dest.AsSpan(0, n).ToArray());
            return ValueTask.CompletedTask;
        });
    }

    [Fact]
    public async Task OpenAsync_CommitmentIsCheckedEvenWhenDataKeyIsCached()
    {
        using var cache = new DataKeyCache();
        using var key = TestKeys.NewFileKey();
        var factory = TestKeys.Factory(key, B, cache);
        using var writer = await factory.CreateAsync(null, CancellationToken.None);
        using (await factory.OpenAsync(writer.Metadata, null, CancellationToken.None))
        {
        }

        var commitment = Convert.FromBase64String(writer.Metadata[MetadataKeys.KeyCommitment]);
        commitment[0] ^= 1;
        var changed = new Dictionary<string, string>(writer.Metadata) { [MetadataKeys.KeyCommitment] = Convert.ToBase64String(commitment) };
        await Assert.ThrowsAsync<IntegrityException>(() => factory.OpenAsync(changed, null, CancellationToken.None).AsTask());
    }

    internal static async Task<(FileCipherFactory Factory, FileMasterKey Key, IReadOnlyDictionary<string, string> Metadata, byte[] Body, byte[] Plain)> SealedAsync(int size)
    {
        var key = TestKeys.NewFileKey();
        return await SealedWithAsync(key, size);
    }

    private static async Task<(FileCipherFactory, FileMasterKey, IReadOnlyDictionary<string, string>, byte[], byte[])> SealedWithAsync(FileMasterKey key, int size)
    {
        var factory = new FileCipherFactory(new MasterKeyRing(key), null, B);
        var plain = TestKeys.Pattern(size, size + 7);
        using var writer = await factory.CreateAsync(null, CancellationToken.None);
        return (factory, key, writer.Metadata, writer.SealAll(plain), plain);
    }
}
