using System.Security.Cryptography;

namespace S3Fs.Core.Storage;

/// <summary>
/// An SSE-C customer key (256-bit). The key bytes live in a pinned array that is zeroed on dispose; the MD5
/// digest (what S3 uses to identify the key) is safe to log.
/// </summary>
public sealed class CustomerKey : IDisposable
{
    private readonly byte[] _key;
    private bool _disposed;

    public CustomerKey(ReadOnlySpan<byte> key)
    {
        if (key.Length != 32)
        {
            throw new ArgumentException($"An SSE-C key must be 32 bytes (256 bits); got {key.Length}.", nameof(key));
        }

        _key = GC.AllocateArray<byte>(32, pinned: true);
        key.CopyTo(_key);
#pragma warning disable CA5351 // MD5 is what the SSE-C protocol uses to name the key; it is not used for security here.
        KeyMd5Base64 = Convert.ToBase64String(MD5.HashData(_key));
#pragma warning restore CA5351
    }

    /// <summary>Base64 of the MD5 of the key: the <c>x-amz-server-side-encryption-customer-key-MD5</c> value.</summary>
    public string KeyMd5Base64 { get; }

    /// <summary>Base64 of the key, for the request header. Callers must not keep or log it.</summary>
    public string KeyBase64()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return Convert.ToBase64String(_key);
    }

    public void Dispose()
    {
        if (!_disposed)
        {
            CryptographicOperations.ZeroMemory(_key);
            _disposed = true;
        }
    }

    public override string ToString() => $"SSE-C key md5:{KeyMd5Base64}";
}
