using S3Fs.Testing.Storage;
using S3Fs.Cli.Tests.Commands;
using S3Fs.Core.Storage;

namespace S3Fs.Cli.Tests.Maintenance;

public sealed class MigrateCommandTests : IDisposable
{
    private readonly CliHarness _cli = new();
    private readonly string _key;

    public MigrateCommandTests() => _key = _cli.NewKey();

    public void Dispose() => _cli.Dispose();

    private string Conf => _cli.Options($"master_key = file:{_key}\nprefix = data\n");

    /// <summary>Plain objects as s3fs-fuse would have written them (mode 0640, mtime), plus folder markers.</summary>
    private async Task<Dictionary<string, byte[]>> PutPlainAsync(int count, int size = 100_000)
    {
        var files = new Dictionary<string, byte[]>();
        await _cli.Store.PutAsync(new PutRequest("data/photos/", ReadOnlyMemory<byte>.Empty) { Metadata = new ObjectMetadata { ContentType = "application/x-directory" } }, CancellationToken.None);
        for (var i = 0; i < count; i++)
        {
            var path = $"photos/p{i:D2}.jpg";
            var data = MaintenanceCli.Pattern(i == 0 ? (9 * 1024 * 1024) + 5 : size + i, i);
            var metadata = new Dictionary<string, string> { ["mode"] = "33184", ["mtime"] = "1600000000", ["uid"] = "1000" };
            await _cli.Store.PutAsync(new PutRequest("data/" + path, data) { Metadata = new ObjectMetadata { UserMetadata = metadata, ContentType = "image/jpeg" } }, CancellationToken.None);
            files[path] = data;
        }

        return files;
    }

    [Fact]
    public async Task Migrate_PlainFiles_AreEncryptedAndReadBackByteExactWithTheirAttributes()
    {
        var files = await PutPlainAsync(4);

        var (code, output, err) = await _cli.RunAsync("migrate", Conf);

        Assert.True(code == 0, err);
        Assert.Contains("photos/p01.jpg: encrypted: 100001 bytes", output, StringComparison.Ordinal);
        Assert.Contains("4 encrypted, 0 already encrypted; 2 folder marker(s) and .s3cfs object(s) left alone", output, StringComparison.Ordinal);
        foreach (var path in files.Keys)
        {
            var head = await _cli.Store.HeadAsync(new HeadRequest("data/" + path), CancellationToken.None);
            Assert.Equal("33184", head.Metadata.UserMetadata["mode"]);
            Assert.Equal("image/jpeg", head.Metadata.ContentType);
            Assert.True(_cli.Store.Peek(head.Key)!.Body.AsSpan().IndexOf(files[path].AsSpan(0, 64)) < 0, "plaintext left in the object");
        }

        await _cli.AssertReadableAsync(Conf, files);
        var local = Path.Combine(_cli.Directory, "got-p01.jpg");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead, File.GetUnixFileMode(local));
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1600000000).UtcDateTime, File.GetLastWriteTimeUtc(local));
        Assert.Equal(0, (await _cli.RunAsync("verify", Conf)).Code);
    }

    [Fact]
    public async Task Migrate_SecondRun_FindsEverythingEncrypted()
    {
        await PutPlainAsync(2);
        Assert.Equal(0, (await _cli.RunAsync("migrate", Conf)).Code);

        var (code, output, _) = await _cli.RunAsync("migrate", Conf);

        Assert.Equal(0, code);
        Assert.Contains("0 encrypted, 2 already encrypted", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Migrate_DryRun_ListsAndWritesNothing()
    {
        await PutPlainAsync(2);
        var before = _cli.Store.Keys.ToDictionary(k => k, k => _cli.Store.Peek(k)!.ETag);

        var (code, output, _) = await _cli.RunAsync("migrate", Conf, "--dry-run");

        Assert.Equal(0, code);
        Assert.Contains("photos/p01.jpg: would encrypt: 100001 bytes", output, StringComparison.Ordinal);
        Assert.Equal(before, _cli.Store.Keys.ToDictionary(k => k, k => _cli.Store.Peek(k)!.ETag)); // not even a volume descriptor
    }

    [Fact]
    public async Task Migrate_InterruptedAfterSomeFiles_Exits130AndARerunFinishes()
    {
        var files = await PutPlainAsync(12, size: 3000);
        using var cts = new CancellationTokenSource();
        var cancelling = new InterceptingObjectStore(_cli.Store).CancelAfterWrites(4, cts);

        var (code, _, err) = await MaintenanceCli.RunAsync(cancelling, cts.Token, "migrate", Conf);

        Assert.Equal(130, code);
        Assert.Contains("interrupted", err, StringComparison.Ordinal);
        foreach (var (path, data) in files)
        {
            var stored = _cli.Store.Peek("data/" + path)!;
            Assert.True(stored.Metadata.UserMetadata.ContainsKey("s3cfs-v") || stored.Body.AsSpan().SequenceEqual(data), $"{path} is neither encrypted nor its original plaintext");
        }

        var (again, output, againErr) = await _cli.RunAsync("migrate", Conf);
        Assert.True(again == 0, againErr);
        Assert.Contains("already encrypted", output, StringComparison.Ordinal);
        await _cli.AssertReadableAsync(Conf, files);
    }

    [Fact]
    public async Task Migrate_WithoutEncryption_IsAUsageError()
    {
        var (code, _, err) = await _cli.RunAsync("migrate", _cli.Options("encryption = none\n"));

        Assert.Equal(2, code);
        Assert.Contains("needs encryption = client", err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Migrate_Help_PrintsUsage()
    {
        var (code, output, _) = await _cli.RunAsync("migrate", "--help");

        Assert.Equal(0, code);
        Assert.StartsWith("usage: s3cfs migrate <options-file> [path] [--dry-run]", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Migrate_S3cfsPath_IsAUsageError()
    {
        var (code, _, err) = await _cli.RunAsync("migrate", Conf, ".s3cfs/");

        Assert.Equal(2, code);
        Assert.Contains("volume's own metadata", err, StringComparison.Ordinal);
    }
}
