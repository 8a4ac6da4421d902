using S3Fs.Crypto.Ciphers;
using S3Fs.Crypto.Format;

namespace S3Fs.Crypto.Tests.Fuzz;

/// <summary>
/// Block opening over arbitrary bytes: the first byte picks index and final flag, the rest is the sealed block.
/// Contract: TryOpenBlock returns false (forgery is infeasible) and never throws; the destination stays zeroed.
/// </summary>
public sealed class BlockOpenFuzzTarget : IFuzzTarget
{
    private static readonly Lazy<FileCipher> Cipher = new(() =>
    {
        var envelope = new ObjectEnvelope(FormatV1.MinBlockSize, FileId.New(), KeyProviders.File, "fuzz", new byte[60], new byte[32]);
        return new FileCipher(envelope, new AesGcmBlockCipher(new byte[32]), "fuzz");
    });

    public static void Fuzz(ReadOnlySpan<byte> input)
    {
        if (input.IsEmpty)
        {
            return;
        }

        var selector = input[0];
        var dest = new byte[FormatV1.MinBlockSize];
        if (Cipher.Value.TryOpenBlock(selector >> 1, (selector & 1) == 1, input[1..], dest, out var written) || written != 0)
        {
            throw new InvalidOperationException("A random block opened.");
        }

        if (dest.Any(b => b != 0))
        {
            throw new InvalidOperationException("A failed open left bytes in the destination.");
        }
    }
}
