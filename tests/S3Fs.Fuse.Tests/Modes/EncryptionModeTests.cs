using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using S3Fs.Aws.Storage;
using S3Fs.Core.Storage;
using S3Fs.Testing;
using S3Fs.Testing.Kms;

namespace S3Fs.Fuse.Tests.Modes;

/// <summary>
/// Every encryption mode end to end through a real `s3cfs mount` against the local RGW: write, unmount, remount,
/// read back byte-exact, then look at what the bucket holds. Client-side modes: every file object carries the
/// envelope and no plaintext. Server-side modes: what RGW does with them (SSE-C objects are unreadable without the
/// key; SSE-KMS objects report aws:kms). RGW accepts SSE-S3 but silently does not apply it, so for SSE-S3 this test
/// can only show the mount works with it; the headers actually sent are asserted in S3Fs.Aws.Tests
/// (S3ObjectStore's SSE-S3 test records the requests).
/// </summary>
[Trait("Category", "Fuse")]
public sealed class EncryptionModeTests : IAsyncLifetime
{
    private const string Marker = "S3CFS-PLAINTEXT-MARKER-7d1f";
    private readonly string _dir = Directory.CreateTempSubdirectory("s3cfs-modes-").FullName;
    private RgwEnvironment _rgw = null!;
    private CliMount _cli = null!;
    private string _mnt = string.Empty;
    private string _prefix = string.Empty;

    public async Task InitializeAsync()
    {
        _rgw = await RgwEnvironment.GetAsync();
        _cli = new CliMount(_rgw);
        _mnt = Directory.CreateDirectory(Path.Combine(_dir, "mnt")).FullName;
    }

    public async Task DisposeAsync()
    {
        CliMount.ForceUnmount(_mnt);
        if (_prefix.Length > 0)
        {
            using var store = Store(ServerSideEncryption.None);
            var keys = new List<string>();
            string? token = null;
            do
            {
                var page = await store.ListAsync(new ListRequest(_prefix) { Delimiter = null, ContinuationToken = token }, CancellationToken.None);
                keys.AddRange(page.Objects.Select(o => o.Key));
                token = page.NextContinuationToken;
            }
            while (token is not null);
            await store.DeleteManyAsync(keys, CancellationToken.None);
        }

        Directory.Delete(_dir, recursive: true);
    }

    public static TheoryData<string> Modes => new()
    {
        "none", "none+sse-s3", "none+sse-kms", "none+sse-c",
        "file", "passphrase", "rsa", "kms",
        "file+sse-s3", "file+sse-kms", "file+sse-c",
    };

    [Theory]
    [MemberData(nameof(Modes))]
    public async Task Mode_WriteRemountRead_AndBucketHoldsWhatTheModePromises(string mode)
    {
        await using var kms = mode == "kms" ? KmsTestServer.Start() : null;
        var (conf, sse) = await WriteOptionsAsync(mode, kms);
        var files = new Dictionary<string, byte[]>
        {
            ["notes.txt"] = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat(Marker + " line\n", 500))),
            ["docs/deep/report.bin"] = RandomNumberGenerator.GetBytes((1 << 20) + 4321),
            ["empty"] = [],
        };

        await _cli.MountAsync(conf, _mnt);
        foreach (var (path, data) in files)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(_mnt, path))!);
            await File.WriteAllBytesAsync(Path.Combine(_mnt, path), data);
        }

        await _cli.UnmountAsync(_mnt);
        await _cli.MountAsync(conf, _mnt);
        foreach (var (path, data) in files)
        {
            Assert.Equal(data, await File.ReadAllBytesAsync(Path.Combine(_mnt, path)));
        }

        await _cli.UnmountAsync(_mnt);

        using var reader = Store(sse);
        var clientSide = !mode.StartsWith("none", StringComparison.Ordinal);
        foreach (var (path, data) in files)
        {
            var head = await reader.HeadAsync(new HeadRequest(_prefix + path), CancellationToken.None);
            var body = new byte[head.Size];
            if (head.Size > 0)
            {
                await reader.GetRangeAsync(new GetRangeRequest(head.Key, new ByteRange(0, head.Size)), body, CancellationToken.None);
            }

            if (clientSide)
            {
                Assert.True(head.Metadata.UserMetadata.ContainsKey("s3cfs-v"), $"{path}: no envelope in {mode}");
                Assert.True(body.AsSpan().IndexOf(Encoding.UTF8.GetBytes(Marker)) < 0, $"{path}: plaintext in the bucket in mode {mode}");
                Assert.NotEqual(data.Length, body.Length);
            }
            else
            {
                Assert.False(head.Metadata.UserMetadata.ContainsKey("s3cfs-v"));
                Assert.Equal(data, body);
            }
        }

        if (kms is not null)
        {
            // KMS economy through a real mount: three files written in one mount cost one GenerateDataKey (one
            // intermediate key), and reading them all in a second mount one Decrypt; DescribeKey once per mount.
            Assert.Equal(1, kms.CallCount("GenerateDataKey"));
            Assert.Equal(1, kms.CallCount("Decrypt"));
            Assert.Equal(2, kms.CallCount("DescribeKey"));
        }

        if (sse.Mode == SseMode.CustomerKey)
        {
            using var keyless = Store(ServerSideEncryption.None);
            var e = await Assert.ThrowsAsync<ObjectStoreException>(async () =>
                await keyless.GetRangeAsync(new GetRangeRequest(_prefix + "notes.txt", new ByteRange(0, 16)), new byte[16], CancellationToken.None));
            Assert.Equal(ObjectStoreErrorKind.AccessDenied, e.Kind);
        }

        if (sse.Mode == SseMode.Kms)
        {
            Assert.Contains("x-amz-server-side-encryption: aws:kms", await RawHeadAsync(_prefix + "notes.txt"), StringComparison.OrdinalIgnoreCase);
        }
    }

    [Fact]
    public async Task SseC_RotatedKey_OldObjectsReadThroughSseCOldKeys()
    {
        var (conf, _) = await WriteOptionsAsync("none+sse-c", null);
        await _cli.MountAsync(conf, _mnt);
        await File.WriteAllTextAsync(Path.Combine(_mnt, "old.txt"), "written under the first customer key");
        await _cli.UnmountAsync(_mnt);

        var oldKey = Path.Combine(_dir, "sse-c.key");
        var newKey = await NewKeyFileAsync("sse-c-2.key");
        var rotated = Path.Combine(_dir, "rotated.conf");
        await File.WriteAllTextAsync(rotated, (await File.ReadAllTextAsync(conf)).Replace($"sse_c_key = {oldKey}", $"sse_c_key = {newKey}\nsse_c_old_keys = {oldKey}", StringComparison.Ordinal));
        await _cli.MountAsync(rotated, _mnt);
        Assert.Equal("written under the first customer key", await File.ReadAllTextAsync(Path.Combine(_mnt, "old.txt")));
        await File.WriteAllTextAsync(Path.Combine(_mnt, "new.txt"), "under the second");
        await _cli.UnmountAsync(_mnt);
    }

    [Fact]
    public async Task RsaPublicKeyOnly_WritesButCannotRead_PrivateKeyReads()
    {
        using var rsa = RSA.Create(3072);
        var pub = Path.Combine(_dir, "pub.pem");
        var priv = Path.Combine(_dir, "priv.pem");
        await File.WriteAllTextAsync(pub, rsa.ExportSubjectPublicKeyInfoPem());
        await File.WriteAllTextAsync(priv, rsa.ExportPkcs8PrivateKeyPem());
        File.SetUnixFileMode(pub, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.SetUnixFileMode(priv, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        _prefix = RgwEnvironment.UniquePrefix("mode-rsa-pub");
        var writeOnly = await WriteConfAsync("pub.conf", $"master_key = rsa:{pub}\n");
        var reading = await WriteConfAsync("priv.conf", $"master_key = rsa:{priv}\n");

        await _cli.MountAsync(writeOnly, _mnt);
        await File.WriteAllTextAsync(Path.Combine(_mnt, "drop.txt"), "dropped into a write-only mount");
        await _cli.UnmountAsync(_mnt);
        await _cli.MountAsync(writeOnly, _mnt);
        var e = Assert.ThrowsAny<IOException>(() => File.ReadAllText(Path.Combine(_mnt, "drop.txt")));
        Assert.DoesNotContain("dropped", e.Message);
        await _cli.UnmountAsync(_mnt);

        await _cli.MountAsync(reading, _mnt);
        Assert.Equal("dropped into a write-only mount", await File.ReadAllTextAsync(Path.Combine(_mnt, "drop.txt")));
        await _cli.UnmountAsync(_mnt);
    }

    private async Task<(string Conf, ServerSideEncryption Sse)> WriteOptionsAsync(string mode, KmsTestServer? kms)
    {
        _prefix = RgwEnvironment.UniquePrefix("mode-" + mode.Replace('+', '-'));
        var text = new StringBuilder();
        var parts = mode.Split('+');
        switch (parts[0])
        {
            case "none":
                text.AppendLine("encryption = none");
                break;
            case "file":
                text.AppendLine($"master_key = file:{await NewKeyFileAsync("master.key")}");
                break;
            case "passphrase":
                var pass = Path.Combine(_dir, "passphrase");
                await File.WriteAllTextAsync(pass, "correct horse battery staple, for tests only\n");
                File.SetUnixFileMode(pass, UnixFileMode.UserRead | UnixFileMode.UserWrite);
                text.AppendLine($"master_key = passphrase:{pass}");
                break;
            case "rsa":
                using (var rsa = RSA.Create(2048))
                {
                    var pem = Path.Combine(_dir, "rsa.pem");
                    await File.WriteAllTextAsync(pem, rsa.ExportPkcs8PrivateKeyPem());
                    File.SetUnixFileMode(pem, UnixFileMode.UserRead | UnixFileMode.UserWrite);
                    text.AppendLine($"master_key = rsa:{pem}");
                }

                break;
            case "kms":
                kms!.AddCredentials(_rgw.AccessKeyId, _rgw.SecretAccessKey);
                var key = kms.CreateKey("s3cfs mode test");
                kms.SetAlias("alias/s3cfs-modes", key.KeyId);
                text.AppendLine("master_key = kms:alias/s3cfs-modes");
                text.AppendLine($"kms_endpoint = {kms.Endpoint}");
                text.AppendLine($"kms_region = {kms.Region}");
                break;
        }

        var sse = ServerSideEncryption.None;
        if (parts.Length > 1)
        {
            switch (parts[1])
            {
                case "sse-s3":
                    text.AppendLine("sse = s3");
                    sse = new ServerSideEncryption { Mode = SseMode.S3 };
                    break;
                case "sse-kms":
                    text.AppendLine("sse = kms");
                    text.AppendLine($"sse_kms_key_id = {_rgw.KmsKeyIds[0]}");
                    sse = new ServerSideEncryption { Mode = SseMode.Kms, KmsKeyId = _rgw.KmsKeyIds[0] };
                    break;
                case "sse-c":
                    var c = await NewKeyFileAsync("sse-c.key");
                    text.AppendLine("sse = c");
                    text.AppendLine($"sse_c_key = {c}");
                    text.AppendLine("allow_http_sse_c = true");
                    using (var bytes = S3Fs.Crypto.Keys.FileMasterKey.ReadKeyFile(c, "SSE-C key file"))
                    {
                        sse = new ServerSideEncryption { Mode = SseMode.CustomerKey, CustomerKey = new CustomerKey(bytes.Span) };
                    }

                    break;
            }
        }

        return (await WriteConfAsync("mode.conf", text.ToString()), sse);
    }

    private async Task<string> WriteConfAsync(string name, string body)
    {
        var conf = Path.Combine(_dir, name);
        await File.WriteAllTextAsync(conf, $"""
            bucket = {_rgw.Bucket}
            prefix = {_prefix}
            endpoint = {_rgw.Endpoint}
            checksums = when_required
            log_file = {_dir}/{name}.log
            {body}
            """);
        return conf;
    }

    private async Task<string> NewKeyFileAsync(string name)
    {
        var path = Path.Combine(_dir, name);
        if (!File.Exists(path))
        {
            await File.WriteAllTextAsync(path, Convert.ToHexString(RandomNumberGenerator.GetBytes(32)) + "\n");
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        return path;
    }

    private S3ObjectStore Store(ServerSideEncryption sse) => new(new S3StoreOptions
    {
        Bucket = _rgw.Bucket,
        Endpoint = _rgw.Endpoint.ToString().TrimEnd('/'),
        Region = _rgw.Region,
        PathStyle = true,
        Credentials = new S3Credentials(_rgw.AccessKeyId, _rgw.SecretAccessKey),
        Checksums = ChecksumPolicy.WhenRequired,
        AllowHttpSseC = true,
        ServerSideEncryption = sse,
    });

    /// <summary>The response headers of a HEAD, read around our store (curl signs it).</summary>
    private async Task<string> RawHeadAsync(string key)
    {
        var psi = new ProcessStartInfo("curl") { RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in new[] { "-sS", "-I", "--aws-sigv4", $"aws:amz:{_rgw.Region}:s3", "--user", $"{_rgw.AccessKeyId}:{_rgw.SecretAccessKey}", "-H", "x-amz-content-sha256: UNSIGNED-PAYLOAD", $"{_rgw.Endpoint.ToString().TrimEnd('/')}/{_rgw.Bucket}/{key}" })
        {
            psi.ArgumentList.Add(a);
        }

        using var p = Process.Start(psi)!;
        var output = await p.StandardOutput.ReadToEndAsync();
        await p.WaitForExitAsync();
        return output;
    }
}
