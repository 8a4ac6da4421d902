using S3Fs.Dokan.Security;

namespace S3Fs.Dokan.Tests.Security;

public class SidTests
{
    [Theory]
    [InlineData("S-1-1-0")]
    [InlineData("S-1-5-32-545")]
    [InlineData("S-1-5-21-3623811015-3361044348-30300820-1013")]
    [InlineData("S-1-281474976710655-4294967295")]
    public void Parse_ToString_RoundTrips(string text) => Assert.Equal(text, Sid.Parse(text).ToString());

    [Fact]
    public void Parse_Everyone_HasTheWindowsBinaryForm()
    {
        // winnt.h SID for S-1-1-0: revision 1, one subauthority, authority {0,0,0,0,0,1}, subauthority 0.
        Assert.Equal(new byte[] { 1, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0 }, Sid.Everyone.Bytes.ToArray());
    }

    [Fact]
    public void Parse_BuiltinUsers_HasTheWindowsBinaryForm()
    {
        // S-1-5-32-545: authority 5 (NT AUTHORITY), subauthorities 32 and 545 little-endian.
        Assert.Equal(new byte[] { 1, 2, 0, 0, 0, 0, 0, 5, 32, 0, 0, 0, 0x21, 0x02, 0, 0 }, Sid.BuiltinUsers.Bytes.ToArray());
    }

    [Theory]
    [InlineData("")]
    [InlineData("S-1")]
    [InlineData("S-2-5-32")]
    [InlineData("X-1-5-32")]
    [InlineData("S-1-5-x")]
    [InlineData("S-1-5-4294967296")]
    [InlineData("S-1-281474976710656-1")]
    [InlineData("S-1-5-1-2-3-4-5-6-7-8-9-10-11-12-13-14-15-16")]
    public void Parse_Malformed_ThrowsFormatExceptionNamingTheInput(string text)
    {
        var e = Assert.Throws<FormatException>(() => Sid.Parse(text));
        Assert.Contains($"'{text}'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TryRead_Truncated_IsNull()
    {
        Assert.Null(Sid.TryRead(Sid.BuiltinUsers.Bytes[..^1]));
        Assert.Equal(Sid.BuiltinUsers, Sid.TryRead(Sid.BuiltinUsers.Bytes));
    }
}
