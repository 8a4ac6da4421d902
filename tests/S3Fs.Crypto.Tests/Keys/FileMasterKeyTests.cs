using System.Security.Cryptography;
using System.Text;
using S3Fs.Crypto.Keys;

namespace S3Fs.Crypto.Tests.Keys;

/// <summary>The file: provider: key file formats, permission refusal, key id, wrapping bound to its context.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class FileMasterKeyTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("s3cfs-keytest-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void FromKeyFileContents_RawHexAndBase64OfSameKey_GiveSameKeyId()
    {
        var key = TestKeys.RandomBytes(32);
        key[0] = 0; // a byte outside printable ASCII, so the raw form is never mistaken for text
        using var raw = FileMasterKey.FromKeyFileContents(key, "raw");
        using var hex = FileMasterKey.FromKeyFileContents(Encoding.ASCII.GetBytes(Convert.ToHexString(key) + "\n"), "hex");
        using var hexLower = FileMasterKey.FromKeyFileContents(Encoding.ASCII.GetBytes(Convert.ToHexStringLower(key)), "hex");
        using var b64 = FileMasterKey.FromKeyFileContents(Encoding.ASCII.GetBytes(Convert.ToBase64String(key) + "\r\n"), "b64");
        Assert.Equal(raw.KeyId, hex.KeyId);
        Assert.Equal(raw.KeyId, hexLower.KeyId);
        Assert.Equal(raw.KeyId, b64.KeyId);
        Assert.Equal(32, raw.KeyId.Length);
        Assert.Matches("^[0-9a-f]{32}$", raw.KeyId);
    }

    [Fact]
    public void KeyId_DoesNotRevealTheKey()
    {
        var key = TestKeys.RandomBytes(32);
        using var master = FileMasterKey.FromKey(key);
        var hex = Convert.ToHexStringLower(key);
        Assert.False(hex.Contains(master.KeyId, StringComparison.Ordinal));
        Assert.NotEqual(Convert.ToHexStringLower(SHA256.HashData(key))[..32], master.KeyId);
        Assert.DoesNotContain(hex[..16], master.ToString(), StringComparison.Ordinal);
        Assert.Contains("redacted", master.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("0123456789abcdef0123456789abcdef")] // 32 printable bytes: a password, not a key
    [InlineData("short")]
    [InlineData("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdeg")]
    [InlineData("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef00")]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==")] // 44 chars but only 31 bytes
    [InlineData("")]
    public void FromKeyFileContents_NotAKey_ClearErrorWithoutQuotingContent(string content)
    {
        var ex = Assert.Throws<KeyConfigurationException>(() => FileMasterKey.FromKeyFileContents(Encoding.ASCII.GetBytes(content), "/etc/s3cfs/key"));
        Assert.Contains("/etc/s3cfs/key", ex.Message, StringComparison.Ordinal);
        if (content.Length > 8)
        {
            Assert.DoesNotContain(content, ex.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Load_GroupOrOtherReadable_RefusedWithChmodHint()
    {
        var path = WriteKey(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        var ex = Assert.Throws<KeyConfigurationException>(() => FileMasterKey.Load(path));
        Assert.Contains($"chmod 600 {path}", ex.Message, StringComparison.Ordinal);
        Assert.Contains("0644", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_GroupWritable_Refused()
    {
        var path = WriteKey(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupWrite);
        Assert.Throws<KeyConfigurationException>(() => FileMasterKey.Load(path));
    }

    [Fact]
    public void Load_OwnerOnly_Accepted()
    {
        var path = WriteKey(UnixFileMode.UserRead | UnixFileMode.UserWrite);
        using var key = FileMasterKey.Load(path);
        Assert.Equal("file", key.Provider);
    }

    [Fact]
    public void Load_MissingFileOrDirectory_SaysSo()
    {
        Assert.Contains("does not exist", Assert.Throws<KeyConfigurationException>(() => FileMasterKey.Load(Path.Combine(_dir, "nope"))).Message, StringComparison.Ordinal);
        Assert.Contains("is a directory", Assert.Throws<KeyConfigurationException>(() => FileMasterKey.Load(_dir)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WrapUnwrap_SameContext_RoundTripsAnd60Bytes()
    {
        using var master = TestKeys.NewFileKey();
        using var dek = DataKey.Generate();
        var context = Encoding.ASCII.GetBytes("ctx");
        var wrapped = await master.WrapAsync(dek, context, CancellationToken.None);
        Assert.Equal(60, wrapped.Length);
        using var back = await master.UnwrapAsync(wrapped, context, CancellationToken.None);
        Assert.Equal(dek.Span.ToArray(), back.Span.ToArray());
    }

    [Fact]
    public async Task Unwrap_OtherContextOrAlteredBlobOrOtherKey_ThrowsCryptographicException()
    {
        using var master = TestKeys.NewFileKey();
        using var other = TestKeys.NewFileKey();
        using var dek = DataKey.Generate();
        var wrapped = await master.WrapAsync(dek, "ctx"u8.ToArray(), CancellationToken.None);
        await Assert.ThrowsAnyAsync<CryptographicException>(() => master.UnwrapAsync(wrapped, "ctX"u8.ToArray(), CancellationToken.None).AsTask());
        await Assert.ThrowsAnyAsync<CryptographicException>(() => other.UnwrapAsync(wrapped, "ctx"u8.ToArray(), CancellationToken.None).AsTask());
        wrapped[20] ^= 1;
        await Assert.ThrowsAnyAsync<CryptographicException>(() => master.UnwrapAsync(wrapped, "ctx"u8.ToArray(), CancellationToken.None).AsTask());
        await Assert.ThrowsAnyAsync<CryptographicException>(() => master.UnwrapAsync(wrapped.AsMemory(0, 59), "ctx"u8.ToArray(), CancellationToken.None).AsTask());
    }

    private string WriteKey(UnixFileMode mode)
    {
        var path = Path.Combine(_dir, Guid.NewGuid().ToString("N"));
        File.WriteAllText(path, Convert.ToHexString(TestKeys.RandomBytes(32)) + "\n");
        File.SetUnixFileMode(path, mode);
        return path;
    }
}
