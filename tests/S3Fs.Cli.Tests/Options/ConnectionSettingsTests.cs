using S3Fs.Cli.Options;

namespace S3Fs.Cli.Tests.Options;

public class ConnectionSettingsTests
{
    private static ConnectionSettings Bind(string text) =>
        ConnectionSettings.Bind(OptionSet.Build(OptionsReader.ParseFileText(text, "m.conf"), [], "/tmp"));

    [Fact]
    public void Bind_Minimal_UsesDefaults()
    {
        var s = Bind("bucket = photos");
        Assert.Equal("photos", s.Bucket);
        Assert.Equal(string.Empty, s.Prefix);
        Assert.Null(s.Endpoint);
        Assert.False(s.PathStyle);
        Assert.False(s.AllowHttpSseC);
        Assert.Null(s.Checksums);
    }

    [Fact]
    public void Bind_Endpoint_ImpliesPathStyleUnlessSet()
    {
        Assert.True(Bind("bucket = b1b\nendpoint = http://127.0.0.1:7480").PathStyle);
        Assert.False(Bind("bucket = b1b\nendpoint = http://127.0.0.1:7480\npath_style = false").PathStyle);
    }

    [Theory]
    [InlineData("2024", "2024/")]
    [InlineData("/2024/holidays/", "2024/holidays/")]
    [InlineData("/", "")]
    public void Bind_Prefix_IsNormalized(string prefix, string expected) => Assert.Equal(expected, Bind("bucket = photos\nprefix = " + prefix).Prefix);

    [Theory]
    [InlineData("a//b")]
    [InlineData("a/../b")]
    [InlineData("./a")]
    public void Bind_BadPrefix_IsRejected(string prefix)
    {
        var e = Assert.Throws<OptionsException>(() => Bind("bucket = photos\nprefix = " + prefix));
        Assert.Contains("m.conf:2: prefix", e.Message);
    }

    [Fact]
    public void Bind_NoBucket_SaysHowToSetIt()
    {
        var e = Assert.Throws<OptionsException>(() => Bind("region = eu-west-1"));
        Assert.Contains("no bucket is configured; add 'bucket = <name>'", e.Message);
    }

    [Fact]
    public void Bind_BucketWithSlash_SuggestsPrefix()
    {
        var e = Assert.Throws<OptionsException>(() => Bind("bucket = photos/2024"));
        Assert.Equal("m.conf:1: bucket 'photos/2024' contains '/'; put the folder in its own option: bucket = photos and prefix = 2024", e.Errors[0].ToString());
    }

    [Theory]
    [InlineData("ab")]
    [InlineData("-photos")]
    [InlineData("has space")]
    public void Bind_InvalidBucket_IsRejected(string bucket)
    {
        var e = Assert.Throws<OptionsException>(() => Bind("bucket = " + bucket));
        Assert.Contains("is not a valid bucket name", e.Message);
    }
}
