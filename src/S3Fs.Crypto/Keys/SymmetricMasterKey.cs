using System.Security.Cryptography;
using S3Fs.Crypto.Format;

namespace S3Fs.Crypto.Keys;

/// <summary>
/// The local symmetric master keys (<c>file</c> and <c>passphrase</c>, FILE-FORMAT.md §6): from a 256-bit master key M
/// it derives a wrapping key and a fingerprint key id, and wraps data keys with AES-256-GCM using the envelope context
/// as associated data, so a wrapped key only unwraps for the file id, block size and key id it was made for.
/// </summary>
public abstract class SymmetricMasterKey : IMasterKey
{
    /// <summary>nonce(12) ‖ encrypted data key(32) ‖ tag(16).</summary>
    public const int WrappedSize = FormatV1.NonceSize + FormatV1.DataKeySize + FormatV1.TagSize;

    private readonly PinnedSecret _wrapKey;

    private protected SymmetricMasterKey(string provider, ReadOnlySpan<byte> masterKey)
    {
        if (masterKey.Length != FormatV1.DataKeySize)
        {
            throw new ArgumentException($"A master key is {FormatV1.DataKeySize} bytes; got {masterKey.Length}.", nameof(masterKey));
        }

        Provider = provider;
        KeyId = KeyDerivation.SymmetricKeyId(masterKey);
        _wrapKey = new PinnedSecret(FormatV1.DataKeySize);
        KeyDerivation.WrapKey(masterKey, _wrapKey.Span);
    }

    public string Provider { get; }

    public string KeyId { get; }

    public bool CanUnwrap => true;

    public bool CanWrap => true;

    public ValueTask<byte[]> WrapAsync(DataKey dataKey, ReadOnlyMemory<byte> context, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var blob = new byte[WrappedSize];
        var nonce = blob.AsSpan(0, FormatV1.NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var gcm = new AesGcm(_wrapKey.Span, FormatV1.TagSize);
        gcm.Encrypt(
            nonce,
            dataKey.Span,
            blob.AsSpan(FormatV1.NonceSize, FormatV1.DataKeySize),
            blob.AsSpan(FormatV1.NonceSize + FormatV1.DataKeySize),
            context.Span);
        return ValueTask.FromResult(blob);
    }

    public ValueTask<DataKey> UnwrapAsync(ReadOnlyMemory<byte> wrapped, ReadOnlyMemory<byte> context, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (wrapped.Length != WrappedSize)
        {
            throw new CryptographicException($"A data key wrapped by the {Provider} provider is {WrappedSize} bytes; this one has {wrapped.Length}.");
        }

        var blob = wrapped.Span;
        using var plain = new PinnedSecret(FormatV1.DataKeySize);
        using (var gcm = new AesGcm(_wrapKey.Span, FormatV1.TagSize))
        {
            // Throws AuthenticationTagMismatchException (a CryptographicException) for a wrong key or altered context.
            gcm.Decrypt(
                blob[..FormatV1.NonceSize],
                blob.Slice(FormatV1.NonceSize, FormatV1.DataKeySize),
                blob[(FormatV1.NonceSize + FormatV1.DataKeySize)..],
                plain.Span,
                context.Span);
        }

        return ValueTask.FromResult(DataKey.FromBytes(plain.Span));
    }

    public void Dispose()
    {
        _wrapKey.Dispose();
        GC.SuppressFinalize(this);
    }

    public override string ToString() => $"{Provider}:{KeyId} (key redacted)";
}
