using System.Text.Json;
using S3Fs.Crypto.Format;
using S3Fs.Crypto.Keys;

namespace S3Fs.Crypto.Tests;

/// <summary>
/// Every committed v1 vector (TestVectors/v1, never regenerated) must still decrypt byte for byte with today's code.
/// </summary>
public class GoldenVectorTests
{
    private static readonly string Dir = Path.Combine(AppContext.BaseDirectory, "TestVectors", "v1");

    private static readonly Lazy<PassphraseMasterKey> Passphrase = new(() =>
    {
        var text = File.ReadAllBytes(Path.Combine(Dir, "keys", "passphrase.txt"));
        var kdf = KdfParameters.FromJson(File.ReadAllText(Path.Combine(Dir, "keys", "kdf.json")));
        return PassphraseMasterKey.Derive(text.AsSpan(0, text.Length - 1), kdf);
    });

    public static TheoryData<string> Vectors() => [.. VectorNames()];

    private static List<string> VectorNames()
    {
        using var manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(Dir, "manifest.json")));
        return manifest.RootElement.EnumerateArray().Select(e => e.GetProperty("name").GetString()!).ToList();
    }

    [Theory]
    [MemberData(nameof(Vectors))]
    public async Task Open_CommittedVector_DecryptsByteForByte(string name)
    {
        using var meta = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(Dir, name + ".meta.json")));
        var root = meta.RootElement;
        var metadata = root.GetProperty("metadata").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!);
        var body = await File.ReadAllBytesAsync(Path.Combine(Dir, name + ".body"));
        var expected = await File.ReadAllBytesAsync(Path.Combine(Dir, name + ".plain"));
        var plainSize = root.GetProperty("plainSize").GetInt64();
        var layout = BlockLayout.ForBlockSize(root.GetProperty("blockSize").GetInt32());

        Assert.Equal(plainSize, expected.Length);
        Assert.Equal(body.Length, layout.CipherSizeFromPlainSize(plainSize));
        Assert.Equal(plainSize, layout.PlainSizeFromCipherSize(body.Length));

        var key = LoadKey(root.GetProperty("key").GetString()!);
        try
        {
            var factory = new FileCipherFactory(new MasterKeyRingView(key).Ring, null);
            var objectKey = root.GetProperty("objectKey").GetString();
            using var cipher = await factory.OpenAsync(metadata, objectKey, CancellationToken.None);
            Assert.Equal(layout, cipher.Layout);
            Assert.Equal(expected, cipher.OpenAll(body));

            body[^1] ^= 1;
            Assert.Throws<IntegrityException>(() => cipher.OpenAll(body));
        }
        finally
        {
            if (key is not PassphraseMasterKey)
            {
                key.Dispose();
            }
        }
    }

    [Fact]
    public void Folder_EveryFileIsAVectorKeyOrReadme()
    {
        var names = VectorNames().ToHashSet(StringComparer.Ordinal);
        Assert.True(names.Count >= 13, "the v1 vectors are missing");
        foreach (var file in Directory.GetFiles(Dir))
        {
            var fileName = Path.GetFileName(file);
            if (fileName is "manifest.json" or "README.md")
            {
                continue;
            }

            var stem = fileName.Replace(".meta.json", string.Empty, StringComparison.Ordinal)
                .Replace(".body", string.Empty, StringComparison.Ordinal)
                .Replace(".plain", string.Empty, StringComparison.Ordinal);
            Assert.Contains(stem, names);
        }

        Assert.Contains("never regenerated", File.ReadAllText(Path.Combine(Dir, "README.md")), StringComparison.Ordinal);
        Assert.Contains("test-only", File.ReadAllText(Path.Combine(Dir, "README.md")), StringComparison.Ordinal);
    }

    [Fact]
    public void RsaVectors_KeyIdIsTheFingerprintOfThePublicKey()
    {
        using var pub = RsaMasterKey.FromPem(File.ReadAllText(Path.Combine(Dir, "keys", "rsa-public.pem")), "rsa-public.pem");
        using var meta = JsonDocument.Parse(File.ReadAllText(Path.Combine(Dir, "rsa-public-b4096-p9000.meta.json")));
        Assert.Equal(pub.KeyId, meta.RootElement.GetProperty("metadata").GetProperty("s3cfs-kid").GetString());
    }

    private static IMasterKey LoadKey(string which) => which switch
    {
        "file" => FileMasterKey.FromKeyFileContents(File.ReadAllBytes(Path.Combine(Dir, "keys", "file.key")), "file.key"),
        "passphrase" => Passphrase.Value,
        "rsa-public" or "rsa-private" => RsaMasterKey.FromPem(File.ReadAllText(Path.Combine(Dir, "keys", "rsa-private.pem")), "rsa-private.pem"),
        _ => throw new InvalidOperationException($"unknown key '{which}' in a vector"),
    };

    /// <summary>A ring that does not dispose the shared passphrase key (the ring owns its keys otherwise).</summary>
    private sealed class MasterKeyRingView(IMasterKey key)
    {
        public MasterKeyRing Ring { get; } = new(new NonOwning(key));

        private sealed class NonOwning(IMasterKey inner) : IMasterKey
        {
            public string Provider => inner.Provider;

            public string KeyId => inner.KeyId;

            public bool CanUnwrap => inner.CanUnwrap;

            public bool CanWrap => inner.CanWrap;

            public ValueTask<byte[]> WrapAsync(DataKey dataKey, ReadOnlyMemory<byte> context, CancellationToken cancellationToken) =>
                inner.WrapAsync(dataKey, context, cancellationToken);

            public ValueTask<DataKey> UnwrapAsync(ReadOnlyMemory<byte> wrapped, ReadOnlyMemory<byte> context, CancellationToken cancellationToken) =>
                inner.UnwrapAsync(wrapped, context, cancellationToken);

            public void Dispose()
            {
            }
        }
    }
}
