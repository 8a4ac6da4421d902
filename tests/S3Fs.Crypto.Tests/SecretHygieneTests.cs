using System.Text;
using S3Fs.Crypto.Keys;

namespace S3Fs.Crypto.Tests;

/// <summary>Key material never shows up in ToString, exception messages or envelopes.</summary>
public class SecretHygieneTests
{
    [Fact]
    public async Task RoundTripAndFailures_NoKeyBytesInAnyTextProduced()
    {
        var masterBytes = TestKeys.RandomBytes(32);
        using var master = FileMasterKey.FromKey(masterBytes);
        var factory = TestKeys.Factory(master);
        var texts = new List<string> { master.ToString()! };
        using var writer = await factory.CreateAsync("k", CancellationToken.None);
        texts.Add(writer.ToString());
        texts.AddRange(writer.Metadata.Select(kv => kv.Key + "=" + kv.Value));
        var body = writer.SealAll(new byte[5000]);
        body[100] ^= 1;
        using var reader = await factory.OpenAsync(writer.Metadata, "k", CancellationToken.None);
        texts.Add(Assert.Throws<IntegrityException>(() => reader.OpenAll(body)).ToString());
        using (var dek = DataKey.Generate())
        {
            texts.Add(dek.ToString());
        }

        var all = string.Join("\n", texts);
        foreach (var form in Forms(masterBytes))
        {
            Assert.DoesNotContain(form, all, StringComparison.OrdinalIgnoreCase);
        }

        Assert.Contains("redacted", all, StringComparison.Ordinal);
    }

    [Fact]
    public void KeyFileErrors_NeverQuoteTheFile()
    {
        var secret = "super-secret-passphrase-text-not-a-key-0123456";
        var ex = Assert.Throws<KeyConfigurationException>(() => FileMasterKey.FromKeyFileContents(Encoding.ASCII.GetBytes(secret), "/k"));
        Assert.DoesNotContain("super-secret", ex.Message, StringComparison.Ordinal);
    }

    private static IEnumerable<string> Forms(byte[] key) =>
        [Convert.ToHexString(key)[..16], Convert.ToBase64String(key)[..16], Encoding.Latin1.GetString(key)[..8]];
}
