using System.Security.Cryptography;

namespace S3Fs.Crypto.Keys;

/// <summary>
/// A pinned byte array for secret material of any length (passphrases, derived keys, decrypted payloads): pinned so
/// the GC never leaves a stray copy behind, zeroed on dispose. The helper that every key type here builds on.
/// </summary>
public sealed class PinnedSecret : IDisposable
{
    private bool _disposed;

    public PinnedSecret(int length)
    {
        Array = GC.AllocateArray<byte>(length, pinned: true);
    }

    /// <summary>A pinned copy of <paramref name="bytes"/>.</summary>
    public static PinnedSecret CopyOf(ReadOnlySpan<byte> bytes)
    {
        var secret = new PinnedSecret(bytes.Length);
        bytes.CopyTo(secret.Array);
        return secret;
    }

    public byte[] Array { get; }

    public Span<byte> Span
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return Array;
        }
    }

    public void Dispose()
    {
        if (!_disposed)
        {
            CryptographicOperations.ZeroMemory(Array);
            _disposed = true;
        }
    }

    public override string ToString() => "PinnedSecret(redacted)";
}
