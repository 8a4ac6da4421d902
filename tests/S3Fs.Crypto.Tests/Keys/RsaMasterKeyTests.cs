using System.Security.Cryptography;
using S3Fs.Crypto.Format;
using S3Fs.Crypto.Keys;

namespace S3Fs.Crypto.Tests.Keys;

/// <summary>The rsa: provider: PEM forms, key size bounds, write-only public-key mounts, context binding.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class RsaMasterKeyTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("s3cfs-rsatest-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void FromPem_PrivateAndPublicHalf_SameKeyIdFromSubjectPublicKeyInfo()
    {
        using var priv = RsaMasterKey.FromPem(TestKeys.Rsa2048PrivatePem, "priv");
        using var pub = RsaMasterKey.FromPem(TestKeys.Rsa2048PublicPem, "pub");
        Assert.Equal(priv.KeyId, pub.KeyId);
        Assert.True(priv.CanUnwrap);
        Assert.False(pub.CanUnwrap);
        Assert.True(pub.CanWrap);
        using var rsa = RSA.Create();
        rsa.ImportFromPem(TestKeys.Rsa2048PublicPem);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(rsa.ExportSubjectPublicKeyInfo()))[..32], priv.KeyId);
    }

    [Fact]
    public void FromPem_Pkcs1Forms_Accepted()
    {
        using var rsa = RSA.Create();
        rsa.ImportFromPem(TestKeys.Rsa2048PrivatePem);
        using var priv = RsaMasterKey.FromPem(rsa.ExportRSAPrivateKeyPem(), "pkcs1");
        using var pub = RsaMasterKey.FromPem(rsa.ExportRSAPublicKeyPem(), "pkcs1-pub");
        Assert.Equal(priv.KeyId, pub.KeyId);
        Assert.True(priv.CanUnwrap);
        Assert.False(pub.CanUnwrap);
    }

    [Fact]
    public async Task PublicKeyOnlyMount_CanWriteButNotRead_AndPrivateKeyReadsIt()
    {
        using var pub = RsaMasterKey.FromPem(TestKeys.Rsa2048PublicPem, "pub");
        var writeOnly = TestKeys.Factory(pub);
        using var writer = await writeOnly.CreateAsync("x", CancellationToken.None);
        var body = writer.SealAll([9, 8, 7]);
        Assert.Equal(256, Convert.FromBase64String(writer.Metadata[MetadataKeys.WrappedKey]).Length);

        var ex = await Assert.ThrowsAsync<KeyUnavailableException>(() => writeOnly.OpenAsync(writer.Metadata, "x", CancellationToken.None).AsTask());
        Assert.Contains("only the public key", ex.Message, StringComparison.Ordinal);
        Assert.Equal("rsa", ex.Provider);
        Assert.Equal(pub.KeyId, ex.KeyId);

        using var priv = RsaMasterKey.FromPem(TestKeys.Rsa2048PrivatePem, "priv");
        using var reader = await TestKeys.Factory(priv).OpenAsync(writer.Metadata, "x", CancellationToken.None);
        Assert.Equal([9, 8, 7], reader.OpenAll(body));
    }

    [Fact]
    public async Task Unwrap_OtherContext_Fails()
    {
        using var priv = RsaMasterKey.FromPem(TestKeys.Rsa2048PrivatePem, "priv");
        using var dek = DataKey.Generate();
        var wrapped = await priv.WrapAsync(dek, "one"u8.ToArray(), CancellationToken.None);
        using (var back = await priv.UnwrapAsync(wrapped, "one"u8.ToArray(), CancellationToken.None))
        {
            Assert.Equal(dek.Span.ToArray(), back.Span.ToArray());
        }

        var ex = await Assert.ThrowsAnyAsync<CryptographicException>(() => priv.UnwrapAsync(wrapped, "two"u8.ToArray(), CancellationToken.None).AsTask());
        Assert.Contains("different envelope", ex.Message, StringComparison.Ordinal);
        wrapped[10] ^= 1;
        await Assert.ThrowsAnyAsync<CryptographicException>(() => priv.UnwrapAsync(wrapped, "one"u8.ToArray(), CancellationToken.None).AsTask());
    }

    [Fact]
    public void FromPem_1024BitKey_Refused()
    {
        using var rsa = RSA.Create(1024);
        var ex = Assert.Throws<KeyConfigurationException>(() => RsaMasterKey.FromPem(rsa.ExportPkcs8PrivateKeyPem(), "small.pem"));
        Assert.Contains("1024-bit", ex.Message, StringComparison.Ordinal);
        Assert.Contains("2048", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromPem_EncryptedKey_RefusedWithOpensslHint()
    {
        using var rsa = RSA.Create();
        rsa.ImportFromPem(TestKeys.Rsa2048PrivatePem);
        var pem = rsa.ExportEncryptedPkcs8PrivateKeyPem("pw", new PbeParameters(PbeEncryptionAlgorithm.Aes256Cbc, HashAlgorithmName.SHA256, 1000));
        var ex = Assert.Throws<KeyConfigurationException>(() => RsaMasterKey.FromPem(pem, "enc.pem"));
        Assert.Contains("openssl pkey", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("not a pem")]
    [InlineData("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")]
    public void FromPem_NoKey_Refused(string pem)
    {
        var ex = Assert.Throws<KeyConfigurationException>(() => RsaMasterKey.FromPem(pem, "bad.pem"));
        Assert.Contains("bad.pem", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromPem_EcKey_Refused()
    {
        using var ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        Assert.Throws<KeyConfigurationException>(() => RsaMasterKey.FromPem(ec.ExportPkcs8PrivateKeyPem(), "ec.pem"));
    }

    [Fact]
    public void Load_PrivateKeyReadableByOthers_Refused_PublicKeyReadableByOthers_Accepted()
    {
        var privPath = Path.Combine(_dir, "priv.pem");
        var pubPath = Path.Combine(_dir, "pub.pem");
        File.WriteAllText(privPath, TestKeys.Rsa2048PrivatePem);
        File.WriteAllText(pubPath, TestKeys.Rsa2048PublicPem);
        var open = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
        File.SetUnixFileMode(privPath, open);
        File.SetUnixFileMode(pubPath, open);
        var ex = Assert.Throws<KeyConfigurationException>(() => RsaMasterKey.Load(privPath));
        Assert.Contains($"chmod 600 {privPath}", ex.Message, StringComparison.Ordinal);
        using (var pub = RsaMasterKey.Load(pubPath))
        {
            Assert.False(pub.CanUnwrap);
        }

        File.SetUnixFileMode(privPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        using var priv = RsaMasterKey.Load(privPath);
        Assert.True(priv.CanUnwrap);
        Assert.Contains("redacted", priv.ToString(), StringComparison.Ordinal);
    }
}
