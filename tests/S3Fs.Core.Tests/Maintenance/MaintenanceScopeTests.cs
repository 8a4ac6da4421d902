using S3Fs.Core.Maintenance;

namespace S3Fs.Core.Tests.Maintenance;

public sealed class MaintenanceScopeTests
{
    [Theory]
    [InlineData("", "", "a.txt", 5, KeyClass.Include)]
    [InlineData("vol/", "", "vol/a/b.txt", 5, KeyClass.Include)]
    [InlineData("vol/", "", "other/a.txt", 5, KeyClass.Outside)]
    [InlineData("vol/", "a", "vol/a", 5, KeyClass.Include)]
    [InlineData("vol/", "a/", "vol/a/x", 5, KeyClass.Include)]
    [InlineData("vol/", "/a", "vol/ab", 5, KeyClass.Outside)]
    [InlineData("vol/", "", "vol/.s3cfs/volume.json", 100, KeyClass.Skip)]
    [InlineData("vol/", "", "vol/sub/.s3cfs/volume.json", 100, KeyClass.Skip)]
    [InlineData("vol/", "", "vol/my.s3cfs/file", 100, KeyClass.Include)]
    [InlineData("vol/", "", "vol/dir/", 0, KeyClass.Skip)]
    [InlineData("vol/", "", "vol/dir/", 12, KeyClass.Skip)]
    [InlineData("vol/", "", "vol/dir_$folder$", 0, KeyClass.Skip)]
    [InlineData("vol/", "", "vol/dir_$folder$", 3, KeyClass.Include)]
    [InlineData("vol/", "", "vol/", 0, KeyClass.Skip)]
    public void Classify_Keys_AsExpected(string prefix, string subPath, string key, long size, KeyClass expected)
        => Assert.Equal(expected, new MaintenanceScope(prefix, subPath).Classify(key, size));

    [Fact]
    public void ListPrefix_WithSubPath_HasNoTrailingSlashSoASingleFileMatches()
    {
        var scope = new MaintenanceScope("vol/", "/docs/report.pdf");
        Assert.Equal("vol/docs/report.pdf", scope.ListPrefix);
        Assert.Equal("docs/report.pdf", scope.PathOf("vol/docs/report.pdf"));
    }

    [Fact]
    public void Constructor_PrefixWithoutSlash_Throws()
        => Assert.Throws<ArgumentException>(() => new MaintenanceScope("vol"));
}
