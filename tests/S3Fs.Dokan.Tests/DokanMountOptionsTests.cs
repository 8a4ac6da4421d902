using S3Fs.Dokan.Interop;

namespace S3Fs.Dokan.Tests;

public unsafe class DokanMountOptionsTests
{
    [Theory]
    [InlineData("S:")]
    [InlineData("s:\\")]
    [InlineData("C:\\mnt\\photos")]
    [InlineData("D:\\Bucket Mounts\\photos 2024")]
    public void Validate_GoodMountPoint_HasNoErrors(string mountPoint) =>
        Assert.Empty(new DokanMountOptions { MountPoint = mountPoint }.Validate());

    [Theory]
    [InlineData("")]
    [InlineData("S")]
    [InlineData("SS:")]
    [InlineData("/mnt/photos")]
    [InlineData("mnt\\photos")]
    [InlineData("C:\\bad|name")]
    public void Validate_BadMountPoint_SaysWhatToUse(string mountPoint)
    {
        var error = Assert.Single(new DokanMountOptions { MountPoint = mountPoint }.Validate());
        Assert.Contains("drive letter such as S:", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_EveryBadSetting_IsReportedAtOnce()
    {
        var errors = new DokanMountOptions
        {
            MountPoint = "S:",
            VolumeName = new string('v', 33),
            Timeout = TimeSpan.FromMilliseconds(10),
            SectorSize = 500,
            AllocationUnitSize = 3000,
            UncName = "server/share",
            Removable = true,
            OwnerSid = "nobody",
            InodeCacheSize = 0,
        }.Validate();

        Assert.Equal(8, errors.Count);
        Assert.Contains(errors, e => e.StartsWith("volume_name", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("timeout", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("sector size 500", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("allocation unit size 3000", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("UNC name", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("not both", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("owner SID", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("inode cache size", StringComparison.Ordinal));
    }

    [Fact]
    public void EffectiveSerialNumber_IsStableAndDependsOnTheName()
    {
        Assert.Equal(new DokanMountOptions { VolumeName = "photos" }.EffectiveSerialNumber, new DokanMountOptions { VolumeName = "photos" }.EffectiveSerialNumber);
        Assert.NotEqual(new DokanMountOptions { VolumeName = "photos" }.EffectiveSerialNumber, new DokanMountOptions { VolumeName = "videos" }.EffectiveSerialNumber);
        Assert.Equal(42u, new DokanMountOptions { VolumeSerialNumber = 42 }.EffectiveSerialNumber);
    }

    [Fact]
    public void OptionFlags_EachSetting_SetsItsDokanOption()
    {
        Assert.Equal(0u, DokanMount.OptionFlags(new DokanMountOptions()));
        Assert.Equal(DokanConstants.DOKAN_OPTION_WRITE_PROTECT, DokanMount.OptionFlags(new DokanMountOptions { ReadOnly = true }));
        Assert.Equal(DokanConstants.DOKAN_OPTION_NETWORK, DokanMount.OptionFlags(new DokanMountOptions { UncName = "\\\\s3fs\\photos" }));
        Assert.Equal(DokanConstants.DOKAN_OPTION_REMOVABLE, DokanMount.OptionFlags(new DokanMountOptions { Removable = true }));
        Assert.Equal(DokanConstants.DOKAN_OPTION_CASE_SENSITIVE, DokanMount.OptionFlags(new DokanMountOptions { CaseInsensitive = false }));
    }

    [Fact]
    public void FillOptions_CopiesEverySetting()
    {
        var options = new DokanMountOptions { MountPoint = "S:", Timeout = TimeSpan.FromSeconds(45), AllocationUnitSize = 8192, SectorSize = 4096, ReadOnly = true };
        var native = new DOKAN_OPTIONS();
        fixed (char* mountPoint = "S:")
        {
            DokanMount.FillOptions(&native, options, 0x1234, mountPoint, null);
            Assert.Equal(200, native.Version);
            Assert.Equal(0, native.SingleThread);
            Assert.Equal(DokanConstants.DOKAN_OPTION_WRITE_PROTECT, native.Options);
            Assert.Equal(0x1234ul, native.GlobalContext);
            Assert.Equal("S:", new string(native.MountPoint));
            Assert.True(native.UNCName == null);
            Assert.Equal(45_000u, native.Timeout);
            Assert.Equal(8192u, native.AllocationUnitSize);
            Assert.Equal(4096u, native.SectorSize);
            Assert.Equal(0u, native.VolumeSecurityDescriptorLength);
        }
    }

    [Theory]
    [InlineData(DokanConstants.DOKAN_DRIVER_INSTALL_ERROR, "not installed")]
    [InlineData(DokanConstants.DOKAN_MOUNT_ERROR, "already in use")]
    [InlineData(DokanConstants.DOKAN_VERSION_ERROR, "older than 2.0")]
    [InlineData(-99, "Dokan error -99")]
    public void Describe_MountFailure_SaysWhatToDo(int result, string expected) =>
        Assert.Contains(expected, DokanMount.Describe(result), StringComparison.Ordinal);
}
