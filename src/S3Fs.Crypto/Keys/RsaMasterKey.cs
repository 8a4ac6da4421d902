using System.Security.Cryptography;
using S3Fs.Crypto.Format;

namespace S3Fs.Crypto.Keys;

/// <summary>
/// The <c>rsa:</c> master key: RSA-OAEP-SHA256 wrapping (FILE-FORMAT.md §6). With the private key it wraps and
/// unwraps; with only the public key it wraps alone, which makes a write-only mount that can store files it cannot
/// read back. .NET's OAEP takes no label, so the envelope context is bound by putting its SHA-256 digest inside the
/// encrypted payload next to the data key and checking it on unwrap.
/// </summary>
public sealed class RsaMasterKey : IMasterKey
{
    /// <summary>Below 2048 bits RSA no longer meets NIST's 112-bit security floor.</summary>
    public const int MinKeySizeBits = 2048;

    /// <summary>Above 4096 bits the wrapped key (one modulus long) would not fit the envelope's 512-byte budget.</summary>
    public const int MaxKeySizeBits = 4096;

    private const int DigestSize = 32;
    private const int PayloadSize = FormatV1.DataKeySize + DigestSize;
    private const string What = "RSA key file";
    private static readonly byte[] ContextLabel = "s3cfs/v1/rsa-context"u8.ToArray();

    /// <summary>Guards <see cref="_rsa"/>: one RSA object, operations serialised (wraps and unwraps are rare and cached).</summary>
    private readonly Lock _lock = new();
    private readonly RSA _rsa;

    private RsaMasterKey(RSA rsa, bool hasPrivateKey)
    {
        _rsa = rsa;
        CanUnwrap = hasPrivateKey;
        KeyId = Convert.ToHexStringLower(SHA256.HashData(rsa.ExportSubjectPublicKeyInfo()).AsSpan(0, KeyDerivation.KeyIdBytes));
    }

    public string Provider => KeyProviders.Rsa;

    /// <summary>Hex of the first 16 bytes of SHA-256 of the DER SubjectPublicKeyInfo: the same for the private key and its public half.</summary>
    public string KeyId { get; }

    public bool CanUnwrap { get; }

    public bool CanWrap => true;

    /// <summary>Loads a PEM file; a private key file must be readable by its owner only.</summary>
    public static RsaMasterKey Load(string path)
    {
        KeyFiles.EnsureExists(path, What);
        using var content = KeyFiles.ReadSecret(path, What);
        var text = GC.AllocateArray<char>(content.Array.Length, pinned: true);
        try
        {
            for (var i = 0; i < text.Length; i++)
            {
                text[i] = (char)content.Array[i];
            }

            var hasPrivate = ContainsPrivateKey(text);
            if (hasPrivate)
            {
                KeyFiles.EnsurePrivate(path, What);
            }

            return FromPem(text, path);
        }
        finally
        {
            Array.Clear(text);
        }
    }

    /// <summary>Parses PEM text holding one RSA private or public key; <paramref name="source"/> names it in errors.</summary>
    public static RsaMasterKey FromPem(ReadOnlySpan<char> pem, string source)
    {
        if (pem.IndexOf("ENCRYPTED", StringComparison.Ordinal) >= 0)
        {
            throw new KeyConfigurationException(
                $"The {What} '{source}' is an encrypted PEM, which S3Fs cannot prompt for. Store it decrypted with owner-only access: " +
                "openssl pkey -in ENCRYPTED.pem -out key.pem && chmod 600 key.pem");
        }

        var rsa = RSA.Create();
        try
        {
            rsa.ImportFromPem(pem);
        }
        catch (ArgumentException ex)
        {
            rsa.Dispose();
            throw new KeyConfigurationException(
                $"The {What} '{source}' holds no single RSA key in PEM form (expected one 'PRIVATE KEY', 'RSA PRIVATE KEY', 'PUBLIC KEY' or 'RSA PUBLIC KEY' block).", ex);
        }
        catch (CryptographicException ex)
        {
            rsa.Dispose();
            throw new KeyConfigurationException($"The {What} '{source}' has a PEM block that is not a valid RSA key.", ex);
        }

        if (rsa.KeySize is < MinKeySizeBits or > MaxKeySizeBits)
        {
            var bits = rsa.KeySize;
            rsa.Dispose();
            throw new KeyConfigurationException($"The {What} '{source}' is a {bits}-bit RSA key; S3Fs needs {MinKeySizeBits} to {MaxKeySizeBits} bits.");
        }

        return new RsaMasterKey(rsa, ContainsPrivateKey(pem));
    }

    public ValueTask<byte[]> WrapAsync(DataKey dataKey, ReadOnlyMemory<byte> context, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        using var payload = new PinnedSecret(PayloadSize);
        dataKey.Span.CopyTo(payload.Span);
        ContextDigest(context.Span, payload.Span[FormatV1.DataKeySize..]);
        lock (_lock)
        {
            return ValueTask.FromResult(_rsa.Encrypt(payload.Span, RSAEncryptionPadding.OaepSHA256));
        }
    }

    public ValueTask<DataKey> UnwrapAsync(ReadOnlyMemory<byte> wrapped, ReadOnlyMemory<byte> context, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (!CanUnwrap)
        {
            throw new KeyUnavailableException(
                Provider,
                KeyId,
                $"This mount has only the public key of rsa key {KeyId}: it can write new files but cannot read them. " +
                "Configure the private key (rsa:<path to private PEM>) to read.");
        }

        using var payload = new PinnedSecret(_rsa.KeySize / 8);
        int written;
        lock (_lock)
        {
            // Throws CryptographicException for a blob this key did not make (wrong key, altered bytes).
            if (!_rsa.TryDecrypt(wrapped.Span, payload.Span, RSAEncryptionPadding.OaepSHA256, out written))
            {
                throw new CryptographicException("The RSA-wrapped data key did not decrypt.");
            }
        }

        Span<byte> expected = stackalloc byte[DigestSize];
        ContextDigest(context.Span, expected);
        if (written != PayloadSize || !CryptographicOperations.FixedTimeEquals(payload.Span.Slice(FormatV1.DataKeySize, DigestSize), expected))
        {
            throw new CryptographicException("The RSA-wrapped data key was made for a different envelope (context digest mismatch).");
        }

        return ValueTask.FromResult(DataKey.FromBytes(payload.Span[..FormatV1.DataKeySize]));
    }

    public void Dispose() => _rsa.Dispose();

    public override string ToString() => $"rsa:{KeyId} ({_rsa.KeySize} bits, {(CanUnwrap ? "private" : "public only")}; key redacted)";

    private static bool ContainsPrivateKey(ReadOnlySpan<char> pem) => pem.IndexOf("PRIVATE KEY-----", StringComparison.Ordinal) >= 0;

    private static void ContextDigest(ReadOnlySpan<byte> context, Span<byte> destination)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(ContextLabel);
        hash.AppendData(context);
        hash.GetHashAndReset(destination);
    }
}
