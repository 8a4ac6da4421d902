using S3Fs.Crypto.Keys;

namespace S3Fs.Cli.Tests.Commands;

public sealed class KeygenCommandTests : IDisposable
{
    private readonly CliHarness _cli = new();

    public void Dispose() => _cli.Dispose();

    [Fact]
    public async Task Keygen_WritesPrivateKeyAndPrintsItsId()
    {
        var path = Path.Combine(_cli.Directory, "new.key");
        var (code, output, err) = await _cli.RunAsync("keygen", path);
        Assert.True(code == 0, err);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        using var key = FileMasterKey.Load(path);
        Assert.Equal(key.KeyId, output.Trim());
        Assert.Contains($"master_key = file:{path}", err);
    }

    [Fact]
    public async Task Keygen_TwoKeys_Differ()
    {
        var a = Path.Combine(_cli.Directory, "a.key");
        var b = Path.Combine(_cli.Directory, "b.key");
        await _cli.RunAsync("keygen", a);
        await _cli.RunAsync("keygen", b);
        Assert.NotEqual(File.ReadAllText(a), File.ReadAllText(b));
    }

    [Fact]
    public async Task Keygen_ExistingFile_IsNeverOverwritten()
    {
        var path = Path.Combine(_cli.Directory, "exists.key");
        File.WriteAllText(path, "precious");
        var (code, _, err) = await _cli.RunAsync("keygen", path);
        Assert.Equal(1, code);
        Assert.Contains("already exists; refusing to overwrite", err);
        Assert.Equal("precious", File.ReadAllText(path));
    }

    [Fact]
    public async Task Keygen_MissingDirectory_SaysSo()
    {
        var (code, _, err) = await _cli.RunAsync("keygen", Path.Combine(_cli.Directory, "no", "such", "dir.key"));
        Assert.Equal(1, code);
        Assert.Contains("does not exist", err);
    }
}
