using S3Fs.Crypto.Format;

namespace S3Fs.Crypto.Tests.Format;

/// <summary>
/// Table tests of the body arithmetic against a brute-force model (blocks laid out one by one), for tiny block sizes
/// over every size and offset, plus the worked examples of FILE-FORMAT.md.
/// </summary>
public class BlockLayoutTests
{
    private const int Overhead = 28;

    public static TheoryData<int> TinyBlockSizes => [1, 2, 3, 4, 5, 7, 8, 16];

    [Theory]
    [MemberData(nameof(TinyBlockSizes))]
    public void CipherSizeFromPlainSize_EverySmallSize_MatchesBlockByBlockModel(int b)
    {
        var layout = BlockLayout.CreateUnchecked(b);
        for (long p = 0; p <= 20 * b; p++)
        {
            var (blocks, cipher) = Model(p, b);
            Assert.Equal(blocks, layout.BlockCount(p));
            Assert.Equal(cipher, layout.CipherSizeFromPlainSize(p));
        }
    }

    [Theory]
    [MemberData(nameof(TinyBlockSizes))]
    public void TryPlainSizeFromCipherSize_EverySmallSize_IsExactInverseAndRejectsTheRest(int b)
    {
        var layout = BlockLayout.CreateUnchecked(b);
        var valid = new Dictionary<long, long>();
        for (long p = 0; p <= 20 * b; p++)
        {
            valid[layout.CipherSizeFromPlainSize(p)] = p;
        }

        var maxC = layout.CipherSizeFromPlainSize(20 * b);
        for (long c = 0; c <= maxC; c++)
        {
            var ok = layout.TryPlainSizeFromCipherSize(c, out var p);
            Assert.Equal(valid.ContainsKey(c), ok);
            if (ok)
            {
                Assert.Equal(valid[c], p);
                Assert.Equal(p, layout.PlainSizeFromCipherSize(c));
            }
            else
            {
                Assert.Throws<ArgumentException>(() => layout.PlainSizeFromCipherSize(c));
            }
        }
    }

    [Theory]
    [MemberData(nameof(TinyBlockSizes))]
    public void Explode_EveryOffsetAndLength_CoversRangeExactlyOnceInOrder(int b)
    {
        var layout = BlockLayout.CreateUnchecked(b);
        for (long offset = 0; offset <= 6 * b; offset++)
        {
            for (long length = 0; length <= 6 * b; length++)
            {
                var slices = layout.Explode(offset, length).ToArray();
                Assert.Equal(layout.Explode(offset, length).Count, slices.Length);
                var position = offset;
                long? previous = null;
                foreach (var s in slices)
                {
                    Assert.Equal(position / b, s.BlockIndex);
                    Assert.Equal(position % b, s.Skip);
                    Assert.InRange(s.Length, 1, b - s.Skip);
                    Assert.Equal(s.Length != b, s.IsPartial);
                    if (previous is { } prev)
                    {
                        Assert.Equal(prev + 1, s.BlockIndex);
                    }

                    previous = s.BlockIndex;
                    position += s.Length;
                }

                Assert.Equal(offset + length, position);
            }
        }
    }

    [Theory]
    [MemberData(nameof(TinyBlockSizes))]
    public void CipherRangeOf_EveryBlockOfEverySize_TilesTheBodyExactly(int b)
    {
        var layout = BlockLayout.CreateUnchecked(b);
        for (long p = 0; p <= 12 * b; p++)
        {
            var count = layout.BlockCount(p);
            long cipherPosition = 0;
            long plainTotal = 0;
            for (long i = 0; i < count; i++)
            {
                var range = layout.CipherRangeOf(i, p);
                Assert.Equal(cipherPosition, range.Offset);
                Assert.Equal(layout.PlainLengthOf(i, p) + Overhead, range.Length);
                Assert.Equal(i == count - 1, layout.IsFinalBlock(i, p));
                cipherPosition = range.End;
                plainTotal += layout.PlainLengthOf(i, p);
            }

            Assert.Equal(layout.CipherSizeFromPlainSize(p), cipherPosition);
            Assert.Equal(p, plainTotal);
            Assert.Throws<ArgumentOutOfRangeException>(() => layout.PlainLengthOf(count, p));
        }
    }

    [Theory]
    [MemberData(nameof(TinyBlockSizes))]
    public void BlockIndexOf_EveryOffset_AgreesWithPlainOffsetOf(int b)
    {
        var layout = BlockLayout.CreateUnchecked(b);
        for (long o = 0; o < 30 * b; o++)
        {
            var i = layout.BlockIndexOf(o);
            Assert.InRange(o - layout.PlainOffsetOf(i), 0, b - 1);
            Assert.Equal(i * (b + Overhead), layout.CipherOffsetOf(i));
        }
    }

    [Theory]
    [InlineData(65536, 0, 1, 28)]
    [InlineData(65536, 1, 1, 29)]
    [InlineData(65536, 65535, 1, 65563)]
    [InlineData(65536, 65536, 1, 65564)]
    [InlineData(65536, 65537, 2, 65593)]
    [InlineData(65536, 131072, 2, 131128)]
    [InlineData(65536, 1000000, 16, 1000448)]
    [InlineData(65536, 1073741824, 16384, 1074200576)]
    [InlineData(65536, 5497558138880, 83886080, 5499906949120)]
    [InlineData(4096, 0, 1, 28)]
    [InlineData(4096, 4095, 1, 4123)]
    [InlineData(4096, 4096, 1, 4124)]
    [InlineData(4096, 4097, 2, 4153)]
    [InlineData(4096, 8192, 2, 8248)]
    [InlineData(4096, 10000, 3, 10084)]
    public void Sizes_WorkedExamplesOfFileFormatDoc_Hold(int b, long plain, long blocks, long cipher)
    {
        var layout = BlockLayout.ForBlockSize(b);
        Assert.Equal(blocks, layout.BlockCount(plain));
        Assert.Equal(cipher, layout.CipherSizeFromPlainSize(plain));
        Assert.Equal(plain, layout.PlainSizeFromCipherSize(cipher));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(27)]
    [InlineData(65565)]
    [InlineData(65580)]
    [InlineData(65592)]
    public void TryPlainSizeFromCipherSize_InvalidBodySizesFromDoc_Rejected(long cipher)
    {
        Assert.False(BlockLayout.ForBlockSize(65536).TryPlainSizeFromCipherSize(cipher, out _));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(2048)]
    [InlineData(4095)]
    [InlineData(4097)]
    [InlineData(65535)]
    [InlineData(3 * 65536)]
    [InlineData(16 * 1024 * 1024)]
    [InlineData(-4096)]
    public void ForBlockSize_NotAPowerOfTwoIn4KTo8M_Throws(int b)
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => BlockLayout.ForBlockSize(b));
        Assert.Contains("power of two", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ForBlockSize_EveryPowerOfTwoIn4KTo8M_Accepted()
    {
        for (var b = 4096; b <= 8 * 1024 * 1024; b *= 2)
        {
            Assert.Equal(b + Overhead, BlockLayout.ForBlockSize(b).CipherBlockSize);
        }
    }

    [Fact]
    public void Explode_RangeEndBeyondLongMax_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => BlockLayout.Default.Explode(long.MaxValue - 10, 11));
    }

    [Fact]
    public void CipherSizeFromPlainSize_Overflow_ThrowsArgumentOutOfRange()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => BlockLayout.Default.CipherSizeFromPlainSize(long.MaxValue - 5));
        Assert.Throws<ArgumentOutOfRangeException>(() => BlockLayout.Default.CipherSizeFromPlainSize(-1));
    }

    [Fact]
    public void Explode_LargeOffsets_UseSixtyFourBitIndexes()
    {
        var layout = BlockLayout.ForBlockSize(4096);
        var offset = (1L << 40) + 100;
        var slices = layout.Explode(offset, 8192).ToArray();
        Assert.Equal(3, slices.Length);
        Assert.Equal(offset / 4096, slices[0].BlockIndex);
        Assert.Equal(100, slices[0].Skip);
        Assert.Equal(100, slices[2].Length);
    }

    private static (long Blocks, long Cipher) Model(long plain, int b)
    {
        // Lay blocks out one by one: full blocks while more than one block of data remains, then the final block.
        long blocks = 0, cipher = 0, remaining = plain;
        do
        {
            var take = Math.Min(remaining, b);
            blocks++;
            cipher += take + Overhead;
            remaining -= take;
        }
        while (remaining > 0);
        return (blocks, cipher);
    }
}
