using S3Fs.Core.FileSystem;
using S3Fs.Dokan.Interop;
using S3Fs.Dokan.Security;
using S3Fs.Dokan.Tests.Harness;
using static S3Fs.Dokan.Tests.Harness.DokanHarness;

namespace S3Fs.Dokan.Tests.Operations;

public class InformationTests : DokanOperationsTestBase
{
    private const uint AllSecurity = WinNT.OWNER_SECURITY_INFORMATION | WinNT.GROUP_SECURITY_INFORMATION | WinNT.DACL_SECURITY_INFORMATION;

    protected override DokanMountOptions MountOptions => new() { VolumeName = "photos", OwnerSid = "S-1-5-21-7-8-9-1001" };

    /// <summary>What the core stores for a name (getattr: the mode from the object's metadata, not a listing's default).</summary>
    private async Task<FileAttributes> CoreAttributesAsync(string name)
    {
        var entry = await H.FileSystem.LookupAsync(IFileSystem.RootInode, name, CancellationToken.None);
        try
        {
            return await H.FileSystem.GetAttrAsync(entry.Inode, CancellationToken.None);
        }
        finally
        {
            H.FileSystem.Forget(entry.Inode, 1);
        }
    }

    [Fact]
    public async Task GetFileInformation_File_ReportsSizeIndexTimesAndSerial()
    {
        H.WriteAll("\\f.bin", new byte[12345]);
        using var h = H.OpenExisting("\\f.bin");

        var info = h.Information();
        var core = await CoreAttributesAsync("f.bin");

        Assert.Equal(12345, info.Length);
        Assert.Equal(core.Inode, info.FileIndex);
        Assert.Equal(core.MTime, info.LastWriteTime);
        Assert.Equal(core.ATime, info.LastAccessTime);
        Assert.True(info.CreationTime <= info.LastWriteTime);
        Assert.Equal(H.Options.EffectiveSerialNumber, info.VolumeSerialNumber);
        Assert.Equal(1u, info.NumberOfLinks);
        Assert.Equal(WinNT.FILE_ATTRIBUTE_NORMAL, info.Attributes);
    }

    [Fact]
    public async Task SetFileAttributes_ReadOnly_ClearsAndRestoresWriteBits()
    {
        H.WriteAll("\\f.txt", Bytes("x"));
        using (var h = H.OpenExisting("\\f.txt", WinNT.FILE_WRITE_ATTRIBUTES | AttributesAccess))
        {
            Assert.Equal(NtStatus.Success, Ops.SetFileAttributes("\\f.txt", WinNT.FILE_ATTRIBUTE_READONLY | WinNT.FILE_ATTRIBUTE_ARCHIVE, h.Info));
            Assert.Equal(WinNT.FILE_ATTRIBUTE_READONLY, h.Information().Attributes);
        }

        Assert.Equal(Convert.ToUInt32("444", 8), (await CoreAttributesAsync("f.txt")).Mode);
        await H.RemountAsync();
        Assert.Equal(Convert.ToUInt32("444", 8), (await CoreAttributesAsync("f.txt")).Mode);

        using (var h = H.OpenExisting("\\f.txt", WinNT.FILE_WRITE_ATTRIBUTES | AttributesAccess))
        {
            Assert.Equal(NtStatus.Success, Ops.SetFileAttributes("\\f.txt", 0, h.Info)); // 0: no change
            Assert.Equal(WinNT.FILE_ATTRIBUTE_READONLY, h.Information().Attributes);
            Assert.Equal(NtStatus.Success, Ops.SetFileAttributes("\\f.txt", WinNT.FILE_ATTRIBUTE_NORMAL, h.Info));
            Assert.Equal(WinNT.FILE_ATTRIBUTE_NORMAL, h.Information().Attributes);
        }

        Assert.Equal(Convert.ToUInt32("644", 8), (await CoreAttributesAsync("f.txt")).Mode);
    }

    [Fact]
    public async Task SetFileTime_AccessAndWrite_AreStoredAndSurviveRemount()
    {
        H.WriteAll("\\t.txt", Bytes("t"));
        var write = new DateTimeOffset(2001, 2, 3, 4, 5, 6, TimeSpan.Zero).AddTicks(7);
        var access = new DateTimeOffset(2002, 3, 4, 5, 6, 7, TimeSpan.Zero);
        using (var h = H.OpenExisting("\\t.txt", WinNT.FILE_WRITE_ATTRIBUTES | AttributesAccess))
        {
            Assert.Equal(NtStatus.Success, Ops.SetFileTime("\\t.txt", FileTimes.ToFileTime(DateTimeOffset.UnixEpoch), FileTimes.ToFileTime(access), FileTimes.ToFileTime(write), h.Info));
        }

        await H.RemountAsync();
        var info = H.Stat("\\t.txt")!.Value;
        Assert.Equal(write, info.LastWriteTime);
        Assert.Equal(access, info.LastAccessTime);
    }

    [Theory]
    [InlineData(null)]
    [InlineData(0L)]
    [InlineData(-1L)]
    [InlineData(-2L)]
    public void SetFileTime_NoChangeValue_LeavesTheTime(long? noChange)
    {
        H.WriteAll("\\t.txt", Bytes("t"));
        var before = H.Stat("\\t.txt")!.Value;
        using var h = H.OpenExisting("\\t.txt", WinNT.FILE_WRITE_ATTRIBUTES | AttributesAccess);

        Assert.Equal(NtStatus.Success, Ops.SetFileTime("\\t.txt", noChange, noChange, noChange, h.Info));

        Assert.Equal(before.LastWriteTime, h.Information().LastWriteTime);
        Assert.Equal(before.LastAccessTime, h.Information().LastAccessTime);
    }

    [Fact]
    public void SetFileTime_BeyondYear9999_IsInvalidParameter()
    {
        H.WriteAll("\\t.txt", Bytes("t"));
        using var h = H.OpenExisting("\\t.txt", WinNT.FILE_WRITE_ATTRIBUTES | AttributesAccess);
        Assert.Equal(NtStatus.InvalidParameter, Ops.SetFileTime("\\t.txt", null, null, long.MaxValue, h.Info));
    }

    [Fact]
    public void GetFileSecurity_SmallBuffer_ReportsTheSizeNeeded()
    {
        H.WriteAll("\\s.txt", Bytes("s"));
        using var h = H.OpenExisting("\\s.txt");

        Assert.Equal(NtStatus.BufferOverflow, Ops.GetFileSecurity("\\s.txt", AllSecurity, new byte[8], out var needed, h.Info));
        var buffer = new byte[needed];
        Assert.Equal(NtStatus.Success, Ops.GetFileSecurity("\\s.txt", AllSecurity, buffer, out var again, h.Info));

        Assert.Equal(needed, again);
        Assert.Equal(
            "O:S-1-5-21-7-8-9-1001G:S-1-5-32-545D:P(A;;0x1f01df;;;S-1-5-21-7-8-9-1001)(A;;0x120089;;;S-1-5-32-545)(A;;0x120089;;;S-1-1-0)",
            PosixSecurity.ToSddl(buffer));
    }

    [Fact]
    public async Task SetFileSecurity_Dacl_SetsThePermissionBits()
    {
        H.WriteAll("\\secret", Bytes("s"));
        var owner = Sid.Parse("S-1-5-21-7-8-9-1001");
        var wanted = new PosixSecurity(owner, Sid.BuiltinUsers).Build(Convert.ToUInt32("600", 8), AllSecurity);

        using (var h = H.OpenExisting("\\secret", WinNT.WRITE_DAC | AttributesAccess))
        {
            Assert.Equal(NtStatus.Success, Ops.SetFileSecurity("\\secret", WinNT.DACL_SECURITY_INFORMATION, wanted, h.Info));
            Assert.Equal(NtStatus.InvalidSecurityDescriptor, Ops.SetFileSecurity("\\secret", WinNT.DACL_SECURITY_INFORMATION, new byte[] { 1, 2, 3 }, h.Info));
            Assert.Equal(NtStatus.Success, Ops.SetFileSecurity("\\secret", WinNT.OWNER_SECURITY_INFORMATION, wanted, h.Info));
        }

        Assert.Equal(Convert.ToUInt32("600", 8), (await CoreAttributesAsync("secret")).Mode);
    }

    [Fact]
    public void GetVolumeInformation_ReportsNameFileSystemAndFlags()
    {
        Assert.Equal(NtStatus.Success, Ops.GetVolumeInformation(out var volume, new DokanFileInfo()));

        Assert.Equal("photos", volume.VolumeName);
        Assert.Equal("S3Fs", volume.FileSystemName);
        Assert.Equal(H.Options.EffectiveSerialNumber, volume.SerialNumber);
        Assert.Equal(new FileSystemOptions { Prefix = H.Prefix }.MaxNameLength, (int)volume.MaximumComponentLength);
        Assert.Equal(WinNT.FILE_CASE_PRESERVED_NAMES | WinNT.FILE_UNICODE_ON_DISK | WinNT.FILE_PERSISTENT_ACLS, volume.FileSystemFlags);
    }

    [Fact]
    public async Task GetVolumeInformation_CaseSensitiveReadOnlyMount_SaysSo()
    {
        await using var h = DokanHarness.InMemory(new DokanMountOptions { CaseInsensitive = false, ReadOnly = true });

        Assert.Equal(NtStatus.Success, h.Operations.GetVolumeInformation(out var volume, new DokanFileInfo()));

        Assert.Equal(WinNT.FILE_CASE_SENSITIVE_SEARCH, volume.FileSystemFlags & WinNT.FILE_CASE_SENSITIVE_SEARCH);
        Assert.Equal(WinNT.FILE_READ_ONLY_VOLUME, volume.FileSystemFlags & WinNT.FILE_READ_ONLY_VOLUME);
    }

    [Fact]
    public void GetDiskFreeSpace_ReportsTheCoreCapacity()
    {
        Assert.Equal(NtStatus.Success, Ops.GetDiskFreeSpace(out var available, out var total, out var free, new DokanFileInfo()));

        Assert.Equal((ulong)new FileSystemOptions().ReportedCapacityBytes, total);
        Assert.Equal(total, free);
        Assert.Equal(total, available);
    }
}
