using System.Security.Cryptography;
using System.Text;
using S3Fs.Core.Storage;

namespace S3Fs.Cli.Tests.Commands;

public sealed class PutGetCommandTests : IDisposable
{
    private readonly CliHarness _cli = new();

    public void Dispose() => _cli.Dispose();

    private string LocalFile(string name, byte[] content)
    {
        var path = Path.Combine(_cli.Directory, name);
        File.WriteAllBytes(path, content);
        return path;
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(65536)]
    [InlineData(3 * 1024 * 1024 + 17)]
    public async Task PutThenGet_RoundTripsEncrypted(int size)
    {
        var data = RandomNumberGenerator.GetBytes(size);
        var conf = _cli.Options($"master_key = file:{_cli.NewKey()}\nprefix = vol\n");
        var (put, putOut, putErr) = await _cli.RunAsync("put", conf, LocalFile("in.bin", data), "dir/file.bin");
        Assert.True(put == 0, putErr);
        Assert.Contains("encrypted", putOut);

        var head = await _cli.Store.HeadAsync(new HeadRequest("vol/dir/file.bin"), CancellationToken.None);
        Assert.Contains("s3cfs-v", head.Metadata.UserMetadata.Keys);
        var output = Path.Combine(_cli.Directory, "out.bin");
        var (get, _, getErr) = await _cli.RunAsync("get", conf, "dir/file.bin", output);
        Assert.True(get == 0, getErr);
        Assert.Equal(data, await File.ReadAllBytesAsync(output));
    }

    [Fact]
    public async Task Put_StoresNoPlaintextAndKeepsModeAndTime()
    {
        var marker = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("SECRET-MARKER-0123456789 ", 400)));
        var local = LocalFile("secret.txt", marker);
        File.SetUnixFileMode(local, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var mtime = new DateTime(2020, 5, 6, 7, 8, 9, DateTimeKind.Utc);
        File.SetLastWriteTimeUtc(local, mtime);
        var conf = _cli.Options($"master_key = file:{_cli.NewKey()}\n");
        Assert.Equal(0, (await _cli.RunAsync("put", conf, local, "s/")).Code);

        var head = await _cli.Store.HeadAsync(new HeadRequest("s/secret.txt"), CancellationToken.None);
        var body = new byte[head.Size];
        await _cli.Store.GetRangeAsync(new GetRangeRequest(head.Key, new ByteRange(0, head.Size)), body, CancellationToken.None);
        Assert.True(body.AsSpan().IndexOf("SECRET-MARKER"u8) < 0, "the object holds plaintext");

        var output = Path.Combine(_cli.Directory, "back.txt");
        Assert.Equal(0, (await _cli.RunAsync("get", conf, "s/secret.txt", output)).Code);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(output));
        Assert.Equal(mtime, File.GetLastWriteTimeUtc(output));
    }

    [Fact]
    public async Task Get_TamperedObject_FailsAndWritesNothing()
    {
        var conf = _cli.Options($"master_key = file:{_cli.NewKey()}\n");
        await _cli.RunAsync("put", conf, LocalFile("in.bin", RandomNumberGenerator.GetBytes(200_000)), "t.bin");
        var head = await _cli.Store.HeadAsync(new HeadRequest("t.bin"), CancellationToken.None);
        var body = new byte[head.Size];
        await _cli.Store.GetRangeAsync(new GetRangeRequest("t.bin", new ByteRange(0, head.Size)), body, CancellationToken.None);
        body[100_000] ^= 1;
        await _cli.Store.PutAsync(new PutRequest("t.bin", body) { Metadata = head.Metadata }, CancellationToken.None);

        var output = Path.Combine(_cli.Directory, "out.bin");
        var (code, _, err) = await _cli.RunAsync("get", conf, "t.bin", output);
        Assert.Equal(1, code);
        Assert.Contains("t.bin", err);
        Assert.False(File.Exists(output));
        Assert.Empty(Directory.GetFiles(_cli.Directory, ".out.bin*"));
    }

    [Fact]
    public async Task Get_WithAnotherKey_FailsNamingTheKeyId()
    {
        var writerConf = _cli.Options($"master_key = file:{_cli.NewKey("writer.key")}\n", "writer.conf");
        await _cli.RunAsync("put", writerConf, LocalFile("in.bin", [1, 2, 3]), "k.bin");
        var (_, keyId, _) = await _cli.RunAsync("keygen", Path.Combine(_cli.Directory, "unused.key"));
        using var writerKey = S3Fs.Crypto.Keys.FileMasterKey.Load(Path.Combine(_cli.Directory, "writer.key"));

        var readerConf = _cli.Options($"master_key = file:{_cli.NewKey("reader.key")}\n", "reader.conf");
        var (code, _, err) = await _cli.RunAsync("get", readerConf, "k.bin", Path.Combine(_cli.Directory, "o"));
        Assert.Equal(1, code);
        Assert.Contains(writerKey.KeyId, err);
        Assert.NotEqual(keyId.Trim(), writerKey.KeyId);
    }

    [Fact]
    public async Task RoundTrip_TraceLogs_NeverContainKeyMaterial()
    {
        var keyPath = _cli.NewKey();
        var keyText = (await File.ReadAllTextAsync(keyPath)).Trim();
        var keyBytes = Convert.FromBase64String(keyText);
        var log = Path.Combine(_cli.Directory, "trace.log");
        var conf = _cli.Options($"master_key = file:{keyPath}\nlog_level = trace\nlog_file = {log}\n");
        Assert.Equal(0, (await _cli.RunAsync("put", conf, LocalFile("in.bin", RandomNumberGenerator.GetBytes(300_000)), "x.bin")).Code);
        Assert.Equal(0, (await _cli.RunAsync("get", conf, "x.bin", Path.Combine(_cli.Directory, "x.out"))).Code);

        var logged = await File.ReadAllBytesAsync(log);
        Assert.True(logged.Length > 0, "the trace log is empty: the scan would prove nothing");
        var text = Encoding.UTF8.GetString(logged);
        Assert.DoesNotContain(keyText, text);
        Assert.DoesNotContain(Convert.ToHexString(keyBytes), text, StringComparison.OrdinalIgnoreCase);
        Assert.True(logged.AsSpan().IndexOf(keyBytes) < 0, "raw key bytes in the log");
    }

    [Fact]
    public async Task Put_Directory_IsRefused()
    {
        var (code, _, err) = await _cli.RunAsync("put", _cli.Options($"master_key = file:{_cli.NewKey()}\n"), _cli.Directory, "d");
        Assert.Equal(2, code);
        Assert.Contains("is a directory", err);
    }

    [Fact]
    public async Task Put_DotDotPath_IsRefused()
    {
        var (code, _, err) = await _cli.RunAsync("put", _cli.Options($"master_key = file:{_cli.NewKey()}\n"), LocalFile("a", [1]), "x/../y");
        Assert.Equal(2, code);
        Assert.Contains("'..' component", err);
    }

    [Fact]
    public async Task Inspect_AfterPut_ShowsEnvelopeAndPlainSize()
    {
        var conf = _cli.Options($"master_key = file:{_cli.NewKey()}\n");
        await _cli.RunAsync("put", conf, LocalFile("in.bin", new byte[100_000]), "i.bin");
        var (code, output, err) = await _cli.RunAsync("inspect", conf, "i.bin");
        Assert.True(code == 0, err);
        Assert.Contains("client-side, format v1, aes-256-gcm", output);
        Assert.Contains("block size:    65536", output);
        Assert.Contains("key provider:  file", output);
        Assert.Contains("plain size:    100000", output);
    }
}
