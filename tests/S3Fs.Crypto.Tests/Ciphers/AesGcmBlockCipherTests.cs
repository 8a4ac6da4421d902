using S3Fs.Crypto.Ciphers;
using S3Fs.Crypto.Format;

namespace S3Fs.Crypto.Tests.Ciphers;

/// <summary>The block primitive: layout of a sealed block, and that every AAD field is bound.</summary>
public class AesGcmBlockCipherTests
{
    private static readonly FileId Fid = FileId.FromBytes(Enumerable.Range(1, 16).Select(i => (byte)i).ToArray());

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(4096)]
    [InlineData(65536)]
    public void SealThenTryOpen_SameAad_RoundTripsWith28BytesOverhead(int length)
    {
        using var cipher = new AesGcmBlockCipher(TestKeys.RandomBytes(32));
        var plain = TestKeys.Pattern(length);
        var sealedBlock = new byte[length + 28];
        var aad = new BlockAad(65536, Fid, 5, true);
        Assert.Equal(length + 28, cipher.Seal(plain, sealedBlock, aad));
        var dest = new byte[length];
        Assert.True(cipher.TryOpen(sealedBlock, dest, aad, out var written));
        Assert.Equal(length, written);
        Assert.Equal(plain, dest);
    }

    [Fact]
    public void Seal_SamePlainTwice_UsesFreshNonces()
    {
        using var cipher = new AesGcmBlockCipher(TestKeys.RandomBytes(32));
        var aad = new BlockAad(4096, Fid, 0, true);
        var a = new byte[60];
        var b = new byte[60];
        cipher.Seal(new byte[32], a, aad);
        cipher.Seal(new byte[32], b, aad);
        Assert.NotEqual(a.AsSpan(0, 12).ToArray(), b.AsSpan(0, 12).ToArray());
        Assert.NotEqual(a, b);
    }

    public static TheoryData<string> AadChanges => ["blockSize", "fileId", "index", "final", "index-high-bits"];

    [Theory]
    [MemberData(nameof(AadChanges))]
    public void TryOpen_AnyAadFieldDifferent_Fails(string change)
    {
        using var cipher = new AesGcmBlockCipher(TestKeys.RandomBytes(32));
        var aad = new BlockAad(4096, Fid, 7, false);
        var sealedBlock = new byte[4096 + 28];
        cipher.Seal(TestKeys.Pattern(4096), sealedBlock, aad);
        var other = change switch
        {
            "blockSize" => new BlockAad(8192, Fid, 7, false),
            "fileId" => new BlockAad(4096, FileId.New(), 7, false),
            "index" => new BlockAad(4096, Fid, 8, false),
            "index-high-bits" => new BlockAad(4096, Fid, 7 + (1L << 40), false),
            "final" => new BlockAad(4096, Fid, 7, true),
            _ => throw new ArgumentOutOfRangeException(nameof(change)),
        };
        Assert.False(cipher.TryOpen(sealedBlock, new byte[4096], other, out _));
        Assert.True(cipher.TryOpen(sealedBlock, new byte[4096], aad, out _));
    }

    [Fact]
    public void TryOpen_OtherKey_Fails()
    {
        using var a = new AesGcmBlockCipher(TestKeys.RandomBytes(32));
        using var b = new AesGcmBlockCipher(TestKeys.RandomBytes(32));
        var aad = new BlockAad(4096, Fid, 0, true);
        var sealedBlock = new byte[100 + 28];
        a.Seal(new byte[100], sealedBlock, aad);
        Assert.False(b.TryOpen(sealedBlock, new byte[100], aad, out _));
    }

    [Fact]
    public void TryOpen_ShorterThanOverhead_FalseWithoutThrowing()
    {
        using var cipher = new AesGcmBlockCipher(TestKeys.RandomBytes(32));
        Assert.False(cipher.TryOpen(new byte[27], new byte[10], new BlockAad(4096, Fid, 0, true), out _));
    }

    [Fact]
    public void SealAndOpen_OverlappingBuffers_Rejected()
    {
        using var cipher = new AesGcmBlockCipher(TestKeys.RandomBytes(32));
        var buffer = new byte[200];
        var aad = new BlockAad(4096, Fid, 0, true);
        Assert.Throws<ArgumentException>(() => cipher.Seal(buffer.AsSpan(0, 50), buffer.AsSpan(20), aad));
        cipher.Seal(buffer.AsSpan(0, 50), buffer.AsSpan(100), aad);
        Assert.Throws<ArgumentException>(() => cipher.TryOpen(buffer.AsSpan(100, 78), buffer.AsSpan(120), aad, out _));
    }

    [Fact]
    public void Constructor_KeyNot32Bytes_Throws()
    {
        Assert.Throws<ArgumentException>(() => new AesGcmBlockCipher(new byte[16]));
    }

    [Fact]
    public void Seal_AfterDispose_ThrowsObjectDisposed()
    {
        var cipher = new AesGcmBlockCipher(TestKeys.RandomBytes(32));
        cipher.Dispose();
        Assert.Throws<ObjectDisposedException>(() => cipher.Seal(new byte[1], new byte[29], new BlockAad(4096, Fid, 0, true)));
        Assert.Equal("AesGcmBlockCipher(key redacted)", cipher.ToString());
    }

    [Fact]
    public async Task SealAndOpen_ManyThreads_NoCorruption()
    {
        using var cipher = new AesGcmBlockCipher(TestKeys.RandomBytes(32));
        await Parallel.ForAsync(0, 4000, (i, ct) =>
        {
            var plain = TestKeys.Pattern(1000, i);
            var aad = new BlockAad(4096, Fid, i, i % 2 == 0);
            var sealedBlock = new byte[1028];
            cipher.Seal(plain, sealedBlock, aad);
            var dest = new byte[1000];
            Assert.True(cipher.TryOpen(sealedBlock, dest, aad, out _));
            Assert.Equal(plain, dest);
            return ValueTask.CompletedTask;
        });
    }

    [Fact]
    public void BlockAad_Layout_IsTheDocumented30Bytes()
    {
        var bytes = new byte[BlockAad.Size];
        new BlockAad(65536, Fid, 0x0102030405060708, true).WriteTo(bytes);
        Assert.Equal(30, bytes.Length);
        Assert.Equal(
            "01" + "00010000" + "0102030405060708090a0b0c0d0e0f10" + "0102030405060708" + "01",
            Convert.ToHexStringLower(bytes));
    }
}
