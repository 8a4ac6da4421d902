using S3Fs.Core.FileSystem;

namespace S3Fs.Dokan.Tests;

public class NtStatusMapTests
{
    [Fact]
    public void From_EveryErrorCode_IsAFailureStatus()
    {
        foreach (var code in Enum.GetValues<FsErrorCode>())
        {
            var status = NtStatusMap.From(code);

            // Severity bits 31-30: 11 error, 10 warning. Success (00) or informational (01) would tell Windows it worked.
            Assert.True((uint)status >= 0x8000_0000, $"{code} maps to 0x{(uint)status:X8}, which Windows reads as success");
            Assert.True(Enum.IsDefined(status), $"{code} maps to 0x{(uint)status:X8}, not a named NtStatus");
        }
    }

    [Theory]
    [InlineData(FsErrorCode.NotFound, NtStatus.ObjectNameNotFound)]
    [InlineData(FsErrorCode.AlreadyExists, NtStatus.ObjectNameCollision)]
    [InlineData(FsErrorCode.NotEmpty, NtStatus.DirectoryNotEmpty)]
    [InlineData(FsErrorCode.NotADirectory, NtStatus.NotADirectory)]
    [InlineData(FsErrorCode.IsADirectory, NtStatus.FileIsADirectory)]
    [InlineData(FsErrorCode.AccessDenied, NtStatus.AccessDenied)]
    [InlineData(FsErrorCode.ReadOnly, NtStatus.MediaWriteProtected)]
    [InlineData(FsErrorCode.IntegrityError, NtStatus.DataError)]
    [InlineData(FsErrorCode.KeyUnavailable, NtStatus.DecryptionFailed)]
    [InlineData(FsErrorCode.IoError, NtStatus.IoDeviceError)]
    [InlineData(FsErrorCode.NameTooLong, NtStatus.ObjectNameInvalid)]
    public void From_Code_IsTheWindowsEquivalent(FsErrorCode code, NtStatus expected) =>
        Assert.Equal(expected, NtStatusMap.From(code));

    [Theory]
    [InlineData(NtStatus.Success, 0x00000000u)]
    [InlineData(NtStatus.ObjectNameNotFound, 0xC0000034u)]
    [InlineData(NtStatus.ObjectPathNotFound, 0xC000003Au)]
    [InlineData(NtStatus.ObjectNameCollision, 0xC0000035u)]
    [InlineData(NtStatus.DirectoryNotEmpty, 0xC0000101u)]
    [InlineData(NtStatus.AccessDenied, 0xC0000022u)]
    [InlineData(NtStatus.InternalError, 0xC00000E5u)]
    [InlineData(NtStatus.BufferOverflow, 0x80000005u)]
    [InlineData(NtStatus.NotSameDevice, 0xC00000D4u)]
    [InlineData(NtStatus.DecryptionFailed, 0xC000028Bu)]
    [InlineData(NtStatus.FileTooLarge, 0xC0000904u)]
    public void NtStatus_Values_AreThoseOfNtStatusH(NtStatus status, uint value) =>
        Assert.Equal(value, (uint)status);
}
