using S3Fs.Crypto.Format;

namespace S3Fs.Crypto.Keys;

/// <summary>
/// A configured master key as the user writes it (<c>key = ...</c> and <c>old_keys = ...</c> options):
/// <c>kms:&lt;key id, ARN or alias&gt;</c>, <c>file:&lt;path&gt;</c>, <c>passphrase:&lt;path&gt;</c> or
/// <c>rsa:&lt;path&gt;</c>. Parsing only; <see cref="LocalMasterKeyLoader"/> turns the local kinds into keys, and the
/// kms kind is implemented in S3Fs.Aws.
/// </summary>
public abstract record KeySpec
{
    private protected KeySpec()
    {
    }

    /// <summary>The provider name, as recorded in envelopes.</summary>
    public abstract string Provider { get; }

    private const string Expected =
        "expected one of kms:<key id, ARN or alias>, file:<path to 256-bit key file>, passphrase:<path to passphrase file>, rsa:<path to PEM key>";

    /// <summary>Parses one spec; throws <see cref="KeyConfigurationException"/> with the accepted forms.</summary>
    public static KeySpec Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var trimmed = text.Trim();
        var colon = trimmed.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0)
        {
            throw new KeyConfigurationException($"Key '{trimmed}' has no provider prefix; {Expected}.");
        }

        var scheme = trimmed[..colon];
        var value = trimmed[(colon + 1)..];
        if (value.Length == 0)
        {
            throw new KeyConfigurationException($"Key '{trimmed}' names the {scheme} provider but nothing after the colon; {Expected}.");
        }

        return scheme switch
        {
            KeyProviders.Kms => EnvelopeCodec.IsValidKeyId(value)
                ? new KmsKeySpec(value)
                : throw new KeyConfigurationException(
                    $"KMS key '{value}' is not a key id, key ARN, alias name or alias ARN (1-{FormatV1.MaxKeyIdLength} characters of A-Z a-z 0-9 : / _ - . + = @)."),
            KeyProviders.File => new FileKeySpec(value),
            KeyProviders.Passphrase => new PassphraseKeySpec(value),
            KeyProviders.Rsa => new RsaKeySpec(value),
            _ => throw new KeyConfigurationException($"Key '{trimmed}' has unknown provider '{scheme}'; {Expected}."),
        };
    }
}

/// <summary><c>kms:&lt;id&gt;</c>: an AWS KMS key (implemented in S3Fs.Aws).</summary>
public sealed record KmsKeySpec(string KeyId) : KeySpec
{
    public override string Provider => KeyProviders.Kms;

    public override string ToString() => $"kms:{KeyId}";
}

/// <summary><c>file:&lt;path&gt;</c>: a local 256-bit key file.</summary>
public sealed record FileKeySpec(string Path) : KeySpec
{
    public override string Provider => KeyProviders.File;

    public override string ToString() => $"file:{Path}";
}

/// <summary><c>passphrase:&lt;path&gt;</c>: a file holding a passphrase.</summary>
public sealed record PassphraseKeySpec(string Path) : KeySpec
{
    public override string Provider => KeyProviders.Passphrase;

    public override string ToString() => $"passphrase:{Path}";
}

/// <summary><c>rsa:&lt;path&gt;</c>: a PEM RSA private key, or a public key for a write-only mount.</summary>
public sealed record RsaKeySpec(string Path) : KeySpec
{
    public override string Provider => KeyProviders.Rsa;

    public override string ToString() => $"rsa:{Path}";
}

/// <summary>Loads the master keys that live in this assembly (file, passphrase, rsa) from their specs.</summary>
public static class LocalMasterKeyLoader
{
    /// <summary>
    /// Loads <paramref name="spec"/>. A passphrase key needs <paramref name="passphraseKdf"/> (the parameters the mount
    /// keeps in the bucket). A kms spec is refused here: its implementation lives in S3Fs.Aws.
    /// </summary>
    public static IMasterKey Load(KeySpec spec, KdfParameters? passphraseKdf = null) => spec switch
    {
        FileKeySpec f => FileMasterKey.Load(f.Path),
        RsaKeySpec r => RsaMasterKey.Load(r.Path),
        PassphraseKeySpec p => PassphraseMasterKey.Load(
            p.Path,
            passphraseKdf ?? throw new ArgumentNullException(nameof(passphraseKdf), "A passphrase key needs its key-derivation parameters.")),
        KmsKeySpec k => throw new NotSupportedException($"Key '{k}' is a KMS key; it is created by the KMS provider in S3Fs.Aws, not by the local loader."),
        _ => throw new NotSupportedException($"Unknown key spec type {spec.GetType().Name}."),
    };
}
