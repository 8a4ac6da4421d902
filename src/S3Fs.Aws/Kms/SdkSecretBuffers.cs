using System.Security.Cryptography;
using S3Fs.Crypto.Keys;

namespace S3Fs.Aws.Kms;

/// <summary>
/// Moves a plaintext key out of an AWS SDK response into a <see cref="DataKey"/> and overwrites the SDK's
/// <see cref="MemoryStream"/> with zeros, so the key does not linger in an unpinned, unzeroed managed array.
/// The SDK's own transient copies (the HTTP response buffer, the base64 string it decoded) are beyond reach.
/// </summary>
internal static class SdkSecretBuffers
{
    public static DataKey TakeDataKey(MemoryStream? plaintext, string operation)
    {
        if (plaintext is null)
        {
            throw new CryptographicException($"KMS {operation} returned no plaintext key.");
        }

        try
        {
            if (plaintext.Length != DataKey.SizeInBytes)
            {
                throw new CryptographicException($"KMS {operation} returned a {plaintext.Length}-byte key; a {DataKey.SizeInBytes}-byte AES-256 key was requested.");
            }

            if (plaintext.TryGetBuffer(out var exposed))
            {
                return DataKey.FromBytes(exposed.AsSpan());
            }

            Span<byte> copy = stackalloc byte[DataKey.SizeInBytes];
            try
            {
                plaintext.Position = 0;
                plaintext.ReadExactly(copy);
                return DataKey.FromBytes(copy);
            }
            finally
            {
                CryptographicOperations.ZeroMemory(copy);
            }
        }
        finally
        {
            Zero(plaintext);
        }
    }

    /// <summary>Overwrites the stream's contents in place (its buffer is fixed-size, so writing does not reallocate).</summary>
    private static void Zero(MemoryStream stream)
    {
        if (stream.TryGetBuffer(out var exposed))
        {
            CryptographicOperations.ZeroMemory(exposed.AsSpan());
        }
        else if (stream.CanWrite)
        {
            stream.Position = 0;
            stream.Write(new byte[stream.Length]);
        }

        stream.Position = 0;
    }
}
