namespace S3Fs.Fuse.Tests.Binding;

[Trait("Category", "Fuse")]
public sealed class SmokeTests
{
    [Fact]
    public async Task Mount_WriteAndReadBack_RoundTrips()
    {
        await using var mount = await TestMount.StartAsync();
        await Shell.IoAsync(() => File.WriteAllText(mount.PathOf("hello.txt"), "hello"));
        Assert.Equal("hello", await Shell.IoAsync(() => File.ReadAllText(mount.PathOf("hello.txt"))));
        Assert.Equal("hello"u8.ToArray(), mount.Fs.Content("hello.txt"));
    }
}
