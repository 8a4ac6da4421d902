using System.Buffers;
using S3Fs.Crypto.Format;

namespace S3Fs.Crypto.Keys;

/// <summary>
/// The <c>file:</c> master key: a 256-bit key in a local file that only its owner can read. The file holds 32 raw
/// bytes, or one line of 64 hex digits or 44 base64 characters (FILE-FORMAT.md §6).
/// </summary>
public sealed class FileMasterKey : SymmetricMasterKey
{
    private const string What = "key file";

    /// <summary>Text lengths of a 32-byte key as hex and as padded base64.</summary>
    private const int HexLength = 64;
    private const int Base64Length = 44;

    private FileMasterKey(ReadOnlySpan<byte> key)
        : base(KeyProviders.File, key)
    {
    }

    /// <summary>A key from its 32 bytes (the caller zeroes its copy).</summary>
    public static FileMasterKey FromKey(ReadOnlySpan<byte> key) => new(key);

    /// <summary>Loads a key file after checking that only its owner can read it.</summary>
    public static FileMasterKey Load(string path)
    {
        KeyFiles.EnsurePrivate(path, What);
        using var content = KeyFiles.ReadSecret(path, What);
        return FromKeyFileContents(content.Span, path);
    }

    /// <summary>Parses a key file's content; <paramref name="source"/> names it in errors.</summary>
    public static FileMasterKey FromKeyFileContents(ReadOnlySpan<byte> content, string source)
    {
        using var key = ParseKeyBytes(content, source, What);
        return new FileMasterKey(key.Span);
    }

    /// <summary>
    /// Reads any 256-bit key file (this provider's, or an SSE-C customer key) after checking that only its owner can
    /// read it: 32 raw bytes, or one line of 64 hex digits or 44 base64 characters. The caller disposes (zeroes) it.
    /// </summary>
    public static PinnedSecret ReadKeyFile(string path, string what)
    {
        KeyFiles.EnsurePrivate(path, what);
        using var content = KeyFiles.ReadSecret(path, what);
        return ParseKeyBytes(content.Span, path, what);
    }

    private static PinnedSecret ParseKeyBytes(ReadOnlySpan<byte> content, string source, string what)
    {
        if (content.Length == FormatV1.DataKeySize)
        {
            if (LooksLikeText(content))
            {
                throw new KeyConfigurationException(
                    $"The {what} '{source}' is 32 bytes of printable text, which is almost certainly not a random key. " +
                    "Use 32 random bytes (head -c 32 /dev/urandom > FILE), one line of 64 hex digits (openssl rand -hex 32 > FILE), " +
                    "or the passphrase: provider for a passphrase.");
            }

            return PinnedSecret.CopyOf(content);
        }

        var text = content[..KeyFiles.LengthWithoutFinalNewline(content)];
        if (text.Length is not (HexLength or Base64Length))
        {
            throw new KeyConfigurationException(
                $"The {what} '{source}' is not a 256-bit key: it has {content.Length} bytes, but a key file holds 32 raw bytes, " +
                "or one line of 64 hex digits or 44 base64 characters (make one with: openssl rand -hex 32 > FILE).");
        }

        Span<char> chars = stackalloc char[Base64Length + HexLength];
        chars = chars[..text.Length];
        var key = new PinnedSecret(FormatV1.DataKeySize);
        try
        {
            for (var i = 0; i < text.Length; i++)
            {
                chars[i] = (char)text[i];
            }

            var ok = text.Length == HexLength
                ? Convert.FromHexString(chars, key.Span, out _, out var hexWritten) == OperationStatus.Done && hexWritten == FormatV1.DataKeySize
                : Convert.TryFromBase64Chars(chars, key.Span, out var b64Written) && b64Written == FormatV1.DataKeySize;
            if (!ok)
            {
                throw new KeyConfigurationException(
                    $"The {what} '{source}' has a line of {text.Length} characters that is not valid " +
                    (text.Length == HexLength ? "hex (64 digits 0-9 a-f)." : "base64 of 32 bytes."));
            }

            return key;
        }
        catch
        {
            key.Dispose();
            throw;
        }
        finally
        {
            chars.Clear();
        }
    }

    private static bool LooksLikeText(ReadOnlySpan<byte> content)
    {
        foreach (var b in content)
        {
            if (b is not ((>= 0x20 and <= 0x7e) or (byte)'\t' or (byte)'\r' or (byte)'\n'))
            {
                return false;
            }
        }

        return true;
    }
}
