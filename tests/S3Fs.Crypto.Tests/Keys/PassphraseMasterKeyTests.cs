using System.Text;
using S3Fs.Crypto.Keys;

namespace S3Fs.Crypto.Tests.Keys;

/// <summary>The passphrase: provider and its strictly parsed KDF parameters document.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class PassphraseMasterKeyTests : IDisposable
{
    private static readonly KdfParameters FixedParameters = new(KdfParameters.Pbkdf2Sha256, KdfParameters.MinIterations, new byte[32]);

    private readonly string _dir = Directory.CreateTempSubdirectory("s3cfs-pptest-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Derive_SamePassphraseAndParameters_SameKeyId_OtherSaltOrPassphrase_Different()
    {
        var salted = new KdfParameters(KdfParameters.Pbkdf2Sha256, KdfParameters.MinIterations, Enumerable.Repeat((byte)1, 32).ToArray());
        using var a = PassphraseMasterKey.Derive("correct horse battery"u8, FixedParameters);
        using var b = PassphraseMasterKey.Derive("correct horse battery"u8, FixedParameters);
        using var c = PassphraseMasterKey.Derive("correct horse battery"u8, salted);
        using var d = PassphraseMasterKey.Derive("correct horse batterz"u8, FixedParameters);
        Assert.Equal(a.KeyId, b.KeyId);
        Assert.NotEqual(a.KeyId, c.KeyId);
        Assert.NotEqual(a.KeyId, d.KeyId);
        Assert.Equal("passphrase", a.Provider);
    }

    [Fact]
    public void Load_TrailingNewline_IsNotPartOfThePassphrase()
    {
        var path = Path.Combine(_dir, "pp");
        File.WriteAllText(path, "correct horse battery\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        using var loaded = PassphraseMasterKey.Load(path, FixedParameters);
        using var derived = PassphraseMasterKey.Derive("correct horse battery"u8, FixedParameters);
        Assert.Equal(derived.KeyId, loaded.KeyId);
    }

    [Fact]
    public void Load_WorldReadable_RefusedWithChmodHint()
    {
        var path = Path.Combine(_dir, "pp");
        File.WriteAllText(path, "correct horse battery\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);
        var ex = Assert.Throws<KeyConfigurationException>(() => PassphraseMasterKey.Load(path, FixedParameters));
        Assert.Contains("chmod 600", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Derive_TooShort_Refused()
    {
        Assert.Throws<KeyConfigurationException>(() => PassphraseMasterKey.Derive("1234567"u8, FixedParameters));
    }

    [Fact]
    public void KdfParameters_CreateNew_DefaultsAndJsonRoundTrip()
    {
        var p = KdfParameters.CreateNew();
        Assert.Equal(600_000, p.Iterations);
        Assert.Equal(32, p.Salt.Length);
        var json = p.ToJson();
        Assert.StartsWith("{\"version\":1,\"algorithm\":\"pbkdf2-sha256\",\"iterations\":600000,\"salt\":\"", json, StringComparison.Ordinal);
        var back = KdfParameters.FromJson(json);
        Assert.Equal(p.Salt.ToArray(), back.Salt.ToArray());
        Assert.Equal(p.Iterations, back.Iterations);
        Assert.NotEqual(p.Salt.ToArray(), KdfParameters.CreateNew().Salt.ToArray());
    }

    [Theory]
    [InlineData("[]", "must be a JSON object")]
    [InlineData("{", "not valid JSON")]
    [InlineData("{\"version\":1,\"algorithm\":\"pbkdf2-sha256\",\"iterations\":600000}", "lack property 'salt'")]
    [InlineData("{\"version\":1,\"algorithm\":\"pbkdf2-sha256\",\"iterations\":600000,\"salt\":\"AAAAAAAAAAAAAAAAAAAAAA==\",\"extra\":1}", "Unknown property 'extra'")]
    [InlineData("{\"version\":1,\"version\":1,\"algorithm\":\"pbkdf2-sha256\",\"iterations\":600000,\"salt\":\"AAAAAAAAAAAAAAAAAAAAAA==\"}", "appears twice")]
    [InlineData("{\"version\":2,\"algorithm\":\"pbkdf2-sha256\",\"iterations\":600000,\"salt\":\"AAAAAAAAAAAAAAAAAAAAAA==\"}", "version 2 is unknown")]
    [InlineData("{\"version\":1,\"algorithm\":\"argon2id\",\"iterations\":600000,\"salt\":\"AAAAAAAAAAAAAAAAAAAAAA==\"}", "Unknown key-derivation algorithm 'argon2id'")]
    [InlineData("{\"version\":1,\"algorithm\":\"pbkdf2-sha256\",\"iterations\":1000,\"salt\":\"AAAAAAAAAAAAAAAAAAAAAA==\"}", "iteration count 1000")]
    [InlineData("{\"version\":1,\"algorithm\":\"pbkdf2-sha256\",\"iterations\":2000000000,\"salt\":\"AAAAAAAAAAAAAAAAAAAAAA==\"}", "stalls every mount")]
    [InlineData("{\"version\":1,\"algorithm\":\"pbkdf2-sha256\",\"iterations\":\"600000\",\"salt\":\"AAAAAAAAAAAAAAAAAAAAAA==\"}", "must be an integer")]
    [InlineData("{\"version\":1,\"algorithm\":\"pbkdf2-sha256\",\"iterations\":600000,\"salt\":\"AAAA\"}", "salt is 3 bytes")]
    [InlineData("{\"version\":1,\"algorithm\":\"pbkdf2-sha256\",\"iterations\":600000,\"salt\":\"*\"}", "not base64")]
    public void KdfParameters_FromJson_BadDocument_SpecificError(string json, string expected)
    {
        var ex = Assert.Throws<KeyConfigurationException>(() => KdfParameters.FromJson(json));
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WrapUnwrap_RoundTrip()
    {
        using var key = PassphraseMasterKey.Derive(Encoding.UTF8.GetBytes("a long enough passphrase"), FixedParameters);
        var factory = TestKeys.Factory(key);
        using var writer = await factory.CreateAsync(null, CancellationToken.None);
        Assert.Equal("passphrase", writer.Metadata["s3cfs-kp"]);
        var body = writer.SealAll([1, 2, 3]);
        using var reader = await factory.OpenAsync(writer.Metadata, null, CancellationToken.None);
        Assert.Equal([1, 2, 3], reader.OpenAll(body));
    }
}
