using System.Text;
using S3Fs.Core.Storage;

namespace S3Fs.Cli.Tests.Commands;

public sealed class CommandLineTests : IDisposable
{
    private readonly CliHarness _cli = new();

    public void Dispose() => _cli.Dispose();

    [Fact]
    public async Task Version_PrintsVersion()
    {
        var (code, output, _) = await _cli.RunAsync("--version");
        Assert.Equal(0, code);
        Assert.Matches(@"^s3cfs \d+\.\d+\.\d+", output);
    }

    [Fact]
    public async Task NoArguments_PrintsHelpAndUsageCode()
    {
        var (code, output, _) = await _cli.RunAsync();
        Assert.Equal(2, code);
        Assert.Contains("usage: s3cfs <command>", output);
        Assert.Contains("keygen", output);
    }

    [Fact]
    public async Task UnknownCommand_SuggestsNearMiss()
    {
        var (code, _, err) = await _cli.RunAsync("lss");
        Assert.Equal(2, code);
        Assert.Contains("unknown command 'lss' (did you mean 'ls'?)", err);
    }

    [Fact]
    public async Task CommandHelp_PrintsUsage()
    {
        var (code, output, _) = await _cli.RunAsync("ls", "--help");
        Assert.Equal(0, code);
        Assert.Contains("usage: s3cfs ls <options-file>", output);
    }

    [Fact]
    public async Task UnknownFlag_IsUsageError()
    {
        var (code, _, err) = await _cli.RunAsync("ls", "--frobnicate", _cli.Options(""));
        Assert.Equal(2, code);
        Assert.Contains("unknown flag '--frobnicate'", err);
    }

    [Fact]
    public async Task Ls_ListsFoldersAndFiles_HidesInternalObjects()
    {
        await _cli.Store.PutAsync(new PutRequest("root/a.txt", Encoding.UTF8.GetBytes("hello")), CancellationToken.None);
        await _cli.Store.PutAsync(new PutRequest("root/sub/b.txt", Encoding.UTF8.GetBytes("x")), CancellationToken.None);
        await _cli.Store.PutAsync(new PutRequest("root/.s3cfs/renames/x.json", Encoding.UTF8.GetBytes("{}")), CancellationToken.None);
        var (code, output, err) = await _cli.RunAsync("ls", _cli.Options("prefix = root\n"));
        Assert.True(code == 0, err);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.StartsWith("d ", lines[0]);
        Assert.EndsWith(" sub/", lines[0]);
        Assert.StartsWith("- ", lines[1]);
        Assert.Contains(" 5 ", lines[1]);
        Assert.EndsWith(" a.txt", lines[1]);
    }

    [Fact]
    public async Task Ls_Subfolder_AndMissingFolderFails()
    {
        await _cli.Store.PutAsync(new PutRequest("sub/b.txt", Encoding.UTF8.GetBytes("x")), CancellationToken.None);
        var conf = _cli.Options("");
        var (code, output, _) = await _cli.RunAsync("ls", conf, "sub");
        Assert.Equal(0, code);
        Assert.EndsWith(" b.txt", output.Trim());
        var (missing, _, err) = await _cli.RunAsync("ls", conf, "nowhere");
        Assert.Equal(1, missing);
        Assert.Contains("nothing under 'nowhere/'", err);
    }

    [Fact]
    public async Task Ls_BadOptions_ReportsFileLineAndDoesNothing()
    {
        var conf = _cli.Options("bukcet = other\n");
        var (code, _, err) = await _cli.RunAsync("ls", conf);
        Assert.Equal(2, code);
        Assert.Contains($"{conf}:2: unknown option 'bukcet'; did you mean 'bucket'?", err);
        Assert.Equal(0, _cli.Services.StoresCreated);
    }

    [Fact]
    public async Task Ls_CommandLineOptionOverridesFile()
    {
        await _cli.Store.PutAsync(new PutRequest("p2/x", new byte[] { 1 }), CancellationToken.None);
        var (code, output, _) = await _cli.RunAsync("ls", _cli.Options("prefix = p1\n"), "-o", "prefix=p2");
        Assert.Equal(0, code);
        Assert.EndsWith(" x", output.Trim());
    }

    [Fact]
    public async Task Ls_EncryptedVolume_ShowsPlaintextSizesFromTheListing()
    {
        var descriptor = new S3Fs.Core.Volume.VolumeDescriptor { Encryption = "client", BlockSize = 4096 };
        await _cli.Store.PutAsync(new PutRequest("v/.s3cfs/volume.json", descriptor.ToJson()), CancellationToken.None);
        // 5000 plaintext bytes in 4 KiB blocks: two blocks, 28 bytes of overhead each.
        await _cli.Store.PutAsync(new PutRequest("v/f", new byte[5000 + (2 * 28)]), CancellationToken.None);
        // Not a valid ciphertext size (a plain object): shown as stored.
        await _cli.Store.PutAsync(new PutRequest("v/plain", new byte[10]), CancellationToken.None);
        var (code, output, err) = await _cli.RunAsync("ls", _cli.Options("prefix = v\n"));
        Assert.True(code == 0, err);
        Assert.Contains("- " + 5000.ToString().PadLeft(14) + " ", output);
        Assert.Contains("- " + 10.ToString().PadLeft(14) + " ", output);
        Assert.DoesNotContain(".s3cfs", output);
    }
}
