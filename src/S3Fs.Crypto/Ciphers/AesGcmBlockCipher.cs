using System.Security.Cryptography;
using S3Fs.Crypto.Format;
using S3Fs.Crypto.Keys;

namespace S3Fs.Crypto.Ciphers;

/// <summary>
/// AES-256-GCM block sealing as FILE-FORMAT.md §3 specifies: nonce(12) ‖ ciphertext ‖ tag(16), a fresh random nonce
/// per seal, the block's <see cref="BlockAad"/> as associated data. <see cref="AesGcm"/> instances keep per-call state
/// and are not thread-safe, so this class keeps a small pool of them, one per concurrent caller, built from a pinned
/// copy of the key that is zeroed on dispose.
/// </summary>
public sealed class AesGcmBlockCipher : IBlockCipher
{
    private readonly PinnedSecret _key;
    private readonly Stack<AesGcm> _pool = new();

    /// <summary>Instances kept for reuse; more concurrent callers than this get a short-lived instance.</summary>
    private readonly int _poolLimit = Math.Max(2, Environment.ProcessorCount * 2);
    private bool _disposed;

    /// <summary>Copies <paramref name="key"/> (32 bytes); the caller may zero its copy afterwards.</summary>
    public AesGcmBlockCipher(ReadOnlySpan<byte> key)
    {
        if (key.Length != FormatV1.DataKeySize)
        {
            throw new ArgumentException($"An AES-256 key is {FormatV1.DataKeySize} bytes; got {key.Length}.", nameof(key));
        }

        _key = PinnedSecret.CopyOf(key);
        Return(new AesGcm(_key.Span, FormatV1.TagSize));
    }

    public int Overhead => FormatV1.BlockOverhead;

    public int Seal(ReadOnlySpan<byte> plain, Span<byte> destination, in BlockAad aad)
    {
        var total = plain.Length + FormatV1.BlockOverhead;
        if (destination.Length < total)
        {
            throw new ArgumentException($"Sealing {plain.Length} bytes needs {total} bytes of destination; got {destination.Length}.", nameof(destination));
        }

        if (plain.Overlaps(destination))
        {
            throw new ArgumentException("The plaintext and the destination must not overlap.", nameof(destination));
        }

        Span<byte> aadBytes = stackalloc byte[BlockAad.Size];
        aad.WriteTo(aadBytes);
        var nonce = destination[..FormatV1.NonceSize];
        RandomNumberGenerator.Fill(nonce);
        var gcm = Rent();
        try
        {
            gcm.Encrypt(
                nonce,
                plain,
                destination.Slice(FormatV1.NonceSize, plain.Length),
                destination.Slice(FormatV1.NonceSize + plain.Length, FormatV1.TagSize),
                aadBytes);
        }
        finally
        {
            Return(gcm);
        }

        return total;
    }

    public bool TryOpen(ReadOnlySpan<byte> sealedBlock, Span<byte> destination, in BlockAad aad, out int written)
    {
        written = 0;
        if (sealedBlock.Length < FormatV1.BlockOverhead)
        {
            return false;
        }

        var length = sealedBlock.Length - FormatV1.BlockOverhead;
        if (destination.Length < length)
        {
            throw new ArgumentException($"Opening a block of {sealedBlock.Length} bytes needs {length} bytes of destination; got {destination.Length}.", nameof(destination));
        }

        if (sealedBlock.Overlaps(destination))
        {
            throw new ArgumentException("The sealed block and the destination must not overlap.", nameof(destination));
        }

        Span<byte> aadBytes = stackalloc byte[BlockAad.Size];
        aad.WriteTo(aadBytes);
        var plain = destination[..length];
        var gcm = Rent();
        try
        {
            gcm.Decrypt(
                sealedBlock[..FormatV1.NonceSize],
                sealedBlock.Slice(FormatV1.NonceSize, length),
                sealedBlock[(FormatV1.NonceSize + length)..],
                plain,
                aadBytes);
        }
        catch (CryptographicException)
        {
            // AesGcm clears the output on a tag mismatch already; clearing again costs nothing and does not depend on it.
            CryptographicOperations.ZeroMemory(plain);
            return false;
        }
        finally
        {
            Return(gcm);
        }

        written = length;
        return true;
    }

    public void Dispose()
    {
        lock (_pool)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            while (_pool.TryPop(out var gcm))
            {
                gcm.Dispose();
            }

            _key.Dispose();
        }
    }

    public override string ToString() => "AesGcmBlockCipher(key redacted)";

    private AesGcm Rent()
    {
        lock (_pool)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_pool.TryPop(out var gcm))
            {
                return gcm;
            }

            return new AesGcm(_key.Span, FormatV1.TagSize);
        }
    }

    private void Return(AesGcm gcm)
    {
        lock (_pool)
        {
            if (!_disposed && _pool.Count < _poolLimit)
            {
                _pool.Push(gcm);
                return;
            }
        }

        gcm.Dispose();
    }
}
