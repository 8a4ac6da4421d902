using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace S3Fs.Testing.Kms;

/// <summary>
/// The test server's ciphertext blob. Opaque to clients, as AWS's is, but like AWS's it names the key that made it
/// and is authenticated: <c>version(1) ‖ key id (16, the key's GUID) ‖ nonce (12) ‖ AES-256-GCM ciphertext ‖ tag
/// (16)</c>, with AAD = the first 17 bytes ‖ the canonical encryption context. Decrypting with another context, or
/// after any byte changed, fails authentication and becomes <c>InvalidCiphertextException</c>.
/// </summary>
internal static class KmsTestCiphertext
{
    private const byte Version = 1;
    private const int HeaderSize = 1 + 16;
    private const int NonceSize = 12;
    private const int TagSize = 16;

    public static byte[] Seal(Guid keyId, ReadOnlySpan<byte> material, ReadOnlySpan<byte> plaintext, IReadOnlyDictionary<string, string> context)
    {
        var blob = new byte[HeaderSize + NonceSize + plaintext.Length + TagSize];
        blob[0] = Version;
        keyId.TryWriteBytes(blob.AsSpan(1, 16), bigEndian: true, out _);
        var nonce = blob.AsSpan(HeaderSize, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(material, TagSize);
        aes.Encrypt(
            nonce,
            plaintext,
            blob.AsSpan(HeaderSize + NonceSize, plaintext.Length),
            blob.AsSpan(blob.Length - TagSize),
            Aad(blob.AsSpan(0, HeaderSize), context));
        return blob;
    }

    /// <summary>The key id a blob claims, or null when the blob is not one of ours.</summary>
    public static Guid? KeyIdOf(ReadOnlySpan<byte> blob) =>
        blob.Length >= HeaderSize + NonceSize + TagSize && blob[0] == Version ? new Guid(blob.Slice(1, 16), bigEndian: true) : null;

    /// <summary>Opens a blob; throws <c>InvalidCiphertextException</c> on any authentication failure.</summary>
    public static byte[] Open(ReadOnlySpan<byte> blob, ReadOnlySpan<byte> material, IReadOnlyDictionary<string, string> context)
    {
        var plaintext = new byte[blob.Length - HeaderSize - NonceSize - TagSize];
        using var aes = new AesGcm(material, TagSize);
        try
        {
            aes.Decrypt(
                blob.Slice(HeaderSize, NonceSize),
                blob.Slice(HeaderSize + NonceSize, plaintext.Length),
                blob[^TagSize..],
                plaintext,
                Aad(blob[..HeaderSize], context));
        }
        catch (AuthenticationTagMismatchException)
        {
            throw KmsFaultException.InvalidCiphertext();
        }

        return plaintext;
    }

    /// <summary>Header ‖ for each context pair in ordinal key order: u16 key length ‖ key ‖ u16 value length ‖ value.</summary>
    private static byte[] Aad(ReadOnlySpan<byte> header, IReadOnlyDictionary<string, string> context)
    {
        using var buffer = new MemoryStream();
        buffer.Write(header);
        Span<byte> length = stackalloc byte[2];
        foreach (var (key, value) in context.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            foreach (var text in (ReadOnlySpan<string>)[key, value])
            {
                var bytes = Encoding.UTF8.GetBytes(text);
                BinaryPrimitives.WriteUInt16BigEndian(length, checked((ushort)bytes.Length));
                buffer.Write(length);
                buffer.Write(bytes);
            }
        }

        return buffer.ToArray();
    }
}
