using S3Fs.Crypto.Format;

namespace S3Fs.Crypto.Keys;

/// <summary>
/// The <c>passphrase:</c> master key: PBKDF2-HMAC-SHA256 of a passphrase read from a file, then the same wrapping and
/// key id as <see cref="FileMasterKey"/>. The derivation is slow on purpose, so it happens once per mount.
/// </summary>
public sealed class PassphraseMasterKey : SymmetricMasterKey
{
    /// <summary>Shorter passphrases are refused outright; SECURITY.md recommends far longer ones.</summary>
    public const int MinPassphraseLength = 8;

    private const string What = "passphrase file";

    private PassphraseMasterKey(ReadOnlySpan<byte> masterKey, KdfParameters parameters)
        : base(KeyProviders.Passphrase, masterKey)
    {
        Parameters = parameters;
    }

    public KdfParameters Parameters { get; }

    /// <summary>Derives the key from <paramref name="passphrase"/> (its bytes as they are).</summary>
    public static PassphraseMasterKey Derive(ReadOnlySpan<byte> passphrase, KdfParameters parameters)
    {
        if (passphrase.Length < MinPassphraseLength)
        {
            throw new KeyConfigurationException($"The passphrase has {passphrase.Length} bytes; it must have at least {MinPassphraseLength} (and should have far more).");
        }

        using var masterKey = new PinnedSecret(FormatV1.DataKeySize);
        parameters.Derive(passphrase, masterKey.Span);
        return new PassphraseMasterKey(masterKey.Span, parameters);
    }

    /// <summary>Reads the passphrase file (owner-only; one trailing newline dropped) and derives the key.</summary>
    public static PassphraseMasterKey Load(string path, KdfParameters parameters)
    {
        KeyFiles.EnsurePrivate(path, What);
        using var content = KeyFiles.ReadSecret(path, What);
        var passphrase = content.Span[..KeyFiles.LengthWithoutFinalNewline(content.Span)];
        if (passphrase.Length < MinPassphraseLength)
        {
            throw new KeyConfigurationException($"The {What} '{path}' holds {passphrase.Length} bytes; a passphrase must have at least {MinPassphraseLength}.");
        }

        return Derive(passphrase, parameters);
    }
}
