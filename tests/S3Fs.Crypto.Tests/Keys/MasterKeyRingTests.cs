using S3Fs.Crypto.Keys;

namespace S3Fs.Crypto.Tests.Keys;

public class MasterKeyRingTests
{
    [Fact]
    public void Find_PrimaryOrOldKey_ByProviderAndKeyId()
    {
        var primary = TestKeys.NewFileKey();
        var old = TestKeys.NewFileKey();
        using var ring = new MasterKeyRing(primary, [old]);
        Assert.Same(primary, ring.Find("file", primary.KeyId));
        Assert.Same(old, ring.Find("file", old.KeyId));
        Assert.Same(primary, ring.Primary);
        Assert.Equal(2, ring.Keys.Count);
        Assert.False(ring.TryFind("rsa", primary.KeyId, out _));
    }

    [Fact]
    public void Find_Miss_NamesProviderKeyIdConfiguredKeysAndOldKeys()
    {
        var primary = TestKeys.NewFileKey();
        using var ring = new MasterKeyRing(primary);
        var ex = Assert.Throws<KeyUnavailableException>(() => ring.Find("kms", "alias/archive", "a/b.txt"));
        Assert.Equal("kms", ex.Provider);
        Assert.Equal("alias/archive", ex.KeyId);
        Assert.Contains("kms key alias/archive", ex.Message, StringComparison.Ordinal);
        Assert.Contains("old_keys", ex.Message, StringComparison.Ordinal);
        Assert.Contains($"file:{primary.KeyId}", ex.Message, StringComparison.Ordinal);
        Assert.Contains("'a/b.txt'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Constructor_SameKeyTwice_Refused()
    {
        var bytes = TestKeys.RandomBytes(32);
        using var a = FileMasterKey.FromKey(bytes);
        using var b = FileMasterKey.FromKey(bytes);
        var ex = Assert.Throws<KeyConfigurationException>(() => new MasterKeyRing(a, [b]));
        Assert.Contains(a.KeyId, ex.Message, StringComparison.Ordinal);
    }
}
