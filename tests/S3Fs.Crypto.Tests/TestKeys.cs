using System.Security.Cryptography;
using S3Fs.Crypto.Keys;

namespace S3Fs.Crypto.Tests;

/// <summary>Keys and factories for tests. RSA keys are generated once per run because generation is slow.</summary>
internal static class TestKeys
{
    private static readonly Lazy<string> Rsa2048PemLazy = new(() =>
    {
        using var rsa = RSA.Create(2048);
        return rsa.ExportPkcs8PrivateKeyPem();
    });

    public static string Rsa2048PrivatePem => Rsa2048PemLazy.Value;

    public static string Rsa2048PublicPem
    {
        get
        {
            using var rsa = RSA.Create();
            rsa.ImportFromPem(Rsa2048PrivatePem);
            return rsa.ExportSubjectPublicKeyInfoPem();
        }
    }

    public static byte[] RandomBytes(int length) => RandomNumberGenerator.GetBytes(length);

    public static FileMasterKey NewFileKey() => FileMasterKey.FromKey(RandomBytes(32));

    public static FileCipherFactory Factory(IMasterKey primary, int blockSize = 4096, DataKeyCache? cache = null, params IMasterKey[] oldKeys) =>
        new(new MasterKeyRing(primary, oldKeys), cache, blockSize);

    public static byte[] Pattern(int length, int seed = 1)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }
}

/// <summary>A master key that counts calls and delegates, for cache and ring tests.</summary>
internal sealed class CountingMasterKey(IMasterKey inner) : IMasterKey
{
    public int Unwraps;
    public int Wraps;

    public string Provider => inner.Provider;

    public string KeyId => inner.KeyId;

    public bool CanUnwrap => inner.CanUnwrap;

    public bool CanWrap => inner.CanWrap;

    public ValueTask<byte[]> WrapAsync(DataKey dataKey, ReadOnlyMemory<byte> context, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref Wraps);
        return inner.WrapAsync(dataKey, context, cancellationToken);
    }

    public ValueTask<DataKey> UnwrapAsync(ReadOnlyMemory<byte> wrapped, ReadOnlyMemory<byte> context, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref Unwraps);
        return inner.UnwrapAsync(wrapped, context, cancellationToken);
    }

    public void Dispose() => inner.Dispose();
}
