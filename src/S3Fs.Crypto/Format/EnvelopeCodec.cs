using System.Globalization;

namespace S3Fs.Crypto.Format;

/// <summary>
/// Converts an <see cref="ObjectEnvelope"/> to and from S3 user metadata. Decoding is strict in the manner of
/// gocryptfs' config validation: every field must be present exactly once and in canonical form, and anything
/// unknown (version, algorithm, provider, flags, an unrecognised <c>s3cfs-*</c> name) is rejected with an
/// <see cref="EnvelopeFormatException"/> naming the field and value, because reading an object under rules it was not
/// written with can only produce garbage or a silent downgrade. Names outside <c>s3cfs-*</c> are ignored.
/// </summary>
public static class EnvelopeCodec
{
    /// <summary>Longest block-size text: 8388608 has 7 digits.</summary>
    private const int MaxBlockSizeDigits = 7;

    /// <summary>Base64 length of the largest wrapped key (512 bytes → 684 characters).</summary>
    private static readonly int MaxWrappedKeyBase64Length = Base64Length(FormatV1.MaxWrappedKeySize);

    /// <summary>True when the metadata has any <c>s3cfs-*</c> field, i.e. the object claims to be S3Fs-encrypted.</summary>
    public static bool HasEnvelope(IReadOnlyDictionary<string, string> metadata) =>
        metadata.Keys.Any(k => k.StartsWith(MetadataKeys.Prefix, StringComparison.OrdinalIgnoreCase));

    /// <summary>The <c>s3cfs-*</c> fields for <paramref name="envelope"/> (lower-case names, canonical values).</summary>
    public static Dictionary<string, string> Encode(ObjectEnvelope envelope)
    {
        if (!BlockLayout.IsValidBlockSize(envelope.BlockSize))
        {
            throw new ArgumentException($"Block size {envelope.BlockSize} is not valid in format v1.", nameof(envelope));
        }

        if (!KeyProviders.All.Contains(envelope.Provider))
        {
            throw new ArgumentException($"Unknown key provider '{envelope.Provider}'.", nameof(envelope));
        }

        if (!IsValidKeyId(envelope.KeyId))
        {
            throw new ArgumentException($"Key id '{envelope.KeyId}' is not valid in an envelope (1-{FormatV1.MaxKeyIdLength} characters of A-Z a-z 0-9 : / _ - . + = @).", nameof(envelope));
        }

        if (envelope.WrappedKey.Length is 0 or > FormatV1.MaxWrappedKeySize)
        {
            throw new ArgumentException($"A wrapped key must be 1 to {FormatV1.MaxWrappedKeySize} bytes; got {envelope.WrappedKey.Length}.", nameof(envelope));
        }

        if (envelope.Commitment.Length != FormatV1.CommitmentSize)
        {
            throw new ArgumentException($"The key commitment must be {FormatV1.CommitmentSize} bytes.", nameof(envelope));
        }

        return new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [MetadataKeys.Version] = FormatV1.Version.ToString(CultureInfo.InvariantCulture),
            [MetadataKeys.Algorithm] = FormatV1.Algorithm,
            [MetadataKeys.BlockSize] = envelope.BlockSize.ToString(CultureInfo.InvariantCulture),
            [MetadataKeys.FileId] = envelope.FileId.ToHex(),
            [MetadataKeys.KeyProvider] = envelope.Provider,
            [MetadataKeys.KeyId] = envelope.KeyId,
            [MetadataKeys.WrappedKey] = Convert.ToBase64String(envelope.WrappedKey.Span),
            [MetadataKeys.KeyCommitment] = Convert.ToBase64String(envelope.Commitment.Span),
        };
    }

    /// <summary>Parses the envelope from an object's user metadata; throws <see cref="EnvelopeFormatException"/>.</summary>
    public static ObjectEnvelope Decode(IReadOnlyDictionary<string, string> metadata)
    {
        var fields = Collect(metadata);

        // The version decides what every other field means, so it is judged first: a newer object should be reported
        // as "newer version", not as a list of fields this reader does not know.
        if (!fields.TryGetValue(MetadataKeys.Version, out var version))
        {
            throw new EnvelopeFormatException(
                MetadataKeys.Version,
                null,
                fields.Count == 0
                    ? "the object has no S3Fs envelope (it was not written by S3Fs, or its metadata was stripped)."
                    : "the object has other s3cfs-* fields but no format version.");
        }

        CheckCommon(MetadataKeys.Version, version, 3);
        if (version != FormatV1.Version.ToString(CultureInfo.InvariantCulture))
        {
            throw new EnvelopeFormatException(MetadataKeys.Version, version, $"unknown format version; this S3Fs reads version {FormatV1.Version} only. Upgrade S3Fs to read this object.");
        }

        foreach (var (name, value) in fields)
        {
            if (name == MetadataKeys.Flags)
            {
                throw new EnvelopeFormatException(name, value, "format v1 defines no feature flags, so this object needs a newer S3Fs.");
            }

            if (!MetadataKeys.All.Contains(name))
            {
                throw new EnvelopeFormatException(name, value, "unknown s3cfs-* field; it may come from a newer S3Fs, which this version cannot read safely.");
            }
        }

        var algorithm = Required(fields, MetadataKeys.Algorithm, 32);
        if (algorithm != FormatV1.Algorithm)
        {
            throw new EnvelopeFormatException(MetadataKeys.Algorithm, algorithm, $"unknown content algorithm; format v1 uses '{FormatV1.Algorithm}' only.");
        }

        var blockSize = ParseBlockSize(Required(fields, MetadataKeys.BlockSize, MaxBlockSizeDigits));

        var fileIdText = Required(fields, MetadataKeys.FileId, FormatV1.FileIdSize * 2);
        if (!FileId.TryParseHex(fileIdText, out var fileId))
        {
            throw new EnvelopeFormatException(MetadataKeys.FileId, fileIdText, "a file id is 32 lower-case hex digits.");
        }

        var provider = Required(fields, MetadataKeys.KeyProvider, 16);
        if (!KeyProviders.All.Contains(provider))
        {
            throw new EnvelopeFormatException(MetadataKeys.KeyProvider, provider, $"unknown key provider; known providers are {string.Join(", ", KeyProviders.All)}.");
        }

        var keyId = Required(fields, MetadataKeys.KeyId, FormatV1.MaxKeyIdLength);
        if (!IsValidKeyId(keyId))
        {
            throw new EnvelopeFormatException(MetadataKeys.KeyId, keyId, "a key id is 1 to 256 characters of A-Z a-z 0-9 : / _ - . + = @.");
        }

        var wrapped = ParseBase64(fields, MetadataKeys.WrappedKey, MaxWrappedKeyBase64Length);
        if (wrapped.Length == 0)
        {
            throw new EnvelopeFormatException(MetadataKeys.WrappedKey, string.Empty, "the wrapped key is empty.");
        }

        if (wrapped.Length > FormatV1.MaxWrappedKeySize)
        {
            // 513 and 512 bytes have the same base64 length, so the text-length check alone does not catch this.
            throw new EnvelopeFormatException(MetadataKeys.WrappedKey, fields[MetadataKeys.WrappedKey], $"the wrapped key is {wrapped.Length} bytes, longer than the {FormatV1.MaxWrappedKeySize} bytes v1 allows.");
        }

        var commitment = ParseBase64(fields, MetadataKeys.KeyCommitment, Base64Length(FormatV1.CommitmentSize));
        if (commitment.Length != FormatV1.CommitmentSize)
        {
            throw new EnvelopeFormatException(MetadataKeys.KeyCommitment, fields[MetadataKeys.KeyCommitment], $"the key commitment must decode to {FormatV1.CommitmentSize} bytes; it has {commitment.Length}.");
        }

        return new ObjectEnvelope(blockSize, fileId, provider, keyId, wrapped, commitment);
    }

    /// <summary>Key ids allowed in <c>s3cfs-kid</c>: 1 to 256 characters of a set that covers KMS ids, ARNs and aliases and hex fingerprints.</summary>
    public static bool IsValidKeyId(string keyId)
    {
        if (keyId.Length is 0 or > FormatV1.MaxKeyIdLength)
        {
            return false;
        }

        foreach (var c in keyId)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not (':' or '/' or '_' or '-' or '.' or '+' or '=' or '@'))
            {
                return false;
            }
        }

        return true;
    }

    private static int Base64Length(int bytes) => (bytes + 2) / 3 * 4;

    private static Dictionary<string, string> Collect(IReadOnlyDictionary<string, string> metadata)
    {
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in metadata)
        {
            if (!name.StartsWith(MetadataKeys.Prefix, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            var lower = name.ToLowerInvariant();
            if (!fields.TryAdd(lower, value))
            {
                throw new EnvelopeFormatException(lower, value, "the field appears more than once (names differing only in case count as the same field).");
            }
        }

        return fields;
    }

    private static void CheckCommon(string name, string value, int maxLength)
    {
        if (value.Length > maxLength)
        {
            throw new EnvelopeFormatException(name, value, $"the value is longer than the {maxLength} characters this field allows.");
        }

        if (value.Contains(',', StringComparison.Ordinal))
        {
            throw new EnvelopeFormatException(name, value, "the value contains a comma, which no v1 field can; an HTTP client may have joined a repeated header.");
        }
    }

    private static string Required(Dictionary<string, string> fields, string name, int maxLength)
    {
        if (!fields.TryGetValue(name, out var value))
        {
            throw new EnvelopeFormatException(name, null, "every S3Fs v1 object has this field; the metadata is incomplete.");
        }

        CheckCommon(name, value, maxLength);
        return value;
    }

    private static int ParseBlockSize(string text)
    {
        var canonical = text.Length > 0 && text[0] != '0' && text.All(char.IsAsciiDigit);
        if (!canonical || !int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value))
        {
            throw new EnvelopeFormatException(MetadataKeys.BlockSize, text, "the block size is a decimal number without sign or leading zeros.");
        }

        if (!BlockLayout.IsValidBlockSize(value))
        {
            throw new EnvelopeFormatException(MetadataKeys.BlockSize, text, $"the block size must be a power of two from {FormatV1.MinBlockSize} to {FormatV1.MaxBlockSize}.");
        }

        return value;
    }

    private static byte[] ParseBase64(Dictionary<string, string> fields, string name, int maxLength)
    {
        var text = Required(fields, name, maxLength);
        var buffer = new byte[(text.Length / 4 * 3) + 3];
        if (text.Length % 4 != 0
            || !text.All(c => char.IsAsciiLetterOrDigit(c) || c is '+' or '/' or '=')
            || !Convert.TryFromBase64String(text, buffer, out var written))
        {
            throw new EnvelopeFormatException(name, text, "not valid base64 (RFC 4648 with padding, no whitespace).");
        }

        var bytes = buffer[..written];
        if (Convert.ToBase64String(bytes) != text)
        {
            throw new EnvelopeFormatException(name, text, "base64 that is not in canonical form (non-zero padding bits).");
        }

        return bytes;
    }
}
