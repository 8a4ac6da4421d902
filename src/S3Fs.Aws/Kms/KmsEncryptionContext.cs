using System.Security.Cryptography;
using System.Text;

namespace S3Fs.Aws.Kms;

/// <summary>
/// The KMS encryption context of an intermediate key: our own fields (purpose and intermediate-key id, under the
/// reserved <c>s3cfs:</c> prefix) merged with the user's <c>kms_context</c> pairs. KMS binds the context to the
/// ciphertext and shows it in CloudTrail and to key-policy conditions (<c>kms:EncryptionContext:KEY</c>). The user's
/// pairs are also stored, in a canonical byte form, inside each wrapped blob, so an object stays readable after
/// <c>kms_context</c> changes.
/// </summary>
public static class KmsEncryptionContext
{
    /// <summary>Prefix of the context keys S3Fs sets itself; user keys may not use it.</summary>
    public const string ReservedPrefix = "s3cfs:";

    /// <summary>Names what the KMS data key is; the version suffix changes if the scheme ever does.</summary>
    public const string PurposeKey = "s3cfs:purpose";

    public const string PurposeValue = "intermediate-key-v1";

    /// <summary>The intermediate key's random id (lower-case hex), so audit logs can tell intermediate keys apart.</summary>
    public const string IntermediateKeyIdKey = "s3cfs:ik";

    /// <summary>
    /// Upper bound of the encoded user context, in bytes. It is stored in every object's wrapped key, and S3 allows
    /// 2 KB of user metadata per object for everything (envelope fields, POSIX attributes, xattrs): 512 bytes, 683
    /// once base64-encoded, leaves the rest of the budget to those.
    /// </summary>
    public const int MaxEncodedUserContextBytes = 512;

    /// <summary>Each key and value is length-prefixed by one byte in the encoding.</summary>
    private const int MaxFieldBytes = 255;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>
    /// Parses the <c>kms_context</c> option: <c>key=value</c> pairs separated by <c>;</c> (commas separate mount
    /// options, so they cannot be used here), e.g. <c>kms_context=team=storage;env=prod</c>.
    /// </summary>
    public static IReadOnlyDictionary<string, string> ParseOption(string option)
    {
        var context = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in option.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0 || eq == pair.Length - 1)
            {
                throw new ArgumentException(
                    $"kms_context: '{pair}' is not key=value; write pairs as key=value separated by ';', e.g. kms_context=team=storage;env=prod.",
                    nameof(option));
            }

            var key = pair[..eq];
            if (!context.TryAdd(key, pair[(eq + 1)..]))
            {
                throw new ArgumentException($"kms_context: the key '{key}' appears twice.", nameof(option));
            }
        }

        Validate(context);
        return context;
    }

    /// <summary>Rejects user pairs that collide with ours, are empty, or do not fit the metadata budget.</summary>
    public static void Validate(IReadOnlyDictionary<string, string> user)
    {
        foreach (var (key, value) in user)
        {
            if (key.StartsWith(ReservedPrefix, StringComparison.OrdinalIgnoreCase))
            {
                throw new ArgumentException(
                    $"kms_context: the key '{key}' uses the prefix '{ReservedPrefix}', which S3Fs reserves for its own fields "
                    + $"({PurposeKey}, {IntermediateKeyIdKey}); rename it.",
                    nameof(user));
            }

            if (key.StartsWith("aws:", StringComparison.OrdinalIgnoreCase))
            {
                throw new ArgumentException($"kms_context: the key '{key}' uses the prefix 'aws:', which AWS services use for their own context keys; rename it.", nameof(user));
            }

            if (key.Length == 0 || value.Length == 0)
            {
                throw new ArgumentException("kms_context: keys and values must be non-empty (KMS rejects empty ones).", nameof(user));
            }

            if (Encoding.UTF8.GetByteCount(key) > MaxFieldBytes || Encoding.UTF8.GetByteCount(value) > MaxFieldBytes)
            {
                throw new ArgumentException($"kms_context: '{key}' or its value is longer than {MaxFieldBytes} UTF-8 bytes.", nameof(user));
            }
        }

        var size = Encode(user).Length;
        if (size > MaxEncodedUserContextBytes)
        {
            throw new ArgumentException(
                $"kms_context is {size} bytes once encoded; at most {MaxEncodedUserContextBytes} fit, because it is stored in every object's "
                + "metadata (2 KB in all on S3). Use fewer or shorter pairs.",
                nameof(user));
        }
    }

    /// <summary>Canonical form: pairs in ordinal key order, each <c>u8 key length ‖ key ‖ u8 value length ‖ value</c> (UTF-8).</summary>
    public static byte[] Encode(IReadOnlyDictionary<string, string> user)
    {
        using var buffer = new MemoryStream();
        foreach (var (key, value) in user.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            WriteField(buffer, key);
            WriteField(buffer, value);
        }

        return buffer.ToArray();
    }

    /// <summary>Reverses <see cref="Encode"/>, accepting only the canonical form; throws <see cref="CryptographicException"/> otherwise.</summary>
    public static Dictionary<string, string> Decode(ReadOnlySpan<byte> encoded)
    {
        var context = new Dictionary<string, string>(StringComparer.Ordinal);
        string? previous = null;
        while (!encoded.IsEmpty)
        {
            var key = ReadField(ref encoded);
            var value = ReadField(ref encoded);
            if (previous is not null && string.CompareOrdinal(previous, key) >= 0)
            {
                throw new CryptographicException("The encryption context stored in the wrapped key is not in canonical order; the object's metadata is corrupt.");
            }

            if (key.StartsWith(ReservedPrefix, StringComparison.OrdinalIgnoreCase))
            {
                throw new CryptographicException($"The encryption context stored in the wrapped key uses the reserved key '{key}'; the object's metadata is corrupt.");
            }

            context.Add(key, value);
            previous = key;
        }

        return context;
    }

    /// <summary>The full context sent to KMS for one intermediate key.</summary>
    public static Dictionary<string, string> ForIntermediateKey(ReadOnlySpan<byte> intermediateKeyId, IReadOnlyDictionary<string, string> user)
    {
        var context = new Dictionary<string, string>(user, StringComparer.Ordinal)
        {
            [PurposeKey] = PurposeValue,
            [IntermediateKeyIdKey] = Convert.ToHexStringLower(intermediateKeyId),
        };
        return context;
    }

    private static void WriteField(MemoryStream buffer, string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        buffer.WriteByte(checked((byte)bytes.Length));
        buffer.Write(bytes);
    }

    private static string ReadField(ref ReadOnlySpan<byte> encoded)
    {
        if (encoded.IsEmpty || encoded[0] == 0 || encoded.Length < 1 + encoded[0])
        {
            throw new CryptographicException("The encryption context stored in the wrapped key is truncated or has an empty field; the object's metadata is corrupt.");
        }

        var length = encoded[0];
        string text;
        try
        {
            text = StrictUtf8.GetString(encoded.Slice(1, length));
        }
        catch (DecoderFallbackException e)
        {
            throw new CryptographicException("The encryption context stored in the wrapped key is not valid UTF-8; the object's metadata is corrupt.", e);
        }

        encoded = encoded[(1 + length)..];
        return text;
    }
}
