using S3Fs.Crypto;
using S3Fs.Crypto.Format;

namespace S3Fs.Core.Maintenance;

/// <summary>
/// What <see cref="StreamingRewriter"/> does to each part of an object on its way through: seal it (migrate) or pass
/// it as it is (a copy the server could not do). Parts start at multiples of <see cref="Unit"/> of the source.
/// </summary>
internal abstract class PartTransform
{
    /// <summary>Part sizes are multiples of this many source bytes (a block for sealing, 1 for copying).</summary>
    public abstract int Unit { get; }

    /// <summary>Size of the rewritten object for a source of <paramref name="sourceSize"/> bytes.</summary>
    public abstract long OutputSize(long sourceSize);

    /// <summary>Output bytes of the part [<paramref name="offset"/>, +<paramref name="length"/>) of the source.</summary>
    public abstract int OutputLength(long offset, int length);

    /// <summary>Writes the output of the part that starts at source offset <paramref name="offset"/>.</summary>
    public abstract void Apply(ReadOnlySpan<byte> source, long offset, long sourceSize, Span<byte> destination);
}

/// <summary>The bytes as they are: a server-side copy done by hand (ciphertext stays ciphertext).</summary>
internal sealed class CopyTransform : PartTransform
{
    public static readonly CopyTransform Instance = new();

    public override int Unit => 1;

    public override long OutputSize(long sourceSize) => sourceSize;

    public override int OutputLength(long offset, int length) => length;

    public override void Apply(ReadOnlySpan<byte> source, long offset, long sourceSize, Span<byte> destination) => source.CopyTo(destination);
}

/// <summary>Plaintext in, format v1 out: every block sealed with its index, the last one as final.</summary>
internal sealed class SealTransform(FileCipher cipher) : PartTransform
{
    public override int Unit => cipher.Layout.PlainBlockSize;

    public override long OutputSize(long sourceSize) => cipher.Layout.CipherSizeFromPlainSize(sourceSize);

    public override int OutputLength(long offset, int length) =>
        length == 0 ? BlockLayout.Overhead : (int)(length + (cipher.Layout.BlockCount(length) * BlockLayout.Overhead));

    public override void Apply(ReadOnlySpan<byte> source, long offset, long sourceSize, Span<byte> destination)
    {
        if (sourceSize == 0)
        {
            cipher.SealBlock(0, isFinal: true, [], destination); // the empty file: one sealed empty block
            return;
        }

        var layout = cipher.Layout;
        var last = layout.BlockCount(sourceSize) - 1;
        var read = 0;
        var written = 0;
        for (var index = offset / layout.PlainBlockSize; read < source.Length; index++)
        {
            var length = layout.PlainLengthOf(index, sourceSize);
            written += cipher.SealBlock(index, index == last, source.Slice(read, length), destination[written..]);
            read += length;
        }
    }
}
