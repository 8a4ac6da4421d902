using S3Fs.Crypto.Format;

namespace S3Fs.Crypto.Ciphers;

/// <summary>
/// Seals and opens single blocks under one file's block key. The seam between the pure layout arithmetic and the
/// primitive; implementations must be safe to call from several threads at once (prefetch opens blocks in parallel).
/// </summary>
public interface IBlockCipher : IDisposable
{
    /// <summary>Bytes a sealed block adds to its plaintext.</summary>
    int Overhead { get; }

    /// <summary>
    /// Seals <paramref name="plain"/> into <paramref name="destination"/> (at least plain.Length + Overhead bytes, not
    /// overlapping) and returns the bytes written.
    /// </summary>
    int Seal(ReadOnlySpan<byte> plain, Span<byte> destination, in BlockAad aad);

    /// <summary>
    /// Opens a sealed block. On success writes the plaintext to <paramref name="destination"/> and returns true. On any
    /// authentication failure returns false with <paramref name="destination"/> zeroed: unauthenticated bytes never
    /// reach the caller.
    /// </summary>
    bool TryOpen(ReadOnlySpan<byte> sealedBlock, Span<byte> destination, in BlockAad aad, out int written);
}
