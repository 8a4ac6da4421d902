using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace S3Fs.Crypto.Format;

/// <summary>
/// Builds the canonical envelope bytes of FILE-FORMAT.md §4: <c>ctx</c> (the binding context handed to master keys)
/// and the key commitment over <c>ctx</c> and the wrapped key. Each field is its exact ASCII metadata value with a
/// 16-bit length prefix, so no two different envelopes share an encoding.
/// </summary>
public static class CanonicalEnvelope
{
    private static readonly byte[] ContextLabel = "s3cfs/v1/envelope"u8.ToArray();

    public static byte[] Context(int blockSize, FileId fileId, string provider, string keyId)
    {
        string[] fields =
        [
            FormatV1.Version.ToString(CultureInfo.InvariantCulture),
            FormatV1.Algorithm,
            blockSize.ToString(CultureInfo.InvariantCulture),
            fileId.ToHex(),
            provider,
            keyId,
        ];
        var length = ContextLabel.Length + fields.Sum(f => 2 + Encoding.ASCII.GetByteCount(f));
        var result = new byte[length];
        ContextLabel.CopyTo(result, 0);
        var position = ContextLabel.Length;
        foreach (var field in fields)
        {
            position += WriteField(result.AsSpan(position), Encoding.ASCII.GetBytes(field));
        }

        return result;
    }

    /// <summary>HMAC-SHA256(commitKey, ctx ‖ u16(len W) ‖ W), all 32 bytes.</summary>
    public static byte[] Commitment(ReadOnlySpan<byte> commitKey, ReadOnlySpan<byte> context, ReadOnlySpan<byte> wrappedKey)
    {
        var message = new byte[context.Length + 2 + wrappedKey.Length];
        context.CopyTo(message);
        WriteField(message.AsSpan(context.Length), wrappedKey);
        return HMACSHA256.HashData(commitKey, message);
    }

    private static int WriteField(Span<byte> destination, ReadOnlySpan<byte> value)
    {
        if (value.Length > ushort.MaxValue)
        {
            throw new ArgumentException("An envelope field cannot exceed 65535 bytes.", nameof(value));
        }

        BinaryPrimitives.WriteUInt16BigEndian(destination, (ushort)value.Length);
        value.CopyTo(destination[2..]);
        return 2 + value.Length;
    }
}
