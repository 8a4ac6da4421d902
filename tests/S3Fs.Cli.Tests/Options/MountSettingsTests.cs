using S3Fs.Cli.Options;

namespace S3Fs.Cli.Tests.Options;

public class MountSettingsTests
{
    private static MountSettings Bind(string text, string commandLine = "") =>
        MountSettings.Bind(OptionSet.Build(OptionsReader.ParseFileText(text, "m.conf"), commandLine.Length == 0 ? [] : OptionsReader.ParseCommandLine(commandLine), "/tmp"));

    [Theory]
    [InlineData("bucket = b1b", false)]
    [InlineData("bucket = b1b\nattributes = exact", false)]
    [InlineData("bucket = b1b\nattributes = listing", true)]
    [InlineData("bucket = b1b\nallow_other = true", false)]
    [InlineData("bucket = b1b\nallow_other = true\nattributes = exact", false)]
    public void Bind_Attributes_ExactUnlessListing(string text, bool fromListings) =>
        Assert.Equal(fromListings, Bind(text).AttributesFromListings);

    [Fact]
    public void Bind_ListingAttributesWithAllowOther_IsRejectedWithTheRemedy()
    {
        var e = Assert.Throws<OptionsException>(() => Bind("bucket = b1b\nattributes = listing", "allow_other"));
        Assert.Contains("allow_other", e.Message, StringComparison.Ordinal);
        Assert.Contains("attributes = listing", e.Message, StringComparison.Ordinal);
        Assert.Contains("m.conf", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Bind_UnknownAttributesValue_IsRejected()
    {
        var e = Assert.Throws<OptionsException>(() => Bind("bucket = b1b\nattributes = fast"));
        Assert.Contains("listing", e.Message, StringComparison.Ordinal);
    }
}
