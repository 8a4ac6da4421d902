namespace S3Fs.Fuse.Tests.Binding;

public sealed class FuseMountOptionsTests
{
    [Fact]
    public void Validate_Defaults_Pass()
    {
        new FuseMountOptions { MountPoint = "/tmp" }.Validate();
    }

    [Fact]
    public void Validate_SeveralProblems_ListsEachWithWhatToChange()
    {
        var options = new FuseMountOptions { MountPoint = "relative/dir", FsName = "has space", MaxThreads = -1, MaxInFlightRequests = 0 };

        var error = Assert.Throws<ArgumentException>(options.Validate);

        Assert.Contains("must be an absolute path", error.Message, StringComparison.Ordinal);
        Assert.Contains("without spaces", error.Message, StringComparison.Ordinal);
        Assert.Contains("max threads -1", error.Message, StringComparison.Ordinal);
        Assert.Contains("max in-flight requests 0", error.Message, StringComparison.Ordinal);
    }
}
