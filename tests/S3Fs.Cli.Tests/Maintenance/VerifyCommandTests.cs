using S3Fs.Cli.Tests.Commands;
using S3Fs.Core.Storage;
using S3Fs.Crypto.Keys;

namespace S3Fs.Cli.Tests.Maintenance;

public sealed class VerifyCommandTests : IDisposable
{
    /// <summary>A sealed block at the default 64 KiB block size: 65536 + 28 bytes.</summary>
    private const int CipherBlock = 65564;

    private readonly CliHarness _cli = new();
    private readonly string _key;

    public VerifyCommandTests() => _key = _cli.NewKey();

    public void Dispose() => _cli.Dispose();

    private string Conf => _cli.Options($"master_key = file:{_key}\n");

    private async Task TamperAsync(string key, Func<byte[], byte[]> change)
    {
        var head = await _cli.Store.HeadAsync(new HeadRequest(key), CancellationToken.None);
        await _cli.Store.PutAsync(new PutRequest(key, change(_cli.Store.Peek(key)!.Body.ToArray())) { Metadata = head.Metadata }, CancellationToken.None);
    }

    [Fact]
    public async Task Verify_AllAuthentic_ExitsZero()
    {
        await _cli.PutFilesAsync(Conf, 3);

        var (code, output, err) = await _cli.RunAsync("verify", Conf);

        Assert.True(code == 0, err);
        Assert.Contains("verify: 3 objects", output, StringComparison.Ordinal);
        Assert.Contains("3 authentic", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_TamperedFile_IsNamedWithTheBlockAndExitsThree()
    {
        await _cli.PutFilesAsync(Conf, 2, size: 3 * 65536);
        await TamperAsync("f01.bin", body =>
        {
            body[CipherBlock + 77] ^= 0x40;
            return body;
        });

        var (code, output, _) = await _cli.RunAsync("verify", Conf);

        Assert.Equal(3, code);
        Assert.Contains("BAD: f01.bin: tampered block 1 of 4", output, StringComparison.Ordinal);
        Assert.Contains("1 authentic, 1 bad", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_TruncatedAndUnknownKeyAndMalformed_AreEachNamed()
    {
        var files = await _cli.PutFilesAsync(Conf, 3, size: 2 * 65536);
        var other = _cli.NewKey("other.key");
        await _cli.RunAsync("put", _cli.Options($"master_key = file:{other}\n", "other.conf"), _cli.LocalFile("o", [1, 2]), "foreign.bin");
        await TamperAsync("docs/f00.bin", body => body[..CipherBlock]);
        var head = await _cli.Store.HeadAsync(new HeadRequest("docs/f02.bin"), CancellationToken.None);
        var md = head.Metadata.UserMetadata.ToDictionary(p => p.Key, p => p.Value);
        md["s3cfs-v"] = "2";
        await _cli.Store.CopyAsync(new CopyRequest(head.Key, head.Key) { ReplaceMetadata = head.Metadata with { UserMetadata = md } }, CancellationToken.None);
        using var otherKey = FileMasterKey.Load(other);

        var (code, output, _) = await _cli.RunAsync("verify", Conf);

        Assert.Equal(3, code);
        Assert.Contains("BAD: docs/f00.bin: truncated: the last block (0) was not sealed as the final block", output, StringComparison.Ordinal);
        Assert.Contains($"BAD: foreign.bin: unknown key id {otherKey.KeyId}", output, StringComparison.Ordinal);
        Assert.Contains("BAD: docs/f02.bin: malformed envelope field 's3cfs-v'", output, StringComparison.Ordinal);
        Assert.Contains("1 authentic, 3 bad", output, StringComparison.Ordinal);
        Assert.Equal(3, files.Count);
    }

    [Fact]
    public async Task Verify_PlainFile_IsAWarningAndExitsZero()
    {
        await _cli.PutFilesAsync(Conf, 1);
        await _cli.Store.PutAsync(new PutRequest("notes.txt", "hello"u8.ToArray()), CancellationToken.None);

        var (code, output, _) = await _cli.RunAsync("verify", Conf);

        Assert.Equal(0, code);
        Assert.Contains("warning: notes.txt: plain object (not encrypted) in an encrypted volume", output, StringComparison.Ordinal);
        Assert.Contains("1 warning(s)", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_WritesNothing()
    {
        await _cli.PutFilesAsync(Conf, 2);
        var before = _cli.Store.Keys.ToDictionary(k => k, k => _cli.Store.Peek(k)!.ETag);

        await _cli.RunAsync("verify", Conf);

        Assert.Equal(before, _cli.Store.Keys.ToDictionary(k => k, k => _cli.Store.Peek(k)!.ETag));
    }

    [Fact]
    public async Task Verify_PathWithNoFiles_ExitsOne()
    {
        await _cli.PutFilesAsync(Conf, 1);

        var (code, _, err) = await _cli.RunAsync("verify", Conf, "nothing/here");

        Assert.Equal(1, code);
        Assert.Contains("no files under 'nothing/here'", err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_WithoutKeys_IsAUsageError()
    {
        var (code, _, err) = await _cli.RunAsync("verify", _cli.Options("encryption = none\n"));

        Assert.Equal(2, code);
        Assert.Contains("needs the volume's keys", err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_DryRunFlag_IsUnknown()
    {
        var (code, _, err) = await _cli.RunAsync("verify", Conf, "--dry-run");

        Assert.Equal(2, code);
        Assert.Contains("unknown flag '--dry-run'", err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_Help_PrintsUsage()
    {
        var (code, output, _) = await _cli.RunAsync("verify", "-h");

        Assert.Equal(0, code);
        Assert.StartsWith("usage: s3cfs verify <options-file> [path]", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_Interrupted_Exits130()
    {
        await _cli.PutFilesAsync(Conf, 3);
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();

        var (code, _, err) = await MaintenanceCli.RunAsync(_cli.Store, cts.Token, "verify", Conf);

        Assert.Equal(130, code);
        Assert.Contains("interrupted", err, StringComparison.Ordinal);
    }
}
