using S3Fs.Core.FileSystem;
using FileAttributes = S3Fs.Core.FileSystem.FileAttributes;

namespace S3Fs.Fuse.Tests.Binding;

public sealed class AttributeConverterTests
{
    [Theory]
    [InlineData(FileKind.RegularFile, 0x8000u)]
    [InlineData(FileKind.Directory, 0x4000u)]
    [InlineData(FileKind.Symlink, 0xA000u)]
    public void ToAttr_Kind_SetsFileTypeBitsAndKeepsPermissions(FileKind kind, uint typeBits)
    {
        var attr = AttributeConverter.ToAttr(Attributes(kind, mode: 0x1ED /* 0755 */, size: 0));

        Assert.Equal(typeBits | 0x1ED, attr.mode);
    }

    [Fact]
    public void ToAttr_TypeBitsInCoreMode_AreMaskedOut()
    {
        var attr = AttributeConverter.ToAttr(Attributes(FileKind.RegularFile, mode: 0x41FF /* S_IFDIR|0777: bogus */, size: 0));

        Assert.Equal(0x81FFu, attr.mode);
    }

    [Theory]
    [InlineData(0, 0)]
    [InlineData(1, 1)]
    [InlineData(512, 1)]
    [InlineData(513, 2)]
    [InlineData(1_000_000, 1954)]
    public void ToAttr_Size_Counts512ByteBlocks(long size, long blocks)
    {
        Assert.Equal(blocks, AttributeConverter.ToAttr(Attributes(FileKind.RegularFile, 0x1A4, size)).blocks);
    }

    [Fact]
    public void ToUnix_TimeBeforeEpoch_FloorsSecondsAndKeepsNanosecondsPositive()
    {
        var time = DateTimeOffset.UnixEpoch.AddTicks(-1); // 100 ns before the epoch

        Assert.Equal((-1L, 999_999_900L), AttributeConverter.ToUnix(time));
    }

    [Theory]
    [InlineData(0L, 0L)]
    [InlineData(1_612_325_106L, 123_456_700L)]
    [InlineData(-86_400L, 500L)]
    public void FromUnix_ToUnix_RoundTripTo100Nanoseconds(long seconds, long nanoseconds)
    {
        var time = AttributeConverter.FromUnix(seconds, nanoseconds);

        Assert.Equal((seconds, nanoseconds / 100 * 100), AttributeConverter.ToUnix(time));
    }

    [Theory]
    [InlineData(long.MaxValue, 0L)]
    [InlineData(-62_135_596_801L, 0L)]
    [InlineData(0L, 1_000_000_000L)]
    public void FromUnix_OutOfRange_IsInvalidArgument(long seconds, long nanoseconds)
    {
        var error = Assert.Throws<FsException>(() => AttributeConverter.FromUnix(seconds, nanoseconds));

        Assert.Equal(FsErrorCode.InvalidArgument, error.Code);
    }

    [Fact]
    public void ToEntry_Timeouts_AreSeconds()
    {
        var reply = new EntryReply(Attributes(FileKind.RegularFile, 0x1A4, 1), TimeSpan.FromMilliseconds(1500), TimeSpan.FromSeconds(2));

        var entry = AttributeConverter.ToEntry(reply);

        Assert.Equal(1.5, entry.entry_timeout);
        Assert.Equal(2.0, entry.attr_timeout);
        Assert.Equal(42ul, entry.ino);
    }

    private static FileAttributes Attributes(FileKind kind, uint mode, long size) => new()
    {
        Inode = 42,
        Kind = kind,
        Mode = mode,
        Size = size,
    };
}
