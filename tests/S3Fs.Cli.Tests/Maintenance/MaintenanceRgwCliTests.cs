using S3Fs.Aws.Storage;
using S3Fs.Cli.Commands;
using S3Fs.Cli.Options;
using S3Fs.Cli.Tests.Commands;
using S3Fs.Core.Storage;
using S3Fs.Crypto.Keys;
using S3Fs.Testing;

namespace S3Fs.Cli.Tests.Maintenance;

/// <summary>
/// The maintenance commands end to end against the local Ceph RGW: options files, the production store mapping
/// (<see cref="AwsServiceFactory.ToStoreOptions"/>, SSE-C key files, capability probe) and <c>s3cfs get</c> to read
/// back. Only the credentials are handed over directly instead of through the environment.
/// </summary>
[Trait("Category", "S3")]
public sealed class MaintenanceRgwCliTests : IAsyncLifetime, IDisposable
{
    private const int MiB = 1024 * 1024;
    private readonly CliHarness _cli = new();
    private readonly string _prefix = RgwEnvironment.UniquePrefix(nameof(MaintenanceRgwCliTests));
    private RgwEnvironment _env = null!;
    private RgwServices _services = null!;

    public async Task InitializeAsync()
    {
        _env = await RgwEnvironment.GetAsync();
        _services = new RgwServices(_env);
    }

    public async Task DisposeAsync()
    {
        using (var store = _services.NewStore(new ConnectionSettings { Bucket = _env.Bucket, Prefix = _prefix, Endpoint = _env.Endpoint, PathStyle = true, Checksums = "when_required" }))
        {
            string? token = null;
            do
            {
                var page = await store.ListAsync(new ListRequest(_prefix) { Delimiter = null, ContinuationToken = token }, CancellationToken.None);
                if (page.Objects.Count > 0)
                {
                    await store.DeleteManyAsync(page.Objects.Select(o => o.Key).ToList(), CancellationToken.None);
                }

                token = page.NextContinuationToken;
            }
            while (token is not null);
        }
    }

    public void Dispose() => _cli.Dispose();

    private string Conf(string name, string lines)
    {
        var path = Path.Combine(_cli.Directory, name);
        File.WriteAllText(path, $"bucket = {_env.Bucket}\nendpoint = {_env.Endpoint}\nregion = {_env.Region}\nprefix = {_prefix.TrimEnd('/')}\nchecksums = when_required\n{lines}");
        return path;
    }

    private Task<(int Code, string Out, string Err)> RunAsync(params string[] args) => MaintenanceCli.RunAsync(_services, CancellationToken.None, args);

    private async Task<Dictionary<string, byte[]>> PutAsync(string conf, params (string Path, int Size)[] files)
    {
        var result = new Dictionary<string, byte[]>();
        foreach (var (path, size) in files)
        {
            var data = MaintenanceCli.Pattern(size, size);
            var (code, _, err) = await RunAsync("put", conf, _cli.LocalFile("in-" + Path.GetFileName(path), data), path);
            Assert.True(code == 0, err);
            result[path] = data;
        }

        return result;
    }

    private async Task AssertReadableAsync(string conf, Dictionary<string, byte[]> files)
    {
        foreach (var (path, data) in files)
        {
            var output = Path.Combine(_cli.Directory, "out-" + Path.GetFileName(path));
            var (code, _, err) = await RunAsync("get", conf, path, output);
            Assert.True(code == 0, $"get {path}: {err}");
            Assert.Equal(data, await File.ReadAllBytesAsync(output));
        }
    }

    [Fact]
    public async Task Rekey_PutWithKeyA_RekeyToB_GetWithOnlyB_ByteExact()
    {
        var a = _cli.NewKey("a.key");
        var b = _cli.NewKey("b.key");
        var files = await PutAsync(Conf("a.conf", $"master_key = file:{a}\n"), ("small.txt", 10), ("dir/medium.bin", 300_000), ("dir/large.bin", (9 * MiB) + 3));

        var (code, output, err) = await RunAsync("rekey", Conf("rotate.conf", $"master_key = file:{b}\nold_keys = file:{a}\n"));

        Assert.True(code == 0, err);
        Assert.Contains("3 re-keyed, 0 already current", output, StringComparison.Ordinal);
        var onlyB = Conf("b.conf", $"master_key = file:{b}\n");
        await AssertReadableAsync(onlyB, files);
        var (verify, verifyOut, verifyErr) = await RunAsync("verify", onlyB);
        Assert.True(verify == 0, verifyOut + verifyErr);
        Assert.Contains("3 authentic", verifyOut, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rekey_SseCRotation_FilesAndVolumeOpenWithOnlyTheNewCustomerKey()
    {
        var master = _cli.NewKey("m.key");
        var oldSse = _cli.NewKey("old.ssec");
        var newSse = _cli.NewKey("new.ssec");
        var files = await PutAsync(Conf("old.conf", $"master_key = file:{master}\nsse = c\nallow_http_sse_c = true\nsse_c_key = {oldSse}\n"), ("a.bin", 70_000), ("b/c.bin", (6 * MiB) + 1));

        var (code, output, err) = await RunAsync("rekey", Conf("rotate.conf", $"master_key = file:{master}\nsse = c\nallow_http_sse_c = true\nsse_c_key = {newSse}\nsse_c_old_keys = {oldSse}\n"));

        Assert.True(code == 0, output + err);
        Assert.Contains("2 re-keyed", output, StringComparison.Ordinal);
        Assert.Contains(".s3cfs/volume.json: re-keyed: SSE-C key", output, StringComparison.Ordinal);
        await AssertReadableAsync(Conf("new.conf", $"master_key = file:{master}\nsse = c\nallow_http_sse_c = true\nsse_c_key = {newSse}\n"), files);
    }

    [Fact]
    public async Task Verify_TamperedFile_IsNamedAndExitsThree()
    {
        var key = _cli.NewKey();
        var conf = Conf("v.conf", $"master_key = file:{key}\n");
        await PutAsync(conf, ("ok.bin", 200_000), ("bad.bin", 200_000));
        using (var store = _services.NewStore(ConnectionSettings.Bind(OptionSet.Load(conf, []))))
        {
            var head = await store.HeadAsync(new HeadRequest(_prefix + "bad.bin"), CancellationToken.None);
            var body = new byte[head.Size];
            await store.GetRangeAsync(new GetRangeRequest(head.Key, new ByteRange(0, head.Size)), body, CancellationToken.None);
            body[(2 * 65564) + 5] ^= 0x10;
            await store.PutAsync(new PutRequest(head.Key, body) { Metadata = head.Metadata }, CancellationToken.None);
        }

        var (code, output, _) = await RunAsync("verify", conf);

        Assert.Equal(3, code);
        Assert.Contains("BAD: bad.bin: tampered block 2 of 4", output, StringComparison.Ordinal);
        Assert.Contains("1 authentic, 1 bad", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Migrate_MultiMiBPlainFile_GetReturnsItByteExact()
    {
        var plain = MaintenanceCli.Pattern((12 * MiB) + 77, 5);
        var conf = Conf("m.conf", $"master_key = file:{_cli.NewKey()}\n");
        using (var store = _services.NewStore(ConnectionSettings.Bind(OptionSet.Load(conf, []))))
        {
            var metadata = new Dictionary<string, string> { ["mode"] = "33188", ["mtime"] = "1500000000" };
            await store.PutAsync(new PutRequest(_prefix + "legacy/video.bin", plain) { Metadata = new ObjectMetadata { UserMetadata = metadata, ContentType = "video/mp4" } }, CancellationToken.None);
        }

        var (code, output, err) = await RunAsync("migrate", conf);

        Assert.True(code == 0, err);
        Assert.Contains("legacy/video.bin: encrypted: 12582989 bytes", output, StringComparison.Ordinal);
        await AssertReadableAsync(conf, new Dictionary<string, byte[]> { ["legacy/video.bin"] = plain });
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1500000000).UtcDateTime, File.GetLastWriteTimeUtc(Path.Combine(_cli.Directory, "out-video.bin")));
        Assert.Contains("0 encrypted, 1 already encrypted", (await RunAsync("migrate", conf)).Out, StringComparison.Ordinal);
    }

    /// <summary>The production store mapping, with the test server's credentials given directly.</summary>
    private sealed class RgwServices(RgwEnvironment env) : IServiceFactory
    {
        public S3Fs.Cli.Diagnostics.KmsCallCounter KmsCalls { get; } = new();

        public Microsoft.Extensions.Logging.ILoggerFactory Logging { get; set; } = Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance;

        public S3ObjectStore NewStore(ConnectionSettings connection) =>
            new(AwsServiceFactory.ToStoreOptions(connection) with { Credentials = new S3Credentials(env.AccessKeyId, env.SecretAccessKey) });

        public async ValueTask<IObjectStore> CreateStoreAsync(ConnectionSettings connection, OptionSet options, bool forWriting, CancellationToken cancellationToken)
        {
            var store = NewStore(connection);
            if (forWriting)
            {
                await store.DetectCapabilitiesAsync(connection.Prefix + AwsServiceFactory.ProbeFolder, cancellationToken);
            }

            return store;
        }

        public ValueTask<IMasterKey> CreateKmsKeyAsync(KmsKeySpec spec, EncryptionSettings encryption, ConnectionSettings connection, CancellationToken cancellationToken) =>
            throw new NotSupportedException("KMS keys are tested in S3Fs.Aws.Tests");
    }
}
