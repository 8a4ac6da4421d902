using System.Buffers.Binary;
using System.Security.Cryptography;
using S3Fs.Crypto.Keys;

namespace S3Fs.Aws.Kms;

/// <summary>
/// The wrapped-key blob of the <c>kms</c> provider, version 1: everything needed to recover a file's data key (DEK)
/// from KMS — the KMS ciphertext of the intermediate key (IK), the IK's id and the user encryption context it was
/// made under — plus the DEK wrapped locally by the IK. Layout (integers big-endian):
/// <code>
/// offset      size  field
/// 0           1     blob version = 1
/// 1           16    IK id (random)
/// 17          2     L = length of the KMS ciphertext (1..6144, KMS's own maximum)
/// 19          L     KMS CiphertextBlob of the IK
/// 19+L        2     C = length of the encoded user context (0..512)
/// 21+L        C     user context, canonical (KmsEncryptionContext.Encode)
/// 21+L+C      12    AES-GCM nonce (random)
/// 33+L+C      32    DEK encrypted under the IK (AES-256-GCM)
/// 65+L+C      16    GCM tag; AAD = bytes 0..17 (version ‖ IK id) ‖ the caller's context bytes
/// </code>
/// Size = 81 + L + C bytes.
/// </summary>
internal sealed class IntermediateKeyBlob
{
    public const byte Version = 1;

    public const int IntermediateKeyIdSize = 16;

    /// <summary>The largest CiphertextBlob KMS returns or accepts (API reference: CiphertextBlob length 1..6144).</summary>
    public const int MaxKmsCiphertextSize = 6144;

    public const int NonceSize = 12;

    public const int TagSize = 16;

    /// <summary>Bytes of the blob that are not the KMS ciphertext or the user context.</summary>
    public const int FixedOverhead = 1 + IntermediateKeyIdSize + 2 + 2 + NonceSize + DataKey.SizeInBytes + TagSize;

    private const int HeaderSize = 1 + IntermediateKeyIdSize;

    private readonly ReadOnlyMemory<byte> _blob;
    private readonly int _kmsLength;
    private readonly int _userContextLength;

    private IntermediateKeyBlob(ReadOnlyMemory<byte> blob, int kmsLength, int userContextLength)
    {
        _blob = blob;
        _kmsLength = kmsLength;
        _userContextLength = userContextLength;
    }

    public ReadOnlySpan<byte> IntermediateKeyId => _blob.Span.Slice(1, IntermediateKeyIdSize);

    public ReadOnlyMemory<byte> KmsCiphertext => _blob.Slice(HeaderSize + 2, _kmsLength);

    public ReadOnlySpan<byte> EncodedUserContext => _blob.Span.Slice(HeaderSize + 2 + _kmsLength + 2, _userContextLength);

    /// <summary>
    /// Identifies the IK for caching: a hash over everything sent to KMS to recover it (IK id, KMS ciphertext, user
    /// context), so a cache hit stands for exactly the Decrypt call it saves.
    /// </summary>
    public string CacheKey => ComputeCacheKey(IntermediateKeyId, KmsCiphertext.Span, EncodedUserContext);

    /// <summary>SHA-256 over IK id ‖ u16 L ‖ KMS ciphertext ‖ u16 C ‖ user context: the blob bytes 1..21+L+C.</summary>
    public static string ComputeCacheKey(ReadOnlySpan<byte> intermediateKeyId, ReadOnlySpan<byte> kmsCiphertext, ReadOnlySpan<byte> encodedUserContext)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Span<byte> length = stackalloc byte[2];
        hash.AppendData(intermediateKeyId);
        BinaryPrimitives.WriteUInt16BigEndian(length, checked((ushort)kmsCiphertext.Length));
        hash.AppendData(length);
        hash.AppendData(kmsCiphertext);
        BinaryPrimitives.WriteUInt16BigEndian(length, checked((ushort)encodedUserContext.Length));
        hash.AppendData(length);
        hash.AppendData(encodedUserContext);
        return Convert.ToHexString(hash.GetHashAndReset());
    }

    public static int SizeFor(int kmsCiphertextLength, int encodedUserContextLength) => FixedOverhead + kmsCiphertextLength + encodedUserContextLength;

    /// <summary>Wraps <paramref name="dataKey"/> under <paramref name="intermediateKey"/> and lays out the blob.</summary>
    public static byte[] Seal(
        ReadOnlySpan<byte> intermediateKeyId,
        ReadOnlySpan<byte> kmsCiphertext,
        ReadOnlySpan<byte> encodedUserContext,
        DataKey intermediateKey,
        DataKey dataKey,
        ReadOnlySpan<byte> context)
    {
        var blob = new byte[SizeFor(kmsCiphertext.Length, encodedUserContext.Length)];
        var span = blob.AsSpan();
        span[0] = Version;
        intermediateKeyId.CopyTo(span[1..]);
        var offset = HeaderSize;
        BinaryPrimitives.WriteUInt16BigEndian(span[offset..], checked((ushort)kmsCiphertext.Length));
        kmsCiphertext.CopyTo(span[(offset + 2)..]);
        offset += 2 + kmsCiphertext.Length;
        BinaryPrimitives.WriteUInt16BigEndian(span[offset..], checked((ushort)encodedUserContext.Length));
        encodedUserContext.CopyTo(span[(offset + 2)..]);
        offset += 2 + encodedUserContext.Length;
        var nonce = span.Slice(offset, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(intermediateKey.Span, TagSize);
        aes.Encrypt(nonce, dataKey.Span, span.Slice(offset + NonceSize, DataKey.SizeInBytes), span[^TagSize..], Aad(span[..HeaderSize], context));
        return blob;
    }

    /// <summary>Parses strictly; throws <see cref="CryptographicException"/> saying what is wrong.</summary>
    public static IntermediateKeyBlob Parse(ReadOnlyMemory<byte> blob)
    {
        var span = blob.Span;
        if (span.IsEmpty)
        {
            throw new CryptographicException("The KMS-wrapped data key is empty; the object's metadata is corrupt.");
        }

        if (span[0] != Version)
        {
            throw new CryptographicException(
                $"The KMS-wrapped data key has blob version {span[0]}; this build reads version {Version} only. "
                + "A newer S3Fs wrote it: upgrade to read it.");
        }

        if (span.Length < HeaderSize + 2)
        {
            throw Truncated(span.Length);
        }

        var kmsLength = BinaryPrimitives.ReadUInt16BigEndian(span[HeaderSize..]);
        if (kmsLength is 0 or > MaxKmsCiphertextSize)
        {
            throw new CryptographicException($"The KMS-wrapped data key declares a KMS ciphertext of {kmsLength} bytes (valid: 1..{MaxKmsCiphertextSize}); the object's metadata is corrupt.");
        }

        var contextOffset = HeaderSize + 2 + kmsLength;
        if (span.Length < contextOffset + 2)
        {
            throw Truncated(span.Length);
        }

        var contextLength = BinaryPrimitives.ReadUInt16BigEndian(span[contextOffset..]);
        if (contextLength > KmsEncryptionContext.MaxEncodedUserContextBytes)
        {
            throw new CryptographicException($"The KMS-wrapped data key declares a {contextLength}-byte encryption context (at most {KmsEncryptionContext.MaxEncodedUserContextBytes}); the object's metadata is corrupt.");
        }

        var expected = SizeFor(kmsLength, contextLength);
        if (span.Length != expected)
        {
            throw span.Length < expected
                ? Truncated(span.Length)
                : new CryptographicException($"The KMS-wrapped data key has {span.Length - expected} unexpected trailing bytes; the object's metadata is corrupt.");
        }

        // A private copy: the caller's buffer may change while KMS is being called.
        return new IntermediateKeyBlob(blob.ToArray(), kmsLength, contextLength);
    }

    /// <summary>Unwraps the DEK; a wrong IK, a changed context or any flipped byte fails authentication.</summary>
    public DataKey Open(DataKey intermediateKey, ReadOnlySpan<byte> context)
    {
        var span = _blob.Span;
        var offset = HeaderSize + 2 + _kmsLength + 2 + _userContextLength;
        Span<byte> plain = stackalloc byte[DataKey.SizeInBytes];
        try
        {
            using var aes = new AesGcm(intermediateKey.Span, TagSize);
            aes.Decrypt(span.Slice(offset, NonceSize), span.Slice(offset + NonceSize, DataKey.SizeInBytes), span[^TagSize..], plain, Aad(span[..HeaderSize], context));
            return DataKey.FromBytes(plain);
        }
        catch (AuthenticationTagMismatchException e)
        {
            throw new CryptographicException(
                "The data key wrapped under the KMS intermediate key failed authentication: the object's format fields (file id, "
                + "block size, version...) do not match what was bound when it was written, or its metadata was altered. The object "
                + "cannot be decrypted safely.",
                e);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plain);
        }
    }

    private static byte[] Aad(ReadOnlySpan<byte> header, ReadOnlySpan<byte> context)
    {
        var aad = new byte[header.Length + context.Length];
        header.CopyTo(aad);
        context.CopyTo(aad.AsSpan(header.Length));
        return aad;
    }

    private static CryptographicException Truncated(int length) =>
        new($"The KMS-wrapped data key is truncated ({length} bytes); the object's metadata is corrupt.");
}
