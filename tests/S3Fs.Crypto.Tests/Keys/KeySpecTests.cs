using S3Fs.Crypto.Keys;

namespace S3Fs.Crypto.Tests.Keys;

public class KeySpecTests
{
    [Theory]
    [InlineData("kms:alias/s3cfs", typeof(KmsKeySpec), "kms")]
    [InlineData("kms:arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab", typeof(KmsKeySpec), "kms")]
    [InlineData("file:/etc/s3cfs/master.key", typeof(FileKeySpec), "file")]
    [InlineData("  passphrase:/root/.s3cfs-pass  ", typeof(PassphraseKeySpec), "passphrase")]
    [InlineData("rsa:C:\\keys\\pub.pem", typeof(RsaKeySpec), "rsa")]
    public void Parse_EachProvider_TypedSpec(string text, Type type, string provider)
    {
        var spec = KeySpec.Parse(text);
        Assert.IsType(type, spec);
        Assert.Equal(provider, spec.Provider);
        Assert.Equal(text.Trim(), spec.ToString());
    }

    [Fact]
    public void Parse_KmsArn_KeepsEverythingAfterFirstColon()
    {
        var spec = Assert.IsType<KmsKeySpec>(KeySpec.Parse("kms:arn:aws:kms:us-east-1:111122223333:alias/x"));
        Assert.Equal("arn:aws:kms:us-east-1:111122223333:alias/x", spec.KeyId);
        Assert.Equal("/a:b", Assert.IsType<FileKeySpec>(KeySpec.Parse("file:/a:b")).Path);
    }

    [Theory]
    [InlineData("/etc/key", "no provider prefix")]
    [InlineData("", "no provider prefix")]
    [InlineData(":x", "no provider prefix")]
    [InlineData("file:", "nothing after the colon")]
    [InlineData("aws:alias/x", "unknown provider 'aws'")]
    [InlineData("FILE:/k", "unknown provider 'FILE'")]
    [InlineData("kms:alias with space", "is not a key id")]
    public void Parse_Invalid_ListsAcceptedForms(string text, string expected)
    {
        var ex = Assert.Throws<KeyConfigurationException>(() => KeySpec.Parse(text));
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
        if (!expected.StartsWith("is not", StringComparison.Ordinal))
        {
            Assert.Contains("file:<path", ex.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void LocalMasterKeyLoader_KmsSpec_RefusedWithPointerToAws()
    {
        var ex = Assert.Throws<NotSupportedException>(() => LocalMasterKeyLoader.Load(KeySpec.Parse("kms:alias/x")));
        Assert.Contains("S3Fs.Aws", ex.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentNullException>(() => LocalMasterKeyLoader.Load(KeySpec.Parse("passphrase:/x")));
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void LocalMasterKeyLoader_FileSpec_LoadsTheKey()
    {
        var dir = Directory.CreateTempSubdirectory("s3cfs-spec-");
        try
        {
            var path = Path.Combine(dir.FullName, "k");
            File.WriteAllText(path, Convert.ToHexString(TestKeys.RandomBytes(32)));
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            using var key = LocalMasterKeyLoader.Load(KeySpec.Parse("file:" + path));
            Assert.Equal("file", key.Provider);
        }
        finally
        {
            dir.Delete(true);
        }
    }
}
