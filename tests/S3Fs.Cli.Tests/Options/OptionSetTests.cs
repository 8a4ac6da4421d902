using S3Fs.Cli.Options;

namespace S3Fs.Cli.Tests.Options;

public class OptionSetTests
{
    private static OptionSet FromText(string text, string commandLine = "") =>
        OptionSet.Build(OptionsReader.ParseFileText(text, "test.conf"), OptionsReader.ParseCommandLine(commandLine), "/etc/s3cfs");

    private static OptionsException Fails(string text, string commandLine = "") =>
        Assert.Throws<OptionsException>(() => FromText(text, commandLine));

    [Fact]
    public void Build_KeyValueLinesWithComments_AreParsed()
    {
        var o = FromText("""
            # a comment
            bucket = photos   # trailing comment
              prefix=2024/holidays

            endpoint = http://127.0.0.1:7480
            path_style = true
            """);
        Assert.Equal("photos", o.GetText("bucket"));
        Assert.Equal("2024/holidays", o.GetText("prefix"));
        Assert.Equal(new Uri("http://127.0.0.1:7480"), o.GetUrl("endpoint"));
        Assert.True(o.GetBoolean("path_style"));
        Assert.Equal(new OptionSource("test.conf", 3), o.SourceOf("prefix"));
    }

    [Fact]
    public void Build_HashInsideValue_IsKept()
    {
        var o = FromText("profile = team#2");
        Assert.Equal("team#2", o.GetText("profile"));
    }

    [Fact]
    public void Build_CommandLine_OverridesFile()
    {
        var o = FromText("bucket = a-bucket\nregion = eu-west-1", "region=us-east-2,path_style");
        Assert.Equal("us-east-2", o.GetText("region"));
        Assert.Equal(OptionSource.CommandLine, o.SourceOf("region"));
        Assert.True(o.GetBoolean("path_style"));
        Assert.Equal("a-bucket", o.GetText("bucket"));
    }

    [Fact]
    public void Build_UnknownKey_NamesFileLineAndSuggestsNearMiss()
    {
        var e = Fails("bucket = b1\n\nbukcet = photos");
        var error = Assert.Single(e.Errors);
        Assert.Equal("test.conf:3: unknown option 'bukcet'; did you mean 'bucket'?", error.ToString());
    }

    [Fact]
    public void Build_UnknownKeyFarFromAll_HasNoSuggestion()
    {
        var e = Fails("frobnicate = yes");
        Assert.Contains("unknown option 'frobnicate'", e.Message);
        Assert.DoesNotContain("did you mean", e.Message);
    }

    [Fact]
    public void Build_DashedSpelling_SuggestsUnderscore()
    {
        var e = Fails("path-style = true");
        Assert.Contains("did you mean 'path_style'?", e.Message);
    }

    [Fact]
    public void Build_BadBoolean_SaysWhatIsAccepted()
    {
        var e = Fails("path_style = yes");
        Assert.Equal("test.conf:1: bad value for 'path_style': 'yes' is not a boolean: use true or false; for example: path_style = true", e.Errors[0].ToString());
    }

    [Fact]
    public void Build_AllErrors_AreReportedTogether()
    {
        var e = Fails("path_style = maybe\nchecksums = sometimes\nregoin = x");
        Assert.Equal(3, e.Errors.Count);
        Assert.Contains("test.conf:1", e.Errors[0].ToString());
        Assert.Contains("not one of: when_supported, when_required", e.Errors[1].ToString());
        Assert.Contains("did you mean 'region'?", e.Errors[2].ToString());
    }

    [Fact]
    public void Build_DuplicateKeyInFile_IsRejected()
    {
        var e = Fails("bucket = a\nbucket = b");
        Assert.Equal("test.conf:2: 'bucket' is set twice (first at test.conf:1); keep one of the two lines", e.Errors[0].ToString());
    }

    [Fact]
    public void Build_ValueMissing_ForNonBoolean_IsRejected()
    {
        var e = Fails("bucket");
        Assert.Contains("'bucket' needs a value", e.Message);
        Assert.Contains("for example: bucket = photos", e.Message);
    }

    [Fact]
    public void Build_EmptyValue_IsRejected()
    {
        var e = Fails("region =");
        Assert.Contains("bad value for 'region': the value is empty", e.Message);
    }

    [Fact]
    public void Build_LineWithoutEquals_IsRejected()
    {
        var e = Fails("bucket photos");
        Assert.Contains("test.conf:1: 'bucket photos' is not a 'key = value' line", e.Message);
    }

    [Fact]
    public void Build_EndpointWithoutScheme_DefaultsToHttps()
    {
        var o = FromText("endpoint = s3.example.com:9000");
        Assert.Equal(new Uri("https://s3.example.com:9000"), o.GetUrl("endpoint"));
    }

    [Theory]
    [InlineData("ftp://host")]
    [InlineData("http://host/some/path")]
    [InlineData("http://")]
    public void Build_BadEndpoint_IsRejected(string endpoint)
    {
        var e = Fails("endpoint = " + endpoint);
        Assert.Contains("bad value for 'endpoint'", e.Message);
    }

    [Fact]
    public void ReadFile_Missing_SaysSo()
    {
        var e = Assert.Throws<OptionsException>(() => OptionSet.Load("/nonexistent/s3cfs.conf", []));
        Assert.Equal("/nonexistent/s3cfs.conf: options file not found; check the path, or create it (see docs/CONFIGURATION.md)", e.Errors[0].ToString());
    }
}
