using S3Fs.Cli.Options;

namespace S3Fs.Cli.Tests.Options;

public class ValueParsersTests
{
    [Theory]
    [InlineData("65536", 65536L)]
    [InlineData("64KiB", 65536L)]
    [InlineData("64 KiB", 65536L)]
    [InlineData("64k", 65536L)]
    [InlineData("256MiB", 256L << 20)]
    [InlineData("1GiB", 1L << 30)]
    [InlineData("1G", 1L << 30)]
    [InlineData("2TiB", 2L << 40)]
    [InlineData("1GB", 1_000_000_000L)]
    [InlineData("10B", 10L)]
    [InlineData("0", 0L)]
    public void TryParseSize_AcceptsUnits(string text, long expected)
    {
        Assert.True(ValueParsers.TryParseSize(text, out var v, out var error), error);
        Assert.Equal(expected, v);
    }

    [Theory]
    [InlineData("")]
    [InlineData("KiB")]
    [InlineData("-1MiB")]
    [InlineData("1.5GiB")]
    [InlineData("12 apples")]
    [InlineData("99999999999TiB")]
    public void TryParseSize_RejectsGarbage(string text)
    {
        Assert.False(ValueParsers.TryParseSize(text, out _, out var error));
        Assert.False(string.IsNullOrEmpty(error));
    }

    [Theory]
    [InlineData("250ms", 250)]
    [InlineData("30s", 30_000)]
    [InlineData("5m", 300_000)]
    [InlineData("1h", 3_600_000)]
    [InlineData("1.5s", 1500)]
    [InlineData("10", 10_000)]
    public void TryParseDuration_AcceptsUnits(string text, int expectedMs)
    {
        Assert.True(ValueParsers.TryParseDuration(text, out var v, out var error), error);
        Assert.Equal(TimeSpan.FromMilliseconds(expectedMs), v);
    }

    [Theory]
    [InlineData("soon")]
    [InlineData("-5s")]
    [InlineData("s")]
    public void TryParseDuration_RejectsGarbage(string text) => Assert.False(ValueParsers.TryParseDuration(text, out _, out _));

    [Theory]
    [InlineData("022", 18u)]
    [InlineData("0644", 420u)]
    [InlineData("7777", 4095u)]
    public void TryParseOctal_Accepts(string text, uint expected)
    {
        Assert.True(ValueParsers.TryParseOctal(text, out var v, out _));
        Assert.Equal(expected, v);
    }

    [Theory]
    [InlineData("0x1ff")]
    [InlineData("089")]
    [InlineData("17777")]
    public void TryParseOctal_Rejects(string text) => Assert.False(ValueParsers.TryParseOctal(text, out _, out _));

    [Fact]
    public void TryParseMap_ParsesPairs()
    {
        Assert.True(ValueParsers.TryParseMap("team:photos, env:prod", out var m, out _));
        Assert.Equal("photos", m["team"]);
        Assert.Equal("prod", m["env"]);
    }

    [Theory]
    [InlineData("nocolon")]
    [InlineData(":value")]
    [InlineData("key:")]
    [InlineData("a:1,a:2")]
    public void TryParseMap_Rejects(string text) => Assert.False(ValueParsers.TryParseMap(text, out _, out _));

    [Theory]
    [InlineData(65536L, "64KiB")]
    [InlineData(1L << 30, "1GiB")]
    [InlineData(1000L, "1000")]
    public void FormatSize_UsesBinaryUnits(long bytes, string expected) => Assert.Equal(expected, ValueParsers.FormatSize(bytes));

    [Theory]
    [InlineData("bukcet", "bucket", 1)]
    [InlineData("regoin", "region", 1)]
    [InlineData("abc", "abc", 0)]
    [InlineData("kitten", "sitting", 3)]
    public void EditDistance_CountsTranspositionsAsOne(string a, string b, int expected) => Assert.Equal(expected, OptionSchema.EditDistance(a, b));
}
