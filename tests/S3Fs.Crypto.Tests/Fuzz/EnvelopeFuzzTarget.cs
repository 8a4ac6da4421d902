using System.Text;
using S3Fs.Crypto.Format;

namespace S3Fs.Crypto.Tests.Fuzz;

/// <summary>
/// The envelope parser over arbitrary metadata: input is UTF-8 lines of <c>name=value</c>. Contract: only
/// <see cref="EnvelopeFormatException"/> escapes, and anything accepted re-encodes to exactly its s3cfs-* fields
/// (the canonical form is unique, so no two texts parse to the same envelope).
/// </summary>
public sealed class EnvelopeFuzzTarget : IFuzzTarget
{
    public static void Fuzz(ReadOnlySpan<byte> input)
    {
        var metadata = ToMetadata(input);
        ObjectEnvelope envelope;
        try
        {
            envelope = EnvelopeCodec.Decode(metadata);
        }
        catch (EnvelopeFormatException)
        {
            return;
        }

        var ours = metadata.Where(kv => kv.Key.StartsWith("s3cfs-", StringComparison.OrdinalIgnoreCase))
            .ToDictionary(kv => kv.Key.ToLowerInvariant(), kv => kv.Value, StringComparer.Ordinal);
        var encoded = EnvelopeCodec.Encode(envelope);
        if (encoded.Count != ours.Count || encoded.Any(kv => !ours.TryGetValue(kv.Key, out var v) || v != kv.Value))
        {
            throw new InvalidOperationException("Decode accepted a non-canonical envelope.");
        }
    }

    public static Dictionary<string, string> ToMetadata(ReadOnlySpan<byte> input)
    {
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in Encoding.UTF8.GetString(input).Split('\n'))
        {
            var eq = line.IndexOf('=', StringComparison.Ordinal);
            if (eq > 0)
            {
                metadata[line[..eq]] = line[(eq + 1)..];
            }
        }

        return metadata;
    }

    public static byte[] ToInput(IReadOnlyDictionary<string, string> metadata) =>
        Encoding.UTF8.GetBytes(string.Join("\n", metadata.Select(kv => kv.Key + "=" + kv.Value)));
}
