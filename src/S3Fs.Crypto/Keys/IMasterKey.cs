namespace S3Fs.Crypto.Keys;

/// <summary>
/// A master key that wraps and unwraps per-file data keys. Implementations: local key file, passphrase-derived,
/// RSA key pair, and KMS (through an intermediate key, in S3Fs.Aws). The mount holds one primary master key
/// (wraps new data keys) and any number of old ones (unwrap only).
/// </summary>
public interface IMasterKey : IDisposable
{
    /// <summary>Provider name as recorded in the envelope: <c>file</c>, <c>passphrase</c>, <c>rsa</c> or <c>kms</c>.</summary>
    string Provider { get; }

    /// <summary>Stable id recorded in the envelope; an object is unwrapped by the configured key with the same provider and id.</summary>
    string KeyId { get; }

    /// <summary>False for an RSA public key alone: such a mount can write but not read.</summary>
    bool CanUnwrap { get; }

    bool CanWrap { get; }

    /// <summary>Wraps <paramref name="dataKey"/>, binding <paramref name="context"/> (fields decryption depends on).</summary>
    ValueTask<byte[]> WrapAsync(DataKey dataKey, ReadOnlyMemory<byte> context, CancellationToken cancellationToken);

    /// <summary>
    /// Unwraps. Throws <see cref="KeyUnavailableException"/> when the key cannot be used at all (public key only, key
    /// service refused or unreachable), and <see cref="System.Security.Cryptography.CryptographicException"/> when the
    /// blob or its context does not authenticate, which FileCipherFactory reports as an integrity error.
    /// </summary>
    ValueTask<DataKey> UnwrapAsync(ReadOnlyMemory<byte> wrapped, ReadOnlyMemory<byte> context, CancellationToken cancellationToken);
}

/// <summary>
/// No configured key can open an object's data key, or a key service refused. The message names the provider and
/// key id and says what to do; it never contains key material.
/// </summary>
public sealed class KeyUnavailableException : Exception
{
    public KeyUnavailableException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }

    public KeyUnavailableException(string provider, string keyId, string message, Exception? inner = null)
        : base(message, inner)
    {
        Provider = provider;
        KeyId = keyId;
    }

    public KeyUnavailableException()
    {
    }

    public KeyUnavailableException(string message)
        : base(message)
    {
    }

    /// <summary>The provider of the key that was needed, when known.</summary>
    public string? Provider { get; }

    /// <summary>The id of the key that was needed, when known.</summary>
    public string? KeyId { get; }
}
