using S3Fs.Dokan.Interop;
using S3Fs.Dokan.Security;

namespace S3Fs.Dokan.Tests.Security;

public class PosixSecurityTests
{
    private const uint All = WinNT.OWNER_SECURITY_INFORMATION | WinNT.GROUP_SECURITY_INFORMATION | WinNT.DACL_SECURITY_INFORMATION;
    private static readonly Sid User = Sid.Parse("S-1-5-21-1-2-3-1001");
    private readonly PosixSecurity _security = new(User, Sid.BuiltinUsers);

    [Fact]
    public void Build_Mode644_IsTheExpectedDescriptor()
    {
        var sd = _security.Build(Convert.ToUInt32("644", 8), All);

        // Owner rw- : baseline + generic read + generic write + DELETE + DELETE_CHILD; group and Everyone r--.
        Assert.Equal(
            "O:S-1-5-21-1-2-3-1001G:S-1-5-32-545D:P(A;;0x1f01df;;;S-1-5-21-1-2-3-1001)(A;;0x120089;;;S-1-5-32-545)(A;;0x120089;;;S-1-1-0)",
            PosixSecurity.ToSddl(sd));
    }

    [Fact]
    public void Build_Mode000_KeepsStatAndOwnerRights()
    {
        var sd = _security.Build(0, All);

        Assert.Equal(
            "O:S-1-5-21-1-2-3-1001G:S-1-5-32-545D:P(A;;0x1e0180;;;S-1-5-21-1-2-3-1001)(A;;0x120080;;;S-1-5-32-545)(A;;0x120080;;;S-1-1-0)",
            PosixSecurity.ToSddl(sd));
    }

    [Fact]
    public void Build_SelfRelativeLayout_MatchesWinntH()
    {
        var sd = _security.Build(Convert.ToUInt32("750", 8), All);

        // SECURITY_DESCRIPTOR_RELATIVE: Revision 1, Sbz1 0, Control SE_SELF_RELATIVE|SE_DACL_PROTECTED|SE_DACL_PRESENT.
        Assert.Equal(1, sd[0]);
        Assert.Equal(0x9004, BitConverter.ToUInt16(sd, 2));
        Assert.Equal(20, BitConverter.ToInt32(sd, 4)); // owner right after the 20-byte header
        Assert.Equal(20 + User.Length, BitConverter.ToInt32(sd, 8));
        Assert.Equal(0, BitConverter.ToInt32(sd, 12)); // no SACL
        var dacl = BitConverter.ToInt32(sd, 16);
        Assert.Equal(20 + User.Length + Sid.BuiltinUsers.Length, dacl);
        Assert.Equal(2, sd[dacl]); // ACL_REVISION
        Assert.Equal(sd.Length - dacl, BitConverter.ToUInt16(sd, dacl + 2)); // AclSize
        Assert.Equal(3, BitConverter.ToUInt16(sd, dacl + 4)); // AceCount
        Assert.Equal(0, sd[dacl + 8]); // ACCESS_ALLOWED_ACE_TYPE
        Assert.Equal(8 + User.Length, BitConverter.ToUInt16(sd, dacl + 10)); // AceSize, a multiple of 4
        Assert.Equal(0, (8 + User.Length) % 4);
    }

    [Fact]
    public void Build_OnlyRequestedParts_AreIncluded()
    {
        var dacl = _security.Build(Convert.ToUInt32("600", 8), WinNT.DACL_SECURITY_INFORMATION);
        Assert.StartsWith("D:P(", PosixSecurity.ToSddl(dacl), StringComparison.Ordinal);

        var owner = _security.Build(Convert.ToUInt32("600", 8), WinNT.OWNER_SECURITY_INFORMATION);
        Assert.Equal("O:S-1-5-21-1-2-3-1001", PosixSecurity.ToSddl(owner));
        Assert.Equal(20 + User.Length, owner.Length);
    }

    [Fact]
    public void ReadPermissions_OfBuild_RoundTripsEveryMode()
    {
        for (uint mode = 0; mode <= Convert.ToUInt32("777", 8); mode++)
        {
            Assert.Equal(mode, _security.ReadPermissions(_security.Build(mode, All)));
        }
    }

    [Fact]
    public void ReadPermissions_NoDacl_IsNull() =>
        Assert.Null(_security.ReadPermissions(_security.Build(Convert.ToUInt32("644", 8), WinNT.OWNER_SECURITY_INFORMATION)));

    [Fact]
    public void ReadPermissions_GenericRightsAndOwnerRightsSid_AreUnderstood()
    {
        // What icacls writes for "user:F, Everyone:(GR)" uses specific and generic rights; OWNER RIGHTS stands for the owner.
        var other = new PosixSecurity(Sid.Parse("S-1-3-4"), Sid.Parse("S-1-5-32-544"));
        var sd = other.Build(Convert.ToUInt32("750", 8), All);
        Assert.Equal(Convert.ToUInt32("700", 8), _security.ReadPermissions(sd));
        Assert.Equal(4u, PosixSecurity.TripletFor(WinNT.GENERIC_READ));
        Assert.Equal(7u, PosixSecurity.TripletFor(WinNT.GENERIC_ALL));
        Assert.Equal(7u, PosixSecurity.TripletFor(WinNT.FILE_ALL_ACCESS));
    }

    [Theory]
    [InlineData(new byte[0])]
    [InlineData(new byte[] { 2, 0, 0, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 })]
    [InlineData(new byte[] { 1, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 })]
    [InlineData(new byte[] { 1, 0, 4, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 200, 0, 0, 0 })]
    [InlineData(new byte[] { 1, 0, 4, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 20, 0, 0, 0, 2, 0, 100, 0, 1, 0, 0, 0 })]
    public void ReadPermissions_Malformed_ThrowsFormatException(byte[] descriptor) =>
        Assert.Throws<FormatException>(() => _security.ReadPermissions(descriptor));

    [Fact]
    public void ReadPermissions_TruncatedBuild_ThrowsFormatException()
    {
        var sd = _security.Build(Convert.ToUInt32("644", 8), All);
        Assert.Throws<FormatException>(() => _security.ReadPermissions(sd.AsSpan(0, sd.Length - 3)));
    }
}
