using S3Fs.Core.FileSystem;

namespace S3Fs.Fuse.Tests.Binding;

public sealed class ErrnoMapTests
{
    [Fact]
    public void From_EveryFsErrorCode_MapsToAPositiveErrno()
    {
        foreach (var code in Enum.GetValues<FsErrorCode>())
        {
            int errno = ErrnoMap.From(code);
            Assert.InRange(errno, 1, 133); // asm-generic errno range; 0 would be read by the kernel as success
        }
    }

    [Theory]
    [InlineData(FsErrorCode.NotFound, 2)]
    [InlineData(FsErrorCode.AlreadyExists, 17)]
    [InlineData(FsErrorCode.NotEmpty, 39)]
    [InlineData(FsErrorCode.NotADirectory, 20)]
    [InlineData(FsErrorCode.IsADirectory, 21)]
    [InlineData(FsErrorCode.AccessDenied, 13)]
    [InlineData(FsErrorCode.ReadOnly, 30)]
    [InlineData(FsErrorCode.NotSupported, 95)]
    [InlineData(FsErrorCode.InvalidArgument, 22)]
    [InlineData(FsErrorCode.NameTooLong, 36)]
    [InlineData(FsErrorCode.BadHandle, 9)]
    [InlineData(FsErrorCode.IntegrityError, 5)]
    [InlineData(FsErrorCode.KeyUnavailable, 126)]
    [InlineData(FsErrorCode.Busy, 16)]
    [InlineData(FsErrorCode.NoSpace, 28)]
    [InlineData(FsErrorCode.Range, 34)]
    [InlineData(FsErrorCode.NoAttribute, 61)]
    [InlineData(FsErrorCode.Interrupted, 4)]
    [InlineData(FsErrorCode.IoError, 5)]
    [InlineData(FsErrorCode.FileTooLarge, 27)]
    [InlineData(FsErrorCode.CrossDevice, 18)]
    public void From_Code_IsTheLinuxErrno(FsErrorCode code, int expected)
    {
        Assert.Equal(expected, ErrnoMap.From(code));
    }

    [Fact]
    public void From_TheoryAbove_CoversEveryCode()
    {
        var covered = typeof(ErrnoMapTests).GetMethod(nameof(From_Code_IsTheLinuxErrno))!
            .GetCustomAttributes(typeof(InlineDataAttribute), false).Cast<InlineDataAttribute>()
            .Select(a => (FsErrorCode)a.GetData(null!).Single()[0]);
        Assert.Equal(Enum.GetValues<FsErrorCode>().Order(), covered.Order());
    }
}
