namespace S3Fs.Crypto.Keys;

/// <summary>
/// A configured key file (key, passphrase, PEM, KDF parameters) or key spec cannot be used. The message names the
/// file and says how to fix it; it never quotes the file's content.
/// </summary>
public sealed class KeyConfigurationException : Exception
{
    public KeyConfigurationException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }

    public KeyConfigurationException()
    {
    }

    public KeyConfigurationException(string message)
        : base(message)
    {
    }
}
