using System.Security.Cryptography;

namespace S3Fs.Crypto.Keys;

/// <summary>
/// A plaintext 256-bit key (a file's data key, or an intermediate key) in a pinned buffer that is zeroed on
/// dispose. Never logged, never written to disk; <see cref="ToString"/> reveals nothing.
/// </summary>
public sealed class DataKey : IDisposable
{
    public const int SizeInBytes = 32;

    private readonly byte[] _bytes;
    private bool _disposed;

    private DataKey(byte[] pinned)
    {
        _bytes = pinned;
    }

    /// <summary>A fresh random key from the OS CSPRNG.</summary>
    public static DataKey Generate()
    {
        var buffer = GC.AllocateArray<byte>(SizeInBytes, pinned: true);
        RandomNumberGenerator.Fill(buffer);
        return new DataKey(buffer);
    }

    /// <summary>Copies <paramref name="key"/> (which the caller should then zero).</summary>
    public static DataKey FromBytes(ReadOnlySpan<byte> key)
    {
        if (key.Length != SizeInBytes)
        {
            throw new CryptographicException($"A data key must be {SizeInBytes} bytes; got {key.Length}.");
        }

        var buffer = GC.AllocateArray<byte>(SizeInBytes, pinned: true);
        key.CopyTo(buffer);
        return new DataKey(buffer);
    }

    /// <summary>The key bytes. Valid until <see cref="Dispose"/>; do not copy them anywhere that is not zeroed.</summary>
    public ReadOnlySpan<byte> Span
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _bytes;
        }
    }

    public DataKey Clone() => FromBytes(Span);

    public void Dispose()
    {
        if (!_disposed)
        {
            CryptographicOperations.ZeroMemory(_bytes);
            _disposed = true;
        }
    }

    public override string ToString() => "DataKey(redacted)";
}
